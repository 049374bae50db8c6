"""Purchase orders: state machine, line edits, partial receipts, duplicate, history (docs/rules.md: Purchase orders).

History rows are written in the request's transaction, so a failed history insert fails the request.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from farm_erp import audit, clock, stock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, ValidationFailed, invalid, reject_nulls
from farm_erp.http import Caller
from farm_erp.lists import PageParams
from farm_erp.stock import qty_str
from inventory_api.queries import purchase_orders as po_queries
from inventory_api.queries import stock as stock_queries
from inventory_api.schemas.purchase_orders import DuplicateIn, PoCreate, PoLineIn, PoLineUpdate, PoUpdate, ReceiveIn
from inventory_api.services.common import MODULE, found, on_duplicate

TERMINAL = ("closed", "cancelled")
# What POST …/status may set from each status; receipts move ordered/partially_received on their own.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("approved", "cancelled"),
    "approved": ("ordered", "cancelled"),
    "ordered": ("cancelled",),
    "partially_received": ("closed",),
    "received": ("closed",),
    "closed": (),
    "cancelled": (),
}
RECEIVABLE = ("ordered", "partially_received")
_DUP_NUMBER = ("A purchase order with this number already exists", "duplicate_po_number")


def detail(conn: Connection, po_id: int) -> dict[str, Any]:
    """The PO view: header, supplier, lines, receipts and summary."""
    got = po_queries.detail_rows(conn, po_id)
    if got is None:
        raise NotFound("Purchase order not found")
    header = got.header
    return {
        **header,
        "supplier": {"id": header["supplier_id"], "name": header["supplier_name"]},
        "total_amount": got.summary["ordered_value"],
        "lines": got.lines,
        "receipts": po_queries.get_receipts(conn, po_id) if got.has_receipts else [],
        "summary": got.summary,
    }


def _locked(conn: Connection, po_id: int) -> dict[str, Any]:
    return found(po_queries.get_header(conn, po_id, lock=True), "Purchase order")


def _check_supplier(conn: Connection, supplier_id: int) -> None:
    if not stock_queries.supplier_active(conn, supplier_id):
        raise invalid("supplier_id", "Unknown or inactive supplier")


def _check_dates(po_date: date, expected: date | None) -> None:
    if po_date > clock.today():
        raise invalid("po_date", "po_date may not be in the future")
    if expected is not None and expected < po_date:
        raise invalid("expected_delivery", "expected_delivery may not be before po_date")


def _orderable(state: dict[str, Any] | None) -> bool:
    """An item may be ordered when it exists and both it and its unit are active."""
    return state is not None and bool(state["is_active"]) and bool(state["unit_active"])


def _check_items(conn: Connection, item_ids: list[int], loc: list[list[str | int]]) -> None:
    """Items on a PO must exist and be active, with an active unit (422 at each line's location)."""
    states = po_queries.item_states(conn, item_ids)
    errors: list[dict[str, Any]] = []
    for item_id, where in zip(item_ids, loc, strict=True):
        if not _orderable(states.get(item_id)):
            errors.append({"loc": where, "msg": "Unknown or inactive item", "type": "value_error"})
    if errors:
        exc = ValidationFailed(errors[0]["loc"], errors[0]["msg"])
        exc.items = errors
        raise exc


def create(conn: Connection, caller: Caller, body: PoCreate) -> dict[str, Any]:
    _check_supplier(conn, body.supplier_id)
    po_date = body.po_date or clock.today()
    _check_dates(po_date, body.expected_delivery)
    item_ids = [line.item_id for line in body.lines]
    seen: set[int] = set()
    for index, item_id in enumerate(item_ids):
        if item_id in seen:
            raise ValidationFailed(["body", "lines", index, "item_id"], "Each item may appear only once")
        seen.add(item_id)
    _check_items(conn, item_ids, [["body", "lines", i, "item_id"] for i in range(len(item_ids))])
    with on_duplicate(*_DUP_NUMBER):
        po_id = po_queries.insert_po(
            conn,
            po_queries.PoHeader(body.po_number, body.supplier_id, po_date, body.expected_delivery, body.notes),
            caller.user_id,
        )
    for line in body.lines:
        po_queries.insert_line(conn, po_id, line.item_id, line.ordered_qty, line.unit_cost)
    out = detail(conn, po_id)
    po_queries.add_history(
        conn,
        po_id,
        "created",
        caller.user_id,
        to_status="pending",
        details={"po_number": out["po_number"], "lines": len(item_ids)},
    )
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "purchase_order.create",
        "purchase_order",
        po_id,
        {"po_number": out["po_number"], "total_amount": str(out["total_amount"])},
    )
    return out


