"""Sampling, mortality and harvest routes."""

from typing import Any

from biofloc_api.routes.deps import Biofloc, RefId
from biofloc_api.schemas.events import (
    HarvestCreate,
    HarvestCreated,
    HarvestOut,
    MortalityCreate,
    MortalityOut,
    SamplingCreate,
    SamplingCreated,
    SamplingOut,
)
from biofloc_api.services import events as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["biofloc: growth and harvest"])


@router.get("/biofloc/samplings", response_model=Page[SamplingOut])
async def list_samplings(
    conn: Conn, _: Biofloc, paging: Paging, dates: Dates, batch_id: RefId = None
) -> dict[str, Any]:
    """Growth samples, newest first."""
    return service.list_events(conn, "samplings", batch_id, dates, paging)


@router.post(
    "/biofloc/samplings",
    response_model=SamplingCreated,
    status_code=201,
    responses=codes(409, "insufficient_fish", "batch_closed"),
)
async def create_sampling(body: SamplingCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record a growth sample; the latest one sets the batch's average weight."""
    return service.create_sampling(conn, caller, body)


@router.get("/biofloc/mortalities", response_model=Page[MortalityOut])
async def list_mortalities(
    conn: Conn, _: Biofloc, paging: Paging, dates: Dates, batch_id: RefId = None
) -> dict[str, Any]:
    """Deaths, newest first."""
    return service.list_events(conn, "mortalities", batch_id, dates, paging)


@router.post(
    "/biofloc/mortalities",
    response_model=MortalityOut,
    status_code=201,
    responses=codes(409, "insufficient_fish", "batch_closed"),
)
async def create_mortality(body: MortalityCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record deaths."""
    return service.create_mortality(conn, caller, body)


@router.get("/biofloc/harvests", response_model=Page[HarvestOut])
async def list_harvests(conn: Conn, _: Biofloc, paging: Paging, dates: Dates, batch_id: RefId = None) -> dict[str, Any]:
    """Harvests, newest first."""
    return service.list_events(conn, "harvests", batch_id, dates, paging)


@router.post(
    "/biofloc/harvests",
    response_model=HarvestCreated,
    status_code=201,
    responses=codes(409, "insufficient_fish", "batch_closed"),
)
async def create_harvest(body: HarvestCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record a partial or complete harvest."""
    return service.create_harvest(conn, caller, body)
