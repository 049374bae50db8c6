"""Acceptance scenario 4.1 (the worked cycle), with the guards of 4.2 and the report of 4.6."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from tests.integration.biofloc.conftest import Farm


def test_worked_cycle(farm: Farm) -> None:
    t1 = farm.tank("T1", "10000")
    farm.stock_in("FEED-32", "kg", "1000", "40.0000")
    farm.stock_in("PROBIO-1", "l", "50", "100.0000")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 1000, "10", fingerling="5000.00")
    assert b1["initial_biomass_kg"] == "10.000"
    assert b1["costs"]["fingerling"] == "5000.00"
    assert farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}"), 200)["status"] == "in_use"
    bid = b1["id"]

    # a. A newer sample sets the weight; an older one is history only.
    farm.day("2025-01-30")
    farm.ok(
        farm.post(
            "/biofloc/samplings",
            {"batch_id": bid, "sample_date": "2025-01-30", "sample_size": 50, "avg_weight_g": "20"},
        )
    )
    out = farm.ok(
        farm.post(
            "/biofloc/samplings",
            {"batch_id": bid, "sample_date": "2025-01-15", "sample_size": 50, "avg_weight_g": "15"},
        )
    )
    assert out["batch"]["current_avg_weight_g"] == "20.000"
    assert out["batch"]["current_biomass_kg"] == "20.000"
    assert out["batch"]["last_sample_date"] == "2025-01-30"

    # b. Mortality at the current weight.
    farm.day("2025-01-31")
    m = farm.ok(farm.post("/biofloc/mortalities", {"batch_id": bid, "mortality_date": "2025-01-31", "count": 100}))
    assert m["biomass_loss_kg"] == "2.000" and m["avg_weight_g"] == "20.000"
    assert m["tank_code"] == "T1" and m["batch_code"] == "B1"
    b = farm.batch_row(bid)
    assert b["current_count"] == 900 and b["current_biomass_kg"] == "18.000"
    assert b["metrics"]["mortality_pct"] == "10.00"

    # c. 325 kg of feed up to 03-31 (13 sessions of 25 kg, in one bulk request).
    farm.day("2025-03-31")
    sessions = [
        {
            "tank_id": t1["id"],
            "feeding_date": str(date(2025, 2, 1) + timedelta(days=4 * i)),
            "session_number": 1,
            "lines": [{"sku": "FEED-32", "quantity_kg": "25"}],
        }
        for i in range(13)
    ]
    bulk = farm.ok(farm.post("/biofloc/feedings/bulk", {"sessions": sessions}))
    assert len(bulk["items"]) == 13
    b = farm.batch_row(bid)
    assert b["total_feed_kg"] == "325.000"
    assert b["costs"]["feed"] == "13000.00"
    assert farm.on_hand("FEED-32") == 675

    # d. Sample at 300 g, then a partial harvest.
    farm.ok(
        farm.post(
            "/biofloc/samplings",
            {"batch_id": bid, "sample_date": "2025-03-31", "sample_size": 30, "avg_weight_g": "300"},
        )
    )
    farm.day("2025-04-01")
    h = farm.ok(
        farm.post(
            "/biofloc/harvests",
            {
                "batch_id": bid,
                "harvest_date": "2025-04-01",
                "harvest_type": "partial",
                "fish_count": 300,
                "total_weight_kg": "90",
                "price_per_kg": "200.00",
                "buyer_name": "Fish market",
            },
        )
    )
    assert h["avg_weight_g"] == "300.000"
    assert h["revenue"] == "18000.00"
    assert h["tank_code"] == "T1"
    assert h["batch"]["current_count"] == 600 and h["batch"]["current_biomass_kg"] == "180.000"
    assert h["batch"]["current_avg_weight_g"] == "300.000"

    # e. Running metrics on 04-01.
    perf = farm.ok(farm.get(f"/biofloc/batches/{bid}/performance"), 200)
    assert perf["days"] == 90
    assert perf["output_kg"] == "270.000" and perf["gain_kg"] == "260.000"
    assert perf["fcr"] == "1.250"
    assert perf["survival_pct"] == "90.00"
    assert perf["sgr"] == "3.7791"
    assert perf["density_kg_per_m3"] == "18.00" and perf["density_fish_per_m3"] == "60.00"
    assert perf["is_final"] is False
    tank = farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}"), 200)
    assert tank["density"] == {"kg_per_m3": "18.00", "fish_per_m3": "60.00"}

    # Scenario 2, before g: no more fish out than are present.
    over = farm.post(
        "/biofloc/harvests",
        {
            "batch_id": bid,
            "harvest_date": "2025-04-01",
            "harvest_type": "complete",
            "fish_count": 601,
            "total_weight_kg": "240",
        },
    )
    assert over.status_code == 409 and over.json()["code"] == "insufficient_fish"
    all_partial = farm.post(
        "/biofloc/harvests",
        {
            "batch_id": bid,
            "harvest_date": "2025-04-01",
            "harvest_type": "partial",
            "fish_count": 600,
            "total_weight_kg": "240",
        },
    )
    assert all_partial.status_code == 409
    dead = farm.post("/biofloc/mortalities", {"batch_id": bid, "mortality_date": "2025-04-01", "count": 601})
    assert dead.status_code == 409 and dead.json()["code"] == "insufficient_fish"

    # f. More feed, a stock input, manual costs.
    farm.day("2025-04-30")
    r = farm.post(
        "/biofloc/feedings",
        {
            "tank_id": t1["id"],
            "feeding_date": "2025-04-30",
            "session_number": 1,
            "lines": [
                {
                    "item_id": farm.one("SELECT id FROM items WHERE sku = 'FEED-32'")["id"],
                    "quantity_kg": "91",
                }
            ],
        },
    )
    feeding = farm.ok(r)
    assert feeding["total_cost"] == "3640.00" and feeding["batch_code"] == "B1"
    assert feeding["lines"][0]["item_qty"] == "91.000" and len(feeding["lines"][0]["lots"]) == 1
    inp = farm.ok(
        farm.post(
            "/biofloc/tank-inputs",
            {
                "tank_id": t1["id"],
                "input_date": "2025-04-30",
                "input_type": "probiotic",
                "sku": "PROBIO-1",
                "quantity": "10",
            },
        )
    )
    assert inp["total_cost"] == "1000.00" and inp["unit"] == "l" and inp["batch_code"] == "B1"
    assert inp["unit_cost"] == "100.0000" and len(inp["lots"]) == 1
    for category, amount in (("labour", "6000.00"), ("utilities", "2000.00"), ("other", "360.00")):
        farm.ok(farm.post(f"/biofloc/batches/{bid}/costs", {"category": category, "amount": amount}))
    b = farm.batch_row(bid)
    assert b["total_feed_kg"] == "416.000" and b["costs"]["feed"] == "16640.00"
    assert b["costs"]["chemical"] == "1000.00"
    assert farm.on_hand("PROBIO-1") == 40

    # g. Complete harvest.
    farm.day("2025-05-01")
    h = farm.ok(
        farm.post(
            "/biofloc/harvests",
            {
                "batch_id": bid,
                "harvest_date": "2025-05-01",
                "harvest_type": "complete",
                "fish_count": 600,
                "total_weight_kg": "240",
                "price_per_kg": "220.00",
                "grade_a_kg": "200",
                "grade_b_kg": "40",
            },
        )
    )
    assert h["avg_weight_g"] == "400.000" and h["revenue"] == "52800.00"
    assert h["batch"]["status"] == "harvested" and h["batch"]["end_date"] == "2025-05-01"
    assert h["batch"]["current_tank"] is None
    assert farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}"), 200)["status"] == "available"

    # The final report.
    farm.day("2025-06-15")  # final figures do not move with the calendar
    perf = farm.ok(farm.get(f"/biofloc/batches/{bid}/performance"), 200)
    assert perf["is_final"] is True
    assert perf["days"] == 120
    assert perf["harvested_count"] == 900 and perf["harvested_kg"] == "330.000"
    assert perf["gain_kg"] == "320.000"
    assert perf["fcr"] == "1.300"
    assert perf["survival_pct"] == "90.00"
    assert perf["sgr"] == "3.0741"
    assert perf["adg_g"] == "3.250"
    assert perf["biomass_gain_kg_per_day"] == "2.667"
    assert perf["total_cost"] == "31000.00" and perf["revenue"] == "70800.00" and perf["gross_profit"] == "39800.00"
    assert perf["cost_per_kg"] == "93.94" and perf["profit_per_kg"] == "120.61" and perf["roi_pct"] == "128.39"

    # Scenario 2, after g.
    closed = farm.post(
        "/biofloc/samplings", {"batch_id": bid, "sample_date": "2025-05-01", "sample_size": 1, "avg_weight_g": "400"}
    )
    assert closed.status_code == 409 and closed.json()["code"] == "batch_closed"
    empty = farm.feed(t1["id"], "2025-05-02", 1, [("FEED-32", "5")])
    assert empty.status_code == 409 and empty.json()["code"] == "tank_empty"

    # Scenario 6: the Excel report opens and its Summary FCR is a number.
    x = farm.get(f"/biofloc/batches/{bid}/report.xlsx")
    assert x.status_code == 200, x
    assert x.headers["content-disposition"] == 'attachment; filename="batch-B1-20250615.xlsx"'
    wb = load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == [
        "Summary",
        "Feeding",
        "Sampling",
        "Mortality",
        "Harvests",
        "Costs",
        "Tank inputs",
        "Water tests",
    ]
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["FCR"] == 1.3
    assert wb["Summary"]["A1"].font.bold and wb["Summary"].freeze_panes == "A2"
    feed_rows = list(wb["Feeding"].iter_rows(min_row=2, values_only=True))
    assert len(feed_rows) == 14 and isinstance(feed_rows[0][0], __import__("datetime").datetime)
    assert sum(r[6] for r in feed_rows) == 416
    assert len(list(wb["Harvests"].iter_rows(min_row=2))) == 2
