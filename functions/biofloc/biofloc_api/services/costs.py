"""Cycle costs and manual cost entries: each category column equals the sum of its entries and stays ≥ 0."""

from __future__ import annotations

from typing import Any

from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import locks as lock_queries
from biofloc_api.schemas.batches import CostEntryIn
from biofloc_api.services.common import MODULE, batch_or_404
from farm_erp import audit, clock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, invalid
from farm_erp.http import Caller
from farm_erp.lists import PageParams, page_of


def list_costs(conn: Connection, batch_id: int, paging: PageParams) -> dict[str, Any]:
    batch_or_404(conn, batch_id)
    rows, total = batch_queries.cost_entries(conn, batch_id, paging)
    return {**page_of(rows, total, paging), "breakdown": batch_queries.cycle_costs(conn, batch_id)}


def add_entry(conn: Connection, caller: Caller, batch_id: int, body: CostEntryIn) -> dict[str, Any]:
    """Accepted in any batch status; a negative amount corrects earlier entries of its category."""
    batch_or_404(conn, batch_id)
    batch = lock_queries.lock_batches(conn, [batch_id])[batch_id]
    today = clock.today()
    entry_date = body.entry_date or today
    if entry_date > today:
        raise invalid("entry_date", "The date must not be in the future")
    if entry_date < batch["stocking_date"]:
        raise invalid("entry_date", "The date must not be before the batch's stocking date")
    costs = batch_queries.lock_cycle_costs(conn, batch_id)
    if costs[body.category] + body.amount < 0:
        raise Conflict(
            f"The correction would make the {body.category} total negative ({costs[body.category]:.2f} available)",
            "negative_cost_total",
        )
    entry_id = batch_queries.insert_cost_entry(
        conn, batch_id, body.category, body.amount, entry_date, body.description, caller.user_id
    )
    batch_queries.add_cost(conn, batch_id, body.category, body.amount)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "cost_entry.create",
        "cost_entry",
        entry_id,
        {"batch_id": batch_id, "category": body.category, "amount": str(body.amount)},
    )
    return {**batch_queries.cost_entry(conn, entry_id), "breakdown": batch_queries.cycle_costs(conn, batch_id)}
