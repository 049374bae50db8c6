"""Realistic volume, written in bulk SQL (generate_series, not the API): 100,000 items and 1,000,000 stock-ledger
rows with their lots and operations, purchase orders, reservations, activity, and a biofloc farm of 200 tanks and
1,000 batches with a year of feedings, samplings, mortalities and water tests. `grow` multiplies every one of those
tables by the same factor (`python -m bench --scale 10`), appending slices shaped like the first.

Each block runs in its own transaction: a block whose tables do not exist in the database is reported as
skipped and the rest of the bench goes on. Rows are internally consistent where a CHECK or a route
relies on it (on_hand = Σ lots.remaining = Σ ledger.qty_change per item; batch counts balance)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

ITEMS = 100_000
LEDGER_PER_ITEM = 10  # 1,000,000 ledger rows
TANKS = 200
BATCHES = 1_000
ACTIVE_DAYS = 180

# Every statement writes one slice: a 1× volume whose ids follow the previous slices' (the seed writes slice 1;
# `--scale 10` then grows the same database with slices 2..10), so growing appends rows shaped and distributed like
# the first ones without touching them.
IDENTITY = """
INSERT INTO activity_logs (user_id, actor_email, actor_role, ip, action, module_key, entity_type, entity_id,
                           description, created_at)
SELECT %(admin)s, 'admin@farm.bench', 'admin', '198.51.100.7',
       (ARRAY['inventory.item.update', 'inventory.stock.use', 'biofloc.feeding.create', 'auth.login'])[1 + g % 4],
       (ARRAY['inventory', 'inventory', 'biofloc', NULL])[1 + g % 4], 'item', (1 + g % 1000)::text,
       'bench row ' || g, now() - make_interval(mins => g)
  FROM generate_series({act_lo}, {act_hi}) g;
"""

INVENTORY = [
    """INSERT INTO categories (name, created_by)
       SELECT 'Category ' || lpad(g::text, 3, '0'), %(admin)s FROM generate_series({cat_lo}, {cat_hi}) g""",
    """INSERT INTO suppliers (name, contact_person, phone, email, created_by)
       SELECT 'Supplier ' || lpad(g::text, 4, '0'), 'Contact ' || g, '+2547000' || lpad(g::text, 5, '0'),
              'supplier' || g || '@farm.bench', %(admin)s
         FROM generate_series({sup_lo}, {sup_hi}) g""",
    "DROP TABLE IF EXISTS bench_refs",
    """CREATE TEMP TABLE bench_refs ON COMMIT DROP AS
       SELECT (SELECT array_agg(id ORDER BY id) FROM categories) AS cats,
              (SELECT array_agg(id ORDER BY id) FROM suppliers) AS sups,
              (SELECT array_agg(id ORDER BY id) FROM units WHERE base_factor IS NOT NULL) AS units""",
    """INSERT INTO items (id, sku, name, description, category_id, unit_id, default_supplier_id, default_price,
                          reorder_threshold, min_stock_level, on_hand_qty, created_by)
        OVERRIDING SYSTEM VALUE
        SELECT g, 'SKU-' || lpad(g::text, 7, '0'),
               initcap(substr(md5(g::text), 1, 6)) || ' ' || (ARRAY['feed', 'vaccine', 'fertiliser', 'seed',
                   'probiotic', 'net', 'pump part', 'salt'])[1 + g % 8] || ' ' || g,
               'Bench item ' || g, r.cats[1 + g % array_length(r.cats, 1)],
               r.units[1 + g % array_length(r.units, 1)], r.sups[1 + g % array_length(r.sups, 1)],
               round((1 + g % 500) / 10.0, 4), CASE WHEN g % 10 = 0 THEN 60 ELSE 0 END, 0, {lot_left}, %(admin)s
          FROM generate_series({item_lo}, {item_hi}) g, bench_refs r""",
    """INSERT INTO lots (id, item_id, lot_number, source, received_date, quantity_received, remaining_qty, unit_cost,
                         supplier_id, created_by)
        OVERRIDING SYSTEM VALUE
        SELECT g, g, 'LOT-' || g, 'manual', current_date - 20 - g % 345, 100, {lot_left},
               round(2.5 + (g % 100) / 10.0, 4), r.sups[1 + g % array_length(r.sups, 1)], %(admin)s
          FROM generate_series({item_lo}, {item_hi}) g, bench_refs r""",
    """INSERT INTO stock_operations (id, kind, module_key, purpose, created_by, created_at)
        OVERRIDING SYSTEM VALUE
        SELECT n, CASE WHEN k = 0 THEN 'add' ELSE 'use' END, 'inventory',
               CASE WHEN k = 0 THEN 'opening stock' ELSE 'daily use' END, %(admin)s,
               (current_date - 20 - i % 345 + k)::timestamptz + interval '9 hours'
          FROM generate_series({item_lo}, {item_hi}) i, generate_series(0, {ledger_last}) k,
               LATERAL (SELECT (i - 1) * {ledger_per_item} + k + 1 AS n) x""",
    """INSERT INTO stock_ledger (operation_id, item_id, lot_id, type, qty_change, unit_cost, cost, balance_after,
                                 module_key, occurred_at, created_by)
        SELECT (i - 1) * {ledger_per_item} + k + 1, i, i, CASE WHEN k = 0 THEN 'add' ELSE 'use' END,
               CASE WHEN k = 0 THEN 100 ELSE -5 END, c.cost, round(CASE WHEN k = 0 THEN 100 ELSE 5 END * c.cost, 2),
               100 - 5 * k, 'inventory', (current_date - 20 - i % 345 + k)::timestamptz + interval '9 hours',
               %(admin)s
          FROM generate_series({item_lo}, {item_hi}) i, generate_series(0, {ledger_last}) k,
               LATERAL (SELECT round(2.5 + (i % 100) / 10.0, 4) AS cost) c
