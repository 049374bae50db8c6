"""Shared SQL helpers: paged lists built from fixed fragments, row locks in the fixed order of docs/rules.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from farm_erp import figures
from farm_erp.db import Connection
from farm_erp.lists import PageParams


class Filters:
    """WHERE clauses from fixed SQL fragments with named parameters (values never enter the SQL text)."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: dict[str, Any] = {}

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    def when(self, value: Any, clause: str, name: str) -> None:
        """Add `clause` when the filter value was given."""
        if value is not None:
            self.add(clause, **{name: value})

    @property
    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def paged(
    conn: Connection,
    select: str,
    filters: Filters,
    order: str,
    paging: PageParams,
    *,
    count_from: str | None = None,
    counted: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One query for the page and one for the count.

    The count does not repeat the page's joins when `count_from` (the base table with its alias, plus any join a
    filter needs) yields the same rows; without filters it is the table's maintained row count when `counted`
    names one (farm_erp.figures): counting 70,000 event rows cost more than the page itself.
    """
    params = {**filters.params, "limit": paging.limit, "offset": paging.offset}
    rows = conn.execute(f"{select} {filters.sql} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    if counted is not None and not filters.clauses:
        return [dict(r) for r in rows], figures.row_count(conn, counted)
    source = f"FROM {count_from} {filters.sql}" if count_from else f"FROM ({select} {filters.sql}) AS page"
    total = conn.execute(f"SELECT count(*) AS n {source}", filters.params).fetchone()
    return [dict(r) for r in rows], int(total["n"]) if total else 0


def lock_tanks(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Tanks FOR UPDATE in id order (the first step of the lock order)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute("SELECT * FROM tanks WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (wanted,)).fetchall()
    return {int(r["id"]): dict(r) for r in rows}


def lock_batches(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Fish batches FOR UPDATE in id order (after the tanks)."""
    wanted = sorted(set(ids))
    rows = conn.execute("SELECT * FROM batches WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (wanted,)).fetchall()
    return {int(r["id"]): dict(r) for r in rows}


def open_assignment_of_batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM tank_assignments WHERE batch_id = %s AND end_date IS NULL", (batch_id,)
    ).fetchone()
    return dict(row) if row else None


def open_assignment_of_tank(conn: Connection, tank_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM tank_assignments WHERE tank_id = %s AND end_date IS NULL", (tank_id,)).fetchone()
    return dict(row) if row else None


def get_tank(conn: Connection, tank_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM tanks WHERE id = %s", (tank_id,)).fetchone()
    return dict(row) if row else None


def get_batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM batches WHERE id = %s", (batch_id,)).fetchone()
    return dict(row) if row else None


def set_tank_status(conn: Connection, tank_id: int, status: str) -> None:
    conn.execute("UPDATE tanks SET status = %s WHERE id = %s", (status, tank_id))


def open_assignment(
    conn: Connection,
    *,
    batch_id: int,
    tank_id: int,
    start_date: Any,
    start_reason: str,
    fish_count: int,
    avg_weight_g: Any,
    reason: str | None,
    user_id: int | None,
) -> int:
    row = conn.execute(
        """INSERT INTO tank_assignments (batch_id, tank_id, start_date, start_reason, fish_count_at_start,
                                         avg_weight_at_start_g, reason, created_by)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (batch_id, tank_id, start_date, start_reason, fish_count, avg_weight_g, reason, user_id),
    ).fetchone()
    assert row is not None
    conn.execute("UPDATE tanks SET status = 'in_use' WHERE id = %s", (tank_id,))
    return int(row["id"])


def close_assignment(conn: Connection, assignment: dict[str, Any], end_date: Any, end_reason: str) -> None:
    """End the open assignment; its tank is free again."""
    conn.execute(
        "UPDATE tank_assignments SET end_date = %s, end_reason = %s WHERE id = %s",
        (end_date, end_reason, assignment["id"]),
    )
    conn.execute("UPDATE tanks SET status = 'available' WHERE id = %s", (assignment["tank_id"],))