def update(conn: Connection, caller: Caller, po_id: int, body: PoUpdate) -> dict[str, Any]:
    before = _locked(conn, po_id)
    changes = body.changes()
    if before["status"] in TERMINAL:
        raise Conflict(f"The purchase order is {before['status']}", "invalid_state")
    if ("supplier_id" in changes or "po_date" in changes) and before["status"] != "pending":
        raise Conflict("Supplier and PO date change only while the order is pending", "invalid_state")
    reject_nulls(changes, ("supplier_id", "po_date"))
    if "supplier_id" in changes and changes["supplier_id"] != before["supplier_id"]:
        _check_supplier(conn, changes["supplier_id"])
    if "po_date" in changes or "expected_delivery" in changes:
        _check_dates(
            changes.get("po_date", before["po_date"]), changes.get("expected_delivery", before["expected_delivery"])
        )
    po_queries.update_header(conn, po_id, changes)
    after = detail(conn, po_id)  # the view carries every header column, the changed ones included
    changed = audit.changes(before, after, changes)
    po_queries.add_history(conn, po_id, "updated", caller.user_id, details=changed)
    audit.module_change(conn, caller.actor, MODULE, "purchase_order.update", "purchase_order", po_id, changed)
    return after


def change_status(conn: Connection, caller: Caller, po_id: int, status: str, note: str | None) -> dict[str, Any]:
    po = _locked(conn, po_id)
    if status not in TRANSITIONS[po["status"]]:
        raise Conflict(f"A {po['status']} purchase order cannot become {status}", "invalid_transition")
    _transition(conn, caller, po_id, po["status"], status, note)
    return detail(conn, po_id)


def _transition(
    conn: Connection,
    caller: Caller,
    po_id: int,
    old: str,
    new: str,
    note: str | None = None,
    *,
    record_activity: bool = True,
) -> None:
    """Set the status with its history row; `record_activity=False` when the caller's own activity row covers it."""
    po_queries.set_status(conn, po_id, new)
    po_queries.add_history(
        conn,
        po_id,
        "status_changed",
        caller.user_id,
        from_status=old,
        to_status=new,
        details={"note": note} if note else {},
    )
    if record_activity:
        audit.module_change(
            conn,
            caller.actor,
            MODULE,
            "purchase_order.status",
            "purchase_order",
            po_id,
            {"from": old, "to": new, "note": note},
        )


def _pending(conn: Connection, po_id: int) -> dict[str, Any]:
    po = _locked(conn, po_id)
    if po["status"] != "pending":
        raise Conflict("Lines change only while the purchase order is pending", "invalid_state")
    return po


def add_line(conn: Connection, caller: Caller, po_id: int, body: PoLineIn) -> dict[str, Any]:
    _pending(conn, po_id)
    _check_items(conn, [body.item_id], [["body", "item_id"]])
    with on_duplicate("The item is already on this purchase order", "duplicate_line"):
        line_id = po_queries.insert_line(conn, po_id, body.item_id, body.ordered_qty, body.unit_cost)
    details = {
        "line_id": line_id,
        "item_id": body.item_id,
        "ordered_qty": qty_str(body.ordered_qty),
        "unit_cost": str(body.unit_cost),
    }
    po_queries.add_history(conn, po_id, "line_added", caller.user_id, details=details)
    audit.module_change(conn, caller.actor, MODULE, "purchase_order.line_add", "purchase_order", po_id, details)
    return detail(conn, po_id)


