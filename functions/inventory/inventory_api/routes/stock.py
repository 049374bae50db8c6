"""Stock movements: add, FIFO use, multi-item use, adjustments and the ledger."""

from typing import Annotated, Any

from fastapi import Query

from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging, page_of
from farm_erp.openapi import codes
from inventory_api.queries import stock as stock_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.common import MAX_ID, ModuleKey
from inventory_api.schemas.stock import (
    AdjustmentIn,
    AdjustmentOut,
    AdjustmentResult,
    AdjustmentType,
    LedgerOut,
    LedgerType,
    StockAddIn,
    StockAddOut,
    StockUseIn,
    StockUseOut,
    UseMultiIn,
    UseMultiOut,
)
from inventory_api.services import stock as service

router = Router(tags=["inventory: stock"])
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.post("/inventory/stock/add", response_model=StockAddOut, status_code=201)
async def add_stock(body: StockAddIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Receive stock outside a purchase order: a manual lot and an `add` ledger row."""
    return service.add(conn, caller, body)


@router.post(
    "/inventory/stock/use", response_model=StockUseOut, responses=codes(409, "insufficient_stock", "insufficient_lot")
)
async def use_stock(body: StockUseIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Consume one item FIFO (409 insufficient_stock when it exceeds the available quantity)."""
    return service.use(conn, caller, body)


@router.post(
    "/inventory/stock/use-multi",
    response_model=UseMultiOut,
    responses=codes(409, "insufficient_stock", "insufficient_lot"),
)
async def use_multi(body: UseMultiIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Consume several distinct items at once: all lines or none."""
    return service.use_multi(conn, caller, body)


@router.post(
    "/inventory/stock/adjustments",
    response_model=AdjustmentResult,
    status_code=201,
    responses=codes(409, "insufficient_stock", "insufficient_lot", "reserved_stock"),
)
async def create_adjustment(body: AdjustmentIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Increase, decrease or recount an item's stock, with a reason."""
    return service.adjust(conn, caller, body)


@router.get("/inventory/stock/adjustments", response_model=Page[AdjustmentOut])
async def list_adjustments(
    conn: Conn,
    caller: Inventory,
    paging: Paging,
    dates: Dates,
    item_id: QueryId = None,
    type: AdjustmentType | None = None,
) -> dict[str, Any]:
    """Adjustment history, newest first."""
    rows, total = stock_queries.list_adjustments(conn, item_id, type, dates, paging)
    return page_of(rows, total, paging)


@router.get("/inventory/ledger", response_model=Page[LedgerOut])
async def list_ledger(
    conn: Conn,
    caller: Inventory,
    paging: Paging,
    dates: Dates,
    item_id: QueryId = None,
    type: LedgerType | None = None,
    module_key: ModuleKey | None = None,
    operation_id: QueryId = None,
) -> dict[str, Any]:
    """The stock ledger, newest first."""
    filters = stock_queries.LedgerFilters(item_id, type, module_key, operation_id, dates)
    rows, total = stock_queries.list_ledger(conn, filters, paging)
    return page_of(rows, total, paging)
