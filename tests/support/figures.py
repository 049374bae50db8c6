"""The maintained figures (migration 0030) against a fresh computation from the base tables.

The reference queries are the ones the routes ran before the figures were maintained: whole-table aggregates at
the current (frozen) clock. `check_figures` is called after every inventory, biofloc and job test, so every kind
of mutation those tests make (stock add/use/adjust, reservations and their expiry, PO receipts, feedings, tank
inputs, harvests, mortalities, water tests, item edits) is followed by this comparison.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg

from farm_erp import biofloc_figures, clock, consumption_window, figures, inventory_figures
from farm_erp.lists import DateRange, PageParams
from inventory_api.queries import alerts as consumption_queries

Conn = psycopg.Connection[dict[str, Any]]

# Before migration 0030: active items with a threshold and their live reservations at %(now)s.
REFERENCE_LOW_STOCK = """
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
     ORDER BY deficit DESC, name, item_id
"""

REFERENCE_INVENTORY_DASHBOARD = f"""
SELECT
  (SELECT count(*) FROM items) AS total_items,
  (SELECT count(*) FROM items WHERE is_active) AS active_items,
  (SELECT COALESCE(round(sum(remaining_qty * unit_cost), 2), 0) FROM lots WHERE remaining_qty > 0)
      AS total_stock_value,
  (SELECT count(*) FROM ({REFERENCE_LOW_STOCK}) s) AS low_stock_items,
  (SELECT count(*) FROM lots WHERE remaining_qty > 0 AND expiry_date <= %(in30)s) AS expiring_lots_30d,
  (SELECT count(*) FROM lots WHERE remaining_qty > 0 AND expiry_date < %(today)s) AS expired_lots,
  (SELECT count(*) FROM purchase_orders WHERE status = ANY(%(open)s)) AS open_pos,
  (SELECT count(*) FROM purchase_orders WHERE status = 'pending') AS pos_awaiting_approval,
  (SELECT count(*) FROM stock_ledger WHERE occurred_at >= %(since)s AND occurred_at < %(until)s) AS transactions_7d
"""

# Before: the latest test of every active tank by DISTINCT ON over all tests.
REFERENCE_LATEST_TESTS = """
SELECT DISTINCT ON (w.tank_id) w.tank_id, w.id AS test_id, w.tested_at
  FROM water_tests w JOIN tanks t ON t.id = w.tank_id AND t.is_active
 ORDER BY w.tank_id, w.tested_at DESC, w.id DESC
