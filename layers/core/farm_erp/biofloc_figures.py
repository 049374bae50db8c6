"""Biofloc dashboard figures (docs/rules.md: Biofloc) and widget queries, shared by the biofloc /dashboard route and
the dashboard function's summary and widgets (functions never import each other, so this lives in the layer).

Water bands are rated in SQL here (over every tank at once) with the same rule as biofloc_api.water: good inside
the good band, warning inside the warning band, else danger; bounds are inclusive and a NULL bound is unbounded.
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

# The latest test of every active tank with its overall severity (0 unrated, 1 good, 2 warning, 3 danger)
# and the parameters outside the good band. One probe of water_tests_tank_idx per active tank: the cost follows
# the number of tanks, not the years of tests behind them (DISTINCT ON read every test).
LATEST_BANDS = """
WITH latest AS (
    SELECT w.*
    FROM tanks t
    CROSS JOIN LATERAL (
        SELECT * FROM water_tests x WHERE x.tank_id = t.id ORDER BY x.tested_at DESC, x.id DESC LIMIT 1
    ) w
    WHERE t.is_active
), rated AS (
    SELECT l.id, l.tank_id, l.batch_id, l.tested_at, v.parameter,
           CASE
               WHEN th.parameter IS NULL OR NOT th.is_active THEN 0
               WHEN (th.good_min IS NULL OR v.value >= th.good_min) AND (th.good_max IS NULL OR v.value <= th.good_max)
                   THEN 1
               WHEN (th.warn_min IS NULL OR v.value >= th.warn_min) AND (th.warn_max IS NULL OR v.value <= th.warn_max)
                   THEN 2
               ELSE 3
           END AS severity
    FROM latest l
    CROSS JOIN LATERAL (VALUES
        ('temperature_c', l.temperature_c), ('ph', l.ph), ('dissolved_oxygen_mgl', l.dissolved_oxygen_mgl),
        ('salinity_ppt', l.salinity_ppt), ('ammonia_mgl', l.ammonia_mgl), ('nitrite_mgl', l.nitrite_mgl),
        ('nitrate_mgl', l.nitrate_mgl), ('alkalinity_mgl', l.alkalinity_mgl), ('hardness_mgl', l.hardness_mgl),
        ('turbidity_ntu', l.turbidity_ntu), ('tds_mgl', l.tds_mgl), ('floc_volume_mll', l.floc_volume_mll)
    ) AS v (parameter, value)
    LEFT JOIN water_thresholds th ON th.parameter = v.parameter
    WHERE v.value IS NOT NULL
)
SELECT tank_id, id AS test_id, batch_id, tested_at, max(severity) AS severity,
       coalesce(array_agg(parameter ORDER BY severity DESC, parameter) FILTER (WHERE severity >= 2), '{}')
           AS out_of_range
FROM rated
GROUP BY tank_id, id, batch_id, tested_at
"""


def tank_figures(conn: Connection) -> dict[str, Any]:
    """Active tanks by status and the utilisation of those not decommissioned."""
    tanks = conn.execute(
        """SELECT count(*) AS active,
                  count(*) FILTER (WHERE status = 'in_use') AS in_use,
                  count(*) FILTER (WHERE status = 'available') AS available,
                  count(*) FILTER (WHERE status = 'maintenance') AS maintenance,
                  count(*) FILTER (WHERE status = 'decommissioned') AS decommissioned
           FROM tanks WHERE is_active"""
    ).fetchone()
    assert tanks is not None
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
    now = clock.now()
    batches = batch_figures(conn, today)
    water = conn.execute(
        f"""WITH bands AS ({LATEST_BANDS})
            SELECT count(*) FILTER (WHERE b.severity = 1) AS tanks_good,
                   count(*) FILTER (WHERE b.severity = 2) AS tanks_warning,
                   count(*) FILTER (WHERE b.severity = 3) AS tanks_danger,
                   count(*) FILTER (WHERE b.tested_at IS NULL OR b.tested_at < %(cutoff)s) AS tanks_untested_72h
            FROM tanks t LEFT JOIN bands b ON b.tank_id = t.id
            WHERE t.is_active""",
        {"cutoff": now - STALE_AFTER},
    ).fetchone()
    assert water is not None

    mortality = conn.execute(
        "SELECT coalesce(sum(count), 0) AS n FROM mortalities WHERE mortality_date BETWEEN %s AND %s",
        (today - timedelta(days=6), today),
    ).fetchone()
    assert mortality is not None

    return {
        "tanks": tank_figures(conn),
        "batches": {k: batches[k] for k in ("active", "total_fish", "total_biomass_kg")},
        "water": dict(water),
        "mortality_7d": int(mortality["n"]),
        "harvest_due": batches["harvest_due"],
    }


def water_alerts(conn: Connection, limit: int, *, danger_only: bool = False) -> list[dict[str, Any]]:
    """Active tanks whose latest test rates warning or danger (or danger only), danger first, then the most
    recent test."""
    rows = conn.execute(
        f"""WITH bands AS ({LATEST_BANDS})
            SELECT t.id AS tank_id, t.code AS tank_code, t.name AS tank_name,
                   b.batch_id, bt.code AS batch_code, b.test_id, b.tested_at, b.severity, b.out_of_range
            FROM bands b JOIN tanks t ON t.id = b.tank_id LEFT JOIN batches bt ON bt.id = b.batch_id
            WHERE b.severity >= %s
            ORDER BY b.severity DESC, b.tested_at DESC, t.id
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
