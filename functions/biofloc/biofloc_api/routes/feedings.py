"""Feeding routes: sessions paid from stock, one at a time or in bulk."""

from typing import Any

from biofloc_api.routes.deps import Biofloc, RefId
from biofloc_api.schemas.feedings import FeedingBulk, FeedingBulkOut, FeedingCreate, FeedingOut
from biofloc_api.services import feedings as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["biofloc: feeding"])


@router.get("/biofloc/feedings", response_model=Page[FeedingOut])
async def list_feedings(
    conn: Conn, _: Biofloc, paging: Paging, dates: Dates, tank_id: RefId = None, batch_id: RefId = None
) -> dict[str, Any]:
    """Feeding sessions, newest first, with their lines and lots."""
    return service.list_feedings(conn, tank_id, batch_id, dates, paging)


@router.post(
    "/biofloc/feedings",
    response_model=FeedingOut,
    status_code=201,
    responses=codes(409, "tank_empty", "duplicate_session", "insufficient_stock", "batch_closed"),
)
async def create_feeding(body: FeedingCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record a feeding session and deduct its feed from stock (FIFO)."""
    return service.create_feeding(conn, caller, body)


@router.post(
    "/biofloc/feedings/bulk",
    response_model=FeedingBulkOut,
    status_code=201,
    responses=codes(409, "tank_empty", "duplicate_session", "insufficient_stock", "batch_closed"),
)
async def create_feedings_bulk(body: FeedingBulk, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record up to 50 sessions at once: all or nothing."""
    return service.create_bulk(conn, caller, body)
