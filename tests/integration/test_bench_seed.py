"""The bench's bulk seed and its growth to N×: every volume table grows by exactly N, and the rows stay as
consistent as the routes need (stock balances, one open tank per active batch), at a small slice size."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from bench import seed

VOLUME_TABLES = (
    "categories",
    "suppliers",
    "items",
    "lots",
    "stock_operations",
    "stock_ledger",
    "purchase_orders",
    "po_lines",
    "reservations",
    "tanks",
    "batches",
    "tank_assignments",
    "feedings",
    "feeding_lines",
    "samplings",
    "mortalities",
    "water_tests",
    "cycle_costs",
    "cost_entries",
    "harvests",
    "activity_logs",
)


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed, "TANKS", 4)
    monkeypatch.setattr(seed, "ACTIVE_DAYS", 3)
    small = {"act": 30, "cat": 3, "sup": 4, "item": 40, "po": 6, "res": 5, "tank": 4, "batch": 9}
    monkeypatch.setattr(seed, "PER_SLICE", small)


def _counts(sql: psycopg.Connection[dict[str, Any]]) -> dict[str, int]:
    # Table names from the fixed tuple above.
    return {t: sql.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"] for t in VOLUME_TABLES}  # type: ignore[index]


@pytest.mark.usefixtures("small_slices")
def test_growing_multiplies_every_volume_table_and_keeps_the_rows_consistent(
    db_url: str, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    first = seed.seed(db_url)
    assert first.skipped == {}
    at_1x = _counts(sql)
    assert all(n > 0 for n in at_1x.values()), at_1x

    grown = seed.grow(db_url, first.users["admin_id"], 3)

    assert grown.skipped == {}
    assert _counts(sql) == {t: 3 * n for t, n in at_1x.items()}
    unbalanced = sql.execute(
        """SELECT i.id FROM items i
            WHERE i.on_hand_qty <> (SELECT sum(remaining_qty) FROM lots l WHERE l.item_id = i.id)
               OR i.on_hand_qty <> (SELECT sum(qty_change) FROM stock_ledger s WHERE s.item_id = i.id)"""
    ).fetchall()
    assert unbalanced == []
    tanks = sql.execute(
        """SELECT t.id, count(a.id) AS open_batches, bool_and(b.status = 'active') AS all_active
             FROM tanks t LEFT JOIN tank_assignments a ON a.tank_id = t.id AND a.end_date IS NULL
             LEFT JOIN batches b ON b.id = a.batch_id GROUP BY t.id"""
    ).fetchall()
    assert {(r["open_batches"], r["all_active"]) for r in tanks} == {(1, True)}
    misfiled = sql.execute(
        """SELECT f.id FROM feedings f JOIN tank_assignments a ON a.batch_id = f.batch_id AND a.end_date IS NULL
            WHERE a.tank_id <> f.tank_id
           UNION ALL
           SELECT w.id FROM water_tests w JOIN tank_assignments a ON a.batch_id = w.batch_id AND a.end_date IS NULL
            WHERE a.tank_id <> w.tank_id"""
    ).fetchall()
    assert misfiled == []
    deaths = sql.execute(
        """SELECT b.id FROM batches b
            WHERE b.total_mortality <> (SELECT coalesce(sum(count), 0) FROM mortalities m WHERE m.batch_id = b.id)
               OR b.initial_count <> b.current_count + b.total_mortality + b.harvested_count"""
    ).fetchall()
    assert deaths == []
    # New rows continue after the seeded ids: an API insert must not collide with them.
    next_item = sql.execute("SELECT nextval(pg_get_serial_sequence('items', 'id')) AS n").fetchone()
    assert next_item is not None and next_item["n"] == 3 * 40 + 1


def test_the_small_store_is_its_sizes_with_exact_figures_and_clears_for_the_volume(
    db_url: str, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    users = seed.seed(db_url, volume=False)
    admin = users.users["admin_id"]

    small = seed.small_store(db_url, admin)

    assert small.skipped == {}
    counts = _counts(sql)
    assert (counts["items"], counts["categories"], counts["suppliers"]) == (200, 10, 20)
    assert (counts["purchase_orders"], counts["reservations"]) == (20, 20)
    figures = sql.execute("SELECT sum(items) AS items FROM figure_shards").fetchone()
    assert figures is not None and figures["items"] == 200
    pending = sql.execute(
        """SELECT count(*) AS n FROM items i
            WHERE i.pending_reserved_qty <> (SELECT coalesce(sum(quantity), 0) FROM reservations r
                                              WHERE r.item_id = i.id AND r.status = 'pending')"""
    ).fetchone()
    assert pending is not None and pending["n"] == 0

    seed.clear_store(db_url)

    assert {t: n for t, n in _counts(sql).items() if n} == {}
    next_item = sql.execute("SELECT nextval(pg_get_serial_sequence('items', 'id')) AS n").fetchone()
    assert next_item is not None and next_item["n"] == 1
