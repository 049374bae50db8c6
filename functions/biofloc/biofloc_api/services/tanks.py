"""Tank rules (docs/rules.md: Tanks and assignments): unique immutable codes; in_use belongs to the assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from biofloc_api import growth
from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import locks as lock_queries
from biofloc_api.queries import tanks as tank_queries
from biofloc_api.schemas.tanks import TankCreate, TankUpdate
from biofloc_api.services.common import MODULE, tank_or_404
from farm_erp import audit, clock
from farm_erp.biofloc_figures import BANDS, STALE_AFTER
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, invalid, reject_nulls
from farm_erp.http import Caller
from farm_erp.lists import PageParams, page_of


def tank_out(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A tank row of the tank view, with its current batch, stocking density and water status (the band its latest
    test has under the thresholds of now, kept on the tank row)."""
    out = dict(row)
    out["current_batch"] = None
    out["density"] = None
    out["water_status"] = None
    if row["batch_id"] is not None:
        out["current_batch"] = {
            "id": row["batch_id"],
            "code": row["batch_code"],
            "species": row["batch_species"],
            "current_count": row["current_count"],
            "current_avg_weight_g": row["current_avg_weight_g"],
            "current_biomass_kg": row["current_biomass_kg"],
            "stocking_date": row["batch_stocking_date"],
            "assigned_since": row["assigned_since"],
        }
        out["density"] = {
            "kg_per_m3": growth.density(row["current_biomass_kg"], row["capacity_liters"]),
            "fish_per_m3": growth.density(row["current_count"], row["capacity_liters"]),
        }
    if row["water_test_id"] is not None:
        out["water_status"] = {
            "test_id": row["water_test_id"],
            "tested_at": row["water_tested_at"],
            "overall": BANDS[row["water_severity"]],
            "stale": row["water_tested_at"] < now - STALE_AFTER,
        }
    return out


def list_tanks(
    conn: Connection, status: str | None, is_active: bool | None, text: str | None, paging: PageParams
) -> dict[str, Any]:
    rows, total = tank_queries.list_tanks(conn, status=status, is_active=is_active, text=text, paging=paging)
    now = clock.now()
    return page_of([tank_out(r, now) for r in rows], total, paging)


def get_tank(conn: Connection, tank_id: int) -> dict[str, Any]:
    row = tank_queries.tank_view(conn, tank_id)  # found or not in one statement
    if row is None:
        raise NotFound("Tank not found")
    return tank_out(row, clock.now())


def create_tank(conn: Connection, caller: Caller, body: TankCreate) -> dict[str, Any]:
    if tank_queries.code_taken(conn, body.code):
        raise Conflict(f"Tank code {body.code} already exists", "duplicate_code")
    try:
        with conn.transaction():
            tank_id = tank_queries.insert_tank(conn, body.model_dump(), caller.user_id)
    except psycopg.errors.UniqueViolation:
        raise Conflict(f"Tank code {body.code} already exists", "duplicate_code") from None
    audit.module_change(conn, caller.actor, MODULE, "tank.create", "tank", tank_id, {"code": body.code})
    return get_tank(conn, tank_id)


def update_tank(conn: Connection, caller: Caller, tank_id: int, body: TankUpdate) -> dict[str, Any]:
    tank_or_404(conn, tank_id)
    tank = lock_queries.lock_tanks(conn, [tank_id])[tank_id]
    changes = body.changes()
    reject_nulls(changes, ("name", "capacity_liters", "tank_type", "is_active"))
    if changes.get("is_active") is False and assignment_queries.open_assignment_of_tank(conn, tank_id) is not None:
        raise Conflict("The tank holds a batch", "tank_in_use")
    if "status" in changes:
        if changes["status"] is None:
            raise invalid("status", "must not be null")
        if assignment_queries.open_assignment_of_tank(conn, tank_id) is not None:
            raise Conflict("The tank holds a batch; its status follows the assignment", "tank_in_use")
    before = {k: tank[k] for k in changes}
    tank_queries.update_tank(conn, tank_id, changes)
    audit.module_change(conn, caller.actor, MODULE, "tank.update", "tank", tank_id, audit.changes(before, changes))
    return get_tank(conn, tank_id)


def delete_tank(conn: Connection, caller: Caller, tank_id: int) -> None:
    """Soft delete: refused while a batch is in the tank."""
    tank_or_404(conn, tank_id)
    lock_queries.lock_tanks(conn, [tank_id])
    if assignment_queries.open_assignment_of_tank(conn, tank_id) is not None:
        raise Conflict("The tank holds a batch", "tank_in_use")
    tank_queries.update_tank(conn, tank_id, {"is_active": False})
    audit.module_change(conn, caller.actor, MODULE, "tank.delete", "tank", tank_id)


def history(conn: Connection, tank_id: int, paging: PageParams) -> dict[str, Any]:
    tank_or_404(conn, tank_id)
    rows, total = tank_queries.history(conn, tank_id, clock.today(), paging)
    return page_of(rows, total, paging)
