"""Batch rules (docs/rules.md: Batches, transfer, termination): stocking, transfer, termination, figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from biofloc_api import growth
from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import events as event_queries
from biofloc_api.queries import locks as lock_queries
from biofloc_api.schemas.batches import BatchCreate, BatchUpdate, TerminateIn, TransferIn
from biofloc_api.services.common import (
    MODULE,
    batch_or_404,
    check_event_date,
    ensure_active,
    lock_batch_and_tank,
    tank_ref,
)
from farm_erp import audit, clock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, invalid, reject_nulls
from farm_erp.fields import GRAMS, KG, quantize
from farm_erp.http import Caller
from farm_erp.lists import PageParams, page_of


def figures(row: dict[str, Any], today: date) -> dict[str, Any]:
    """Growth and cost figures of a batch view row, with the density of its current tank."""
    return growth.figures(row, row, today, row["tank_capacity_liters"])


def costs_of(row: dict[str, Any]) -> dict[str, Any]:
    return {c: row[c] for c in batch_queries.COST_COLUMNS}


def batch_out(row: dict[str, Any], today: date) -> dict[str, Any]:
    out = dict(row)
    out["current_tank"] = (
        {
            "id": row["tank_id"],
            "code": row["tank_code"],
            "name": row["tank_name"],
            "capacity_liters": row["tank_capacity_liters"],
            "assigned_since": row["assigned_since"],
        }
        if row["tank_id"] is not None
        else None
    )
    out["metrics"] = figures(row, today)
    out["costs"] = costs_of(row)
    return out


def view(conn: Connection, batch_id: int) -> dict[str, Any]:
    """The batch as the API shows it (GET /batches/{id}, and the answer of every batch write)."""
    return batch_out(_view_or_404(conn, batch_id), clock.today())


def _view_or_404(conn: Connection, batch_id: int) -> dict[str, Any]:
    """The batch view, found or not in one statement (every batch has its cycle_costs row: no view, no batch)."""
    row = batch_queries.batch_view(conn, batch_id)
    if row is None:
        raise NotFound("Batch not found")
    return row


def list_batches(
    conn: Connection, status: str | None, species: str | None, tank_id: int | None, paging: PageParams
) -> dict[str, Any]:
    rows, total = batch_queries.list_batches(conn, status=status, species=species, tank_id=tank_id, paging=paging)
    today = clock.today()
    return page_of([batch_out(r, today) for r in rows], total, paging)


def create_batch(conn: Connection, caller: Caller, body: BatchCreate) -> dict[str, Any]:
    """Batch, stocking assignment, cycle costs and the fingerling cost entry, in the request's transaction."""
    today = clock.today()
    if body.stocking_date > today:
        raise invalid("stocking_date", "The date must not be in the future")
    tank_ref(conn, body.tank_id)
    tank = lock_queries.lock_tanks(conn, [body.tank_id])[body.tank_id]
    if tank["status"] != "available":
        raise Conflict(f"Tank {tank['code']} is {tank['status']}", "tank_unavailable")
    if batch_queries.code_taken(conn, [body.code]):
        raise Conflict(f"Batch code {body.code} already exists", "duplicate_code")
    values = body.model_dump(exclude={"tank_id", "fingerling_cost"})
    values.update(origin_stocking_date=body.stocking_date, parent_batch_id=None)
    try:
        with conn.transaction():
            batch_id = batch_queries.insert_batch(conn, values, caller.user_id)
            assignment_queries.open_assignment(
                conn,
                batch_id=batch_id,
                tank_id=body.tank_id,
                start_date=body.stocking_date,
                start_reason="stocking",
                fish_count=body.initial_count,
                avg_weight_g=body.initial_avg_weight_g,
                reason=None,
                user_id=caller.user_id,
            )
    except psycopg.errors.UniqueViolation as exc:
        # A concurrent stocking of the same tank, or the same code, committed first.
        name = exc.diag.constraint_name or ""
        if "tank" in name:
            raise Conflict(f"Tank {tank['code']} is in use", "tank_unavailable") from None
        raise Conflict(f"Batch code {body.code} already exists", "duplicate_code") from None
    batch_queries.insert_cycle_costs(conn, batch_id)
    if body.fingerling_cost > 0:
        batch_queries.insert_cost_entry(
            conn,
            batch_id,
            "fingerling",
            body.fingerling_cost,
            body.stocking_date,
            "Fingerlings at stocking",
            caller.user_id,
        )
        batch_queries.add_cost(conn, batch_id, "fingerling", body.fingerling_cost)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "batch.create",
        "batch",
        batch_id,
        {"code": body.code, "tank_id": body.tank_id, "initial_count": body.initial_count},
    )
    return view(conn, batch_id)


def update_batch(conn: Connection, caller: Caller, batch_id: int, body: BatchUpdate) -> dict[str, Any]:
    batch_or_404(conn, batch_id)
    batch = lock_queries.lock_batches(conn, [batch_id])[batch_id]
    changes = body.changes()
    reject_nulls(changes, ("species",))
    before = {k: batch[k] for k in changes}
    batch_queries.update_batch(conn, batch_id, changes)
    audit.module_change(conn, caller.actor, MODULE, "batch.update", "batch", batch_id, audit.changes(before, changes))
    return view(conn, batch_id)


