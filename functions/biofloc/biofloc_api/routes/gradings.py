"""Grading routes."""

from typing import Annotated, Any

from fastapi import Path

from biofloc_api.routes.deps import Biofloc
from biofloc_api.schemas.gradings import GradingCreate, GradingCreated, GradingOut
from biofloc_api.services import gradings as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["biofloc: gradings"])


@router.get("/biofloc/gradings", response_model=Page[GradingOut])
async def list_gradings(conn: Conn, _: Biofloc, paging: Paging) -> dict[str, Any]:
    """Gradings, newest first, with their groups."""
    return service.list_gradings(conn, paging)


@router.post(
    "/biofloc/gradings",
    response_model=GradingCreated,
    status_code=201,
    responses=codes(409, "tank_unavailable", "count_mismatch", "duplicate_code", "batch_closed"),
)
async def create_grading(body: GradingCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Split an active batch into two or three child batches."""
    return service.create_grading(conn, caller, body)


@router.get("/biofloc/gradings/{grading_id}", response_model=GradingOut)
async def get_grading(grading_id: Annotated[int, Path(ge=1, le=2**63 - 1)], conn: Conn, _: Biofloc) -> dict[str, Any]:
    """One grading with its groups."""
    return service.get_grading(conn, grading_id)
