"""Tank SQL: the tank view (current batch, latest water test) and its assignment history.

The latest water test and its band are on the tank row (water_test_id, water_tested_at, water_severity, kept by
migration 0043's triggers): the view reads no water test at all."""

from __future__ import annotations

from datetime import date
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

TANK_VIEW = """
SELECT t.*, b.id AS batch_id, b.code AS batch_code, b.species AS batch_species, b.current_count,
       b.current_avg_weight_g, b.current_biomass_kg, b.stocking_date AS batch_stocking_date,
       a.start_date AS assigned_since
FROM tanks t
LEFT JOIN tank_assignments a ON a.tank_id = t.id AND a.end_date IS NULL
LEFT JOIN batches b ON b.id = a.batch_id
"""


def list_tanks(
    conn: Connection, *, status: str | None, is_active: bool | None, text: str | None, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.when(status, "t.status = %(status)s", "status")
    f.when(is_active, "t.is_active = %(is_active)s", "is_active")
    f.search(text, "t.code", "t.name", "t.location")
    # the joins are LEFT JOINs on unique keys (one open assignment per tank): the filters are on tanks alone
    return sql.paged(conn, TANK_VIEW, f, "t.code, t.id", paging, page_from="tanks t", count_from="tanks t")


def get_tank(conn: Connection, tank_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM tanks WHERE id = %s", (tank_id,)).fetchone()
    return dict(row) if row else None


def tank_view(conn: Connection, tank_id: int) -> dict[str, Any] | None:
    row = conn.execute(f"{TANK_VIEW} WHERE t.id = %s", (tank_id,)).fetchone()
    return dict(row) if row else None


def code_taken(conn: Connection, code: str) -> bool:
    return conn.execute("SELECT 1 FROM tanks WHERE upper(code) = upper(%s)", (code,)).fetchone() is not None


def insert_tank(conn: Connection, values: dict[str, Any], user_id: int | None) -> int:
    row = conn.execute(
        """INSERT INTO tanks (code, name, capacity_liters, location, tank_type, status, notes, created_by)
           VALUES (%(code)s, %(name)s, %(capacity_liters)s, %(location)s, %(tank_type)s, %(status)s, %(notes)s,
                   %(user_id)s) RETURNING id""",
        {**values, "user_id": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


UPDATABLE = ("name", "capacity_liters", "location", "tank_type", "status", "is_active", "notes")


def update_tank(conn: Connection, tank_id: int, changes: dict[str, Any]) -> None:
    sql.update_columns(conn, "tanks", tank_id, changes, UPDATABLE)


def history(conn: Connection, tank_id: int, today: date, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.add("a.tank_id = %(tank_id)s", tank_id=tank_id, today=today)
    select = """SELECT a.*, t.code AS tank_code, b.code AS batch_code, b.species,
                       coalesce(a.end_date, %(today)s::date) - a.start_date AS days
                FROM tank_assignments a JOIN tanks t ON t.id = a.tank_id JOIN batches b ON b.id = a.batch_id"""
    return sql.paged(conn, select, f, "a.start_date DESC, a.id DESC", paging)
