"""The biofloc rules with numbers other than the specification's worked examples."""

from __future__ import annotations

from typing import Any

from tests.integration.biofloc.conftest import Farm


def _harvest(farm: Farm, batch_id: int, day: str, kind: str, count: int, kg: str, **kw: Any) -> Any:
    body = {
        "batch_id": batch_id,
        "harvest_date": day,
        "harvest_type": kind,
        "fish_count": count,
        "total_weight_kg": kg,
        **kw,
    }
    return farm.post("/biofloc/harvests", body)


def test_grading_remainder_goes_to_the_last_of_three_groups(farm: Farm) -> None:
    farm.day("2025-03-01")
    t1, t2, t3 = farm.tank("T1"), farm.tank("T2"), farm.tank("T3")
    p = farm.batch("P3", t1["id"], "2025-03-01", 300, "10", fingerling="100.00")
    farm.day("2025-03-10")
    out = farm.ok(
        farm.post(
            "/biofloc/gradings",
            {
                "source_batch_id": p["id"],
                "grading_date": "2025-03-10",
                "groups": [
                    {"label": "S", "fish_count": 100, "avg_weight_g": "20", "destination_tank_id": t2["id"]},
                    {"label": "M", "fish_count": 100, "avg_weight_g": "20", "destination_tank_id": t3["id"]},
                    {"label": "L", "fish_count": 100, "avg_weight_g": "20", "destination_tank_id": t1["id"]},
                ],
            },
        )
    )
    shares = {c["code"]: c["costs"]["transfer_in"] for c in out["children"]}
    assert shares == {"P3-S": "33.33", "P3-M": "33.33", "P3-L": "33.34"}
    parent = out["parent"]
    assert parent["costs"]["transfer_out"] == "100.00" and parent["costs"]["net_cost"] == "0.00"
    assert parent["metrics"]["roi_pct"] is None
    # FCR of a graded parent without feed is 0; survival counts the graded-out fish.
    assert parent["metrics"]["survival_pct"] == "100.00" and parent["end_avg_weight_g"] == "20.000"


def test_event_dates(farm: Farm) -> None:
    farm.day("2025-04-01")
    t1, t2 = farm.tank("T1"), farm.tank("T2")
    farm.stock_in("FEED-A", "kg", "100", "10.0000")
    farm.stock_in("CHEM-A", "kg", "10", "5.0000")
    b = farm.batch("D1", t1["id"], "2025-03-20", 500, "4")
    farm.day("2025-04-10")
    before = farm.post("/biofloc/mortalities", {"batch_id": b["id"], "mortality_date": "2025-03-19", "count": 1})
    assert before.status_code == 422
    future = farm.post(
        "/biofloc/samplings",
        {"batch_id": b["id"], "sample_date": "2025-04-11", "sample_size": 5, "avg_weight_g": "6"},
    )
    assert future.status_code == 422
    farm.ok(
        farm.post(f"/biofloc/batches/{b['id']}/transfer", {"to_tank_id": t2["id"], "transfer_date": "2025-04-05"}), 200
    )
    # Feeding and tank inputs: not before the open assignment's start (but a mortality may be).
    assert farm.feed(t2["id"], "2025-04-04", 1, [("FEED-A", "1")]).status_code == 422
    farm.ok(farm.feed(t2["id"], "2025-04-05", 1, [("FEED-A", "1")]))
    early = farm.post(
        "/biofloc/tank-inputs",
        {"tank_id": t2["id"], "input_date": "2025-04-04", "input_type": "chemical", "sku": "CHEM-A", "quantity": "1"},
    )
    assert early.status_code == 422
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": b["id"], "mortality_date": "2025-04-01", "count": 1}))

    # Harvest dates: not before the last harvest; the same date is fine.
    farm.ok(_harvest(farm, b["id"], "2025-04-08", "partial", 10, "0.1"))
    assert _harvest(farm, b["id"], "2025-04-07", "partial", 10, "0.1").status_code == 422
    farm.ok(_harvest(farm, b["id"], "2025-04-08", "partial", 10, "0.1"))


