"""Stock add, use, use-multi and adjustments (docs/rules.md: Stock ledger; Adjustments) around farm_erp.stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from farm_erp import audit, clock, stock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, ValidationFailed, invalid
from farm_erp.http import Caller
from farm_erp.stock import ConsumeLine, Consumption
from inventory_api.queries import stock as stock_queries
from inventory_api.schemas.stock import AdjustmentIn, StockAddIn, StockUseIn, UseMultiIn
from inventory_api.services.common import MODULE, found


def _locked_item(conn: Connection, item_id: int, *, active: bool) -> dict[str, Any]:
    item = stock.lock_items(conn, [item_id]).get(item_id)
    if item is None:
        raise invalid("item_id", "Unknown item")
    if active and not item["is_active"]:
        raise invalid("item_id", "Item is inactive")
    return item


def consumption_out(used: Consumption) -> dict[str, Any]:
    return {
        "item_id": used.item_id,
        "sku": used.sku,
        "quantity": used.quantity,
        "lines": [take.__dict__ for take in used.lines],
        "total_cost": used.total_cost,
        "avg_unit_cost": used.avg_unit_cost,
        "on_hand_qty": used.on_hand_qty,
        "available_qty": used.available_qty,
    }


def add(conn: Connection, caller: Caller, body: StockAddIn) -> dict[str, Any]:
    """A manual lot outside any PO: active item, unit and supplier; received_date ≤ today ≤ … ≤ expiry."""
    item = _locked_item(conn, body.item_id, active=True)
    if not item["unit_active"]:
        raise invalid("item_id", "The item's unit is inactive")
    today = clock.today()
    received = body.received_date or today
    if received > today:
        raise invalid("received_date", "received_date may not be in the future")
    if body.expiry_date is not None and body.expiry_date < received:
        raise invalid("expiry_date", "expiry_date may not be before received_date")
    if body.supplier_id is not None and not stock_queries.supplier_active(conn, body.supplier_id):
        raise invalid("supplier_id", "Unknown or inactive supplier")
    unit_cost = body.unit_cost if body.unit_cost is not None else item["default_price"]
    operation_id = stock.new_operation(conn, "add", MODULE, user_id=caller.user_id, notes=body.notes)
    lot = stock.add_lot(
        conn,
        item_id=item["id"],
        quantity=body.quantity,
        unit_cost=unit_cost,
        source="manual",
        operation_id=operation_id,
        module_key=MODULE,
        user_id=caller.user_id,
        received_date=received,
        expiry_date=body.expiry_date,
        supplier_id=body.supplier_id,
        lot_number=body.lot_number,
        notes=body.notes,
    )
    stock.set_operation_ref(conn, operation_id, lot.lot_id)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "stock.add",
        "item",
        item["id"],
        {
            "operation_id": operation_id,
            "lot_id": lot.lot_id,
            "quantity": stock.qty_str(lot.quantity),
            "cost": str(lot.cost),
        },
    )
    return {
        "operation_id": operation_id,
        "lot_id": lot.lot_id,
        "lot_number": lot.lot_number,
        "ledger_id": lot.ledger_id,
        "on_hand_qty": lot.on_hand_qty,
    }


def use(conn: Connection, caller: Caller, body: StockUseIn) -> dict[str, Any]:
    """FIFO consumption of one item."""
    operation_id = stock.new_operation(
        conn, "use", body.module_key, user_id=caller.user_id, purpose=body.purpose, notes=body.notes
    )
    line = ConsumeLine(item_id=body.item_id, sku=body.sku, quantity=body.quantity, notes=body.notes)
    [used] = stock.consume(
        conn,
        [line],
        operation_id=operation_id,
        module_key=body.module_key,
        user_id=caller.user_id,
        loc_prefix=("body",),
    )
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "stock.use",
        "item",
        used.item_id,
        {"operation_id": operation_id, "quantity": stock.qty_str(used.quantity), "total_cost": str(used.total_cost)},
    )
    return {**consumption_out(used), "operation_id": operation_id}


def use_multi(conn: Connection, caller: Caller, body: UseMultiIn) -> dict[str, Any]:
    """Several distinct items in one all-or-nothing operation."""
    lines = [
        ConsumeLine(item_id=line.item_id, sku=line.sku, quantity=line.quantity, notes=line.notes) for line in body.lines
    ]
    ids = stock.resolve_lines(conn, lines)
    seen: set[int] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            field = "item_id" if lines[index].item_id is not None else "sku"
            raise ValidationFailed(["body", "lines", index, field], "Each item may appear only once")
        seen.add(item_id)
    operation_id = stock.new_operation(
        conn, "multi_use", body.module_key, user_id=caller.user_id, purpose=body.purpose, notes=body.notes
    )
    results = stock.consume(conn, lines, operation_id=operation_id, module_key=body.module_key, user_id=caller.user_id)
    total = sum((result.total_cost for result in results), Decimal(0))
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "stock.use_multi",
        "stock_operation",
        operation_id,
        {"operation_id": operation_id, "items": [result.item_id for result in results], "total_cost": str(total)},
    )
    return {
        "operation_id": operation_id,
        "results": [consumption_out(result) for result in results],
        "total_cost": total,
    }


def adjust(conn: Connection, caller: Caller, body: AdjustmentIn) -> dict[str, Any]:
    """Increase (new lot), decrease (FIFO or one lot) or recount to a counted on_hand (docs/rules.md: Adjustments)."""
    kind, qty = body.type, body.quantity
    # An inactive item is 422 here as everywhere a body names an inactive row: deactivation needs zero stock, so
    # an adjustment would only put stock back on an item nobody can use or see in the active lists.
    item = _locked_item(conn, body.item_id, active=True)
    if kind in ("increase", "decrease") and qty <= 0:
        raise invalid("quantity", "Quantity must be greater than 0")
    if body.lot_id is not None and kind != "decrease":
        raise invalid("lot_id", "lot_id applies to a decrease only")
    today = clock.today()
    if body.expiry_date is not None and body.expiry_date < today:
        raise invalid("expiry_date", "expiry_date may not be before today")
    previous = item["on_hand_qty"]
    change = {"increase": qty, "decrease": -qty, "recount": qty - previous}[kind]
    if kind == "recount" and change < 0 and qty < item["reserved_qty"]:
        raise Conflict("The count is below the reserved quantity", "reserved_stock")
    operation_id = stock.new_operation(
        conn, "adjustment", MODULE, user_id=caller.user_id, purpose=body.reason, notes=body.notes
    )
    unit_cost: Decimal | None = None
    lot_id = body.lot_id
    if change > 0:
        unit_cost = body.unit_cost
        if unit_cost is None:
            unit_cost = stock.latest_lot_cost(conn, item["id"])
        if unit_cost is None:
            unit_cost = item["default_price"] or Decimal(0)
        lot = stock.add_lot(
            conn,
            item_id=item["id"],
            quantity=change,
            unit_cost=unit_cost,
            source="adjustment",
            operation_id=operation_id,
            module_key=MODULE,
            user_id=caller.user_id,
            received_date=today,
            expiry_date=body.expiry_date,
            notes=body.reason,
        )
        lot_id = lot.lot_id
    elif change < 0:
        [taken] = stock.consume(
            conn,
            [ConsumeLine(item_id=item["id"], quantity=-change, notes=body.reason)],
            operation_id=operation_id,
            module_key=MODULE,
            user_id=caller.user_id,
            ledger_type="adjust_out",
            loc_prefix=("body",),
            lot_id=lot_id,
        )
        unit_cost = taken.avg_unit_cost
    adjustment = stock.record_adjustment(
        conn,
        {
            "item_id": item["id"],
            "type": kind,
            "quantity": qty,
            "qty_change": change,
            "previous_qty": previous,
            "new_qty": previous + change,
            "unit_cost": unit_cost,
            "lot_id": lot_id,
            "reason": body.reason,
            "notes": body.notes,
            "operation_id": operation_id,
            "created_by": caller.user_id,
        },
    )
    stock.set_operation_ref(conn, operation_id, int(adjustment["id"]))
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "adjustment.create",
        "stock_adjustment",
        adjustment["id"],
        {"item_id": item["id"], "type": kind, "quantity": stock.qty_str(qty), "qty_change": stock.qty_str(change)},
    )
    out = found(stock_queries.get_adjustment(conn, int(adjustment["id"])), "Adjustment")
    return {**out, "ledger": stock_queries.ledger_of_operation(conn, operation_id)}
