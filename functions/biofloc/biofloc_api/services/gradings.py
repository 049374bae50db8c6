"""Grading (docs/rules.md: Grading): one active batch split into 2–3 child batches, costs carried over by biomass."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg

from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import gradings as grading_queries
from biofloc_api.schemas.gradings import GradingCreate
from biofloc_api.services.batches import avg_grams, view
from biofloc_api.services.common import (
    MODULE,
    batch_ref,
    check_event_date,
    ensure_active,
    lock_batch_and_tank,
    tank_ref,
)
from farm_erp import audit, clock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound
from farm_erp.fields import KG, MONEY, quantize
from farm_erp.http import Caller
from farm_erp.lists import PageParams, page_of


def split_costs(total_cost: Decimal, biomasses: list[Decimal], harvested_kg: Decimal) -> list[Decimal]:
    """transfer_in per group, pro rata to biomass over everything the parent produced; without parent harvests the
    last group takes the rounding remainder so the parent's whole cost moves on."""
    denominator = sum(biomasses, Decimal(0)) + harvested_kg
    if denominator == 0:
        return [Decimal("0.00") for _ in biomasses]
    shares = [quantize(total_cost * b / denominator, MONEY) for b in biomasses]
    if harvested_kg == 0:
        shares[-1] = quantize(total_cost - sum(shares[:-1], Decimal(0)), MONEY)
    return shares


def _with_groups(conn: Connection, gradings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = grading_queries.groups_of(conn, [g["id"] for g in gradings])
    return [{**g, "groups": [x for x in groups if x["grading_id"] == g["id"]]} for g in gradings]


def list_gradings(conn: Connection, paging: PageParams) -> dict[str, Any]:
    rows, total = grading_queries.list_gradings(conn, paging)
    return page_of(_with_groups(conn, rows), total, paging)


def get_grading(conn: Connection, grading_id: int) -> dict[str, Any]:
    row = grading_queries.grading(conn, grading_id)
    if row is None:
        raise NotFound("Grading not found")
    return _with_groups(conn, [row])[0]


def create_grading(conn: Connection, caller: Caller, body: GradingCreate) -> dict[str, Any]:
    batch_ref(conn, body.source_batch_id, "source_batch_id")
    for i, g in enumerate(body.groups):
        tank_ref(conn, g.destination_tank_id, f"groups.{i}.destination_tank_id")
    destinations = tuple(g.destination_tank_id for g in body.groups)
    parent, assignment, tanks = lock_batch_and_tank(conn, body.source_batch_id, destinations)
    ensure_active(parent)
    assert assignment is not None
    check_event_date(body.grading_date, parent, "grading_date", clock.today(), assignment)
    source_tank_id = assignment["tank_id"]
    for g in body.groups:
        tank = tanks[g.destination_tank_id]
        if g.destination_tank_id != source_tank_id and tank["status"] != "available":
            raise Conflict(f"Tank {tank['code']} is {tank['status']}", "tank_unavailable")
    total_fish = sum(g.fish_count for g in body.groups)
    if total_fish != parent["current_count"]:
        raise Conflict(
            f"The groups hold {total_fish} fish but the batch has {parent['current_count']}", "count_mismatch"
        )
    codes = [f"{parent['code']}-{g.label}" for g in body.groups]
    taken = batch_queries.code_taken(conn, codes)
    if taken:
        raise Conflict(f"Batch code {', '.join(taken)} already exists", "duplicate_code")

    costs = batch_queries.lock_cycle_costs(conn, parent["id"])
    biomasses = [quantize(Decimal(g.fish_count) * g.avg_weight_g / 1000, KG) for g in body.groups]
    shares = split_costs(costs["total_cost"], biomasses, parent["harvested_kg"])
    graded_kg = sum(biomasses, Decimal(0))

    assignment_queries.close_assignment(conn, assignment, body.grading_date, "grading")
    grading_id = grading_queries.insert_grading(
        conn,
        {
            "source_batch_id": parent["id"],
            "source_tank_id": source_tank_id,
            "grading_date": body.grading_date,
            "total_fish": total_fish,
            "group_count": len(body.groups),
            "notes": body.notes,
            "created_by": caller.user_id,
        },
    )
    child_ids = []
    try:
        with conn.transaction():
            for g, code, biomass, share in zip(body.groups, codes, biomasses, shares, strict=True):
                child_id = batch_queries.insert_batch(
                    conn,
                    {
                        "code": code,
                        "species": parent["species"],
                        "source": parent["source"],
                        "stocking_date": body.grading_date,
                        "origin_stocking_date": parent["origin_stocking_date"],
                        "initial_count": g.fish_count,
                        "initial_avg_weight_g": g.avg_weight_g,
                        "parent_batch_id": parent["id"],
                        "notes": None,
                    },
                    caller.user_id,
                )
                batch_queries.insert_cycle_costs(conn, child_id, share)
                assignment_queries.open_assignment(
                    conn,
                    batch_id=child_id,
                    tank_id=g.destination_tank_id,
                    start_date=body.grading_date,
                    start_reason="grading",
                    fish_count=g.fish_count,
                    avg_weight_g=g.avg_weight_g,
                    reason=f"graded from {parent['code']}",
                    user_id=caller.user_id,
                )
                grading_queries.insert_group(
                    conn,
                    {
                        "grading_id": grading_id,
                        "label": g.label,
                        "child_batch_id": child_id,
                        "destination_tank_id": g.destination_tank_id,
                        "fish_count": g.fish_count,
                        "avg_weight_g": g.avg_weight_g,
                        "biomass_kg": biomass,
                        "transfer_in_cost": share,
                    },
                )
                child_ids.append(child_id)
    except psycopg.errors.UniqueViolation:
        raise Conflict("A child batch code or destination tank was taken meanwhile", "duplicate_code") from None

    batch_queries.bump_batch(
        conn, parent["id"], current_count=-total_fish, graded_out_count=total_fish, graded_out_kg=graded_kg
    )
    batch_queries.update_batch(
        conn,
        parent["id"],
        {
            "status": "graded",
            "end_date": body.grading_date,
            "end_avg_weight_g": avg_grams(graded_kg, total_fish),
        },
    )
    batch_queries.add_cost(conn, parent["id"], "transfer_out", sum(shares, Decimal(0)))
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "grading.create",
        "grading",
        grading_id,
        {"source_batch_id": parent["id"], "children": child_ids},
    )
    return {
        "grading": get_grading(conn, grading_id),
        "parent": view(conn, parent["id"]),
        "children": [view(conn, c) for c in child_ids],
    }
