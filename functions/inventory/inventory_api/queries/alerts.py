"""Module consumption report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from farm_erp import clock, consumption_window
from farm_erp.db import Connection
from farm_erp.lists import DateRange, PageParams

_USE = """FROM stock_ledger sl
         WHERE sl.type = 'use' AND sl.module_key = %(module)s
           AND sl.occurred_at >= %(since)s AND sl.occurred_at < %(until)s"""

# The page and the totals from the maintained window, in one statement (one snapshot), and only if the window
# stands for exactly these bounds: no row at all otherwise. A page past the end gives one row of totals only.
_FROM_WINDOW = """
WITH s AS (SELECT FROM consumption_window_state WHERE since = %(since)s AND until = %(until)s),
     t AS (SELECT count(*) AS n, COALESCE(sum(w.cost), 0) AS total_cost
             FROM consumption_window w WHERE w.module_key = %(module)s AND EXISTS (SELECT FROM s))
SELECT t.n, t.total_cost, p.*
  FROM s CROSS JOIN t
  LEFT JOIN LATERAL (
       SELECT w.item_id, w.quantity, w.cost, w.operations, w.last_used_at, i.sku, i.name, u.abbreviation AS unit
         FROM consumption_window w JOIN items i ON i.id = w.item_id JOIN units u ON u.id = i.unit_id
        WHERE w.module_key = %(module)s
        ORDER BY w.cost DESC, i.name, i.id LIMIT %(limit)s OFFSET %(offset)s) p ON true"""

_PAGE_COLUMNS = ("item_id", "quantity", "cost", "operations", "last_used_at", "sku", "name", "unit")


def _from_window(conn: Connection, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int, Decimal] | None:
    found = conn.execute(_FROM_WINDOW, params).fetchall()
    if not found:
        return None
    rows = [{c: r[c] for c in _PAGE_COLUMNS} for r in found if r["item_id"] is not None]
    return rows, int(found[0]["n"]), Decimal(found[0]["total_cost"])


def consumption(
    conn: Connection, module_key: str, dates: DateRange, paging: PageParams
) -> tuple[list[dict[str, Any]], int, Decimal]:
    """`use` rows of a module in [from, to], per item, by cost desc; the item count and the total cost.

    The default window comes from the maintained aggregate (moved to the current farm day first if needed); any
    other range, or the default one while a writer holds the aggregate at the turn of a day, from the ledger.
    """
    params = {
        "module": module_key,
        "since": dates.since,
        "until": dates.until,
        "limit": paging.limit,
        "offset": paging.offset,
    }
    default = consumption_window.window(clock.today())
    if (dates.since, dates.until) == default:
        got = _from_window(conn, params)
        if got is None and consumption_window.move(conn, *default):
            got = _from_window(conn, params)
        if got is not None:
            return got
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
