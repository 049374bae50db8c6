"""Reads of the stock ledger and adjustments (all writes go through farm_erp.stock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from farm_erp.db import Connection
from farm_erp.lists import DateRange, PageParams
from farm_erp.sql import Filters, limited, paged

_LEDGER = """SELECT sl.id, sl.occurred_at, sl.item_id, i.sku, i.name AS item_name, sl.type, sl.lot_id,
                    l.lot_number, sl.qty_change, sl.unit_cost, sl.cost, sl.balance_after, sl.module_key,
                    sl.operation_id, sl.ref_line_id, sl.tank_id, sl.fish_batch_id, sl.notes,
                    sl.created_by AS user_id, us.email AS user_email
               FROM stock_ledger sl
               JOIN items i ON i.id = sl.item_id
               JOIN lots l ON l.id = sl.lot_id
               LEFT JOIN users us ON us.id = sl.created_by"""
_LEDGER_ORDER = "sl.occurred_at DESC, sl.id DESC"


@dataclass(frozen=True)
class LedgerFilters:
    item_id: int | None = None
    type: str | None = None
    module_key: str | None = None
    operation_id: int | None = None
    dates: DateRange = field(default_factory=DateRange)

    def filters(self) -> Filters:
        filters = Filters()
        filters.when(self.item_id, "sl.item_id = %(item_id)s", "item_id")
        filters.when(self.type, "sl.type = %(type)s", "type")
        filters.when(self.module_key, "sl.module_key = %(module_key)s", "module_key")
        filters.when(self.operation_id, "sl.operation_id = %(operation_id)s", "operation_id")
        filters.when(self.dates.since, "sl.occurred_at >= %(since)s", "since")
        filters.when(self.dates.until, "sl.occurred_at < %(until)s", "until")
        return filters


def list_ledger(
    conn: Connection, ledger_filters: LedgerFilters, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Ledger rows, newest first; the whole ledger's total is its maintained row count (a million rows cost ≈ 40 ms
    to count). The filters are on the ledger's own columns and every row has its item and lot: the page is chosen
    before the joins."""
    return paged(
        conn,
        _LEDGER,
        ledger_filters.filters(),
        _LEDGER_ORDER,
        paging,
        page_from="stock_ledger sl",
        count_from="stock_ledger sl",
        counted="stock_ledger",
    )


def ledger_for_export(conn: Connection, ledger_filters: LedgerFilters, limit: int) -> list[dict[str, Any]]:
    filters = ledger_filters.filters()
    statement = limited(_LEDGER, filters, _LEDGER_ORDER, page_from="stock_ledger sl")
    return conn.execute(statement, {**filters.params, "limit": limit}).fetchall()


def ledger_of_operation(conn: Connection, operation_id: int) -> list[dict[str, Any]]:
    return conn.execute(f"{_LEDGER} WHERE sl.operation_id = %s ORDER BY sl.id", (operation_id,)).fetchall()


_ADJUSTMENT = """SELECT a.*, i.sku, i.name AS item_name FROM stock_adjustments a JOIN items i ON i.id = a.item_id"""


def get_adjustment(conn: Connection, adjustment_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_ADJUSTMENT} WHERE a.id = %s", (adjustment_id,)).fetchone()


def list_adjustments(
    conn: Connection, item_id: int | None, adjustment_type: str | None, dates: DateRange, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Adjustments, newest first."""
    filters = Filters()
    filters.when(item_id, "a.item_id = %(item_id)s", "item_id")
    filters.when(adjustment_type, "a.type = %(type)s", "type")
    filters.when(dates.since, "a.created_at >= %(since)s", "since")
    filters.when(dates.until, "a.created_at < %(until)s", "until")
    return paged(conn, _ADJUSTMENT, filters, "a.created_at DESC, a.id DESC", paging, count_from="stock_adjustments a")


def supplier_active(conn: Connection, supplier_id: int) -> bool | None:
    """is_active of a supplier (None if unknown), share-locked so it cannot be deleted meanwhile."""
    row = conn.execute("SELECT is_active FROM suppliers WHERE id = %s FOR KEY SHARE", (supplier_id,)).fetchone()
    return None if row is None else bool(row["is_active"])
