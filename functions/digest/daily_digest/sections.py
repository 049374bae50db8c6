"""What the digest reports, per module: each section is a title, a one-line summary and one line per row.

The figures are the same for every reader, so they are gathered once per run and per module; each user then gets
the sections of the modules they may read. Lines are plain text: the renderer escapes them for HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from daily_digest import queries
from farm_erp import biofloc_figures, clock, inventory_figures
from farm_erp.db import Connection
from farm_erp.settings import get_settings

# Rows listed per section; the summary still gives the full count and the link shows the rest.
MAX_LINES = 20
EXPIRY_DAYS = 7
# Everything the expiry alert can hold in 7 days: the lines are cut to MAX_LINES, the value covers them all.
ALL_EXPIRING = 10_000
MODULE_TITLES = {"inventory": "Inventory", "biofloc": "Biofloc"}


@dataclass(frozen=True)
class Section:
    key: str
    module: str
    title: str
    summary: str
    lines: tuple[str, ...]
    total: int
    path: str  # where the frontend shows the whole list (below FRONTEND_URL)


def qty(value: Decimal) -> str:
    return f"{value:,.3f}"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _local(at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(get_settings().farm_timezone))


def _in_tank(row: dict[str, Any]) -> str:
    return f" in {row['tank_code']}" if row.get("tank_code") else ""


# --- inventory ------------------------------------------------------------------------------------------------------


def low_stock(conn: Connection, today: date) -> Section:
    rows, total = inventory_figures.low_stock(conn, MAX_LINES, 0)
    lines = tuple(
        f"{r['sku']} {r['name']}: available {qty(r['available_qty'])} {r['unit']}, "
        f"reorder at {qty(r['reorder_threshold'])} (short by {qty(r['deficit'])})"
        for r in rows
    )
    summary = f"{plural(total, 'item')} at or below the reorder threshold"
    return Section("low_stock", "inventory", "Low stock", summary, lines, total, "/inventory/alerts")


def expiring_lots(conn: Connection, today: date) -> Section:
    rows, total = inventory_figures.expiring_lots(conn, today, EXPIRY_DAYS, ALL_EXPIRING, 0)
    value = sum((Decimal(r["value"]) for r in rows), Decimal(0))
    lines = []
    for r in rows[:MAX_LINES]:
        days = int(r["days_until_expiry"])
        when = (
            f"expired {plural(-days, 'day')} ago"
            if days < 0
            else "expires today"
            if days == 0
            else f"expires in {plural(days, 'day')}"
        )
        lines.append(
            f"{r['sku']} {r['name']}, lot {r['lot_number']}: {qty(r['remaining_qty'])} {r['unit']} {when} "
            f"({r['expiry_date']:%Y-%m-%d}), {money(r['value'])} at cost"
        )
    summary = f"{plural(total, 'lot')} expiring within {EXPIRY_DAYS} days, {money(value)} at cost"
    return Section(
        "expiring_lots", "inventory", "Lots expiring soon", summary, tuple(lines), total, "/inventory/alerts"
    )


def reservations_expiring(conn: Connection, today: date) -> Section:
    rows, total = queries.reservations_expiring(conn, clock.now(), clock.day_end(today), MAX_LINES)
    lines = tuple(
        f"Reservation {r['id']}: {qty(r['quantity'])} {r['unit']} of {r['sku']} {r['name']} for {r['module_key']}"
        + (f" ({r['external_ref']})" if r["external_ref"] else "")
        + f", until {_local(r['reserved_until']):%H:%M}"
        for r in rows
    )
    summary = f"{plural(total, 'reservation')} expiring today"
    title = "Reservations expiring today"
    return Section("reservations_expiring", "inventory", title, summary, lines, total, "/inventory/reservations")


def overdue_purchase_orders(conn: Connection, today: date) -> Section:
    rows, total = queries.overdue_purchase_orders(conn, today, MAX_LINES)
    lines = tuple(
        f"{r['po_number']} from {r['supplier_name']}: expected {r['expected_delivery']:%Y-%m-%d}, "
        f"{plural(int(r['days_late']), 'day')} late ({r['status'].replace('_', ' ')}, {money(r['total_amount'])})"
        for r in rows
    )
    summary = f"{plural(total, 'open purchase order')} past the expected delivery date"
    title = "Overdue purchase orders"
    return Section("overdue_purchase_orders", "inventory", title, summary, lines, total, "/inventory/purchase-orders")


# --- biofloc --------------------------------------------------------------------------------------------------------


def water_danger(conn: Connection, today: date) -> Section:
    # Fetch one more than shown, to tell "exactly MAX_LINES" from "more".
    rows = biofloc_figures.water_alerts(conn, MAX_LINES + 1, danger_only=True)
    lines = tuple(
        f"{r['tank_code']} {r['tank_name']}"
        + (f" (batch {r['batch_code']})" if r["batch_code"] else "")
        + f": {', '.join(r['out_of_range'])} out of range, tested {_local(r['tested_at']):%Y-%m-%d %H:%M}"
        for r in rows[:MAX_LINES]
    )
    total = len(rows) if len(rows) <= MAX_LINES else _count_danger(conn)
    summary = f"{plural(total, 'tank')} whose latest water test is in the danger band"
    return Section("water_danger", "biofloc", "Water in the danger band", summary, lines, total, "/biofloc/water")


def _count_danger(conn: Connection) -> int:
    return len(biofloc_figures.water_alerts(conn, 100_000, danger_only=True))


def unfed_batches(conn: Connection, today: date) -> Section:
    yesterday = today - timedelta(days=1)
    rows, total = queries.unfed_batches(conn, yesterday, MAX_LINES)
    lines = tuple(
        f"{r['code']} {r['species']}{_in_tank(r)}: {plural(int(r['current_count']), 'fish', 'fish')}" for r in rows
    )
    summary = f"{plural(total, 'active batch', 'active batches')} with no feeding recorded on {yesterday:%Y-%m-%d}"
    return Section("unfed_batches", "biofloc", "Not fed yesterday", summary, lines, total, "/biofloc/feedings")


def mortality_spikes(conn: Connection, today: date) -> Section:
    yesterday = today - timedelta(days=1)
    rows, total = queries.mortality_spikes(conn, yesterday, today, MAX_LINES)
    lines = tuple(
        f"{r['code']} {r['species']}{_in_tank(r)}: {plural(int(r['deaths']), 'death')} "
        f"({r['pct']:.2f} % of {plural(int(r['fish_before']), 'fish', 'fish')})"
        for r in rows
    )
    summary = f"{plural(total, 'batch', 'batches')} lost more than 1 % of their fish since {yesterday:%Y-%m-%d}"
    return Section("mortality_spikes", "biofloc", "Mortality above 1 %", summary, lines, total, "/biofloc/batches")


# Per module, in the order the mail shows them.
SECTIONS: dict[str, tuple[Callable[[Connection, date], Section], ...]] = {
    "inventory": (low_stock, expiring_lots, reservations_expiring, overdue_purchase_orders),
    "biofloc": (water_danger, unfed_batches, mortality_spikes),
}


def gather(conn: Connection, modules: list[str], today: date) -> dict[str, list[Section]]:
    """The non-empty sections of each module in `modules` (modules without a digest section are ignored)."""
    out: dict[str, list[Section]] = {}
    for module in modules:
        found = [s for s in (build(conn, today) for build in SECTIONS.get(module, ())) if s.total > 0]
        out[module] = found
    return out
