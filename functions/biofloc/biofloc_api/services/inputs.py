"""Tank inputs (docs/rules.md: Feeding and tank inputs): chemicals, probiotics and the like; from stock if named."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import feedings as feeding_queries
from biofloc_api.queries import inputs as input_queries
from biofloc_api.queries import locks as lock_queries
from biofloc_api.schemas.inputs import TankInputCreate
from biofloc_api.services.common import MODULE, check_event_date, tank_ref
from farm_erp import audit, clock, stock
from farm_erp.db import Connection
from farm_erp.errors import invalid
from farm_erp.fields import MONEY, quantize
from farm_erp.http import Caller
from farm_erp.lists import DateRange, PageParams, page_of


def with_lots(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lots = feeding_queries.lots_of(conn, [r["operation_id"] for r in rows if r["operation_id"] is not None])
    return [{**r, "lots": [lot for lot in lots if lot["operation_id"] == r["operation_id"]]} for r in rows]


def list_inputs(
    conn: Connection, tank_id: int | None, batch_id: int | None, dates: DateRange, paging: PageParams
) -> dict[str, Any]:
    rows, total = input_queries.list_inputs(
        conn, tank_id=tank_id, batch_id=batch_id, date_from=dates.from_, date_to=dates.to, paging=paging
    )
    return page_of(with_lots(conn, rows), total, paging)


def create_input(conn: Connection, caller: Caller, body: TankInputCreate) -> dict[str, Any]:
    today, now = clock.today(), clock.now()
    if body.input_date > today:
        raise invalid("input_date", "The date must not be in the future")
    tank_ref(conn, body.tank_id)
    lock_queries.lock_tanks(conn, [body.tank_id])
    assignment = assignment_queries.open_assignment_of_tank(conn, body.tank_id)
    batch_id: int | None = None
    if assignment is not None:
        batch_id = int(assignment["batch_id"])
        batch = lock_queries.lock_batches(conn, [batch_id])[batch_id]
        check_event_date(body.input_date, batch, "input_date", today, assignment)
    values: dict[str, Any] = body.model_dump(exclude={"sku"})
    values.update(batch_id=batch_id, created_by=caller.user_id, created_at=now)

    if body.item_id is None and body.sku is None:
        values.update(
            unit_cost=body.unit_cost or Decimal(0),
            operation_id=None,
            total_cost=quantize(body.quantity * (body.unit_cost or Decimal(0)), MONEY),
        )
        input_id = input_queries.insert_input(conn, values)
    else:
        line = stock.ConsumeLine(item_id=body.item_id, sku=body.sku, quantity=body.quantity)
        [item_id] = stock.resolve_lines(conn, [line], loc_prefix=("body",))
        item = stock.lock_items(conn, [item_id])[item_id]
        if body.unit is not None and body.unit.lower() != str(item["unit"]).lower():
            raise invalid("unit", f"{item['sku']} is measured in {item['unit']}")
        operation_id = stock.new_operation(
            conn, "tank_input", MODULE, user_id=caller.user_id, purpose=f"Tank input {body.input_type}"
        )
        values.update(
            item_id=item_id,
            item_name=body.item_name or item["name"],
            unit=item["unit"],
            unit_cost=Decimal(0),
            total_cost=Decimal(0),
            operation_id=operation_id,
        )
        input_id = input_queries.insert_input(conn, values)
        [used] = stock.consume(
            conn,
            [
                stock.ConsumeLine(
                    item_id=item_id,
                    quantity=body.quantity,
                    ref_line_id=input_id,
                    tank_id=body.tank_id,
                    fish_batch_id=batch_id,
                )
            ],
            operation_id=operation_id,
            module_key=MODULE,
            user_id=caller.user_id,
            loc_prefix=("body",),
        )
        input_queries.set_costs(conn, input_id, used.avg_unit_cost, used.total_cost)
        stock.set_operation_ref(conn, operation_id, input_id)
    row = input_queries.tank_input(conn, input_id)
    if batch_id is not None:
        batch_queries.add_cost(conn, batch_id, "chemical", row["total_cost"])
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "tank_input.create",
        "tank_input",
        input_id,
        {"tank_id": body.tank_id, "batch_id": batch_id, "total_cost": str(row["total_cost"])},
    )
    return with_lots(conn, [row])[0]


def biofloc_items(conn: Connection, paging: PageParams) -> dict[str, Any]:
    rows, total = input_queries.biofloc_items(conn, clock.now(), paging)
    for r in rows:
        r["is_weight"] = r["unit_category"] == "weight" and r["base_factor"] is not None
    return page_of(rows, total, paging)
