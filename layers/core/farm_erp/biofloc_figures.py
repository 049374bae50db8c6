"""Biofloc dashboard figures (docs/rules.md: Biofloc) and widget queries, shared by the biofloc /dashboard route and
the dashboard function's summary and widgets (functions never import each other, so this lives in the layer).

Water bands are read from the tank rows, where migration 0043 keeps each tank's latest test rated by the database
function water_band(), the same rule as biofloc_api.water: good inside the good band, warning inside the warning
band, else danger; bounds are inclusive and a NULL bound is unbounded.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from farm_erp import clock
from farm_erp.db import Connection
from farm_erp.fields import KG, PCT, quantize

STALE_AFTER = timedelta(hours=72)
HARVEST_DUE_DAYS = 90
BANDS = ("unrated", "good", "warning", "danger")

# Counts over the active tanks: by status, and by the band of their latest water test as each tank keeps it
# (migration 0043: a tank row holds its latest test's id, time, severity and out-of-range parameters). One pass
# over the tank rows, whatever the years of tests behind them.
_TANK_COUNTS = """
SELECT count(*) AS active,
       count(*) FILTER (WHERE status = 'in_use') AS in_use,
       count(*) FILTER (WHERE status = 'available') AS available,
       count(*) FILTER (WHERE status = 'maintenance') AS maintenance,
       count(*) FILTER (WHERE status = 'decommissioned') AS decommissioned,
       count(*) FILTER (WHERE water_severity = 1) AS tanks_good,
       count(*) FILTER (WHERE water_severity = 2) AS tanks_warning,
       count(*) FILTER (WHERE water_severity = 3) AS tanks_danger,
       count(*) FILTER (WHERE water_tested_at IS NULL OR water_tested_at < %(cutoff)s) AS tanks_untested_72h
FROM tanks WHERE is_active
"""
WATER_COUNTS = ("tanks_good", "tanks_warning", "tanks_danger", "tanks_untested_72h")


def _tank_counts(conn: Connection) -> dict[str, Any]:
    row = conn.execute(_TANK_COUNTS, {"cutoff": clock.now() - STALE_AFTER}).fetchone()
    assert row is not None
    return dict(row)


def tank_figures(conn: Connection, counts: dict[str, Any] | None = None) -> dict[str, Any]:
    """Active tanks by status and the utilisation of those not decommissioned (from `counts` when given)."""
    tanks = counts if counts is not None else _tank_counts(conn)
    usable = tanks["active"] - tanks["decommissioned"]
    utilisation = None if usable == 0 else quantize(Decimal(tanks["in_use"]) * 100 / Decimal(usable), PCT)
    return {
        "active": tanks["active"],
        "in_use": tanks["in_use"],
        "available": tanks["available"],
        "maintenance": tanks["maintenance"],
        "decommissioned": tanks["decommissioned"],
        "utilisation_pct": utilisation,
    }


def batch_figures(conn: Connection, today: date) -> dict[str, Any]:
    """Active batches, their fish and biomass, and how many are due for harvest."""
    batches = conn.execute(
        """SELECT count(*) AS active, coalesce(sum(current_count), 0) AS total_fish,
                  coalesce(sum(current_biomass_kg), 0) AS total_biomass_kg,
                  count(*) FILTER (WHERE %(today)s::date - origin_stocking_date >= %(due)s) AS harvest_due
           FROM batches WHERE status = 'active'""",
        {"today": today, "due": HARVEST_DUE_DAYS},
    ).fetchone()
    assert batches is not None
    return {
        "active": batches["active"],
        "total_fish": int(batches["total_fish"]),
        "total_biomass_kg": quantize(batches["total_biomass_kg"], KG),
        "harvest_due": batches["harvest_due"],
    }


def dashboard_figures(conn: Connection, today: date) -> dict[str, Any]:
    """Tanks, batches, water, mortality over the last 7 days and batches due for harvest."""
    batches = batch_figures(conn, today)
    counts = _tank_counts(conn)
    mortality = conn.execute(
        "SELECT coalesce(sum(count), 0) AS n FROM mortalities WHERE mortality_date BETWEEN %s AND %s",
        (today - timedelta(days=6), today),
    ).fetchone()
    assert mortality is not None

    return {
        "tanks": tank_figures(conn, counts),
        "batches": {k: batches[k] for k in ("active", "total_fish", "total_biomass_kg")},
        "water": {k: counts[k] for k in WATER_COUNTS},
        "mortality_7d": int(mortality["n"]),
        "harvest_due": batches["harvest_due"],
    }


def water_alerts(conn: Connection, limit: int, *, danger_only: bool = False) -> list[dict[str, Any]]:
    """Active tanks whose latest test rates warning or danger (or danger only), danger first, then the most
    recent test; the batch is the one the test was taken for.

    The literal `water_severity >= 2` matches tanks_water_alert_idx's predicate whatever the parameter, so the
    list is a walk of that index for `limit` rows (plus one test row by primary key each)."""
    rows = conn.execute(
        """SELECT t.id AS tank_id, t.code AS tank_code, t.name AS tank_name,
                  w.batch_id, bt.code AS batch_code, t.water_test_id AS test_id, t.water_tested_at AS tested_at,
                  t.water_severity AS severity, t.water_out_of_range AS out_of_range
           FROM tanks t
           JOIN water_tests w ON w.id = t.water_test_id
           LEFT JOIN batches bt ON bt.id = w.batch_id
           WHERE t.is_active AND t.water_severity >= 2 AND t.water_severity >= %s
           ORDER BY t.water_severity DESC, t.water_tested_at DESC, t.id
           LIMIT %s""",
        (3 if danger_only else 2, limit),
    ).fetchall()
    out = []
    for r in rows:
        row = dict(r)
        row["overall"] = BANDS[row.pop("severity")]
        row["out_of_range"] = list(row["out_of_range"])
        out.append(row)
    return out


def harvest_due(conn: Connection, today: date, limit: int) -> list[dict[str, Any]]:
    """Active batches at least 90 days from their origin stocking, the oldest first."""
    rows = conn.execute(
        """SELECT b.id AS batch_id, b.code AS batch_code, b.species, t.id AS tank_id, t.code AS tank_code,
                  %(today)s::date - b.origin_stocking_date AS days, b.current_count, b.current_avg_weight_g,
                  b.current_biomass_kg
           FROM batches b
           LEFT JOIN tank_assignments a ON a.batch_id = b.id AND a.end_date IS NULL
           LEFT JOIN tanks t ON t.id = a.tank_id
           WHERE b.status = 'active' AND %(today)s::date - b.origin_stocking_date >= %(due)s
           ORDER BY b.origin_stocking_date, b.id
           LIMIT %(limit)s""",
        {"today": today, "due": HARVEST_DUE_DAYS, "limit": limit},
    ).fetchall()
    return [dict(r) for r in rows]
