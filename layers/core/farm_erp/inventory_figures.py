"""Inventory dashboard figures and alert lists (docs/rules.md: Inventory), shared by the inventory routes and the
dashboard function's summary and widgets, so that each figure has exactly one definition."""

from datetime import date, timedelta
from typing import Any

from farm_erp import clock, figures
from farm_erp.db import Connection
from farm_erp.fields import DeferredModel, MoneyOut, QtyOut, UnitCostOut

OPEN_PO_STATUSES = ("pending", "approved", "ordered", "partially_received")


class LowStockRow(DeferredModel):
    """One row of low_stock(): the alert list and the dashboard widget."""

    item_id: int
    sku: str
    name: str
    unit: str
    on_hand_qty: QtyOut
    reserved_qty: QtyOut
    available_qty: QtyOut
    reorder_threshold: QtyOut
    deficit: QtyOut


class ExpiringLotRow(DeferredModel):
    """One row of expiring_lots(): the expiry alert list and the dashboard widget."""

    lot_id: int
    lot_number: str
    item_id: int
    sku: str
    name: str
    unit: str
    received_date: date
    expiry_date: date
    remaining_qty: QtyOut
    unit_cost: UnitCostOut
    value: MoneyOut
    days_until_expiry: int
    state: str


# Pending reservations already past reserved_until at %(now)s: no longer live, although the expiry job (every
# 15 minutes) has not marked them yet. items.pending_reserved_qty still counts them, so readers of the maintained
# low-stock figures subtract them here. The set is small (what fell due since the job's last run) and read
# through reservations_due_idx.
_OVERDUE = """overdue AS (
    SELECT item_id, sum(quantity) AS qty FROM reservations
     WHERE status = 'pending' AND reserved_until <= %(now)s GROUP BY item_id
)"""

# Maintained figures (farm_erp.figures) the dashboard and the low-stock list read.
_LOW_STOCK_ITEMS = figures.totals_sql("low_stock_items")
_DASHBOARD_FIGURES = figures.totals_sql(
    "items", "active_items", "lots_value", "low_stock_items", "open_pos", "pending_pos"
)

# Low-stock items whose overdue reservations lift them above their threshold: counted by the maintained figure,
# not low at %(now)s.
_NO_LONGER_LOW = """(SELECT count(*) FROM overdue o JOIN items i ON i.id = o.item_id
                     WHERE i.low_stock_deficit >= 0 AND i.low_stock_deficit - o.qty < 0)"""

# One page of low_stock() and the total, in one statement: the page comes from items_low_stock_idx in its order
# (items with overdue reservations set aside), merged with the overdue items that are still low once corrected.
# A LEFT JOIN onto the one-row total keeps the total when the page is empty.
_LOW_STOCK_PAGE = f"""
WITH {_OVERDUE},
candidates AS (
    (SELECT i.id, i.low_stock_deficit AS deficit, i.name FROM items i
      WHERE i.low_stock_deficit >= 0 AND i.id NOT IN (SELECT item_id FROM overdue)
      ORDER BY i.low_stock_deficit DESC, i.name, i.id
      LIMIT %(limit)s + %(offset)s)
    UNION ALL
    SELECT i.id, i.low_stock_deficit - o.qty, i.name FROM overdue o JOIN items i ON i.id = o.item_id
     WHERE i.low_stock_deficit - o.qty >= 0
),
page AS (
    SELECT c.id, c.deficit FROM candidates c ORDER BY c.deficit DESC, c.name, c.id
     LIMIT %(limit)s OFFSET %(offset)s
)
SELECT t.total, i.id AS item_id, i.sku, i.name, u.abbreviation AS unit, i.on_hand_qty,
       i.pending_reserved_qty - coalesce(o.qty, 0) AS reserved_qty,
       i.on_hand_qty - (i.pending_reserved_qty - coalesce(o.qty, 0)) AS available_qty,
       i.reorder_threshold, p.deficit
  FROM (SELECT ({_LOW_STOCK_ITEMS}) - {_NO_LONGER_LOW} AS total) t
  LEFT JOIN page p ON true
  LEFT JOIN items i ON i.id = p.id
  LEFT JOIN units u ON u.id = i.unit_id
  LEFT JOIN overdue o ON o.item_id = p.id
 ORDER BY p.deficit DESC, i.name, i.id
"""

_EXPIRING_BASE = """
    FROM lots l
    JOIN items i ON i.id = l.item_id
    JOIN units u ON u.id = i.unit_id
   WHERE l.remaining_qty > 0 AND l.expiry_date IS NOT NULL AND l.expiry_date <= %(until)s
"""


def low_stock(conn: Connection, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Active items with reorder_threshold > 0 and available ≤ threshold, by deficit desc then name; and the count.

    available = on_hand − live reservations (pending and reserved_until > now), as everywhere else.
    """
    rows = conn.execute(_LOW_STOCK_PAGE, {"now": clock.now(), "limit": limit, "offset": offset}).fetchall()
    total = int(rows[0]["total"])
    return [{k: v for k, v in r.items() if k != "total"} for r in rows if r["item_id"] is not None], total


def expiring_lots(
    conn: Connection, today: date, days: int, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Lots holding stock whose expiry ≤ today + days (expired ones included), by expiry ascending; and the count."""
    params = {"until": today + timedelta(days=days), "today": today, "limit": limit, "offset": offset}
    rows = conn.execute(
        f"""SELECT l.id AS lot_id, l.lot_number, l.item_id, i.sku, i.name, u.abbreviation AS unit,
                   l.received_date, l.expiry_date, l.remaining_qty, l.unit_cost,
                   round(l.remaining_qty * l.unit_cost, 2) AS value,
                   (l.expiry_date - %(today)s::date) AS days_until_expiry,
                   CASE WHEN l.expiry_date < %(today)s::date THEN 'expired' ELSE 'expiring' END AS state
              {_EXPIRING_BASE}
             ORDER BY l.expiry_date, l.id LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()
    count = conn.execute(f"SELECT count(*) AS n {_EXPIRING_BASE}", params).fetchone()
    return rows, int(count["n"]) if count else 0


def dashboard_figures(conn: Connection, today: date) -> dict[str, Any]:
    """Every inventory dashboard figure. transactions_7d counts ledger rows of the 7 farm days ending today.

    Item counts, stock value, low-stock items and purchase-order counts are maintained figures (farm_erp.figures);
    the expiry counts and transactions_7d count through indexes that hold only the rows counted.
    """
    row = conn.execute(
        f"""WITH {_OVERDUE}
            SELECT s.items AS total_items, s.active_items,
                   round(s.lots_value, 2) AS total_stock_value,
                   s.low_stock_items - {_NO_LONGER_LOW} AS low_stock_items,
                   (SELECT count(*) FROM lots WHERE remaining_qty > 0 AND expiry_date <= %(in30)s)
                       AS expiring_lots_30d,
                   (SELECT count(*) FROM lots WHERE remaining_qty > 0 AND expiry_date < %(today)s) AS expired_lots,
                   s.open_pos, s.pending_pos AS pos_awaiting_approval,
                   (SELECT count(*) FROM stock_ledger WHERE occurred_at >= %(since)s AND occurred_at < %(until)s)
                       AS transactions_7d
              FROM ({_DASHBOARD_FIGURES}) s""",
        {
            "now": clock.now(),
            "today": today,
            "in30": today + timedelta(days=30),
            "since": clock.day_start(today - timedelta(days=6)),
            "until": clock.day_end(today),
        },
    ).fetchone()
    assert row is not None
    return {k: (v if k == "total_stock_value" else int(v)) for k, v in row.items()}
