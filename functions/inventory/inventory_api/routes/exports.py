"""Excel exports of stock, the ledger and purchase orders (the JSON lists' filters)."""

from typing import Annotated, Any

from fastapi import Query, Response

from farm_erp import xlsx
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates
from inventory_api import exports
from inventory_api.queries import items as item_queries
from inventory_api.queries import purchase_orders as po_queries
from inventory_api.queries import stock as stock_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.common import MAX_ID, ModuleKey
from inventory_api.schemas.purchase_orders import PoStatus
from inventory_api.schemas.stock import LedgerType

router = Router(tags=["inventory: exports"])
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
XLSX: dict[int | str, dict[str, Any]] = {200: {"content": {xlsx.MEDIA_TYPE: {}}, "description": "The workbook"}}


@router.get("/inventory/exports/stock.xlsx", response_class=Response, responses=XLSX)
async def export_stock(
    conn: Conn,
    caller: Inventory,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category_id: QueryId = None,
    supplier_id: QueryId = None,
    is_active: bool | None = None,
    low_stock: bool | None = None,
) -> Response:
    """Stock per item and the lots holding it (sheets Stock and Lots)."""
    filters = item_queries.ItemFilters(q, category_id, supplier_id, is_active, low_stock)
    items = item_queries.iter_items(conn, filters, xlsx.MAX_ROWS + 1)
    xlsx.check_rows(len(items))
    lots = item_queries.lots_for_export(conn, [int(i["id"]) for i in items], xlsx.MAX_ROWS + 1)
    xlsx.check_rows(len(lots))
    return xlsx.xlsx_response("stock", exports.stock_sheets(items, lots))


@router.get("/inventory/exports/ledger.xlsx", response_class=Response, responses=XLSX)
async def export_ledger(
    conn: Conn,
    caller: Inventory,
    dates: Dates,
    item_id: QueryId = None,
    type: LedgerType | None = None,
    module_key: ModuleKey | None = None,
    operation_id: QueryId = None,
) -> Response:
    """The stock ledger, newest first."""
    filters = stock_queries.LedgerFilters(item_id, type, module_key, operation_id, dates)
    rows = stock_queries.ledger_for_export(conn, filters, xlsx.MAX_ROWS + 1)
    xlsx.check_rows(len(rows))
    return xlsx.xlsx_response("ledger", exports.ledger_sheets(rows))


@router.get("/inventory/exports/purchase-orders.xlsx", response_class=Response, responses=XLSX)
async def export_pos(
    conn: Conn,
    caller: Inventory,
    dates: Dates,
    status: PoStatus | None = None,
    supplier_id: QueryId = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Purchase orders and their lines (sheets Purchase orders and Lines)."""
    filters = po_queries.PoFilters(status, supplier_id, dates.from_, dates.to, q)
    pos = po_queries.pos_for_export(conn, filters, xlsx.MAX_ROWS + 1)
    xlsx.check_rows(len(pos))
    ids = [int(p["id"]) for p in pos]
    xlsx.check_rows(po_queries.count_lines(conn, ids))
    return xlsx.xlsx_response("purchase-orders", exports.po_sheets(pos, po_queries.lines_for_export(conn, ids)))
