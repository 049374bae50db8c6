"""Rules shared by the biofloc services: references, the lock order, event dates, closed batches."""

from __future__ import annotations

from datetime import date
from typing import Any

from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import locks as lock_queries
from biofloc_api.queries import tanks as tank_queries
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, invalid

MODULE = "biofloc"


def tank_ref(conn: Connection, tank_id: int, field: str = "tank_id") -> dict[str, Any]:
    """A tank named in a request body: unknown or soft-deleted is 422."""
    tank = tank_queries.get_tank(conn, tank_id)
    if tank is None or not tank["is_active"]:
        raise invalid(field, "Unknown or inactive tank", "reference_error")
    return tank


def batch_ref(conn: Connection, batch_id: int, field: str = "batch_id") -> dict[str, Any]:
    """A batch named in a request body: unknown is 422."""
    batch = batch_queries.get_batch(conn, batch_id)
    if batch is None:
        raise invalid(field, "Unknown batch", "reference_error")
    return batch


def tank_or_404(conn: Connection, tank_id: int) -> dict[str, Any]:
    tank = tank_queries.get_tank(conn, tank_id)
    if tank is None:
        raise NotFound("Tank not found")
    return tank


def batch_or_404(conn: Connection, batch_id: int) -> dict[str, Any]:
    batch = batch_queries.get_batch(conn, batch_id)
    if batch is None:
        raise NotFound("Batch not found")
    return batch


def lock_batch_and_tank(
    conn: Connection, batch_id: int, extra_tanks: tuple[int, ...] = ()
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[int, dict[str, Any]]]:
    """Lock the batch's current tank (and `extra_tanks`) then the batch, in the fixed lock order.

    The current tank is read before the locks are taken, so a transfer committed in between is detected and the
    locking starts over. Returns (batch, open assignment or None, locked tanks by id).
    """
    for _ in range(3):
        before = assignment_queries.open_assignment_of_batch(conn, batch_id)
        tank_ids = [*extra_tanks, *([before["tank_id"]] if before else [])]
        tanks = lock_queries.lock_tanks(conn, tank_ids)
        batch = lock_queries.lock_batches(conn, [batch_id])[batch_id]
        after = assignment_queries.open_assignment_of_batch(conn, batch_id)
        if (after or {}).get("id") == (before or {}).get("id"):
            return batch, after, tanks
    raise Conflict("The batch is being moved; try again", "busy")


def ensure_active(batch: dict[str, Any]) -> None:
    if batch["status"] != "active":
        raise Conflict(f"Batch {batch['code']} is {batch['status']}", "batch_closed")


def check_event_date(
    value: date, batch: dict[str, Any], field: str, today: date, assignment: dict[str, Any] | None = None
) -> None:
    """Event dates lie in [stocking_date, today] (and, for tank events, not before the current assignment)."""
    if value > today:
        raise invalid(field, "The date must not be in the future")
    if value < batch["stocking_date"]:
        raise invalid(field, "The date must not be before the batch's stocking date")
    if assignment is not None and value < assignment["start_date"]:
        raise invalid(field, "The date must not be before the batch moved into this tank")
