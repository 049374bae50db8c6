"""Grading SQL: the grading record and its groups."""

from __future__ import annotations

from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

SELECT = """SELECT g.*, b.code AS source_batch_code, t.code AS source_tank_code
            FROM gradings g JOIN batches b ON b.id = g.source_batch_id JOIN tanks t ON t.id = g.source_tank_id"""


def list_gradings(conn: Connection, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    return sql.paged(conn, SELECT, sql.Filters(), "g.grading_date DESC, g.id DESC", paging, count_from="gradings g")


def grading(conn: Connection, grading_id: int) -> dict[str, Any] | None:
    row = conn.execute(f"{SELECT} WHERE g.id = %s", (grading_id,)).fetchone()
    return dict(row) if row else None


def groups_of(conn: Connection, grading_ids: list[int]) -> list[dict[str, Any]]:
    rows = conn.execute(
        """SELECT gg.*, b.code AS child_batch_code, t.code AS destination_tank_code
           FROM grading_groups gg JOIN batches b ON b.id = gg.child_batch_id
           JOIN tanks t ON t.id = gg.destination_tank_id
           WHERE gg.grading_id = ANY(%s) ORDER BY gg.grading_id, gg.id""",
        (grading_ids,),
    ).fetchall()
    return [dict(r) for r in rows]


def insert_grading(conn: Connection, values: dict[str, Any]) -> int:
    row = conn.execute(
        """INSERT INTO gradings (source_batch_id, source_tank_id, grading_date, total_fish, group_count, notes,
                                 created_by)
           VALUES (%(source_batch_id)s, %(source_tank_id)s, %(grading_date)s, %(total_fish)s, %(group_count)s,
                   %(notes)s, %(created_by)s) RETURNING id""",
        values,
    ).fetchone()
    assert row is not None
    return int(row["id"])


def insert_group(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(
        """INSERT INTO grading_groups (grading_id, label, child_batch_id, destination_tank_id, fish_count,
                                       avg_weight_g, biomass_kg, transfer_in_cost)
           VALUES (%(grading_id)s, %(label)s, %(child_batch_id)s, %(destination_tank_id)s, %(fish_count)s,
                   %(avg_weight_g)s, %(biomass_kg)s, %(transfer_in_cost)s)""",
        values,
    )