""",
    """INSERT INTO purchase_orders (id, po_number, supplier_id, po_date, expected_delivery, status, created_by)
       OVERRIDING SYSTEM VALUE
       SELECT g, 'PO-' || lpad(g::text, 6, '0'), r.sups[1 + g % array_length(r.sups, 1)], current_date - g % 365,
              current_date - g % 365 + 7, (ARRAY['pending', 'approved', 'ordered', 'cancelled'])[1 + g % 4],
              %(admin)s
         FROM generate_series({po_lo}, {po_hi}) g, bench_refs r""",
    """INSERT INTO po_lines (po_id, item_id, ordered_qty, unit_cost)
        SELECT p, 1 + ((p * 3 + j) * 7919) % {item_hi}, 10 + j, 3.25
          FROM generate_series({po_lo}, {po_hi}) p, generate_series(0, 2) j""",
    """INSERT INTO reservations (item_id, quantity, module_key, external_ref, status, reserved_until, created_by,
                                 created_at)
        SELECT 1 + (g * 37) % {item_hi}, 1, (ARRAY['inventory', 'biofloc'])[1 + g % 2], 'REF-' || g, 'pending',
               now() + interval '2 days', %(admin)s, now() - interval '1 hour'
          FROM generate_series({res_lo}, {res_hi}) g""",
]

# A slice has TANKS tanks and BATCHES batches: its first TANKS batches are active, one per tank of the slice (batch
# b of the slice sits in tank t_lo + (b - b_lo) % TANKS); the rest were harvested earlier (20 deaths each).
BIOFLOC = [
    """INSERT INTO tanks (id, code, name, capacity_liters, location, tank_type, status, created_by)
        OVERRIDING SYSTEM VALUE
        SELECT g, 'T-' || lpad(g::text, 5, '0'), 'Tank ' || g, 10000, 'Block ' || (1 + g / 20),
               (ARRAY['circular', 'rectangular', 'raceway'])[1 + g % 3], 'in_use', %(admin)s
          FROM generate_series({tank_lo}, {tank_hi}) g""",
    """INSERT INTO batches (id, code, species, source, stocking_date, origin_stocking_date, initial_count,
                            initial_avg_weight_g, current_count, current_avg_weight_g, last_sample_date,
                            total_mortality, harvested_count, harvested_kg, total_feed_kg, status, end_date,
                            end_avg_weight_g, created_by)
        OVERRIDING SYSTEM VALUE
        SELECT g, 'B-' || lpad(g::text, 6, '0'), (ARRAY['tilapia', 'catfish', 'shrimp'])[1 + g % 3], 'Hatchery',
               s.d, s.d, 10000, 5,
               CASE WHEN s.active THEN 9980 ELSE 0 END, CASE WHEN s.active THEN 180 ELSE 450 END,
               s.d + 150, 20, CASE WHEN s.active THEN 0 ELSE 9980 END,
               CASE WHEN s.active THEN 0 ELSE 4491 END,
               CASE WHEN s.active THEN {active_feed_kg} ELSE 0 END,
               CASE WHEN s.active THEN 'active' ELSE 'harvested' END,
               CASE WHEN s.active THEN NULL ELSE s.d + 170 END,
               CASE WHEN s.active THEN NULL ELSE 450 END, %(admin)s
          FROM generate_series({batch_lo}, {batch_hi}) g,
               LATERAL (SELECT g - {batch_lo} < {tanks} AS active) a,
               LATERAL (SELECT a.active, CASE WHEN a.active THEN current_date - {active_days}
                                               ELSE current_date - 400 - g % 300 END AS d) s""",
    """INSERT INTO tank_assignments (batch_id, tank_id, start_date, end_date, start_reason, end_reason,
                                     fish_count_at_start, avg_weight_at_start_g, created_by)
        SELECT b.id, {tank_lo} + (b.id - {batch_lo}) % {tanks}, b.stocking_date, b.end_date, 'stocking',
               CASE WHEN b.end_date IS NULL THEN NULL ELSE 'harvest' END, 10000, 5, %(admin)s
          FROM batches b WHERE b.id BETWEEN {batch_lo} AND {batch_hi}""",
    """INSERT INTO feedings (id, tank_id, batch_id, feeding_date, session_number, total_feed_kg, total_cost,
                             created_by)
        OVERRIDING SYSTEM VALUE
        SELECT (t - 1) * {active_days} * 2 + d * 2 + s, t, {batch_lo} + t - {tank_lo},
               current_date - {active_days} + d, s, 2.5, 7.50, %(admin)s
          FROM generate_series({tank_lo}, {tank_hi}) t, generate_series(0, {active_days} - 1) d,
               generate_series(1, 2) s""",
    """INSERT INTO feeding_lines (feeding_id, line_no, item_id, quantity_kg, item_qty, cost)
       SELECT f.id, 0, 1 + f.batch_id % 8, 2.5, 2.5, 7.50 FROM feedings f
        WHERE f.tank_id BETWEEN {tank_lo} AND {tank_hi}""",
    """INSERT INTO samplings (batch_id, tank_id, sample_date, sample_size, avg_weight_g, min_weight_g, max_weight_g)
       SELECT b.id, a.tank_id, b.stocking_date + 14 * k, 30, 5 + 15 * k, 4 + 15 * k, 6 + 15 * k
         FROM batches b JOIN tank_assignments a ON a.batch_id = b.id, generate_series(1, 10) k
        WHERE b.id BETWEEN {batch_lo} AND {batch_hi}""",
    """INSERT INTO mortalities (batch_id, tank_id, mortality_date, count, cause, avg_weight_g, biomass_loss_kg)
       SELECT b.id, a.tank_id, b.stocking_date + 7 * k, 1, 'unknown', 50, 0.050
         FROM batches b JOIN tank_assignments a ON a.batch_id = b.id, generate_series(1, 20) k
        WHERE b.id BETWEEN {batch_lo} AND {batch_hi}""",
    """INSERT INTO water_tests (tank_id, batch_id, tested_at, temperature_c, ph, dissolved_oxygen_mgl, ammonia_mgl,
                                nitrite_mgl, floc_volume_mll)
        SELECT t, {batch_lo} + t - {tank_lo}, (current_date - d)::timestamptz + interval '7 hours', 28.5, 7.8, 5.6,
               0.1, 0.2, 20
          FROM generate_series({tank_lo}, {tank_hi}) t, generate_series(1, 365) d""",
    """INSERT INTO cycle_costs (batch_id, fingerling, feed, labour, utilities)
       SELECT id, 500, total_feed_kg * 3, 300, 120 FROM batches WHERE id BETWEEN {batch_lo} AND {batch_hi}""",
    """INSERT INTO cost_entries (batch_id, category, amount, entry_date, description, created_by)
       SELECT b.id, (ARRAY['fingerling', 'labour', 'utilities', 'other'])[1 + k % 4], 60, b.stocking_date + k,
              'bench cost', %(admin)s
         FROM batches b, generate_series(1, 5) k WHERE b.id BETWEEN {batch_lo} AND {batch_hi}""",
    """INSERT INTO harvests (batch_id, tank_id, harvest_date, harvest_type, fish_count, total_weight_kg,
                             avg_weight_g, buyer_name, price_per_kg, revenue, created_by)
        SELECT b.id, {tank_lo} + (b.id - {batch_lo}) % {tanks}, b.end_date, 'complete', 9980, 4491, 450, 'Market',
               3.00, 13473.00, %(admin)s
          FROM batches b WHERE b.status = 'harvested' AND b.id BETWEEN {batch_lo} AND {batch_hi}""",
]

# Rows per 1× slice of the tables whose size the statements above take as a parameter.
PER_SLICE = {
    "act": 200_000,
    "cat": 50,
    "sup": 200,
    "item": ITEMS,
    "po": 5_000,
    "res": 5_000,
    "tank": TANKS,
    "batch": BATCHES,
}


def slice_values(first: int, last: int, sizes: dict[str, int] | None = None) -> dict[str, int | float]:
    """The ids of slices first..last (1-based multiples of the 1× volume, or of `sizes` where it gives a table's
    rows per slice) and the fixed shape constants."""
    values: dict[str, int | float] = {
        "lot_left": 100 - 5 * (LEDGER_PER_ITEM - 1),
        "ledger_per_item": LEDGER_PER_ITEM,
        "ledger_last": LEDGER_PER_ITEM - 1,
        "tanks": TANKS,
        "active_days": ACTIVE_DAYS,
        "active_feed_kg": ACTIVE_DAYS * 2 * 2.5,
    }
    for name, n in {**PER_SLICE, **(sizes or {})}.items():
        values[f"{name}_lo"], values[f"{name}_hi"] = (first - 1) * n + 1, last * n
    return values


def _slices(statements: list[str], first: int, last: int) -> list[str]:
    """The statements of slices first..last, one slice after the other (a slice's batches sit in its own tanks)."""
    return [stmt.format(**slice_values(k, k)) for k in range(first, last + 1) for stmt in statements]


# Identity columns given explicit ids continue after the seeded ones, so API inserts later do not collide.
COUNTED = (
    "items",
    "stock_ledger",
    "lots",
    "stock_operations",
    "purchase_orders",
    "po_lines",
    "reservations",
    "tanks",
    "batches",
    "feedings",
    "samplings",
    "mortalities",
    "water_tests",
    "activity_logs",
)
RESTART = ["items", "lots", "stock_operations", "purchase_orders", "tanks", "batches", "feedings"]


@dataclass
class SeedResult:
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
  FROM pg_index i
 WHERE i.indrelid = to_regclass(%s) AND NOT i.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def _block(
    url: str, name: str, statements: list[str], admin: int, result: SeedResult, big_tables: tuple[str, ...] = ()
) -> None:
    started = time.perf_counter()
    try:
        with psycopg.connect(url) as conn:
            # Bulk load: the rows are consistent by construction, so skip per-row FK triggers (superuser only),
            # and build the big tables' secondary indexes once at the end instead of row by row (same DDL).
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            indexes: list[tuple[str, str]] = []
            for table in big_tables:
                indexes += conn.execute(_INDEXES, (table,)).fetchall()
            for index, _ in indexes:
                conn.execute(f"DROP INDEX {index}")  # a name read from pg_index
            for stmt in statements:
                # Fixed SQL of this module; the only value is our own admin's integer id.
                conn.execute(stmt.replace("%(admin)s", str(int(admin))))
            for _, ddl in indexes:
                conn.execute(ddl)  # pg_get_indexdef output
    except psycopg.Error as exc:
        result.skipped[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:200]
        return
    result.seconds[name] = round(time.perf_counter() - started, 2)


def _restart_identities(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for table in RESTART:
            try:
                row = conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
            except psycopg.errors.UndefinedTable:
                continue
            assert row is not None
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {int(row[0])}")


def seed(url: str, volume: bool = True) -> SeedResult:
    """Users first (an admin and a read-only user, with live sessions), then the 1× volume (unless `volume` is
    False)."""
    from tests.support.factories import create_user, token_for

    result = SeedResult()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as sql:
        admin = create_user(sql, "admin@farm.bench", role="admin", full_name="Bench Admin")
        reader = create_user(
            sql, "reader@farm.bench", grants={"inventory": "read", "biofloc": "read"}, full_name="Bench Reader"
        )
        result.users = {
            "admin_id": admin,
            "admin_token": token_for(sql, admin),
            "reader_id": reader,
            "reader_token": token_for(sql, reader),
        }
    if volume:
        _write(url, admin, 1, 1, result)
    return result


# A small store (the cost of a page when the tables are small): the inventory seed's shapes at these sizes.
SMALL_STORE = {"cat": 10, "sup": 20, "item": 200, "po": 20, "res": 20}
INVENTORY_TABLES = (
    "reservations",
    "po_lines",
    "purchase_orders",
    "stock_ledger",
    "stock_operations",
    "lots",
    "items",
    "suppliers",
    "categories",
)


def small_store(url: str, admin: int) -> SeedResult:
    """The inventory of a small farm (SMALL_STORE) in a database seeded with users only, figures recomputed."""
    result = SeedResult(users={"admin_id": admin})
    statements = [stmt.format(**slice_values(1, 1, SMALL_STORE)) for stmt in INVENTORY]
    _block(url, "small store", statements, admin, result)
    _analyze(url, result)
    return result


def clear_store(url: str) -> None:
    """Empty the inventory tables again (ids restart), so that the 1× volume is written as on a fresh database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(INVENTORY_TABLES)} RESTART IDENTITY CASCADE")  # fixed names above


def volume(url: str, admin: int, result: SeedResult) -> None:
    """The 1× volume, in a database seeded with users (`seed(url, volume=False)`)."""
    _write(url, admin, 1, 1, result)


def grow(url: str, admin: int, scale: int) -> SeedResult:
    """Grow a database seeded at 1× to `scale`× every volume table (slices 2..scale), same shapes as the seed."""
    result = SeedResult(users={"admin_id": admin})
    if scale > 1:
        _write(url, admin, 2, scale, result)
    return result


def _write(url: str, admin: int, first: int, last: int, result: SeedResult) -> None:
    # Growing adds 9× the rows to the tables below, so their secondary indexes are rebuilt once rather than row by row.
    grown = ("items", "lots") if first > 1 else ()
    _block(
        url, "inventory", _slices(INVENTORY, first, last), admin, result, (*grown, "stock_ledger", "stock_operations")
    )
    _block(url, "biofloc", _slices(BIOFLOC, first, last), admin, result, ("feedings", "water_tests"))
    _block(url, "activity", _slices([IDENTITY], first, last), admin, result, ("activity_logs",))
    _analyze(url, result)


def _analyze(url: str, result: SeedResult) -> None:
    """After a bulk load: identities past the loaded ids, maintained figures, statistics, a checkpoint, the counts."""
    started = time.perf_counter()
    _restart_identities(url)
    with psycopg.connect(url, autocommit=True) as conn:
        # The bulk load bypassed the triggers that keep the maintained figures: recompute them with the same
        # function the migration uses for its backfill.
        # Statistics first: the recount is planned on them, and those of a bulk-loaded table describe what it held
        # before (nothing, or the small store).
        conn.execute("ANALYZE")
        if conn.execute("SELECT to_regproc('refresh_figures')").fetchone() != (None,):
            conn.execute("SELECT refresh_figures()")
        # refresh_figures() leaves the consumption window empty; in a running farm the 15-minute job keeps it at the
        # current farm day. Doing the job's part before the statistics are gathered measures the report as a farm
        # meets it, not planned against a window the statistics still think is empty.
        if conn.execute("SELECT to_regproc('consumption_window_move')").fetchone() != (None,):
            from farm_erp import clock, consumption_window

            conn.execute("SELECT consumption_window_move(%s, %s)", consumption_window.window(clock.today()))
        conn.execute("VACUUM ANALYZE")
        # Write the load's dirty pages now: otherwise the checkpointer writes gigabytes while the first routes are
        # being measured, on the same two CPUs.
        conn.execute("CHECKPOINT")
        rows = conn.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)",
            (list(COUNTED),),
        ).fetchall()
        result.counts = {name: int(n) for name, n in sorted(rows)}
    result.seconds["analyze"] = round(time.perf_counter() - started, 2)