def test_harvest_mortality_and_input_rounding_is_half_up(farm: Farm) -> None:
    farm.day("2025-05-01")
    t1 = farm.tank("T1", "2500")
    b = farm.batch("R1", t1["id"], "2025-05-01", 1000, "0.5")
    farm.day("2025-05-02")
    m = farm.ok(farm.post("/biofloc/mortalities", {"batch_id": b["id"], "mortality_date": "2025-05-02", "count": 1}))
    assert m["biomass_loss_kg"] == "0.001"  # 0.0005 kg, half-up
    h = farm.ok(_harvest(farm, b["id"], "2025-05-02", "partial", 16, "0.001", price_per_kg="5.00"))
    assert h["avg_weight_g"] == "0.063"  # 0.0625 g, half-up
    assert h["revenue"] == "0.01"  # 0.005, half-up
    x = farm.ok(
        farm.post(
            "/biofloc/tank-inputs",
            {
                "tank_id": t1["id"],
                "input_date": "2025-05-02",
                "input_type": "carbon_source",
                "item_name": "Molasses",
                "unit": "kg",
                "quantity": "3",
                "unit_cost": "0.0050",
            },
        )
    )
    assert x["total_cost"] == "0.02" and x["batch_id"] == b["id"]
    assert farm.batch_row(b["id"])["costs"]["chemical"] == "0.02"


def test_metrics_with_harvests_grading_and_density(farm: Farm) -> None:
    farm.day("2025-06-01")
    t1, t2, t3 = farm.tank("T1", "5000"), farm.tank("T2"), farm.tank("T3")
    farm.stock_in("FEED-B", "kg", "500", "20.0000")
    b = farm.batch("M1", t1["id"], "2025-06-01", 2000, "2", fingerling="1000.00")  # 4.000 kg
    farm.day("2025-07-01")
    farm.ok(farm.feed(t1["id"], "2025-06-30", 1, [("FEED-B", "60")]))  # 1200.00
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": b["id"], "mortality_date": "2025-06-15", "count": 200}))
    farm.ok(
        farm.post(
            "/biofloc/samplings",
            {"batch_id": b["id"], "sample_date": "2025-07-01", "sample_size": 20, "avg_weight_g": "25"},
        )
    )
    row = farm.batch_row(b["id"])
    m = row["metrics"]
    # 1800 fish × 25 g = 45 kg in 5 m³
    assert row["current_biomass_kg"] == "45.000" and m["days"] == 30
    assert m["density_kg_per_m3"] == "9.00" and m["density_fish_per_m3"] == "360.00"
    assert m["output_kg"] == "45.000" and m["gain_kg"] == "41.000" and m["fcr"] == "1.463"
    assert m["survival_pct"] == "90.00" and m["mortality_pct"] == "10.00"
    assert m["adg_g"] == "0.767" and m["biomass_gain_kg_per_day"] == "1.367" and m["sgr"] == "8.4191"
    assert m["cost_per_kg"] == "48.89"  # 2200.00 / 45

    farm.ok(_harvest(farm, b["id"], "2025-07-01", "partial", 300, "9", price_per_kg="100.00"))  # 900.00
    out = farm.ok(
        farm.post(
            "/biofloc/gradings",
            {
                "source_batch_id": b["id"],
                "grading_date": "2025-07-01",
                "groups": [
                    {"label": "A", "fish_count": 1000, "avg_weight_g": "30", "destination_tank_id": t2["id"]},
                    {"label": "B", "fish_count": 500, "avg_weight_g": "15", "destination_tank_id": t3["id"]},
                ],
            },
        )
    )
    parent = out["parent"]
    pm = parent["metrics"]
    # output = 9 harvested + 30 + 7.5 graded out = 46.5; gain 42.5; FCR 60/42.5
    assert pm["output_kg"] == "46.500" and pm["gain_kg"] == "42.500" and pm["fcr"] == "1.412"
    assert pm["survival_pct"] == "90.00"
    # 2200.00 over 30 + 7.5 + 9 kg: 1419.35 and 354.84; the harvested share stays
    shares = {c["code"]: c["costs"]["transfer_in"] for c in out["children"]}
    assert shares == {"M1-A": "1419.35", "M1-B": "354.84"}
    assert parent["costs"]["transfer_out"] == "1774.19" and parent["costs"]["net_cost"] == "425.81"
    assert parent["costs"]["gross_profit"] == "474.19"
    assert pm["cost_per_kg"] == "47.31" and pm["profit_per_kg"] == "10.20" and pm["roi_pct"] == "111.36"
    assert parent["end_avg_weight_g"] == "25.000" and pm["w_end_g"] == "25.000"


