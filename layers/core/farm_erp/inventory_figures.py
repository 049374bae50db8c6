"""Inventory dashboard figures and alert lists (docs/rules.md: Inventory), shared by the inventory routes and the
dashboard function's summary and widgets, so that each figure has exactly one definition."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from farm_erp import clock
from farm_erp.db import Connection
from farm_erp.fields import MoneyOut, QtyOut, UnitCostOut

OPEN_PO_STATUSES = ("pending", "approved", "ordered", "partially_received")


class LowStockRow(BaseModel):
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


class ExpiringLotRow(BaseModel):
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


# Active items with a reorder threshold and their live reservations at %(now)s.
_LOW_STOCK_BASE = """
    SELECT i.id AS item_id, i.sku, i.name, u.abbreviation AS unit, i.on_hand_qty,
           COALESCE(r.reserved, 0) AS reserved_qty,
           i.on_hand_qty - COALESCE(r.reserved, 0) AS available_qty,
           i.reorder_threshold,
           i.reorder_threshold - (i.on_hand_qty - COALESCE(r.reserved, 0)) AS deficit
      FROM items i
      JOIN units u ON u.id = i.unit_id
      LEFT JOIN LATERAL (
          SELECT sum(quantity) AS reserved FROM reservations
           WHERE item_id = i.id AND status = 'pending' AND reserved_until > %(now)s
      ) r ON true
     WHERE i.is_active AND i.reorder_threshold > 0
       AND i.on_hand_qty - COALESCE(r.reserved, 0) <= i.reorder_threshold
"""

_EXPIRING_BASE = """
    FROM lots l
    JOIN items i ON i.id = l.item_id
    JOIN units u ON u.id = i.unit_id
   WHERE l.remaining_qty > 0 AND l.expiry_date IS NOT NULL AND l.expiry_date <= %(until)s
"""


def low_stock(conn: Connection, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Active items with reorder_threshold > 0 and available ≤ threshold, by deficit desc then name; and the count."""
    params = {"now": clock.now(), "limit": limit, "offset": offset}
    rows = conn.execute(
        f"SELECT *, count(*) OVER () AS total FROM ({_LOW_STOCK_BASE}) s "
        "ORDER BY deficit DESC, name, item_id LIMIT %(limit)s OFFSET %(offset)s",
        params,
    ).fetchall()
    if rows:
        total = int(rows[0]["total"])
    else:
        count = conn.execute(f"SELECT count(*) AS n FROM ({_LOW_STOCK_BASE}) s", params).fetchone()
        total = int(count["n"]) if count else 0
    for r in rows:
        r.pop("total", None)
    return rows, total


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
    """Every inventory dashboard figure. transactions_7d counts ledger rows of the 7 farm days ending today."""
    row = conn.execute(
        f"""SELECT
              (SELECT count(*) FROM items) AS total_items,
              (SELECT count(*) FROM items WHERE is_active) AS active_items,
              (SELECT COALESCE(round(sum(remaining_qty * unit_cost), 2), 0) FROM lots WHERE remaining_qty > 0)
                  AS total_stock_value,
              (SELECT count(*) FROM ({_LOW_STOCK_BASE}) s) AS low_stock_items,
              (SELECT count(*) FROM lots WHERE remaining_qty > 0 AND expiry_date <= %(in30)s) AS expiring_lots_30d,
              (SELECT count(*) FROM lots WHERE remaining_qty > 0 AND expiry_date < %(today)s) AS expired_lots,
              (SELECT count(*) FROM purchase_orders WHERE status = ANY(%(open)s)) AS open_pos,
              (SELECT count(*) FROM purchase_orders WHERE status = 'pending') AS pos_awaiting_approval,
              (SELECT count(*) FROM stock_ledger WHERE occurred_at >= %(since)s AND occurred_at < %(until)s)
                  AS transactions_7d""",
        {
            "now": clock.now(),
            "today": today,
            "in30": today + timedelta(days=30),
            "open": list(OPEN_PO_STATUSES),
            "since": clock.day_start(today - timedelta(days=6)),
            "until": clock.day_end(today),
        },
    ).fetchone()
    assert row is not None
    return dict(row)
