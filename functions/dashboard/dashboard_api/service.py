"""Home page figures, sidebar and widgets: every module part is present only if the caller may GET that module,
decided by farm_erp.access.can_access (the single access rule) over the database's module flags and grants.

The inventory and biofloc parts come from their modules' own figure definitions in the layer, so the home page
and the module dashboards share one definition of each figure.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from dashboard_api import queries
from farm_erp import admin_figures, biofloc_figures, inventory_figures
from farm_erp.access import Subject, can_access
from farm_erp.db import Connection

WIDGET_SIZE = 5
EXPIRY_WINDOW_DAYS = 30  # the same window as the summary's expiring_lots_30d


def readable_modules(conn: Connection, subject: Subject) -> list[dict[str, Any]]:
    """The modules the caller may GET, in sidebar order, each with the strongest access the rule gives.

    `subject` holds the caller's current role and grants (read by the request's first statement, signed_in).
    """
    out = []
    for m in queries.modules(conn):
        if can_access(subject, m["key"], "GET", m["is_active"]):
            access = "write" if can_access(subject, m["key"], "POST", m["is_active"]) else "read"
            out.append({**m, "access": access})
    return out


def summary(conn: Connection, subject: Subject, now: datetime, today: date) -> dict[str, Any]:
    """Figures per readable module: inventory, biofloc and admin."""
    keys = {m["key"] for m in readable_modules(conn, subject)}
    out: dict[str, Any] = {}
    if "inventory" in keys:
        out["inventory"] = inventory_figures.dashboard_figures(conn, today)
    if "biofloc" in keys:
        # only the parts the summary shows (the water bands and mortality are the biofloc dashboard's)
        batches = biofloc_figures.batch_figures(conn, today)
        out["biofloc"] = {
            "active_batches": batches["active"],
            "total_fish": batches["total_fish"],
            "total_biomass_kg": batches["total_biomass_kg"],
            "tanks_in_use": biofloc_figures.tank_figures(conn)["in_use"],
        }
    if "admin" in keys:
        out["admin"] = admin_figures.dashboard_figures(conn, now)
    return out


def widgets(conn: Connection, subject: Subject, today: date) -> dict[str, Any]:
    """Short alert lists per readable module."""
    keys = {m["key"] for m in readable_modules(conn, subject)}
    out: dict[str, Any] = {}
    if "inventory" in keys:
        low_stock, _ = inventory_figures.low_stock(conn, WIDGET_SIZE, 0)
        expiring, _ = inventory_figures.expiring_lots(conn, today, EXPIRY_WINDOW_DAYS, WIDGET_SIZE, 0)
        out["inventory"] = {"low_stock": low_stock, "expiring": expiring}
    if "biofloc" in keys:
        out["biofloc"] = {
            "water_alerts": biofloc_figures.water_alerts(conn, WIDGET_SIZE),
            "harvest_due": biofloc_figures.harvest_due(conn, today, WIDGET_SIZE),
        }
    if "admin" in keys:
        out["admin"] = {"recent_activity": admin_figures.recent_activity(conn, WIDGET_SIZE)}
    return out
