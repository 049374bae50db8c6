"""Sampling, mortality and harvest rules (docs/rules.md: Sampling and mortality; Harvest)."""

from __future__ import annotations

from typing import Any

from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import events as event_queries
from biofloc_api.schemas.events import HarvestCreate, MortalityCreate, SamplingCreate
from biofloc_api.services.batches import avg_grams, view, write_off
from biofloc_api.services.common import MODULE, batch_ref, check_event_date, ensure_active, lock_batch_and_tank
from farm_erp import audit, clock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, invalid
from farm_erp.fields import KG, MONEY, quantize
from farm_erp.http import Caller
from farm_erp.lists import DateRange, PageParams, page_of

CONDITION_PLACES = 3


def list_events(
    conn: Connection, table: str, batch_id: int | None, dates: DateRange, paging: PageParams
) -> dict[str, Any]:
    rows, total = event_queries.list_events(
        conn, table, batch_id=batch_id, date_from=dates.from_, date_to=dates.to, paging=paging
    )
    return page_of(rows, total, paging)


def create_sampling(conn: Connection, caller: Caller, body: SamplingCreate) -> dict[str, Any]:
    batch_ref(conn, body.batch_id)
    batch, assignment, _ = lock_batch_and_tank(conn, body.batch_id)
    ensure_active(batch)
    check_event_date(body.sample_date, batch, "sample_date", clock.today())
    if body.sample_size > batch["current_count"]:
        raise Conflict(f"The sample is larger than the {batch['current_count']} fish present", "insufficient_fish")
    values = body.model_dump(exclude={"batch_id"})
    k = None
    if body.avg_length_cm is not None:
        k = quantize(100 * body.avg_weight_g / body.avg_length_cm**3, CONDITION_PLACES)
    values.update(
        batch_id=body.batch_id,
        tank_id=assignment["tank_id"] if assignment else None,
        condition_factor=k,
        created_by=caller.user_id,
        created_at=clock.now(),
    )
    sampling_id = event_queries.insert(conn, "samplings", values)
    last = batch["last_sample_date"]
    # An older sample is history only; on the same date the later record wins.
    if last is None or body.sample_date >= last:
        batch_queries.update_batch(
            conn, body.batch_id, {"current_avg_weight_g": body.avg_weight_g, "last_sample_date": body.sample_date}
        )
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "sampling.create",
        "sampling",
        sampling_id,
        {"batch_id": body.batch_id, "avg_weight_g": str(body.avg_weight_g)},
    )
    row = event_queries.event(conn, "samplings", sampling_id)
    return {**row, "batch": view(conn, body.batch_id)}


def create_mortality(conn: Connection, caller: Caller, body: MortalityCreate) -> dict[str, Any]:
    batch_ref(conn, body.batch_id)
    batch, assignment, _ = lock_batch_and_tank(conn, body.batch_id)
    ensure_active(batch)
    check_event_date(body.mortality_date, batch, "mortality_date", clock.today())
    if body.count > batch["current_count"]:
        raise Conflict(f"Only {batch['current_count']} fish are present", "insufficient_fish")
    avg = body.avg_weight_g or batch["current_avg_weight_g"]
    mortality_id = event_queries.insert(
        conn,
        "mortalities",
        {
            "batch_id": body.batch_id,
            "tank_id": assignment["tank_id"] if assignment else None,
            "mortality_date": body.mortality_date,
            "count": body.count,
            "cause": body.cause,
            "avg_weight_g": avg,
            "biomass_loss_kg": quantize(body.count * avg / 1000, KG),
            "notes": body.notes,
            "created_by": caller.user_id,
            "created_at": clock.now(),
        },
    )
    batch_queries.bump_batch(conn, body.batch_id, current_count=-body.count, total_mortality=body.count)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "mortality.create",
        "mortality",
        mortality_id,
        {"batch_id": body.batch_id, "count": body.count},
    )
    return event_queries.event(conn, "mortalities", mortality_id)


def create_harvest(conn: Connection, caller: Caller, body: HarvestCreate) -> dict[str, Any]:
    batch_ref(conn, body.batch_id)
    batch, assignment, _ = lock_batch_and_tank(conn, body.batch_id)
    ensure_active(batch)
    check_event_date(body.harvest_date, batch, "harvest_date", clock.today())
    last = batch_queries.last_harvest_date(conn, body.batch_id)
    if last is not None and body.harvest_date < last:
        raise invalid("harvest_date", "The date must not be before the last harvest")
    present = batch["current_count"]
    if body.fish_count > present:
        raise Conflict(f"Only {present} fish are present", "insufficient_fish")
    if body.harvest_type == "partial" and body.fish_count >= present:
        raise Conflict("A partial harvest must leave fish in the tank; use a complete harvest", "insufficient_fish")
    avg = avg_grams(body.total_weight_kg, body.fish_count)
    revenue = (
        quantize(body.total_weight_kg * body.price_per_kg, MONEY)
        if body.price_per_kg is not None
        else quantize(0, MONEY)
    )
    values = body.model_dump(exclude={"batch_id"})
    values.update(
        batch_id=body.batch_id,
        tank_id=assignment["tank_id"] if assignment else None,
        avg_weight_g=avg,
        revenue=revenue,
        created_by=caller.user_id,
        created_at=clock.now(),
    )
    harvest_id = event_queries.insert(conn, "harvests", values)
    batch_queries.bump_batch(
        conn,
        body.batch_id,
        current_count=-body.fish_count,
        harvested_count=body.fish_count,
        harvested_kg=body.total_weight_kg,
    )
    batch_queries.add_cost(conn, body.batch_id, "total_revenue", revenue)
    if body.harvest_type == "complete":
        shortfall = present - body.fish_count
        if shortfall > 0:
            write_off(conn, caller, batch, assignment, shortfall, body.harvest_date, "unaccounted at harvest")
        batch_queries.update_batch(
            conn, body.batch_id, {"status": "harvested", "end_date": body.harvest_date, "end_avg_weight_g": avg}
        )
        if assignment is not None:
            assignment_queries.close_assignment(conn, assignment, body.harvest_date, "harvest")
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "harvest.create",
        "harvest",
        harvest_id,
        {
            "batch_id": body.batch_id,
            "type": body.harvest_type,
            "fish_count": body.fish_count,
            "total_weight_kg": str(body.total_weight_kg),
        },
    )
    row = event_queries.event(conn, "harvests", harvest_id)
    return {**row, "batch": view(conn, body.batch_id)}
