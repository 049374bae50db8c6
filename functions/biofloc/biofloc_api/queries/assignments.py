"""Tank assignments: which batch is in which tank since when; opening one puts the tank in use, closing frees it."""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection


def open_assignment_of_batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM tank_assignments WHERE batch_id = %s AND end_date IS NULL", (batch_id,)
    ).fetchone()
    return dict(row) if row else None


def open_assignment_of_tank(conn: Connection, tank_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM tank_assignments WHERE tank_id = %s AND end_date IS NULL", (tank_id,)).fetchone()
    return dict(row) if row else None


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
