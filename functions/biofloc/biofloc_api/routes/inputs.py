"""Tank input routes and the biofloc item picker."""

from typing import Any

from biofloc_api.routes.deps import Biofloc, RefId
from biofloc_api.schemas.inputs import BioflocItemOut, TankInputCreate, TankInputOut
from biofloc_api.services import inputs as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["biofloc: tank inputs"])


@router.get("/biofloc/tank-inputs", response_model=Page[TankInputOut])
async def list_inputs(
    conn: Conn, _: Biofloc, paging: Paging, dates: Dates, tank_id: RefId = None, batch_id: RefId = None
) -> dict[str, Any]:
    """Chemicals, probiotics and other tank inputs, newest first."""
    return service.list_inputs(conn, tank_id, batch_id, dates, paging)


@router.post(
    "/biofloc/tank-inputs", response_model=TankInputOut, status_code=201, responses=codes(409, "insufficient_stock")
)
async def create_input(body: TankInputCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record a tank input; an item is taken from stock (FIFO) in the same transaction."""
    return service.create_input(conn, caller, body)


@router.get("/biofloc/items", response_model=Page[BioflocItemOut])
async def list_items(conn: Conn, _: Biofloc, paging: Paging) -> dict[str, Any]:
    """Items mapped to biofloc, with their unit and available stock (feed and input picker)."""
    return service.biofloc_items(conn, paging)
