"""Reservations: reserve, cancel, confirm (docs/rules.md: Reservations and the expiry job)."""

from __future__ import annotations

from typing import Any

from farm_erp import audit, stock
from farm_erp.db import Connection
from farm_erp.http import Caller
from inventory_api.queries import reservations as reservation_queries
from inventory_api.schemas.reservations import ReservationIn
from inventory_api.services.common import MODULE, found


def get(conn: Connection, reservation_id: int) -> dict[str, Any]:
    return found(reservation_queries.get_reservation(conn, reservation_id), "Reservation")


def create(conn: Connection, caller: Caller, body: ReservationIn) -> dict[str, Any]:
    reservation_id = stock.reserve(
        conn,
        item_id=body.item_id,
        quantity=body.quantity,
        module_key=body.module_key,
        hours=body.duration_hours,
        user_id=caller.user_id,
        external_ref=body.external_ref,
        notes=body.notes,
    )
    row = get(conn, reservation_id)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "reservation.create",
        "reservation",
        reservation_id,
        {
            "item_id": row["item_id"],
            "quantity": stock.qty_str(row["quantity"]),
            "module_key": row["module_key"],
            "reserved_until": row["reserved_until"].isoformat(),
        },
    )
    return row


def cancel(conn: Connection, caller: Caller, reservation_id: int) -> dict[str, Any]:
    stock.cancel_reservation(conn, reservation_id)
    row = get(conn, reservation_id)
    audit.module_change(
        conn, caller.actor, MODULE, "reservation.cancel", "reservation", reservation_id, {"item_id": row["item_id"]}
    )
    return row


def confirm(conn: Connection, caller: Caller, reservation_id: int) -> dict[str, Any]:
    _, used = stock.confirm_reservation(conn, reservation_id, user_id=caller.user_id)
    row = get(conn, reservation_id)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "reservation.confirm",
        "reservation",
        reservation_id,
        {"item_id": used.item_id, "operation_id": row["operation_id"], "total_cost": str(used.total_cost)},
    )
    return {
        "reservation": row,
        "operation_id": row["operation_id"],
        "lines": [take.__dict__ for take in used.lines],
        "total_cost": used.total_cost,
        "on_hand_qty": used.on_hand_qty,
        "available_qty": used.available_qty,
    }
