"""Water quality (docs/rules.md: Water quality): tests judged at read time against the configurable band table."""

from __future__ import annotations

from typing import Any

from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import water as water_queries
from biofloc_api.schemas.water import ThresholdIn, WaterTestCreate
from biofloc_api.services.common import MODULE, tank_ref
from biofloc_api.water import PARAMETERS, Threshold, evaluate, validate
from farm_erp import audit, clock
from farm_erp.biofloc_figures import STALE_AFTER
from farm_erp.db import Connection
from farm_erp.errors import NotFound, ValidationFailed, invalid
from farm_erp.http import Caller
from farm_erp.lists import DateRange, PageParams, page_of


def load_thresholds(conn: Connection) -> dict[str, Threshold]:
    return {r["parameter"]: Threshold.from_row(r) for r in water_queries.thresholds(conn)}


def with_evaluation(row: dict[str, Any], thresholds: dict[str, Threshold]) -> dict[str, Any]:
    return {**row, "evaluation": evaluate(row, thresholds)}


def create_test(conn: Connection, caller: Caller, body: WaterTestCreate) -> dict[str, Any]:
    now = clock.now()
    tested_at = body.tested_at or now
    if tested_at > now:
        raise invalid("tested_at", "The test time must not be in the future")
    tank_ref(conn, body.tank_id)
    assignment = assignment_queries.open_assignment_of_tank(conn, body.tank_id)
    values = body.model_dump(exclude={"tested_at"})
    values.update(
        tested_at=tested_at,
        batch_id=assignment["batch_id"] if assignment else None,
        created_by=caller.user_id,
        created_at=now,
    )
    test_id = water_queries.insert_test(conn, values)
    audit.module_change(
        conn, caller.actor, MODULE, "water_test.create", "water_test", test_id, {"tank_id": body.tank_id}
    )
    out = with_evaluation(water_queries.test(conn, test_id), load_thresholds(conn))
    return {"test": out, "evaluation": out["evaluation"]}


def list_tests(conn: Connection, tank_id: int | None, dates: DateRange, paging: PageParams) -> dict[str, Any]:
    rows, total = water_queries.list_tests(
        conn,
        tank_id=tank_id,
        since=dates.since,
        until=dates.until,
        paging=paging,
    )
    thresholds = load_thresholds(conn)
    return page_of([with_evaluation(r, thresholds) for r in rows], total, paging)


def water_status(conn: Connection, paging: PageParams) -> dict[str, Any]:
    rows, total = water_queries.latest_per_active_tank(conn, paging)
    thresholds, now = load_thresholds(conn), clock.now()
    items = []
    for r in rows:
        items.append(
            {
                **r,
                "stale": r["tested_at"] is None or r["tested_at"] < now - STALE_AFTER,
                "evaluation": evaluate(r, thresholds),
                "values": {p: r[p] for p in PARAMETERS if r[p] is not None},
            }
        )
    return page_of(items, total, paging)


def _threshold_out(parameter: str, row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {
            "parameter": parameter,
            "unit": PARAMETERS[parameter],
            "good_min": None,
            "good_max": None,
            "warn_min": None,
            "warn_max": None,
            "is_active": False,
            "is_configured": False,
        }
    return {**row, "is_configured": True}


def list_thresholds(conn: Connection, paging: PageParams) -> dict[str, Any]:
    """All twelve parameters, paged like every list; the unconfigured ones are listed inactive with open bounds."""
    rows = {r["parameter"]: r for r in water_queries.thresholds(conn)}
    items = [_threshold_out(p, rows.get(p)) for p in PARAMETERS]
    return page_of(items[paging.offset : paging.offset + paging.limit], len(items), paging)


def put_threshold(conn: Connection, caller: Caller, parameter: str, body: ThresholdIn) -> dict[str, Any]:
    if parameter not in PARAMETERS:
        raise NotFound("Unknown water parameter")
    problems = validate(body.good_min, body.good_max, body.warn_min, body.warn_max)
    if problems:
        failure = ValidationFailed(["body", problems[0][0]], problems[0][1])
        failure.items = [{"loc": ["body", f], "msg": m, "type": "value_error"} for f, m in problems]
        raise failure
    before = water_queries.threshold(conn, parameter)
    values = body.model_dump()
    values["unit"] = body.unit or (before["unit"] if before else PARAMETERS[parameter])
    water_queries.upsert_threshold(conn, parameter, values, caller.user_id)
    after = water_queries.threshold(conn, parameter)
    assert after is not None
    keys = ("unit", "good_min", "good_max", "warn_min", "warn_max", "is_active")

    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "water_threshold.update",
        "water_threshold",
        parameter,
        audit.changes(before or {}, after, keys),
    )
    return _threshold_out(parameter, after)
