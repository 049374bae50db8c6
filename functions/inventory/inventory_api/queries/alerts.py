"""Module consumption report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from farm_erp.db import Connection
from farm_erp.lists import DateRange

_USE = """FROM stock_ledger sl
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
    rows = conn.execute(
        f"""SELECT agg.*, i.sku, i.name, u.abbreviation AS unit
              FROM (SELECT sl.item_id, sum(abs(sl.qty_change)) AS quantity, sum(sl.cost) AS cost,
                           count(DISTINCT sl.operation_id) AS operations, max(sl.occurred_at) AS last_used_at
                      {_USE} GROUP BY sl.item_id) agg
              JOIN items i ON i.id = agg.item_id JOIN units u ON u.id = i.unit_id
             ORDER BY agg.cost DESC, i.name, i.id LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()
    totals = conn.execute(
        f"SELECT count(DISTINCT sl.item_id) AS n, COALESCE(sum(sl.cost), 0) AS cost {_USE}", params
    ).fetchone()
    assert totals is not None
    return rows, int(totals["n"]), Decimal(totals["cost"])
