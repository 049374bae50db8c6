"""The latest water test and band each tank keeps (migration 0043), through every change of its inputs: tests
inserted, edited, moved in time or between tanks, deleted; thresholds edited, deactivated, deleted; two writers on
one tank at once. After each step the kept values equal a fresh rating (tests.support.figures), and the dashboard
and widget routes show the figures they showed when they rated on every request."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.biofloc.conftest import Farm
from tests.support.figures import check_biofloc_reads, check_water_bands

Conn = psycopg.Connection[dict[str, Any]]
DAY = "2025-03-10"


def at(hour: int, minute: int = 0, day: str = DAY) -> str:
    return f"{day}T{hour:02d}:{minute:02d}:00+00:00"


def band(farm: Farm, tank_id: int) -> tuple[Any, ...]:
    """(test id, tested_at as ISO text, severity, out-of-range) kept on the tank row; checked against a fresh
    rating of every tank first."""
    check_water_bands(farm.sql)
    check_biofloc_reads(farm.sql)
    r = farm.one(
        """SELECT water_test_id, to_char(water_tested_at AT TIME ZONE 'UTC', 'HH24:MI') AS at, water_severity,
                  water_out_of_range FROM tanks WHERE id = %s""",
        (tank_id,),
    )
    return (r["water_test_id"], r["at"], r["water_severity"], r["water_out_of_range"])


def post_test(farm: Farm, tank_id: int, tested_at: str, **values: str) -> int:
    out = farm.ok(farm.post("/biofloc/water-tests", {"tank_id": tank_id, "tested_at": tested_at, **values}))
    return int(out["test"]["id"])


@pytest.fixture
def tank(farm: Farm) -> int:
    t = farm.tank("WB1")
    farm.day(DAY, 18)
    return int(t["id"])


def test_a_newer_test_replaces_the_latest_and_an_older_one_does_not(farm: Farm, tank: int) -> None:
    assert band(farm, tank) == (None, None, None, None)
    good = post_test(farm, tank, at(10), ph="7.9")
    assert band(farm, tank) == (good, "10:00", 1, [])
    post_test(farm, tank, at(7), ph="4.1", ammonia_mgl="2")
    assert band(farm, tank) == (good, "10:00", 1, [])
    worse = post_test(farm, tank, at(12), ph="8.4", dissolved_oxygen_mgl="3.2", salinity_ppt="9")
    assert band(farm, tank) == (worse, "12:00", 3, ["dissolved_oxygen_mgl", "ph"])
    # The same time: the later id is the latest (tested_at DESC, id DESC).
    tie = post_test(farm, tank, at(12), salinity_ppt="4")
    assert band(farm, tank) == (tie, "12:00", 0, [])


def test_editing_or_moving_the_latest_recomputes_the_tank(farm: Farm, tank: int) -> None:
    older = post_test(farm, tank, at(8), ph="7.3")
    latest = post_test(farm, tank, at(11), ph="7.8")
    assert band(farm, tank) == (latest, "11:00", 1, [])

    farm.sql.execute("UPDATE water_tests SET ph = 9.1, nitrite_mgl = 0.6 WHERE id = %s", (latest,))
    assert band(farm, tank) == (latest, "11:00", 3, ["ph", "nitrite_mgl"])
    farm.sql.execute("UPDATE water_tests SET ph = 5 WHERE id = %s", (older,))  # not the latest: nothing moves
    assert band(farm, tank) == (latest, "11:00", 3, ["ph", "nitrite_mgl"])

    farm.sql.execute("UPDATE water_tests SET tested_at = %s WHERE id = %s", (at(6), latest))
    assert band(farm, tank) == (older, "08:00", 3, ["ph"])
    farm.sql.execute("UPDATE water_tests SET tested_at = %s WHERE id = %s", (at(9, 30), latest))
    assert band(farm, tank) == (latest, "09:30", 3, ["ph", "nitrite_mgl"])

    other = int(farm.tank("WB2")["id"])
    assert band(farm, other) == (None, None, None, None)
    farm.sql.execute("UPDATE water_tests SET tank_id = %s WHERE id = %s", (other, latest))
    assert band(farm, tank) == (older, "08:00", 3, ["ph"])
    assert band(farm, other) == (latest, "09:30", 3, ["ph", "nitrite_mgl"])
    farm.sql.execute("UPDATE water_tests SET tank_id = %s WHERE id = %s", (other, older))
    assert band(farm, tank) == (None, None, None, None)
    assert band(farm, other) == (latest, "09:30", 3, ["ph", "nitrite_mgl"])


def test_deleting_the_latest_falls_back_to_the_one_before(farm: Farm, tank: int) -> None:
    first = post_test(farm, tank, at(9), dissolved_oxygen_mgl="4.4")
    second = post_test(farm, tank, at(10), dissolved_oxygen_mgl="6")
    assert band(farm, tank) == (second, "10:00", 1, [])
    farm.sql.execute("DELETE FROM water_tests WHERE id = %s", (second,))
    assert band(farm, tank) == (first, "09:00", 2, ["dissolved_oxygen_mgl"])
    assert farm.ok(farm.get("/biofloc/dashboard"), 200)["water"] == {
        "tanks_good": 0,
        "tanks_warning": 1,
        "tanks_danger": 0,
        "tanks_untested_72h": 0,
    }
    farm.sql.execute("DELETE FROM water_tests WHERE id = %s", (first,))
    assert band(farm, tank) == (None, None, None, None)
    assert farm.ok(farm.get("/biofloc/dashboard"), 200)["water"] == {
        "tanks_good": 0,
        "tanks_warning": 0,
        "tanks_danger": 0,
        "tanks_untested_72h": 1,
    }


def test_threshold_changes_rerate_every_tank(farm: Farm, tank: int) -> None:
    other = int(farm.tank("WB2")["id"])
    a = post_test(farm, tank, at(10), ph="8.3", temperature_c="27.5")
    b = post_test(farm, other, at(11), ph="7.6", salinity_ppt="12")
    assert band(farm, tank) == (a, "10:00", 2, ["ph", "temperature_c"])
    assert band(farm, other) == (b, "11:00", 1, [])
    updated_at = farm.one("SELECT updated_at FROM tanks WHERE id = %s", (tank,))["updated_at"]

    # pH good up to 8.4 now; salinity gets bands (it had none: unrated)
    farm.ok(farm.put("/biofloc/water-thresholds/ph", {"good_min": "7.5", "good_max": "8.4", "warn_min": "7.4"}), 200)
    farm.ok(
        farm.put(
            "/biofloc/water-thresholds/salinity_ppt",
            {"good_min": "0", "good_max": "5", "warn_min": "0", "warn_max": "10"},
        ),
        200,
    )
    assert band(farm, tank) == (a, "10:00", 2, ["temperature_c"])
    assert band(farm, other) == (b, "11:00", 3, ["salinity_ppt"])

    farm.ok(farm.put("/biofloc/water-thresholds/salinity_ppt", {"good_max": "5", "is_active": False}), 200)
    assert band(farm, other) == (b, "11:00", 1, [])
    farm.sql.execute("DELETE FROM water_thresholds WHERE parameter = 'temperature_c'")
    assert band(farm, tank) == (a, "10:00", 1, [])
    farm.sql.execute("DELETE FROM water_thresholds WHERE parameter = 'ph'")
    assert band(farm, tank) == (a, "10:00", 0, [])
    assert band(farm, other) == (b, "11:00", 0, [])
    # a band is not an edit of the tank
    assert farm.one("SELECT updated_at FROM tanks WHERE id = %s", (tank,))["updated_at"] == updated_at


def _insert(db_url: str, tank_id: int, tested_at: str, ph: str, batch_id: int | None = None) -> int:
    """Insert a test in a transaction of its own and commit it."""
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        row = conn.execute(
            "INSERT INTO water_tests (tank_id, batch_id, tested_at, ph) VALUES (%s, %s, %s, %s) RETURNING id",
            (tank_id, batch_id, tested_at, ph),
        ).fetchone()
        assert row is not None
        conn.commit()
        return int(row["id"])


def _wait_for_lock_wait(sql: Conn) -> None:
    """Until another backend waits for a lock (the other insert blocked on the tank row)."""
    for _ in range(200):
        row = sql.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchone()
        if row is not None and row["n"] > 0:
            return
        threading.Event().wait(0.05)
    raise AssertionError("the water-test insert never waited for a lock")


@pytest.mark.parametrize(("first_at", "second_at"), [(at(12), at(9)), (at(9), at(12)), (at(10), at(10))])
def test_two_writers_on_one_tank_the_later_test_wins(
    farm: Farm, tank: int, db_url: str, first_at: str, second_at: str
) -> None:
    """The first writer holds the tank; the second inserts meanwhile and commits after it. Whichever test is later
    by (tested_at, id) is the latest, whether it committed first or second."""
    post_test(farm, tank, at(8), ph="7.8")
    with psycopg.connect(db_url, row_factory=dict_row) as first:
        row = first.execute(
            "INSERT INTO water_tests (tank_id, tested_at, ph) VALUES (%s, %s, 9.5) RETURNING id", (tank, first_at)
        ).fetchone()
        assert row is not None
        first_id = int(row["id"])
        with ThreadPoolExecutor(1) as ex:
            second = ex.submit(_insert, db_url, tank, second_at, "7.6")
            _wait_for_lock_wait(farm.sql)
            first.commit()
            second_id = second.result(20)
    expected = max((first_at, first_id, 3), (second_at, second_id, 1))
    got = band(farm, tank)
    assert (got[0], got[2]) == (expected[1], expected[2])


@pytest.mark.parametrize("mode", ["FOR UPDATE", "FOR NO KEY UPDATE"])
def test_a_water_test_takes_its_tank_before_its_batch(farm: Farm, db_url: str, mode: str) -> None:
    """A writer holding the tank (locked, or updated: NO KEY UPDATE) and then locking the batch must not deadlock
    with a water test on that tank, whose batch foreign key takes KEY SHARE on the batch: the test waits for the
    tank before it touches the batch."""
    t = farm.tank("WB1")
    b = farm.batch("WB-B1", t["id"], "2025-01-01", 100, "10")
    farm.day(DAY, 18)
    with psycopg.connect(db_url, row_factory=dict_row) as mover:
        mover.execute(f"SELECT id FROM tanks WHERE id = %s {mode}", (t["id"],))
        with ThreadPoolExecutor(1) as ex:
            tester = ex.submit(_insert, db_url, t["id"], at(9), "7.8", b["id"])
            _wait_for_lock_wait(farm.sql)
            mover.execute("SELECT id FROM batches WHERE id = %s FOR UPDATE", (b["id"],))
            mover.commit()
            test_id = tester.result(20)
    assert band(farm, t["id"])[0] == test_id


def test_dashboard_and_widgets_show_the_kept_bands(farm: Farm) -> None:
    """The water figures of GET /biofloc/dashboard, /dashboard/widgets and the biofloc figures of
    /dashboard/summary, before and after a new test and a threshold change; an inactive tank counts nowhere."""
    t1, t2, t3, t4 = (farm.tank(c) for c in ("WA", "WB", "WC", "WD"))
    farm.batch("WB-1", t1["id"], "2025-01-01", 50, "20")
    farm.day("2025-03-12", 12)
    post_test(farm, t1["id"], at(9), ph="8.7", ammonia_mgl="0.3")  # danger (pH), warning (ammonia)
    post_test(farm, t2["id"], at(9), ammonia_mgl="0.4")  # warning
    post_test(farm, t3["id"], at(10, day="2025-03-08"), ph="7.7")  # good, and stale by the 12th
    post_test(farm, t4["id"], at(11), ph="3")  # danger, then the tank is deleted
    farm.ok(farm.delete(f"/biofloc/tanks/{t4['id']}"), 204)

    def water() -> Any:
        return farm.ok(farm.get("/biofloc/dashboard"), 200)["water"]

    def alerts() -> list[tuple[str, str, list[str], str | None]]:
        widgets = farm.ok(farm.get("/dashboard/widgets"), 200)["biofloc"]["water_alerts"]
        return [(a["tank_code"], a["overall"], a["out_of_range"], a["batch_code"]) for a in widgets]

    assert water() == {"tanks_good": 1, "tanks_warning": 1, "tanks_danger": 1, "tanks_untested_72h": 1}
    assert alerts() == [("WA", "danger", ["ph", "ammonia_mgl"], "WB-1"), ("WB", "warning", ["ammonia_mgl"], None)]
    assert farm.ok(farm.get("/dashboard/summary"), 200)["biofloc"]["tanks_in_use"] == 1

    post_test(farm, t3["id"], at(11, day="2025-03-12"), ph="8.3")  # WC: warning and fresh
    assert water() == {"tanks_good": 0, "tanks_warning": 2, "tanks_danger": 1, "tanks_untested_72h": 0}
    assert alerts()[1:] == [("WC", "warning", ["ph"], None), ("WB", "warning", ["ammonia_mgl"], None)]

    farm.ok(farm.put("/biofloc/water-thresholds/ammonia_mgl", {"good_max": "0.5", "warn_max": "1"}), 200)
    assert water() == {"tanks_good": 1, "tanks_warning": 1, "tanks_danger": 1, "tanks_untested_72h": 0}
    assert alerts() == [("WA", "danger", ["ph"], "WB-1"), ("WC", "warning", ["ph"], None)]


def test_refresh_recomputes_bands_a_bulk_load_bypassed(farm: Farm, tank: int) -> None:
    """Tests loaded with triggers off (as the bench seeds) leave the band stale until refresh_figures(), which
    recomputes it without touching the tank's updated_at; then the triggers carry on from there."""
    first = post_test(farm, tank, at(9), ph="7.8")
    updated_at = farm.one("SELECT updated_at FROM tanks WHERE id = %s", (tank,))["updated_at"]
    with farm.sql.transaction():
        farm.sql.execute("SET LOCAL session_replication_role = replica")
        bulk = farm.one(
            "INSERT INTO water_tests (tank_id, tested_at, ph) VALUES (%s, %s, 9.9) RETURNING id", (tank, at(10))
        )["id"]
    assert farm.one("SELECT water_test_id FROM tanks WHERE id = %s", (tank,))["water_test_id"] == first
    farm.sql.execute("SELECT refresh_figures()")
    assert band(farm, tank) == (bulk, "10:00", 3, ["ph"])
    assert farm.one("SELECT updated_at FROM tanks WHERE id = %s", (tank,))["updated_at"] == updated_at
    newer = post_test(farm, tank, at(11), ph="8.3")
    assert band(farm, tank) == (newer, "11:00", 2, ["ph"])
