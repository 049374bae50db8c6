"""Water bands and the water figures of the biofloc dashboard (docs/rules.md: Water quality)."""

from __future__ import annotations

from typing import Any

from farm_erp import biofloc_figures, clock
from tests.integration.biofloc.conftest import Farm


def _tested_tank(farm: Farm) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Tank T1 holding batch W1, and one test on 2025-01-02: DO warning, pH danger, ammonia and floc good,
    salinity unrated (no bands seeded)."""
    t1 = farm.tank("T1")
    b = farm.batch("W1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-02")
    out = farm.ok(
        farm.post(
            "/biofloc/water-tests",
            {
                "tank_id": t1["id"],
                "dissolved_oxygen_mgl": "4.5",
                "ph": "8.6",
                "ammonia_mgl": "0.2",
                "floc_volume_mll": "12",
                "salinity_ppt": "1.5",
            },
        )
    )
    return t1, b, out


def _stored_evaluation(farm: Farm, tank_id: int, test_id: int) -> Any:
    """The evaluation of a stored test as the list rates it now."""
    tests = farm.ok(farm.get("/biofloc/water-tests", params={"tank_id": tank_id}), 200)
    return next(t for t in tests["items"] if t["id"] == test_id)["evaluation"]


def test_a_water_test_is_rated_per_parameter_and_overall_by_its_worst_band(farm: Farm) -> None:
    _, b, out = _tested_tank(farm)
    ev = out["evaluation"]
    assert {p: v["band"] for p, v in ev["parameters"].items()} == {
        "dissolved_oxygen_mgl": "warning",
        "ph": "danger",
        "ammonia_mgl": "good",
        "floc_volume_mll": "good",
        "salinity_ppt": "unrated",
    }
    assert ev["overall"] == "danger" and ev["parameters"]["ph"]["value"] == "8.600"
    assert out["test"]["batch_id"] == b["id"] and out["test"]["batch_code"] == "W1" and out["test"]["tank_code"] == "T1"


def test_band_bounds_are_inclusive(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.day("2025-01-02")
    for value, band in (("5.0", "good"), ("4.0", "warning"), ("3.99", "danger")):
        r = farm.ok(
            farm.post(
                "/biofloc/water-tests",
                {"tank_id": t1["id"], "dissolved_oxygen_mgl": value, "tested_at": "2025-01-01T08:00:00+00:00"},
            )
        )
        assert r["evaluation"]["overall"] == band, value


def test_a_threshold_change_rates_stored_tests_anew(farm: Farm) -> None:
    t1, _, out = _tested_tank(farm)
    row = farm.ok(
        farm.put(
            "/biofloc/water-thresholds/ph", {"good_min": "7.0", "good_max": "8.7", "warn_min": "6.5", "warn_max": "9.0"}
        ),
        200,
    )
    assert row["good_max"] == "8.700" and row["unit"] == "pH"
    assert _stored_evaluation(farm, t1["id"], out["test"]["id"])["overall"] == "warning"


def test_threshold_bands_must_nest(farm: Farm) -> None:
    bad = farm.put("/biofloc/water-thresholds/ph", {"good_min": "7.0", "good_max": "8.7", "warn_min": "7.1"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "warn_min"]
    assert farm.put("/biofloc/water-thresholds/ph", {"good_min": "9", "good_max": "8"}).status_code == 422
    assert farm.put("/biofloc/water-thresholds/ph", {"good_max": "8", "warn_max": "7"}).status_code == 422


def test_an_unknown_parameter_has_no_threshold(farm: Farm) -> None:
    assert farm.put("/biofloc/water-thresholds/colour", {"good_min": "1"}).status_code == 404


def test_an_unseeded_parameter_is_rated_once_it_has_bands(farm: Farm) -> None:
    t1, _, out = _tested_tank(farm)
    farm.ok(farm.put("/biofloc/water-thresholds/salinity_ppt", {"good_max": "2"}), 200)
    listed = {t["parameter"]: t for t in farm.ok(farm.get("/biofloc/water-thresholds"), 200)["items"]}
    assert listed["salinity_ppt"]["is_active"] is True
    assert _stored_evaluation(farm, t1["id"], out["test"]["id"])["parameters"]["salinity_ppt"]["band"] == "good"


def test_a_deactivated_threshold_leaves_its_parameter_unrated(farm: Farm) -> None:
    t1, _, out = _tested_tank(farm)
    farm.ok(
        farm.put(
            "/biofloc/water-thresholds/dissolved_oxygen_mgl", {"good_min": "5", "warn_min": "4", "is_active": False}
        ),
        200,
    )
    evaluation = _stored_evaluation(farm, t1["id"], out["test"]["id"])
    assert evaluation["parameters"]["dissolved_oxygen_mgl"]["band"] == "unrated"


def test_the_threshold_list_names_every_parameter_configured_or_not(farm: Farm) -> None:
    listed = {t["parameter"]: t for t in farm.ok(farm.get("/biofloc/water-thresholds"), 200)["items"]}
    assert len(listed) == 12 and listed["tds_mgl"]["is_configured"] is False


def test_a_water_test_in_the_future_is_refused(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.day("2025-01-02")
    future = farm.post(
        "/biofloc/water-tests", {"tank_id": t1["id"], "ph": "7", "tested_at": "2025-01-03T00:00:00+00:00"}
    )
    assert future.status_code == 422


def test_a_water_test_needs_a_value(farm: Farm) -> None:
    t1 = farm.tank("T1")
    assert farm.post("/biofloc/water-tests", {"tank_id": t1["id"]}).status_code == 422


def test_a_ph_beyond_14_is_refused(farm: Farm) -> None:
    t1 = farm.tank("T1")
    assert farm.post("/biofloc/water-tests", {"tank_id": t1["id"], "ph": "14.5"}).status_code == 422


def test_a_water_test_of_an_unknown_tank_is_refused(farm: Farm) -> None:
    assert farm.post("/biofloc/water-tests", {"tank_id": 999, "ph": "7"}).status_code == 422


def test_dashboard_and_water_status(farm: Farm) -> None:
    t1, t2, t3 = farm.tank("T1"), farm.tank("T2"), farm.tank("T3", status="maintenance")
    farm.tank("T4", status="decommissioned")
    farm.batch("B1", t1["id"], "2025-01-01", 1000, "10")
    farm.batch("B2", t2["id"], "2025-01-01", 500, "20")
    farm.day("2025-04-05")
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": 1, "mortality_date": "2025-03-29", "count": 5}))
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": 1, "mortality_date": "2025-03-30", "count": 7}))
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": 2, "mortality_date": "2025-04-05", "count": 3}))
    for hour in (1, 2, 3):  # three danger tests on one tank count once
        farm.ok(
            farm.post(
                "/biofloc/water-tests", {"tank_id": t1["id"], "ph": "5", "tested_at": f"2025-04-05T0{hour}:00:00+00:00"}
            )
        )
    farm.ok(
        farm.post("/biofloc/water-tests", {"tank_id": t2["id"], "ph": "7.2", "tested_at": "2025-04-05T01:00:00+00:00"})
    )
    farm.ok(
        farm.post("/biofloc/water-tests", {"tank_id": t3["id"], "ph": "7.8", "tested_at": "2025-04-01T01:00:00+00:00"})
    )

    d = farm.ok(farm.get("/biofloc/dashboard"), 200)
    assert d["tanks"] == {
        "active": 4,
        "in_use": 2,
        "available": 0,
        "maintenance": 1,
        "decommissioned": 1,
        "utilisation_pct": "66.67",
    }
    assert d["batches"] == {"active": 2, "total_fish": 1485, "total_biomass_kg": "19.820"}
    assert d["water"] == {"tanks_good": 1, "tanks_warning": 1, "tanks_danger": 1, "tanks_untested_72h": 2}
    assert d["mortality_7d"] == 10
    assert d["harvest_due"] == 2

    status = {s["tank_code"]: s for s in farm.ok(farm.get("/biofloc/water-status"), 200)["items"]}
    assert status["T1"]["evaluation"]["overall"] == "danger" and status["T1"]["stale"] is False
    assert status["T3"]["stale"] is True and status["T4"]["test_id"] is None and status["T4"]["stale"] is True
    assert status["T1"]["batch_code"] == "B1" and status["T1"]["values"] == {"ph": "5.000"}
    tanks = {t["code"]: t for t in farm.ok(farm.get("/biofloc/tanks"), 200)["items"]}
    assert tanks["T1"]["water_status"]["overall"] == "danger" and tanks["T4"]["water_status"] is None

    alerts = biofloc_figures.water_alerts(farm.sql, 10)
    assert [(a["tank_code"], a["overall"], a["out_of_range"]) for a in alerts] == [
        ("T1", "danger", ["ph"]),
        ("T2", "warning", ["ph"]),
    ]
    due = biofloc_figures.harvest_due(farm.sql, clock.today(), 1)
    assert len(due) == 1 and due[0]["days"] == 94 and due[0]["tank_code"] in ("T1", "T2")


def test_sql_rating_agrees_with_the_api(farm: Farm) -> None:
    """The dashboard rates in SQL, the API in Python: both give the same band for the same test."""
    farm.ok(
        farm.put("/biofloc/water-thresholds/temperature_c", {"good_min": "28", "good_max": "30", "warn_min": "26"}), 200
    )
    samples = [
        {"ph": "7.5"},
        {"ph": "8.5"},
        {"ph": "8.51"},
        {"dissolved_oxygen_mgl": "4"},
        {"dissolved_oxygen_mgl": "3.999"},
        {"ammonia_mgl": "0.5", "ph": "7.6"},
        {"tds_mgl": "3"},
        {"temperature_c": "30.5"},
        {"temperature_c": "27"},
        {"nitrite_mgl": "0.3", "alkalinity_mgl": "200"},
    ]
    for i, values in enumerate(samples):
        t = farm.tank(f"Q{i}")
        farm.ok(farm.post("/biofloc/water-tests", {"tank_id": t["id"], **values}))
    api = {s["tank_id"]: s["evaluation"]["overall"] for s in farm.ok(farm.get("/biofloc/water-status"), 200)["items"]}
    sql = {
        r["id"]: biofloc_figures.BANDS[r["water_severity"]]
        for r in farm.sql.execute("SELECT id, water_severity FROM tanks WHERE water_severity IS NOT NULL").fetchall()
    }
    assert api == sql
    assert sorted(api.values()) == sorted(
        ["good", "warning", "danger", "warning", "danger", "warning", "unrated", "warning", "warning", "warning"]
    )