def transfer(conn: Connection, caller: Caller, batch_id: int, body: TransferIn) -> dict[str, Any]:
    """Move the whole batch to another available tank."""
    batch_or_404(conn, batch_id)
    target = tank_ref(conn, body.to_tank_id, "to_tank_id")
    batch, assignment, tanks = lock_batch_and_tank(conn, batch_id, (body.to_tank_id,))
    ensure_active(batch)
    assert assignment is not None
    if assignment["tank_id"] == body.to_tank_id:
        raise invalid("to_tank_id", "The batch is already in this tank")
    target = tanks[body.to_tank_id]
    if not target["is_active"]:
        raise invalid("to_tank_id", "Unknown or inactive tank", "reference_error")
    if target["status"] != "available":
        raise Conflict(f"Tank {target['code']} is {target['status']}", "tank_unavailable")
    check_event_date(body.transfer_date, batch, "transfer_date", clock.today(), assignment)
    assignment_queries.close_assignment(conn, assignment, body.transfer_date, "transfer")
    assignment_queries.open_assignment(
        conn,
        batch_id=batch_id,
        tank_id=body.to_tank_id,
        start_date=body.transfer_date,
        start_reason="transfer",
        fish_count=batch["current_count"],
        avg_weight_g=batch["current_avg_weight_g"],
        reason=body.reason,
        user_id=caller.user_id,
    )
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "batch.transfer",
        "batch",
        batch_id,
        {"from_tank_id": assignment["tank_id"], "to_tank_id": body.to_tank_id, "date": str(body.transfer_date)},
    )
    return view(conn, batch_id)


def terminate(conn: Connection, caller: Caller, batch_id: int, body: TerminateIn) -> dict[str, Any]:
    """Write the batch off: the remaining fish die, the tank is freed."""
    batch_or_404(conn, batch_id)
    batch, assignment, _ = lock_batch_and_tank(conn, batch_id)
    ensure_active(batch)
    check_event_date(body.end_date, batch, "end_date", clock.today(), assignment)
    remaining = batch["current_count"]
    if remaining > 0:
        write_off(conn, caller, batch, assignment, remaining, body.end_date, f"terminated: {body.reason}")
    batch_queries.update_batch(
        conn,
        batch_id,
        {"status": "terminated", "end_date": body.end_date, "end_avg_weight_g": batch["current_avg_weight_g"]},
    )
    if assignment is not None:
        assignment_queries.close_assignment(conn, assignment, body.end_date, "termination")
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "batch.terminate",
        "batch",
        batch_id,
        {"end_date": str(body.end_date), "reason": body.reason, "written_off": remaining},
    )
    return view(conn, batch_id)


def write_off(
    conn: Connection,
    caller: Caller,
    batch: dict[str, Any],
    assignment: dict[str, Any] | None,
    count: int,
    when: date,
    cause: str,
) -> None:
    """Record fish that are gone as a mortality at the current average weight."""
    avg = batch["current_avg_weight_g"]
    event_queries.insert(
        conn,
        "mortalities",
        {
            "batch_id": batch["id"],
            "tank_id": assignment["tank_id"] if assignment else None,
            "mortality_date": when,
            "count": count,
            "cause": cause[:100],
            "avg_weight_g": avg,
            "biomass_loss_kg": quantize(count * avg / 1000, KG),
            "created_by": caller.user_id,
            "created_at": clock.now(),
        },
    )
    batch_queries.bump_batch(conn, batch["id"], current_count=-count, total_mortality=count)


def performance(conn: Connection, batch_id: int) -> dict[str, Any]:
    """The performance report: every figure plus counts, biomass, costs and revenue; final once the batch is closed."""
    return performance_of(_view_or_404(conn, batch_id), clock.today())


def performance_of(row: dict[str, Any], today: date) -> dict[str, Any]:
    out = figures(row, today)
    out.update(
        {
            k: row[k]
            for k in (
                "species",
                "status",
                "tank_id",
                "tank_code",
                "stocking_date",
                "origin_stocking_date",
                "end_date",
                "initial_count",
                "current_count",
                "total_mortality",
                "harvested_count",
                "graded_out_count",
                "initial_avg_weight_g",
                "current_avg_weight_g",
                "initial_biomass_kg",
                "current_biomass_kg",
                "harvested_kg",
                "graded_out_kg",
                "total_feed_kg",
                "total_cost",
                "gross_profit",
            )
        }
    )
    out.update(batch_id=row["id"], batch_code=row["code"], costs=costs_of(row), revenue=row["total_revenue"])
    return out


def avg_grams(kg: Any, count: int) -> Any:
    """Average weight in g of `count` fish weighing `kg`."""
    return quantize(kg * 1000 / count, GRAMS)
