"""Batch SQL: the batch view (current tank, cycle costs), creation and the counters events move."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

COST_COLUMNS = (
    "fingerling",
    "feed",
    "chemical",
    "labour",
    "utilities",
    "other",
    "transfer_in",
    "transfer_out",
    "total_cost",
    "net_cost",
    "total_revenue",
    "gross_profit",
)

# The batch view (the batch, its parent's code, current tank and cycle costs) is the database function batch_views
# (migration 0048): its statement keeps its plan in the server session, where the same 45 columns sent as text were
# parsed and planned at every request (docs/performance.md, "The batch list").
_VIEWS = "SELECT * FROM batch_views(%s::bigint[])"
# The list chooses its page's ids from batches (with the open assignment when a filter needs the tank).
_IDS = "SELECT b.id FROM batches b"
_IDS_BY_TANK = "SELECT b.id FROM batches b JOIN tank_assignments a ON a.batch_id = b.id AND a.end_date IS NULL"


def list_batches(
    conn: Connection,
    *,
    status: str | None,
    species: str | None,
    tank_id: int | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.when(status, "b.status = %(status)s", "status")
    f.when(species, "lower(b.species) = lower(%(species)s)", "species")
    f.when(tank_id, "a.tank_id = %(tank_id)s", "tank_id")
    # The total counts as few tables as give the same number: every batch has its one cycle_costs row (created with
    # it, in the same transaction) and at most one open assignment (a unique index), so without filters it is the
    # number of cycle_costs rows.
    if tank_id is not None:
        ids = _IDS_BY_TANK
        counted = "batches b JOIN tank_assignments a ON a.batch_id = b.id AND a.end_date IS NULL"
    else:
        ids = _IDS
        counted = "batches b" if f.clauses else "cycle_costs c"
    return sql.paged_by_ids(
        conn,
        ids,
        f,
        "b.stocking_date DESC, b.id DESC",
        paging,
        rows="batch_views({ids})",
        rows_order="v.stocking_date DESC, v.id DESC",
        count_from=counted,
    )


def batch_view(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute(_VIEWS, ([batch_id],)).fetchone()
    return dict(row) if row else None


def code_taken(conn: Connection, codes: list[str]) -> list[str]:
    rows = conn.execute("SELECT code FROM batches WHERE upper(code) = ANY(%s)", ([c.upper() for c in codes],))
    return [str(r["code"]) for r in rows.fetchall()]


def insert_batch(conn: Connection, v: dict[str, Any], user_id: int | None) -> int:
    row = conn.execute(
        """INSERT INTO batches (code, species, source, stocking_date, origin_stocking_date, initial_count,
                                initial_avg_weight_g, current_count, current_avg_weight_g, parent_batch_id, notes,
                                created_by)
           VALUES (%(code)s, %(species)s, %(source)s, %(stocking_date)s, %(origin_stocking_date)s, %(initial_count)s,
                   %(initial_avg_weight_g)s, %(initial_count)s, %(initial_avg_weight_g)s, %(parent_batch_id)s,
                   %(notes)s, %(user_id)s)
           RETURNING id""",
        {**v, "user_id": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def insert_cycle_costs(conn: Connection, batch_id: int, transfer_in: Decimal = Decimal(0)) -> None:
    conn.execute("INSERT INTO cycle_costs (batch_id, transfer_in) VALUES (%s, %s)", (batch_id, transfer_in))


def lock_cycle_costs(conn: Connection, batch_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM cycle_costs WHERE batch_id = %s FOR UPDATE", (batch_id,)).fetchone()
    assert row is not None
    return dict(row)


# Cost categories a caller may add to; the names are the cycle_costs columns.
COST_CATEGORIES = (
    "fingerling",
    "feed",
    "chemical",
    "labour",
    "utilities",
    "other",
    "transfer_in",
    "transfer_out",
    "total_revenue",
)


def add_cost(conn: Connection, batch_id: int, category: str, amount: Decimal) -> None:
    if category not in COST_CATEGORIES:
        raise ValueError(category)
    conn.execute(f"UPDATE cycle_costs SET {category} = {category} + %s WHERE batch_id = %s", (amount, batch_id))


def insert_cost_entry(
    conn: Connection,
    batch_id: int,
    category: str,
    amount: Decimal,
    entry_date: date,
    description: str | None,
    user_id: int | None,
) -> int:
    row = conn.execute(
        """INSERT INTO cost_entries (batch_id, category, amount, entry_date, description, created_by)
           VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
        (batch_id, category, amount, entry_date, description, user_id),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def cost_entries(conn: Connection, batch_id: int, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.add("e.batch_id = %(batch_id)s", batch_id=batch_id)
    select = "SELECT e.*, b.code AS batch_code FROM cost_entries e JOIN batches b ON b.id = e.batch_id"
    return sql.paged(conn, select, f, "e.entry_date DESC, e.id DESC", paging)


def cost_entry(conn: Connection, entry_id: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT e.*, b.code AS batch_code FROM cost_entries e JOIN batches b ON b.id = e.batch_id WHERE e.id = %s",
        (entry_id,),
    ).fetchone()
    assert row is not None
    return dict(row)


def cycle_costs(conn: Connection, batch_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM cycle_costs WHERE batch_id = %s", (batch_id,)).fetchone()
    assert row is not None
    return dict(row)


# The columns the services set: the editable details, what a sampling moves, and what closing a batch records.
UPDATABLE = (
    "species",
    "source",
    "notes",
    "current_avg_weight_g",
    "last_sample_date",
    "status",
    "end_date",
    "end_avg_weight_g",
)


def update_batch(conn: Connection, batch_id: int, changes: dict[str, Any]) -> None:
    """Set columns of UPDATABLE (any other name is a ValueError: farm_erp.sql.update_columns)."""
    sql.update_columns(conn, "batches", batch_id, changes, UPDATABLE)


def bump_batch(conn: Connection, batch_id: int, **deltas: Any) -> None:
    """Add to counters (relative changes, so a concurrent writer can never be overwritten)."""
    sets = ", ".join(f"{c} = {c} + %({c})s" for c in deltas)
    conn.execute(f"UPDATE batches SET {sets} WHERE id = %(id)s", {**deltas, "id": batch_id})


def last_harvest_date(conn: Connection, batch_id: int) -> date | None:
    row = conn.execute("SELECT max(harvest_date) AS d FROM harvests WHERE batch_id = %s", (batch_id,)).fetchone()
    return row["d"] if row else None


def cost_entries_all(conn: Connection, batch_id: int, limit: int) -> list[dict[str, Any]]:
    """Oldest first, for the Excel report."""
    rows = conn.execute(
        "SELECT * FROM cost_entries WHERE batch_id = %s ORDER BY entry_date, id LIMIT %s", (batch_id, limit)
    ).fetchall()
    return [dict(r) for r in rows]


def get_batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM batches WHERE id = %s", (batch_id,)).fetchone()
    return dict(row) if row else None
