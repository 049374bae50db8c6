"""Water-quality routes: tests, the status of every tank, and the band table."""

from typing import Annotated, Any

from fastapi import Path

from biofloc_api.routes.deps import Biofloc, RefId
from biofloc_api.schemas.water import (
    ThresholdIn,
    ThresholdOut,
    WaterStatusOut,
    WaterTestCreate,
    WaterTestCreated,
    WaterTestOut,
)
from biofloc_api.services import water as service
from biofloc_api.water import PARAMETERS
from farm_erp.caching import REFERENCE_DATA
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging

router = Router(tags=["biofloc: water"])


@router.get("/biofloc/water-tests", response_model=Page[WaterTestOut])
async def list_tests(conn: Conn, _: Biofloc, paging: Paging, dates: Dates, tank_id: RefId = None) -> dict[str, Any]:
    """Water tests, newest first, rated against the current thresholds."""
    return service.list_tests(conn, tank_id, dates, paging)


@router.post("/biofloc/water-tests", response_model=WaterTestCreated, status_code=201)
async def create_test(body: WaterTestCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Record a water test and rate it."""
    return service.create_test(conn, caller, body)


@router.get("/biofloc/water-status", response_model=Page[WaterStatusOut])
async def water_status(conn: Conn, _: Biofloc, paging: Paging) -> dict[str, Any]:
    """The latest test of every active tank, rated, and whether it is older than 72 h."""
    return service.water_status(conn, paging)


@router.get("/biofloc/water-thresholds", response_model=Page[ThresholdOut], dependencies=REFERENCE_DATA)
async def list_thresholds(conn: Conn, _: Biofloc, paging: Paging) -> dict[str, Any]:
    """The three-band table of every water parameter."""
    return service.list_thresholds(conn, paging)


@router.put("/biofloc/water-thresholds/{parameter}", response_model=ThresholdOut)
async def put_threshold(
    parameter: Annotated[
        str, Path(max_length=40, json_schema_extra={"enum": list(PARAMETERS)}, description="Unknown names are 404")
    ],
    body: ThresholdIn,
    conn: Conn,
    caller: Biofloc,
) -> dict[str, Any]:
    """Set the bands of one parameter."""
    return service.put_threshold(conn, caller, parameter, body)
