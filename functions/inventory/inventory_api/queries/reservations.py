"""Reads of reservations (writes are in farm_erp.stock)."""

from __future__ import annotations

from typing import Any

from farm_erp import clock
from farm_erp.db import Connection
from inventory_api.queries.common import Where, count

_RESERVATION = """SELECT r.*, i.sku, i.name AS item_name,
                         (r.status = 'pending' AND r.reserved_until > %(now)s) AS is_live
                    FROM reservations r JOIN items i ON i.id = r.item_id"""


def get_reservation(conn: Connection, reservation_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_RESERVATION} WHERE r.id = %(id)s", {"id": reservation_id, "now": clock.now()}).fetchone()


def list_reservations(
    conn: Connection, item_id: int | None, module_key: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Reservations, newest first."""
    w = Where()
    if item_id is not None:
        w.add("r.item_id = %(item_id)s", item_id=item_id)
    if module_key is not None:
        w.add("r.module_key = %(module_key)s", module_key=module_key)
    if status is not None:
        w.add("r.status = %(status)s", status=status)
    rows = conn.execute(
        f"{_RESERVATION} WHERE {w.sql()} ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s OFFSET %(offset)s",
        {**w.params, "now": clock.now(), "limit": limit, "offset": offset},
    ).fetchall()
    return rows, count(conn, f"SELECT count(*) AS n FROM reservations r WHERE {w.sql()}", w.params)
