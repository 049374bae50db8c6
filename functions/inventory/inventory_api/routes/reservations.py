"""Reservations of stock for a later confirm (FIFO consumption) or release."""

from typing import Annotated, Any

from fastapi import Query

from farm_erp.http import Conn, Router
from farm_erp.lists import Page, Paging, page_of
from farm_erp.openapi import codes
from inventory_api.queries import reservations as reservation_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.common import MAX_ID, ModuleKey, PathId
from inventory_api.schemas.reservations import ConfirmOut, ReservationIn, ReservationOut, ReservationStatus
from inventory_api.services import reservations as service

router = Router(tags=["inventory: reservations"])


@router.post(
    "/inventory/reservations",
    response_model=ReservationOut,
    status_code=201,
    responses=codes(409, "insufficient_stock"),
)
async def create_reservation(body: ReservationIn, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Reserve available stock for duration_hours (1-720, default 24)."""
    return service.create(conn, caller, body)


@router.get("/inventory/reservations", response_model=Page[ReservationOut])
async def list_reservations(
    conn: Conn,
    caller: Inventory,
    paging: Paging,
    item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    module_key: ModuleKey | None = None,
    status: ReservationStatus | None = "pending",
) -> dict[str, Any]:
    """Reservations (pending ones unless status says otherwise), newest first."""
    rows, total = reservation_queries.list_reservations(conn, item_id, module_key, status, paging)
    return page_of(rows, total, paging)


@router.get("/inventory/reservations/{reservation_id}", response_model=ReservationOut)
async def get_reservation(reservation_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """One reservation."""
    return service.get(conn, reservation_id)


@router.post(
    "/inventory/reservations/{reservation_id}/cancel",
    response_model=ReservationOut,
    responses=codes(409, "invalid_state"),
)
async def cancel_reservation(reservation_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Release a pending reservation."""
    return service.cancel(conn, caller, reservation_id)


@router.post(
    "/inventory/reservations/{reservation_id}/confirm",
    response_model=ConfirmOut,
    responses=codes(409, "invalid_state", "reservation_expired", "insufficient_stock"),
)
async def confirm_reservation(reservation_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Consume a live reservation's quantity FIFO."""
    return service.confirm(conn, caller, reservation_id)
