"""Tank-input SQL and the biofloc item picker."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

SELECT = """SELECT i.*, t.code AS tank_code, b.code AS batch_code, it.sku
            FROM tank_inputs i JOIN tanks t ON t.id = i.tank_id LEFT JOIN batches b ON b.id = i.batch_id
            LEFT JOIN items it ON it.id = i.item_id"""


def list_inputs(
    conn: Connection,
    *,
    tank_id: int | None,
    batch_id: int | None,
    date_from: date | None,
    date_to: date | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.when(tank_id, "i.tank_id = %(tank_id)s", "tank_id")
    f.when(batch_id, "i.batch_id = %(batch_id)s", "batch_id")
    f.when(date_from, "i.input_date >= %(date_from)s", "date_from")
    f.when(date_to, "i.input_date <= %(date_to)s", "date_to")
    # tank_id is NOT NULL with a foreign key and the other joins are LEFT JOINs on keys: no row added or lost
    return sql.paged(conn, SELECT, f, "i.input_date DESC, i.id DESC", paging, count_from="tank_inputs i")


def tank_input(conn: Connection, input_id: int) -> dict[str, Any]:
    row = conn.execute(f"{SELECT} WHERE i.id = %s", (input_id,)).fetchone()
    assert row is not None
    return dict(row)


def inputs_for_batch(conn: Connection, batch_id: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(f"{SELECT} WHERE i.batch_id = %s ORDER BY i.input_date, i.id LIMIT %s", (batch_id, limit))
    return [dict(r) for r in rows.fetchall()]


def insert_input(conn: Connection, values: dict[str, Any]) -> int:
    cols = [
        "tank_id",
        "batch_id",
        "input_date",
        "input_time",
        "input_type",
        "item_id",
        "item_name",
        "quantity",
        "unit",
        "unit_cost",
        "total_cost",
        "reason",
        "operation_id",
        "notes",
        "created_by",
        "created_at",
    ]
    row = conn.execute(
        f"INSERT INTO tank_inputs ({', '.join(cols)}) VALUES ({', '.join(f'%({c})s' for c in cols)}) RETURNING id",
        {c: values.get(c) for c in cols},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def set_costs(conn: Connection, input_id: int, unit_cost: Decimal, total_cost: Decimal) -> None:
    conn.execute(
        "UPDATE tank_inputs SET unit_cost = %s, total_cost = %s WHERE id = %s", (unit_cost, total_cost, input_id)
    )


def biofloc_items(conn: Connection, now: datetime, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    """Active items mapped to biofloc, primary first, with unit and what is free to use."""
    select = """SELECT i.id, i.sku, i.name, u.id AS unit_id, u.abbreviation AS unit, u.category AS unit_category,
                       u.base_factor, m.is_primary, i.on_hand_qty,
                       coalesce(r.reserved, 0) AS reserved_qty, i.on_hand_qty - coalesce(r.reserved, 0) AS available_qty
                FROM item_module_mappings m
                JOIN items i ON i.id = m.item_id
                JOIN units u ON u.id = i.unit_id
                LEFT JOIN LATERAL (
                    SELECT sum(quantity) AS reserved FROM reservations x
                    WHERE x.item_id = i.id AND x.status = 'pending' AND x.reserved_until > %(now)s
                ) r ON true"""
    f = sql.Filters()
    f.add("m.module_key = 'biofloc' AND i.is_active", now=now)
    return sql.paged(conn, select, f, "m.is_primary DESC, i.name, i.id", paging)
