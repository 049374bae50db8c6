"""Purchase orders: create, edit, status transitions, line edits, receipts, duplicate, history."""

from typing import Annotated, Any

from fastapi import Query

from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging, page_of
from farm_erp.openapi import codes
from inventory_api.queries import purchase_orders as po_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.common import MAX_ID, PathId
from inventory_api.schemas.purchase_orders import (
    DuplicateIn,
    DuplicateOut,
    HistoryOut,
    PoCreate,
    PoDetail,
    PoLineIn,
    PoLineUpdate,
    PoListRow,
    PoStatus,
    PoStatusIn,
    PoUpdate,
    ReceiveIn,
    ReceiveOut,
)
from inventory_api.services import purchase_orders as service

router = Router(tags=["inventory: purchase orders"])


@router.get("/inventory/purchase-orders", response_model=Page[PoListRow])
async def list_pos(
    conn: Conn,
    caller: Inventory,
    paging: Paging,
    dates: Dates,
    status: PoStatus | None = None,
    supplier_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Purchase orders with supplier name, line count and total, newest first."""
    filters = po_queries.PoFilters(status, supplier_id, dates.from_, dates.to, q)
    rows, total = po_queries.list_pos(conn, filters, paging)
    return page_of(rows, total, paging)


@router.post(
    "/inventory/purchase-orders", response_model=PoDetail, status_code=201, responses=codes(409, "duplicate_po_number")
)
async def create_po(body: PoCreate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Create a pending purchase order with 1-100 lines."""
    return service.create(conn, caller, body)


@router.get("/inventory/purchase-orders/{po_id}", response_model=PoDetail)
async def get_po(po_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Header, lines (ordered, received, remaining), receipts and summary."""
    return service.detail(conn, po_id)


@router.patch(
    "/inventory/purchase-orders/{po_id}",
    response_model=PoDetail,
    responses=codes(409, "invalid_state", "duplicate_po_number"),
)
async def update_po(po_id: PathId, body: PoUpdate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Edit the header (supplier and PO date only while pending)."""
    return service.update(conn, caller, po_id, body)


@router.post(
    "/inventory/purchase-orders/{po_id}/status", response_model=PoDetail, responses=codes(409, "invalid_transition")
)
async def change_status(po_id: PathId, body: PoStatusIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Move the order along its state machine (approve, order, cancel, close)."""
    return service.change_status(conn, caller, po_id, body.status, body.note)


@router.post(
    "/inventory/purchase-orders/{po_id}/lines",
    response_model=PoDetail,
    responses=codes(409, "invalid_state", "duplicate_line"),
)
async def add_line(po_id: PathId, body: PoLineIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Add a line to a pending order."""
    return service.add_line(conn, caller, po_id, body)


@router.patch(
    "/inventory/purchase-orders/{po_id}/lines/{line_id}",
    response_model=PoDetail,
    responses=codes(409, "invalid_state", "duplicate_line"),
)
async def update_line(
    po_id: PathId, line_id: PathId, body: PoLineUpdate, conn: Conn, caller: Inventory
) -> dict[str, Any]:
    """Edit a line of a pending order."""
    return service.update_line(conn, caller, po_id, line_id, body)


@router.delete(
    "/inventory/purchase-orders/{po_id}/lines/{line_id}",
    response_model=PoDetail,
    responses=codes(409, "invalid_state", "last_line"),
)
async def remove_line(po_id: PathId, line_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Remove a line of a pending order (not its last one)."""
    return service.remove_line(conn, caller, po_id, line_id)


@router.post(
    "/inventory/purchase-orders/{po_id}/receive",
    response_model=ReceiveOut,
    status_code=201,
    responses=codes(409, "invalid_state", "over_receipt"),
)
async def receive(po_id: PathId, body: ReceiveIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Receive some or all of the ordered quantities into purchase lots."""
    return service.receive(conn, caller, po_id, body)


@router.post(
    "/inventory/purchase-orders/{po_id}/duplicate",
    response_model=DuplicateOut,
    status_code=201,
    responses=codes(409, "no_active_items", "duplicate_po_number"),
)
async def duplicate(po_id: PathId, conn: Conn, caller: Inventory, body: DuplicateIn | None = None) -> dict[str, Any]:
    """Copy an order's active-item lines into a new pending order."""
    return service.duplicate(conn, caller, po_id, body or DuplicateIn())


@router.get("/inventory/purchase-orders/{po_id}/history", response_model=Page[HistoryOut])
async def po_history(po_id: PathId, conn: Conn, caller: Inventory, paging: Paging) -> dict[str, Any]:
    """The order's audit trail, newest first."""
    rows, total = service.history(conn, po_id, paging)
    return page_of(rows, total, paging)
