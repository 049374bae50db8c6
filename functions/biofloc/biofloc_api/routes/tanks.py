"""Tank routes: CRUD (soft delete) and assignment history."""

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Response

from biofloc_api.routes.deps import Biofloc, SearchText
from biofloc_api.schemas.tanks import AssignmentOut, TankCreate, TankOut, TankUpdate
from biofloc_api.services import tanks as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["biofloc: tanks"])
TankId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["available", "in_use", "maintenance", "decommissioned"]


@router.get("/biofloc/tanks", response_model=Page[TankOut])
async def list_tanks(
    conn: Conn,
    _: Biofloc,
    paging: Paging,
    status: Status | None = None,
    is_active: Annotated[bool | None, Query()] = True,
    q: SearchText = None,
) -> dict[str, Any]:
    """Tanks with their current batch, stocking density and water status."""
    return service.list_tanks(conn, status, is_active, q, paging)


@router.post("/biofloc/tanks", response_model=TankOut, status_code=201, responses=codes(409, "duplicate_code"))
async def create_tank(body: TankCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Add a tank."""
    return service.create_tank(conn, caller, body)


@router.get("/biofloc/tanks/{tank_id}", response_model=TankOut)
async def get_tank(tank_id: TankId, conn: Conn, _: Biofloc) -> dict[str, Any]:
    """One tank."""
    return service.get_tank(conn, tank_id)


@router.patch("/biofloc/tanks/{tank_id}", response_model=TankOut, responses=codes(409, "tank_in_use"))
async def update_tank(tank_id: TankId, body: TankUpdate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Edit a tank (its code is immutable; in_use follows the assignments)."""
    return service.update_tank(conn, caller, tank_id, body)


@router.delete("/biofloc/tanks/{tank_id}", status_code=204, response_model=None, responses=codes(409, "tank_in_use"))
async def delete_tank(tank_id: TankId, conn: Conn, caller: Biofloc) -> Response:
    """Deactivate an empty tank."""
    service.delete_tank(conn, caller, tank_id)
    return Response(status_code=204)


@router.get("/biofloc/tanks/{tank_id}/history", response_model=Page[AssignmentOut])
async def tank_history(tank_id: TankId, conn: Conn, _: Biofloc, paging: Paging) -> dict[str, Any]:
    """The batches this tank has held, newest first, with days in the tank."""
    return service.history(conn, tank_id, paging)
