"""Reads of the stock ledger and adjustments (all writes go through farm_erp.stock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from farm_erp import figures
from farm_erp.db import Connection
from farm_erp.lists import DateRange
from inventory_api.queries.common import Where, count

_LEDGER = """SELECT sl.id, sl.occurred_at, sl.item_id, i.sku, i.name AS item_name, sl.type, sl.lot_id,
                    l.lot_number, sl.qty_change, sl.unit_cost, sl.cost, sl.balance_after, sl.module_key,
                    sl.operation_id, sl.ref_line_id, sl.tank_id, sl.fish_batch_id, sl.notes,
                    sl.created_by AS user_id, us.email AS user_email
               FROM stock_ledger sl
               JOIN items i ON i.id = sl.item_id
               JOIN lots l ON l.id = sl.lot_id
               LEFT JOIN users us ON us.id = sl.created_by"""


@dataclass(frozen=True)
class LedgerFilters:
    item_id: int | None = None
    type: str | None = None
    module_key: str | None = None
    operation_id: int | None = None
    dates: DateRange = field(default_factory=DateRange)

    def where(self) -> Where:
        w = Where()
        if self.item_id is not None:
            w.add("sl.item_id = %(item_id)s", item_id=self.item_id)
        if self.type is not None:
            w.add("sl.type = %(type)s", type=self.type)
        if self.module_key is not None:
            w.add("sl.module_key = %(module_key)s", module_key=self.module_key)
        if self.operation_id is not None:
            w.add("sl.operation_id = %(operation_id)s", operation_id=self.operation_id)
        if self.dates.since is not None:
            w.add("sl.occurred_at >= %(since)s", since=self.dates.since)
        if self.dates.until is not None:
            w.add("sl.occurred_at < %(until)s", until=self.dates.until)
        return w


def list_ledger(conn: Connection, f: LedgerFilters, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Ledger rows, newest first."""
    w = f.where()
    rows = conn.execute(
        f"{_LEDGER} WHERE {w.sql()} ORDER BY sl.occurred_at DESC, sl.id DESC LIMIT %(limit)s OFFSET %(offset)s",
        {**w.params, "limit": limit, "offset": offset},
    ).fetchall()
    if not w.parts:  # the whole ledger: its maintained row count (a million rows cost ≈ 40 ms to count)
        return rows, figures.row_count(conn, "stock_ledger")
    return rows, count(conn, f"SELECT count(*) AS n FROM stock_ledger sl WHERE {w.sql()}", w.params)


def ledger_for_export(conn: Connection, f: LedgerFilters, limit: int) -> list[dict[str, Any]]:
    w = f.where()
    return conn.execute(
        f"{_LEDGER} WHERE {w.sql()} ORDER BY sl.occurred_at DESC, sl.id DESC LIMIT %(limit)s",
        {**w.params, "limit": limit},
    ).fetchall()


def ledger_of_operation(conn: Connection, operation_id: int) -> list[dict[str, Any]]:
    return conn.execute(f"{_LEDGER} WHERE sl.operation_id = %s ORDER BY sl.id", (operation_id,)).fetchall()


_ADJUSTMENT = """SELECT a.*, i.sku, i.name AS item_name FROM stock_adjustments a JOIN items i ON i.id = a.item_id"""


def get_adjustment(conn: Connection, adjustment_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_ADJUSTMENT} WHERE a.id = %s", (adjustment_id,)).fetchone()


def list_adjustments(
    conn: Connection,
    item_id: int | None,
    type_: str | None,
    dates: DateRange,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Adjustments, newest first."""
    w = Where()
    if item_id is not None:
        w.add("a.item_id = %(item_id)s", item_id=item_id)
    if type_ is not None:
        w.add("a.type = %(type)s", type=type_)
    if dates.since is not None:
        w.add("a.created_at >= %(since)s", since=dates.since)
    if dates.until is not None:
        w.add("a.created_at < %(until)s", until=dates.until)
    rows = conn.execute(
        f"{_ADJUSTMENT} WHERE {w.sql()} ORDER BY a.created_at DESC, a.id DESC LIMIT %(limit)s OFFSET %(offset)s",
        {**w.params, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, count(conn, f"SELECT count(*) AS n FROM stock_adjustments a WHERE {w.sql()}", w.params)


def supplier_active(conn: Connection, supplier_id: int) -> bool | None:
    """is_active of a supplier (None if unknown), share-locked so it cannot be deleted meanwhile."""
    row = conn.execute("SELECT is_active FROM suppliers WHERE id = %s FOR KEY SHARE", (supplier_id,)).fetchone()
    return None if row is None else bool(row["is_active"])
