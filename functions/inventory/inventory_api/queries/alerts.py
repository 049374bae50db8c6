"""Module consumption report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from farm_erp.db import Connection
from farm_erp.lists import DateRange

# Aggregated from stock_ledger_module_use_idx alone (it carries every column read here): per item and operation
# first, so that counting operations needs no DISTINCT (a sort of every row), then per item. The window's item
# count and total cost come out of the same pass; names and units are joined for the page only.
_CONSUMPTION = """
WITH per_operation AS (
    SELECT sl.item_id, sum(sl.qty_change) AS qty, sum(sl.cost) AS cost, max(sl.occurred_at) AS at
      FROM stock_ledger sl
     WHERE sl.type = 'use' AND sl.module_key = %(module)s
       AND sl.occurred_at >= %(since)s AND sl.occurred_at < %(until)s
     GROUP BY sl.item_id, sl.operation_id
), per_item AS (
    SELECT item_id, -sum(qty) AS quantity, sum(cost) AS cost, count(*) AS operations, max(at) AS last_used_at
      FROM per_operation GROUP BY item_id
), ranked AS (
    SELECT p.*, i.name, count(*) OVER () AS total_items, sum(p.cost) OVER () AS total_cost
      FROM per_item p JOIN items i ON i.id = p.item_id
     ORDER BY p.cost DESC, i.name, p.item_id LIMIT %(limit)s OFFSET %(offset)s
)
SELECT r.item_id, r.quantity, r.cost, r.operations, r.last_used_at, r.total_items, r.total_cost,
       i.sku, i.name, u.abbreviation AS unit
  FROM ranked r JOIN items i ON i.id = r.item_id JOIN units u ON u.id = i.unit_id
 ORDER BY r.cost DESC, r.name, r.item_id
"""
_TOTALS = """SELECT count(DISTINCT sl.item_id) AS n, COALESCE(sum(sl.cost), 0) AS cost
               FROM stock_ledger sl
              WHERE sl.type = 'use' AND sl.module_key = %(module)s
                AND sl.occurred_at >= %(since)s AND sl.occurred_at < %(until)s"""


def consumption(
    conn: Connection, module_key: str, dates: DateRange, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int, Decimal]:
    """`use` rows of a module in [from, to], per item, by cost desc; the item count and the total cost."""
    params = {
        "module": module_key,
        "since": dates.since,
        "until": dates.until,
        "limit": limit,
        "offset": offset,
    }
    rows = conn.execute(_CONSUMPTION, params).fetchall()
    if rows:
        total, cost = int(rows[0]["total_items"]), Decimal(rows[0]["total_cost"])
    else:  # a page past the end (or an empty window) still reports the window's totals
        totals = conn.execute(_TOTALS, params).fetchone()
        assert totals is not None
        total, cost = int(totals["n"]), Decimal(totals["cost"])
    for r in rows:
        del r["total_items"], r["total_cost"]
    return rows, total, cost