def test_water_band_edges(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.day("2025-01-02")

    def overall(**values: str) -> str:
        r = farm.ok(farm.post("/biofloc/water-tests", {"tank_id": t1["id"], **values}))
        return str(r["evaluation"]["overall"])

    assert overall(ammonia_mgl="0.5") == "warning"
    assert overall(ammonia_mgl="0.501") == "danger"
    assert overall(nitrite_mgl="0.3") == "good"
    assert overall(temperature_c="26") == "warning"
    assert overall(temperature_c="25.99") == "danger"
    assert overall(temperature_c="32") == "warning"
    assert overall(alkalinity_mgl="150") == "good"
    assert overall(alkalinity_mgl="74.9") == "danger"
    assert overall(tds_mgl="500") == "unrated"
    assert overall(tds_mgl="500", ph="7.9") == "good"
    assert overall(ph="7.2", floc_volume_mll="51") == "danger"


def test_dashboard_figures(farm: Farm) -> None:
    farm.day("2025-01-01")
    t1, t2 = farm.tank("T1"), farm.tank("T2")
    farm.tank("T3", status="maintenance")
    farm.tank("T4", status="decommissioned")
    a = farm.batch("A1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-04-01")  # 90 days after stocking
    farm.batch("A2", t2["id"], "2025-01-02", 100, "10")
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": a["id"], "mortality_date": "2025-03-25", "count": 4}))
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": a["id"], "mortality_date": "2025-03-26", "count": 3}))
    d = farm.ok(farm.get("/biofloc/dashboard"), 200)
    assert d["tanks"]["active"] == 4 and d["tanks"]["in_use"] == 2 and d["tanks"]["utilisation_pct"] == "66.67"
    assert d["batches"]["active"] == 2 and d["batches"]["total_fish"] == 193
    assert d["mortality_7d"] == 3 and d["harvest_due"] == 1


def test_complete_harvest_shortfall_and_terminate(farm: Farm) -> None:
    farm.day("2025-02-01")
    t1, t2 = farm.tank("T1"), farm.tank("T2")
    a = farm.batch("H1", t1["id"], "2025-02-01", 400, "8")
    b = farm.batch("X1", t2["id"], "2025-02-01", 250, "4")
    farm.day("2025-03-03")
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": a["id"], "mortality_date": "2025-02-10", "count": 20}))
    out = farm.ok(_harvest(farm, a["id"], "2025-03-03", "complete", 370, "11.1", price_per_kg="3.50"))
    batch = out["batch"]
    assert out["avg_weight_g"] == "30.000" and out["revenue"] == "38.85"
    assert batch["status"] == "harvested" and batch["end_date"] == "2025-03-03" and batch["current_count"] == 0
    assert batch["total_mortality"] == 30 and batch["end_avg_weight_g"] == "30.000"
    m = batch["metrics"]
    assert m["survival_pct"] == "92.50" and m["mortality_pct"] == "7.50" and m["days"] == 30
    assert m["output_kg"] == "11.100" and m["gain_kg"] == "7.900" and m["fcr"] == "0.000"
    assert m["sgr"] == "4.4059" and m["adg_g"] == "0.733" and m["is_final"] is True
    assert m["density_kg_per_m3"] is None
    unaccounted = farm.one("SELECT count, cause FROM mortalities WHERE batch_id = %s AND count = 10", (a["id"],))
    assert unaccounted["cause"] == "unaccounted at harvest"
    assert farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}"), 200)["status"] == "available"

    farm.day("2025-03-10")
    gone = farm.ok(
        farm.post(f"/biofloc/batches/{b['id']}/terminate", {"end_date": "2025-03-05", "reason": "disease"}), 200
    )
    assert gone["status"] == "terminated" and gone["total_mortality"] == 250 and gone["metrics"]["days"] == 32
    assert gone["metrics"]["survival_pct"] == "0.00" and gone["metrics"]["w_end_g"] == "4.000"
    cause = farm.one("SELECT cause FROM mortalities WHERE batch_id = %s", (b["id"],))["cause"]
    assert cause == "terminated: disease"
    closed = farm.post(f"/biofloc/batches/{b['id']}/terminate", {"end_date": "2025-03-06", "reason": "again"})
    assert closed.status_code == 409 and closed.json()["code"] == "batch_closed"


