"""Acceptance scenario 4.4: grading into child batches with the parent's costs carried over by biomass."""

from __future__ import annotations

from typing import Any

from tests.integration.biofloc.conftest import Farm


def test_grading(farm: Farm) -> None:
    farm.day("2025-02-01")
    t5, t6, t7 = farm.tank("T5"), farm.tank("T6"), farm.tank("T7", status="maintenance")
    farm.stock_in("FEED-32", "kg", "500", "40.0000")
    g1 = farm.batch("G1", t5["id"], "2025-02-01", 2000, "5", fingerling="2720.00")
    farm.day("2025-03-15")
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": g1["id"], "mortality_date": "2025-02-20", "count": 100}))
    farm.ok(farm.feed(t5["id"], "2025-03-01", 1, [("FEED-32", "172")]))
    assert farm.batch_row(g1["id"])["costs"]["total_cost"] == "9600.00"

    def grading(groups: list[dict[str, Any]]) -> dict[str, Any]:
        return {"source_batch_id": g1["id"], "grading_date": "2025-03-15", "groups": groups}

    a = {"label": "a", "fish_count": 1000, "avg_weight_g": "60", "destination_tank_id": t5["id"]}
    b = {"label": "B", "fish_count": 900, "avg_weight_g": "40", "destination_tank_id": t6["id"]}
    short = farm.post("/biofloc/gradings", grading([a, {**b, "fish_count": 850}]))
    assert short.status_code == 409 and short.json()["code"] == "count_mismatch"
    busy = farm.post("/biofloc/gradings", grading([a, {**b, "destination_tank_id": t7["id"]}]))
    assert busy.status_code == 409 and busy.json()["code"] == "tank_unavailable"
    assert farm.post("/biofloc/gradings", grading([a])).status_code == 422
    assert farm.post("/biofloc/gradings", grading([a, {**b, "label": "A"}])).status_code == 422
    assert farm.post("/biofloc/gradings", grading([a, {**b, "destination_tank_id": t5["id"]}])).status_code == 422
    assert farm.post("/biofloc/gradings", {**grading([a, b]), "grading_date": "2025-03-16"}).status_code == 422
    assert farm.one("SELECT count(*) AS n FROM batches")["n"] == 1

    out = farm.ok(farm.post("/biofloc/gradings", grading([a, b])))
    children = {c["code"]: c for c in out["children"]}
    assert set(children) == {"G1-A", "G1-B"}
    ca, cb = children["G1-A"], children["G1-B"]
    assert ca["initial_biomass_kg"] == "60.000" and ca["costs"]["transfer_in"] == "6000.00"
    assert cb["initial_biomass_kg"] == "36.000" and cb["costs"]["transfer_in"] == "3600.00"
    for c in (ca, cb):
        assert c["stocking_date"] == "2025-03-15" and c["origin_stocking_date"] == "2025-02-01"
        assert c["parent_batch_id"] == g1["id"] and c["species"] == "Tilapia" and c["total_feed_kg"] == "0.000"
    assert ca["tank_code"] == "T5" and cb["tank_code"] == "T6"
    groups = {g["label"]: g for g in out["grading"]["groups"]}
    assert groups["A"]["transfer_in_cost"] == "6000.00" and groups["B"]["child_batch_code"] == "G1-B"

    parent = out["parent"]
    assert parent["status"] == "graded" and parent["end_date"] == "2025-03-15"
    assert parent["costs"]["transfer_out"] == "9600.00" and parent["costs"]["net_cost"] == "0.00"
    assert parent["end_avg_weight_g"] == "50.526"
    assert parent["graded_out_count"] == 1900 and parent["graded_out_kg"] == "96.000" and parent["current_count"] == 0
    m = parent["metrics"]
    assert m["fcr"] == "2.000" and m["survival_pct"] == "95.00" and m["sgr"] == "5.5073" and m["days"] == 42
    assert m["is_final"] is True

    tanks = {t["code"]: t for t in farm.ok(farm.get("/biofloc/tanks"), 200)["items"]}
    assert tanks["T5"]["status"] == "in_use" and tanks["T5"]["current_batch"]["code"] == "G1-A"
    assert tanks["T6"]["status"] == "in_use"
    history = farm.ok(farm.get(f"/biofloc/tanks/{t5['id']}/history"), 200)["items"]
    assert [(h["batch_code"], h["start_reason"], h["end_reason"]) for h in history] == [
        ("G1-A", "grading", None),
        ("G1", "stocking", "grading"),
    ]
    assert history[1]["days"] == 42

    again = farm.post("/biofloc/gradings", grading([a, b]))
    assert again.status_code == 409 and again.json()["code"] == "batch_closed"
    listed = farm.ok(farm.get("/biofloc/gradings"), 200)
    assert listed["total"] == 1 and len(listed["items"][0]["groups"]) == 2
    assert farm.ok(farm.get(f"/biofloc/gradings/{out['grading']['id']}"), 200)["source_batch_code"] == "G1"
    assert farm.get("/biofloc/gradings/999").status_code == 404


def test_grading_with_parent_harvests_splits_by_all_output(farm: Farm) -> None:
    farm.day("2025-02-01")
    t1, t2, t3 = farm.tank("T1"), farm.tank("T2"), farm.tank("T3")
    p = farm.batch("P", t1["id"], "2025-02-01", 1000, "10", fingerling="1000.00")
    farm.day("2025-03-01")
    farm.ok(
        farm.post(
            "/biofloc/harvests",
            {
                "batch_id": p["id"],
                "harvest_date": "2025-03-01",
                "harvest_type": "partial",
                "fish_count": 100,
                "total_weight_kg": "10",
            },
        )
    )
    out = farm.ok(
        farm.post(
            "/biofloc/gradings",
            {
                "source_batch_id": p["id"],
                "grading_date": "2025-03-01",
                "groups": [
                    {"label": "S", "fish_count": 600, "avg_weight_g": "50", "destination_tank_id": t2["id"]},
                    {"label": "L", "fish_count": 200, "avg_weight_g": "100", "destination_tank_id": t3["id"]},
                    {"label": "M", "fish_count": 100, "avg_weight_g": "100", "destination_tank_id": t1["id"]},
                ],
            },
        )
    )
    # 1000.00 over 30 + 20 + 10 kg of groups plus 10 kg harvested: the harvested share stays with the parent.
    shares = sorted(c["costs"]["transfer_in"] for c in out["children"])
    assert shares == ["142.86", "285.71", "428.57"]
    assert out["parent"]["costs"]["transfer_out"] == "857.14"
