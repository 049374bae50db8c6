"""Batch routes: stocking, transfer, termination, performance, costs and the Excel report."""

from typing import Annotated, Any, Literal

from fastapi import Path, Response

from biofloc_api.routes.deps import Biofloc, RefId, SearchText
from biofloc_api.schemas.batches import (
    BatchCreate,
    BatchOut,
    BatchUpdate,
    CostEntryCreated,
    CostEntryIn,
    CostList,
    PerformanceOut,
    TerminateIn,
    TransferIn,
)
from biofloc_api.services import batches as service
from biofloc_api.services import costs
from biofloc_api.services.reports import batch_report
from farm_erp.http import Conn, Router
from farm_erp.lists import Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["biofloc: batches"])
BatchId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/biofloc/batches", response_model=Page[BatchOut])
async def list_batches(
    conn: Conn,
    _: Biofloc,
    paging: Paging,
    status: Literal["active", "harvested", "graded", "terminated"] | None = None,
    species: SearchText = None,
    tank_id: RefId = None,
) -> dict[str, Any]:
    """Batches with their current tank and running or final metrics."""
    return service.list_batches(conn, status, species, tank_id, paging)


@router.post(
    "/biofloc/batches",
    response_model=BatchOut,
    status_code=201,
    responses=codes(409, "tank_unavailable", "duplicate_code"),
)
async def create_batch(body: BatchCreate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Stock a batch into an available tank."""
    return service.create_batch(conn, caller, body)


@router.get("/biofloc/batches/{batch_id}", response_model=BatchOut)
async def get_batch(batch_id: BatchId, conn: Conn, _: Biofloc) -> dict[str, Any]:
    """One batch."""
    return service.view(conn, batch_id)


@router.patch("/biofloc/batches/{batch_id}", response_model=BatchOut)
async def update_batch(batch_id: BatchId, body: BatchUpdate, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Edit a batch's species, source or notes."""
    return service.update_batch(conn, caller, batch_id, body)


@router.post(
    "/biofloc/batches/{batch_id}/transfer",
    response_model=BatchOut,
    responses=codes(409, "tank_unavailable", "batch_closed"),
)
async def transfer_batch(batch_id: BatchId, body: TransferIn, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Move the whole batch to another available tank."""
    return service.transfer(conn, caller, batch_id, body)


@router.post("/biofloc/batches/{batch_id}/terminate", response_model=BatchOut, responses=codes(409, "batch_closed"))
async def terminate_batch(batch_id: BatchId, body: TerminateIn, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Write the batch off and free its tank."""
    return service.terminate(conn, caller, batch_id, body)


@router.get("/biofloc/batches/{batch_id}/performance", response_model=PerformanceOut)
async def batch_performance(batch_id: BatchId, conn: Conn, _: Biofloc) -> dict[str, Any]:
    """The performance report: every cycle metric, counts, biomass, costs and revenue."""
    return service.performance(conn, batch_id)


@router.get("/biofloc/batches/{batch_id}/costs", response_model=CostList)
async def list_costs(batch_id: BatchId, conn: Conn, _: Biofloc, paging: Paging) -> dict[str, Any]:
    """Manual cost entries, newest first, and the cycle cost breakdown."""
    return costs.list_costs(conn, batch_id, paging)


@router.post(
    "/biofloc/batches/{batch_id}/costs",
    response_model=CostEntryCreated,
    status_code=201,
    responses=codes(409, "negative_cost_total"),
)
async def add_cost(batch_id: BatchId, body: CostEntryIn, conn: Conn, caller: Biofloc) -> dict[str, Any]:
    """Add a cost entry (a negative amount corrects its category)."""
    return costs.add_entry(conn, caller, batch_id, body)


@router.get("/biofloc/batches/{batch_id}/report.xlsx", response_model=None, response_class=Response)
async def batch_report_xlsx(batch_id: BatchId, conn: Conn, _: Biofloc) -> Response:
    """The batch report as an Excel workbook."""
    return batch_report(conn, batch_id)