def test_feeding_in_pounds_respects_reservations(farm: Farm) -> None:
    farm.day("2025-01-05")
    t1 = farm.tank("T1")
    farm.batch("F1", t1["id"], "2025-01-05", 100, "5")
    lb = farm.stock_in("FEED-LB", "lb", "10", "1.0000")
    farm.stock_in("FEED-KG", "kg", "10", "2.0000")
    admin = farm.api.post(
        "/inventory/reservations",
        json={"item_id": lb, "quantity": "6", "module_key": "biofloc"},
        token=__import__("tests.support.factories", fromlist=["token_for"]).token_for(farm.sql, farm.admin_id),
    )
    assert admin.status_code == 201, admin
    # 2 kg = 4.409 lb > 4 lb available
    r = farm.feed(t1["id"], "2025-01-05", 1, [("FEED-KG", "1"), ("FEED-LB", "2")])
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert [(e["index"], e["sku"], e["requested"], e["available"]) for e in r.json()["errors"]] == [
        (1, "FEED-LB", "4.409", "4.000")
    ]
    assert farm.one("SELECT count(*) AS n FROM feedings")["n"] == 0
    ok = farm.ok(farm.feed(t1["id"], "2025-01-05", 1, [("FEED-KG", "1"), ("FEED-LB", "1.5")]))
    lines = {ln["sku"]: ln for ln in ok["lines"]}
    assert lines["FEED-LB"]["item_qty"] == "3.307" and lines["FEED-LB"]["cost"] == "3.31"
    assert ok["total_cost"] == "5.31" and ok["total_feed_kg"] == "2.500"

    bulk = farm.post(
        "/biofloc/feedings/bulk",
        {
            "sessions": [
                {
                    "tank_id": t1["id"],
                    "feeding_date": "2025-01-05",
                    "session_number": 2,
                    "lines": [{"sku": "FEED-KG", "quantity_kg": "1"}],
                },
                {
                    "tank_id": t1["id"],
                    "feeding_date": "2025-01-05",
                    "session_number": 3,
                    "lines": [{"sku": "FEED-KG", "quantity_kg": "1"}, {"sku": "FEED-LB", "quantity_kg": "1"}],
                },
            ]
        },
    )
    assert bulk.status_code == 409, bulk
    err = bulk.json()["errors"][0]
    assert (err["session"], err["index"], err["sku"]) == (1, 1, "FEED-LB")
    assert farm.one("SELECT count(*) AS n FROM feedings")["n"] == 1


def test_sampling_and_harvest_answer_the_row_plus_batch(farm: Farm) -> None:
    """Samplings and harvests answer the created row with its batch added."""
    farm.day("2025-02-01")
    t1 = farm.tank("T1", "4000")
    b = farm.batch("S1", t1["id"], "2025-02-01", 800, "6")
    farm.day("2025-02-20")
    s = farm.ok(
        farm.post(
            "/biofloc/samplings",
            {"batch_id": b["id"], "sample_date": "2025-02-20", "sample_size": 40, "avg_weight_g": "12.5"},
        )
    )
    assert s["avg_weight_g"] == "12.500" and s["sample_size"] == 40 and s["tank_code"] == "T1"
    assert s["batch"]["current_biomass_kg"] == "10.000"
    h = farm.ok(_harvest(farm, b["id"], "2025-02-20", "partial", 200, "2.6", price_per_kg="7.25"))
    assert h["avg_weight_g"] == "13.000" and h["revenue"] == "18.85" and h["tank_code"] == "T1"
    assert h["batch"]["current_count"] == 600 and h["batch"]["current_biomass_kg"] == "7.500"
