"""Home page figures, sidebar and widgets: every module part is present only if the caller may GET that module,
decided by farm_erp.access.can_access (the single access rule) over the database's module flags and grants.

The inventory and biofloc parts come from their modules' own figure definitions in the layer, imported lazily:
while a module's figures file does not exist yet, its part is left out (spec core §3.6: "until a module exists").
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from types import ModuleType
from typing import Any

from dashboard_api import queries
from farm_erp import admin_figures
from farm_erp.access import Subject, can_access
from farm_erp.db import Connection

WIDGET_SIZE = 5
EXPIRY_WINDOW_DAYS = 30  # the same window as the summary's expiring_lots_30d


def _figures(name: str) -> ModuleType | None:
    """`farm_erp.<name>`, or None while that file does not exist (a missing import inside it still fails)."""
    qualified = f"farm_erp.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise


def readable_modules(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The modules the caller may GET, in sidebar order, each with the strongest access the rule gives."""
    row = queries.caller(conn, user_id)
    if row is None:
        return []
    subject = Subject(is_active=row["is_active"], is_admin=row["is_admin"], grants=dict(row["grants"]))
    out = []
    for m in queries.modules(conn):
        if can_access(subject, m["key"], "GET", m["is_active"]):
            access = "write" if can_access(subject, m["key"], "POST", m["is_active"]) else "read"
            out.append({**m, "access": access})
    return out


def summary(conn: Connection, user_id: int, now: datetime, today: date) -> dict[str, Any]:
    """Figures per readable module: inventory, biofloc and admin."""
    keys = {m["key"] for m in readable_modules(conn, user_id)}
    out: dict[str, Any] = {}
    if "inventory" in keys and (inventory := _figures("inventory_figures")) is not None:
        out["inventory"] = inventory.dashboard_figures(conn, today)
    if "biofloc" in keys and (biofloc := _figures("biofloc_figures")) is not None:
        figures = biofloc.dashboard_figures(conn, today)
        out["biofloc"] = {
            "active_batches": figures["batches"]["active"],
            "total_fish": figures["batches"]["total_fish"],
            "total_biomass_kg": figures["batches"]["total_biomass_kg"],
            "tanks_in_use": figures["tanks"]["in_use"],
        }
    if "admin" in keys:
        out["admin"] = admin_figures.dashboard_figures(conn, now)
    return out


def widgets(conn: Connection, user_id: int, today: date) -> dict[str, Any]:
    """Short alert lists per readable module."""
    keys = {m["key"] for m in readable_modules(conn, user_id)}
    out: dict[str, Any] = {}
    if "inventory" in keys and (inventory := _figures("inventory_figures")) is not None:
        low_stock, _ = inventory.low_stock(conn, WIDGET_SIZE, 0)
        expiring, _ = inventory.expiring_lots(conn, today, EXPIRY_WINDOW_DAYS, WIDGET_SIZE, 0)
        out["inventory"] = {"low_stock": low_stock, "expiring": expiring}
    if "biofloc" in keys and (biofloc := _figures("biofloc_figures")) is not None:
        out["biofloc"] = {
            "water_alerts": biofloc.water_alerts(conn, WIDGET_SIZE),
            "harvest_due": biofloc.harvest_due(conn, today, WIDGET_SIZE),
        }
    if "admin" in keys:
        out["admin"] = {"recent_activity": admin_figures.recent_activity(conn, WIDGET_SIZE)}
    return out