"""

# Before migration 0043: the latest test of every tank, found through water_tests_tank_idx and rated against
# water_thresholds on every request (the query the dashboard ran; now the reference for what the tanks keep).
REFERENCE_LATEST_BANDS = """
WITH latest AS (
    SELECT w.*
    FROM tanks t
    CROSS JOIN LATERAL (
        SELECT * FROM water_tests x WHERE x.tank_id = t.id ORDER BY x.tested_at DESC, x.id DESC LIMIT 1
    ) w
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

# Before migration 0043: the dashboard's water counts and the water alerts from the reference bands.
REFERENCE_WATER_COUNTS = f"""
WITH bands AS ({REFERENCE_LATEST_BANDS})
SELECT count(*) FILTER (WHERE b.severity = 1) AS tanks_good,
       count(*) FILTER (WHERE b.severity = 2) AS tanks_warning,
       count(*) FILTER (WHERE b.severity = 3) AS tanks_danger,
       count(*) FILTER (WHERE b.tested_at IS NULL OR b.tested_at < %(cutoff)s) AS tanks_untested_72h
FROM tanks t LEFT JOIN bands b ON b.tank_id = t.id
WHERE t.is_active
"""
REFERENCE_WATER_ALERTS = f"""
WITH bands AS ({REFERENCE_LATEST_BANDS})
SELECT t.id AS tank_id, t.code AS tank_code, t.name AS tank_name,
       b.batch_id, bt.code AS batch_code, b.test_id, b.tested_at, b.severity, b.out_of_range
FROM bands b JOIN tanks t ON t.id = b.tank_id LEFT JOIN batches bt ON bt.id = b.batch_id
WHERE t.is_active AND b.severity >= %s
ORDER BY b.severity DESC, b.tested_at DESC, t.id
"""


def reference_water_alerts(conn: Conn, *, danger_only: bool = False) -> list[dict[str, Any]]:
    """Every water alert as the old query listed them, in the shape biofloc_figures.water_alerts returns."""
    out = []
    for r in conn.execute(REFERENCE_WATER_ALERTS, (3 if danger_only else 2,)).fetchall():
        row = dict(r)
        row["overall"] = biofloc_figures.BANDS[row.pop("severity")]
        row["out_of_range"] = list(row["out_of_range"])
        out.append(row)
    return out


def _scalar(conn: Conn, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return next(iter(row.values()))


def check_row_figures(conn: Conn) -> None:
    """Per-row figures: an item's pending reservations, lot value and last purchase price, a unit's and a
    category's item count."""
    items = conn.execute(
        """SELECT i.id, i.pending_reserved_qty, i.lots_value, i.low_stock_deficit, i.last_purchase_price, r.q, l.v,
                  CASE WHEN i.is_active AND i.reorder_threshold > 0
                       THEN i.reorder_threshold - (i.on_hand_qty - r.q) END AS deficit,
                  (SELECT lo.unit_cost FROM lots lo WHERE lo.item_id = i.id AND lo.source IN ('manual', 'purchase')
                    ORDER BY lo.received_date DESC, lo.id DESC LIMIT 1) AS price
             FROM items i
             CROSS JOIN LATERAL (SELECT coalesce(sum(quantity), 0) AS q FROM reservations
                                  WHERE item_id = i.id AND status = 'pending') r
             CROSS JOIN LATERAL (SELECT coalesce(sum(remaining_qty * unit_cost), 0) AS v FROM lots
                                  WHERE item_id = i.id) l"""
    ).fetchall()
    for r in items:
        assert (r["pending_reserved_qty"], r["lots_value"]) == (r["q"], r["v"]), f"item figures wrong: {r}"
        assert r["low_stock_deficit"] == r["deficit"], f"item low-stock deficit wrong: {r}"
        assert r["last_purchase_price"] == r["price"], f"item last purchase price wrong: {r}"
    for table, column in (("units", "unit_id"), ("categories", "category_id")):
        wrong = conn.execute(
            f"""SELECT m.id, m.item_count, (SELECT count(*) FROM items i WHERE i.{column} = m.id) AS n
                  FROM {table} m WHERE m.item_count <> (SELECT count(*) FROM items i WHERE i.{column} = m.id)"""
        ).fetchall()
        assert not wrong, f"{table}.item_count wrong: {wrong}"


def check_shard_figures(conn: Conn) -> None:
    """Whole-table figures: the sums over figure_shards."""
    got = figures.totals(conn, *figures.FIGURES)
    expected = conn.execute(
        """SELECT (SELECT count(*) FROM items) AS items,
                  (SELECT count(*) FROM stock_ledger) AS stock_ledger,
                  (SELECT count(*) FROM water_tests) AS water_tests,
                  (SELECT count(*) FROM feedings) AS feedings,
                  (SELECT count(*) FROM samplings) AS samplings,
                  (SELECT count(*) FROM mortalities) AS mortalities,
                  (SELECT count(*) FROM harvests) AS harvests,
                  (SELECT count(*) FROM items WHERE is_active) AS active_items,
                  (SELECT count(*) FROM items i
                    WHERE i.is_active AND i.reorder_threshold > 0
                      AND i.on_hand_qty - (SELECT coalesce(sum(quantity), 0) FROM reservations r
                                            WHERE r.item_id = i.id AND r.status = 'pending')
                          <= i.reorder_threshold) AS low_stock_items,
                  (SELECT coalesce(sum(remaining_qty * unit_cost), 0) FROM lots) AS lots_value,
                  (SELECT count(*) FROM purchase_orders WHERE status = ANY(%s)) AS open_pos,
                  (SELECT count(*) FROM purchase_orders WHERE status = 'pending') AS pending_pos""",
        (list(inventory_figures.OPEN_PO_STATUSES),),
    ).fetchone()
    assert expected is not None
    assert {k: Decimal(v) for k, v in got.items()} == {k: Decimal(v) for k, v in expected.items()}


def check_inventory_reads(conn: Conn) -> None:
    """The dashboard and the low-stock list (whole and paged) against the old queries."""
    now, today = clock.now(), clock.today()
    reference = conn.execute(
        REFERENCE_INVENTORY_DASHBOARD,
        {
            "now": now,
            "today": today,
            "in30": today + timedelta(days=30),
            "open": list(inventory_figures.OPEN_PO_STATUSES),
            "since": clock.day_start(today - timedelta(days=6)),
            "until": clock.day_end(today),
        },
    ).fetchone()
    assert inventory_figures.dashboard_figures(conn, today) == reference

    low = conn.execute(REFERENCE_LOW_STOCK, {"now": now}).fetchall()
    rows, total = inventory_figures.low_stock(conn, 1000, 0)
    assert (rows, total) == (low, len(low))
    for offset in range(0, len(low) + 2, 2):
        assert inventory_figures.low_stock(conn, 2, offset) == (low[offset : offset + 2], len(low))


def check_water_bands(conn: Conn) -> None:
    """Every tank's kept latest test and band (migration 0043) against a fresh rating of its latest test; a tank
    without tests keeps none."""
    kept = conn.execute(
        """SELECT id AS tank_id, water_test_id AS test_id, water_tested_at AS tested_at,
                  water_severity AS severity, water_out_of_range AS out_of_range
             FROM tanks ORDER BY id"""
    ).fetchall()
    fresh = {
        r["tank_id"]: {k: r[k] for k in ("tank_id", "test_id", "tested_at", "severity", "out_of_range")}
        for r in conn.execute(REFERENCE_LATEST_BANDS).fetchall()
    }
    none = {"test_id": None, "tested_at": None, "severity": None, "out_of_range": None}
    expected = [fresh.get(r["tank_id"], {"tank_id": r["tank_id"], **none}) for r in kept]
    assert kept == expected, "tank water bands wrong"


def check_biofloc_reads(conn: Conn) -> None:
    """The latest water test per active tank, the dashboard's water counts and the water alerts (every one, and
    the first few) against the old queries."""
    expected = conn.execute(REFERENCE_LATEST_TESTS).fetchall()
    got = conn.execute(
        """SELECT id AS tank_id, water_test_id AS test_id, water_tested_at AS tested_at
             FROM tanks WHERE is_active AND water_test_id IS NOT NULL ORDER BY id"""
    ).fetchall()
    assert got == expected

    counts = conn.execute(REFERENCE_WATER_COUNTS, {"cutoff": clock.now() - biofloc_figures.STALE_AFTER}).fetchone()
    assert biofloc_figures.dashboard_figures(conn, clock.today())["water"] == counts
    for danger_only in (False, True):
        alerts = reference_water_alerts(conn, danger_only=danger_only)
        assert biofloc_figures.water_alerts(conn, 100_000, danger_only=danger_only) == alerts
        assert biofloc_figures.water_alerts(conn, 2, danger_only=danger_only) == alerts[:2]


# Before migration 0041: a module's consumption per item over [since, until), from the ledger.
REFERENCE_CONSUMPTION = """
    SELECT sl.module_key, sl.item_id, sum(abs(sl.qty_change)) AS quantity, sum(sl.cost) AS cost,
           count(DISTINCT sl.operation_id) AS operations, max(sl.occurred_at) AS last_used_at, count(*) AS use_rows
      FROM stock_ledger sl
     WHERE sl.type = 'use' AND sl.occurred_at >= %(since)s AND sl.occurred_at < %(until)s
     GROUP BY sl.module_key, sl.item_id
     ORDER BY sl.module_key, sl.item_id
"""

REFERENCE_CONSUMPTION_PAGE = """
    SELECT agg.*, i.sku, i.name, u.abbreviation AS unit
      FROM (SELECT sl.item_id, sum(abs(sl.qty_change)) AS quantity, sum(sl.cost) AS cost,
                   count(DISTINCT sl.operation_id) AS operations, max(sl.occurred_at) AS last_used_at
              FROM stock_ledger sl
             WHERE sl.type = 'use' AND sl.module_key = %(module)s
               AND sl.occurred_at >= %(since)s AND sl.occurred_at < %(until)s
             GROUP BY sl.item_id) agg
      JOIN items i ON i.id = agg.item_id JOIN units u ON u.id = i.unit_id
     ORDER BY agg.cost DESC, i.name, i.id
"""


def check_consumption_window(conn: Conn) -> None:
    """The aggregate equals the ledger over the bounds it claims; then, moved to today's window as the report
    moves it (a farm-day roll-over, or a rebuild when the clock went back), the report's every page equals the
    ledger's. Leaves the window moved, as a report would."""
    state = conn.execute("SELECT since, until FROM consumption_window_state").fetchone()
    assert state is not None
    kept = conn.execute(
        """SELECT module_key, item_id, quantity, cost, operations, last_used_at, use_rows
             FROM consumption_window ORDER BY module_key, item_id"""
    ).fetchall()
    if state["since"] is None:
        assert kept == [], "a consumption window without bounds holds rows"
    else:
        assert kept == conn.execute(REFERENCE_CONSUMPTION, state).fetchall(), f"consumption window wrong: {state}"

    today = clock.today()
    since, until = consumption_window.window(today)
    default = DateRange(today - timedelta(days=consumption_window.WINDOW_DAYS - 1), today)
    modules = [r["key"] for r in conn.execute("SELECT key FROM modules ORDER BY key").fetchall()]
    with conn.transaction():
        assert consumption_window.move(conn, since, until)
        got = conn.execute(
            """SELECT module_key, item_id, quantity, cost, operations, last_used_at, use_rows
                 FROM consumption_window ORDER BY module_key, item_id"""
        ).fetchall()
        assert got == conn.execute(REFERENCE_CONSUMPTION, {"since": since, "until": until}).fetchall()
        for module in modules:
            expected = conn.execute(REFERENCE_CONSUMPTION_PAGE, {"module": module, "since": since, "until": until})
            rows = expected.fetchall()
            cost = sum((r["cost"] for r in rows), Decimal(0))
            assert consumption_queries.consumption(conn, module, default, PageParams(1, 1000)) == (
                rows,
                len(rows),
                cost,
            )
            for number in range(1, len(rows) // 2 + 3):
                page = consumption_queries.consumption(conn, module, default, PageParams(number, 2))
                offset = (number - 1) * 2
                assert page == (rows[offset : offset + 2], len(rows), cost)


def check_figures(conn: Conn) -> None:
    """Every maintained figure and every read built on them equals a fresh computation."""
    check_row_figures(conn)
    check_shard_figures(conn)
    check_inventory_reads(conn)
    check_water_bands(conn)
    check_biofloc_reads(conn)
    check_consumption_window(conn)
