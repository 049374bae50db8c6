"""Reads of reservations (writes are in farm_erp.stock)."""

from __future__ import annotations

from typing import Any

from farm_erp import clock
from farm_erp.db import Connection
from farm_erp.lists import PageParams
from farm_erp.sql import Filters, paged

_RESERVATION = """SELECT r.*, i.sku, i.name AS item_name,
                         (r.status = 'pending' AND r.reserved_until > %(now)s) AS is_live
                    FROM reservations r JOIN items i ON i.id = r.item_id"""


def get_reservation(conn: Connection, reservation_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_RESERVATION} WHERE r.id = %(id)s", {"id": reservation_id, "now": clock.now()}).fetchone()


def list_reservations(
    conn: Connection, item_id: int | None, module_key: str | None, status: str | None, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Reservations, newest first."""
    filters = Filters()
    filters.when(item_id, "r.item_id = %(item_id)s", "item_id")
    filters.when(module_key, "r.module_key = %(module_key)s", "module_key")
    filters.when(status, "r.status = %(status)s", "status")
    filters.params["now"] = clock.now()  # is_live in the select list
    return paged(conn, _RESERVATION, filters, "r.created_at DESC, r.id DESC", paging, count_from="reservations r")