def update_line(conn: Connection, caller: Caller, po_id: int, line_id: int, body: PoLineUpdate) -> dict[str, Any]:
    _pending(conn, po_id)
    before = found(po_queries.get_line(conn, po_id, line_id), "Purchase-order line")
    changes = body.changes()
    reject_nulls(changes, ("item_id", "ordered_qty", "unit_cost"))
    if "item_id" in changes and changes["item_id"] != before["item_id"]:
        _check_items(conn, [changes["item_id"]], [["body", "item_id"]])
    with on_duplicate("The item is already on this purchase order", "duplicate_line"):
        po_queries.update_line(conn, line_id, changes)
    after = found(po_queries.get_line(conn, po_id, line_id), "Purchase-order line")
    changed = {"line_id": line_id, **audit.changes(before, after, changes)}
    po_queries.add_history(conn, po_id, "line_updated", caller.user_id, details=changed)
    audit.module_change(conn, caller.actor, MODULE, "purchase_order.line_update", "purchase_order", po_id, changed)
    return detail(conn, po_id)


def remove_line(conn: Connection, caller: Caller, po_id: int, line_id: int) -> dict[str, Any]:
    _pending(conn, po_id)
    line = found(po_queries.get_line(conn, po_id, line_id), "Purchase-order line")
    if po_queries.line_count(conn, po_id) <= 1:
        raise Conflict("A purchase order keeps at least one line", "last_line")
    po_queries.delete_line(conn, line_id)
    details = {"line_id": line_id, "item_id": line["item_id"], "ordered_qty": qty_str(line["ordered_qty"])}
    po_queries.add_history(conn, po_id, "line_removed", caller.user_id, details=details)
    audit.module_change(conn, caller.actor, MODULE, "purchase_order.line_remove", "purchase_order", po_id, details)
    return detail(conn, po_id)


def receive(conn: Connection, caller: Caller, po_id: int, body: ReceiveIn) -> dict[str, Any]:
    """A (partial) receipt: a purchase lot and ledger row per line; all lines or none."""
    po = _locked(conn, po_id)
    if po["status"] not in RECEIVABLE:
        raise Conflict(f"A {po['status']} purchase order cannot be received", "invalid_state")
    lines = {int(line["id"]): line for line in po_queries.get_lines(conn, po_id)}
    seen: set[int] = set()
    for index, requested in enumerate(body.lines):
        if requested.po_line_id not in lines:
            raise ValidationFailed(["body", "lines", index, "po_line_id"], "The line is not on this purchase order")
        if requested.po_line_id in seen:
            raise ValidationFailed(["body", "lines", index, "po_line_id"], "Each line may appear only once")
        seen.add(requested.po_line_id)
    receipt_date = body.receipt_date or clock.today()
    if receipt_date < po["po_date"] or receipt_date > clock.today():
        raise invalid("receipt_date", "receipt_date must be between the PO date and today")
    for index, requested in enumerate(body.lines):
        if requested.expiry_date is not None and requested.expiry_date < receipt_date:
            raise ValidationFailed(["body", "lines", index, "expiry_date"], "expiry_date is before the receipt date")
    over = []
    for index, requested in enumerate(body.lines):
        line = lines[requested.po_line_id]
        if line["received_qty"] + requested.received_qty > line["ordered_qty"]:
            over.append(
                {
                    "index": index,
                    "po_line_id": requested.po_line_id,
                    "ordered": qty_str(line["ordered_qty"]),
                    "received": qty_str(line["received_qty"]),
                    "requested": qty_str(requested.received_qty),
                    "remaining": qty_str(line["remaining_qty"]),
                }
            )
    if over:
        raise Conflict("More than ordered would be received", "over_receipt", errors=over)
    item_ids = [int(lines[requested.po_line_id]["item_id"]) for requested in body.lines]
    locked = stock.lock_items(conn, item_ids)
    for index, item_id in enumerate(item_ids):
        if not locked[item_id]["is_active"]:
            raise ValidationFailed(["body", "lines", index, "po_line_id"], "The line's item is inactive")

    operation_id = stock.new_operation(
        conn, "po_receipt", MODULE, user_id=caller.user_id, purpose=f"PO {po['po_number']}", notes=body.notes
    )
    receipt_id = po_queries.insert_receipt(conn, po_id, receipt_date, body.notes, operation_id, caller.user_id)
    stock.set_operation_ref(conn, operation_id, receipt_id)
    out_lines = []
    for requested, item_id in zip(body.lines, item_ids, strict=True):
        line = lines[requested.po_line_id]
        unit_cost = requested.unit_cost if requested.unit_cost is not None else line["unit_cost"]
        lot = stock.add_lot(
            conn,
            item_id=item_id,
            quantity=requested.received_qty,
            unit_cost=unit_cost,
            source="purchase",
            operation_id=operation_id,
            module_key=MODULE,
            user_id=caller.user_id,
            received_date=receipt_date,
            expiry_date=requested.expiry_date,
            supplier_id=po["supplier_id"],
            po_id=po_id,
            po_line_id=line["id"],
            lot_number=requested.lot_number,
            ref_line_id=line["id"],
        )
        po_queries.insert_receipt_line(
            conn,
            {
                "receipt_id": receipt_id,
                "po_line_id": line["id"],
                "received_qty": requested.received_qty,
                "po_unit_cost": line["unit_cost"],
                "unit_cost": unit_cost,
                "lot_id": lot.lot_id,
            },
        )
        out_lines.append(
            {
                "po_line_id": line["id"],
                "received_qty": requested.received_qty,
                "lot_id": lot.lot_id,
                "ledger_id": lot.ledger_id,
            }
        )
    summary = po_queries.summary(conn, po_id)
    new_status = "received" if summary["lines_complete"] == len(lines) else "partially_received"
    po_queries.add_history(
        conn,
        po_id,
        "received",
        caller.user_id,
        details={
            "receipt_id": receipt_id,
            "lines": [
                {"po_line_id": out["po_line_id"], "received_qty": qty_str(out["received_qty"])} for out in out_lines
            ],
        },
    )
    # One activity row for the receipt, status changes included (each still has its own PO history row).
    status = new_status
    if new_status != po["status"]:
        _transition(conn, caller, po_id, po["status"], new_status, record_activity=False)
    if body.close:
        _transition(conn, caller, po_id, new_status, "closed", body.notes, record_activity=False)
        status = "closed"
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "purchase_order.receive",
        "purchase_order",
        po_id,
        {
            "receipt_id": receipt_id,
            "operation_id": operation_id,
            "lines": len(out_lines),
            "status": {"from": po["status"], "to": status},
        },
    )
    return {"receipt_id": receipt_id, "status": status, "lines": out_lines, "summary": summary}


def duplicate(conn: Connection, caller: Caller, po_id: int, body: DuplicateIn) -> dict[str, Any]:
    """A new pending PO with the lines of the active items; the others are listed as skipped."""
    source = found(po_queries.get_header(conn, po_id), "Purchase order")
    supplier_id = body.supplier_id or source["supplier_id"]
    _check_supplier(conn, supplier_id)
    po_date = body.po_date or clock.today()
    _check_dates(po_date, body.expected_delivery)
    lines = po_queries.get_lines(conn, po_id)
    states = po_queries.item_states(conn, [int(line["item_id"]) for line in lines])
    keep = [line for line in lines if _orderable(states[int(line["item_id"])])]
    skipped = [int(line["item_id"]) for line in lines if line not in keep]
    if not keep:
        raise Conflict("None of the order's items is active", "no_active_items")
    notes = body.notes if body.notes is not None else source["notes"]
    header = po_queries.PoHeader(body.po_number, supplier_id, po_date, body.expected_delivery, notes)
    with on_duplicate(*_DUP_NUMBER):
        new_id = po_queries.insert_po(conn, header, caller.user_id)
    for line in keep:
        po_queries.insert_line(conn, new_id, line["item_id"], line["ordered_qty"], line["unit_cost"])
    out = detail(conn, new_id)
    po_queries.add_history(
        conn,
        new_id,
        "duplicated",
        caller.user_id,
        to_status="pending",
        details={"from_po_id": po_id, "from_po_number": source["po_number"], "skipped_item_ids": skipped},
    )
    po_queries.add_history(
        conn,
        po_id,
        "duplicated",
        caller.user_id,
        details={"to_po_id": new_id, "to_po_number": out["po_number"], "skipped_item_ids": skipped},
    )
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "purchase_order.duplicate",
        "purchase_order",
        new_id,
        {"from_po_id": po_id, "skipped_item_ids": skipped},
    )
    return {**out, "skipped_item_ids": skipped}


def history(conn: Connection, po_id: int, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    if po_queries.get_header(conn, po_id) is None:
        raise NotFound("Purchase order not found")
    return po_queries.list_history(conn, po_id, paging)
