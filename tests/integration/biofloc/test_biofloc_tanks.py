"""Tanks, assignments, transfer and termination, tank inputs and cost entries."""

from __future__ import annotations

import psycopg
import pytest

from biofloc_api.queries import batches as batch_queries
from tests.integration.biofloc.conftest import Farm


def test_tank_rules(farm: Farm) -> None:
    t1 = farm.tank("t1", location="North shed")
    assert t1["code"] == "T1" and t1["status"] == "available" and t1["current_batch"] is None
    dup = farm.post("/biofloc/tanks", {"code": " T1 ", "name": "Again", "capacity_liters": "100"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_code"
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"code": "X"}).status_code == 422
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "in_use"}).status_code == 422
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {}).status_code == 422
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"name": None}).status_code == 422
    t = farm.ok(farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "maintenance", "capacity_liters": "12000"}), 200)
    assert t["status"] == "maintenance" and t["capacity_liters"] == "12000.00"
    r = farm.post(
        "/biofloc/batches",
        {
            "code": "B1",
            "species": "Tilapia",
            "stocking_date": "2025-01-01",
            "initial_count": 10,
            "initial_avg_weight_g": "1",
            "tank_id": t1["id"],
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "tank_unavailable"
    farm.ok(farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "available"}), 200)
    b = farm.batch("B1", t1["id"], "2025-01-01", 10, "1")
    held = farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "maintenance"})
    assert held.status_code == 409 and held.json()["code"] == "tank_in_use"
    assert farm.delete(f"/biofloc/tanks/{t1['id']}").status_code == 409
    assert farm.ok(farm.patch(f"/biofloc/tanks/{t1['id']}", {"name": "Renamed"}), 200)["current_batch"]["code"] == "B1"
    dup_batch = farm.post(
        "/biofloc/batches",
        {
            "code": "b1",
            "species": "Tilapia",
            "stocking_date": "2025-01-01",
            "initial_count": 10,
            "initial_avg_weight_g": "1",
            "tank_id": farm.tank("T9")["id"],
        },
    )
    assert dup_batch.status_code == 409 and dup_batch.json()["code"] == "duplicate_code"

    t2 = farm.tank("T2")
    assert farm.delete(f"/biofloc/tanks/{t2['id']}").status_code == 204
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"is_active": False}).status_code == 409
    assert farm.ok(farm.get("/biofloc/tanks", params={"is_active": "false"}), 200)["total"] == 1
    assert farm.ok(farm.get("/biofloc/tanks", params={"q": "renam"}), 200)["items"][0]["code"] == "T1"
    gone = farm.post(
        "/biofloc/batches",
        {
            "code": "B2",
            "species": "Tilapia",
            "stocking_date": "2025-01-01",
            "initial_count": 10,
            "initial_avg_weight_g": "1",
            "tank_id": t2["id"],
        },
    )
    assert gone.status_code == 422
    back = farm.ok(farm.patch(f"/biofloc/tanks/{t2['id']}", {"is_active": True}), 200)
    assert back["is_active"] is True
    assert farm.get("/biofloc/tanks/999").status_code == 404
    assert farm.get("/biofloc/batches/999").status_code == 404
    assert farm.ok(farm.get("/biofloc/batches", params={"tank_id": t1["id"]}), 200)["items"][0]["id"] == b["id"]
    future = farm.post(
        "/biofloc/batches",
        {
            "code": "B3",
            "species": "Tilapia",
            "stocking_date": "2025-01-02",
            "initial_count": 10,
            "initial_avg_weight_g": "1",
            "tank_id": farm.tank("T3")["id"],
        },
    )
    assert future.status_code == 422
    p = farm.ok(farm.patch(f"/biofloc/batches/{b['id']}", {"species": "Catfish", "source": "Hatchery"}), 200)
    assert p["species"] == "Catfish"
    assert farm.patch(f"/biofloc/batches/{b['id']}", {"code": "X"}).status_code == 422
    action = farm.one("SELECT action FROM activity_logs ORDER BY id DESC LIMIT 1")["action"]
    assert action == "biofloc.batch.update"


def test_tank_search_matches_percent_and_underscore_literally(farm: Farm) -> None:
    farm.tank("T1", name="Nursery 100% aerated")
    farm.tank("T2", name="Nursery 1000 aerated", location="shed_a")
    farm.tank("T3", name="Grow-out", location="shedXa")

    def found(term: str) -> list[str]:
        return [t["code"] for t in farm.ok(farm.get("/biofloc/tanks", params={"q": term}), 200)["items"]]

    assert found("100%") == ["T1"]
    assert found("%") == ["T1"]
    assert found("shed_a") == ["T2"]
    assert found("SHED") == ["T2", "T3"]


def test_transfer_and_terminate(farm: Farm) -> None:
    t1, t2, t3 = farm.tank("T1"), farm.tank("T2"), farm.tank("T3")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.batch("B3", t3["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-10")
    same = farm.post(f"/biofloc/batches/{b1['id']}/transfer", {"to_tank_id": t1["id"], "transfer_date": "2025-01-05"})
    assert same.status_code == 422
    busy = farm.post(f"/biofloc/batches/{b1['id']}/transfer", {"to_tank_id": t3["id"], "transfer_date": "2025-01-05"})
    assert busy.status_code == 409 and busy.json()["code"] == "tank_unavailable"
    early = farm.post(f"/biofloc/batches/{b1['id']}/transfer", {"to_tank_id": t2["id"], "transfer_date": "2024-12-31"})
    assert early.status_code == 422
    moved = farm.ok(
        farm.post(
            f"/biofloc/batches/{b1['id']}/transfer",
            {"to_tank_id": t2["id"], "transfer_date": "2025-01-05", "reason": "Cleaning T1"},
        ),
        200,
    )
    assert moved["tank_code"] == "T2" and moved["current_tank"]["assigned_since"] == "2025-01-05"
    tanks = {t["code"]: t["status"] for t in farm.ok(farm.get("/biofloc/tanks"), 200)["items"]}
    assert tanks["T1"] == "available" and tanks["T2"] == "in_use"
    hist = farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}/history"), 200)["items"]
    assert [(h["batch_code"], h["end_reason"], h["days"]) for h in hist] == [("B1", "transfer", 4)]
    rows = farm.one("SELECT count(*) AS n FROM tank_assignments WHERE batch_id = %s", (b1["id"],))
    assert rows["n"] == 2
    t2_hist = farm.ok(farm.get(f"/biofloc/tanks/{t2['id']}/history"), 200)["items"]
    assert t2_hist[0]["days"] == 5 and t2_hist[0]["fish_count_at_start"] == 100

    ended = farm.ok(
        farm.post(f"/biofloc/batches/{b1['id']}/terminate", {"end_date": "2025-01-09", "reason": "disease"}), 200
    )
    assert ended["status"] == "terminated" and ended["current_count"] == 0 and ended["total_mortality"] == 100
    dead = farm.ok(farm.get("/biofloc/mortalities", params={"batch_id": b1["id"]}), 200)["items"]
    assert dead[0]["cause"] == "terminated: disease" and dead[0]["count"] == 100 and dead[0]["tank_code"] == "T2"
    assert farm.ok(farm.get(f"/biofloc/tanks/{t2['id']}"), 200)["status"] == "available"
    again = farm.post(f"/biofloc/batches/{b1['id']}/terminate", {"end_date": "2025-01-09", "reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "batch_closed"
    closed_move = farm.post(
        f"/biofloc/batches/{b1['id']}/transfer", {"to_tank_id": t1["id"], "transfer_date": "2025-01-09"}
    )
    assert closed_move.status_code == 409
    # Cost entries are accepted in any status.
    farm.ok(farm.post(f"/biofloc/batches/{b1['id']}/costs", {"category": "labour", "amount": "10.00"}))


def test_open_assignments_are_unique_in_the_database(farm: Farm) -> None:
    t1, t2 = farm.tank("T1"), farm.tank("T2")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    b2 = farm.batch("B2", t2["id"], "2025-01-01", 100, "10")
    insert = """INSERT INTO tank_assignments (batch_id, tank_id, start_date, start_reason, fish_count_at_start,
                                              avg_weight_at_start_g) VALUES (%s, %s, '2025-01-01', 'stocking', 1, 1)"""
    with pytest.raises(psycopg.errors.UniqueViolation):
        farm.sql.execute(insert, (b2["id"], t1["id"]))
    with pytest.raises(psycopg.errors.UniqueViolation):
        farm.sql.execute(insert, (b1["id"], farm.tank("T3")["id"]))
    with pytest.raises(psycopg.errors.CheckViolation):
        farm.sql.execute("UPDATE batches SET current_count = current_count - 1 WHERE id = %s", (b1["id"],))
    with pytest.raises(psycopg.errors.CheckViolation):
        farm.sql.execute("UPDATE tanks SET code = 'X' WHERE id = %s", (t1["id"],))


def test_tank_inputs_and_cost_entries(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b = farm.batch("B1", t1["id"], "2025-01-01", 100, "10", fingerling="100.00")
    farm.stock_in("PROBIO-1", "l", "5", "100.0000")
    farm.day("2025-01-05")
    short = farm.post(
        "/biofloc/tank-inputs",
        {
            "tank_id": t1["id"],
            "input_date": "2025-01-05",
            "input_type": "probiotic",
            "sku": "PROBIO-1",
            "quantity": "6",
        },
    )
    assert short.status_code == 409 and short.json()["code"] == "insufficient_stock"
    assert farm.one("SELECT count(*) AS n FROM tank_inputs")["n"] == 0
    wrong_unit = farm.post(
        "/biofloc/tank-inputs",
        {
            "tank_id": t1["id"],
            "input_date": "2025-01-05",
            "input_type": "probiotic",
            "sku": "PROBIO-1",
            "quantity": "1",
            "unit": "kg",
        },
    )
    assert wrong_unit.status_code == 422 and wrong_unit.json()["detail"][0]["loc"] == ["body", "unit"]
    manual = farm.ok(
        farm.post(
            "/biofloc/tank-inputs",
            {
                "tank_id": t1["id"],
                "input_date": "2025-01-05",
                "input_type": "carbon_source",
                "item_name": "Molasses",
                "quantity": "4",
                "unit": "kg",
                "unit_cost": "12.5000",
            },
        )
    )
    assert manual["total_cost"] == "50.00" and manual["batch_id"] == b["id"] and manual["lots"] == []
    assert farm.batch_row(b["id"])["costs"]["chemical"] == "50.00"
    missing = farm.post(
        "/biofloc/tank-inputs",
        {"tank_id": t1["id"], "input_date": "2025-01-05", "input_type": "other", "quantity": "4"},
    )
    assert missing.status_code == 422
    # A tank without a batch: stored without a batch, no batch cost.
    t2 = farm.tank("T2")
    free = farm.ok(
        farm.post(
            "/biofloc/tank-inputs",
            {
                "tank_id": t2["id"],
                "input_date": "2025-01-05",
                "input_type": "probiotic",
                "sku": "probio-1",
                "quantity": "2",
            },
        )
    )
    assert free["batch_id"] is None and free["total_cost"] == "200.00" and free["lots"][0]["quantity"] == "2.000"
    assert farm.on_hand("PROBIO-1") == 3
    listed = farm.ok(farm.get("/biofloc/tank-inputs", params={"tank_id": t2["id"]}), 200)
    assert listed["total"] == 1 and listed["items"][0]["sku"] == "PROBIO-1"

    # Negative corrections keep the category ≥ 0.
    too_much = farm.post(f"/biofloc/batches/{b['id']}/costs", {"category": "fingerling", "amount": "-100.01"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "negative_cost_total"
    fixed = farm.ok(
        farm.post(
            f"/biofloc/batches/{b['id']}/costs", {"category": "fingerling", "amount": "-40.00", "description": "refund"}
        )
    )
    assert fixed["breakdown"]["fingerling"] == "60.00" and fixed["batch_code"] == "B1"
    costs = farm.ok(farm.get(f"/biofloc/batches/{b['id']}/costs"), 200)
    assert costs["total"] == 2 and costs["breakdown"]["total_cost"] == "110.00"
    assert farm.post(f"/biofloc/batches/{b['id']}/costs", {"category": "labour", "amount": "0"}).status_code == 422
    assert farm.post(f"/biofloc/batches/{b['id']}/costs", {"category": "feed", "amount": "1"}).status_code == 422
    assert (
        farm.post(
            f"/biofloc/batches/{b['id']}/costs", {"category": "labour", "amount": "1", "entry_date": "2025-01-06"}
        ).status_code
        == 422
    )
    sums = farm.one(
        """SELECT c.fingerling, (SELECT sum(amount) FROM cost_entries WHERE batch_id = c.batch_id
                                  AND category = 'fingerling') AS entries FROM cycle_costs c WHERE batch_id = %s""",
        (b["id"],),
    )
    assert sums["fingerling"] == sums["entries"]


def test_sampling_and_harvest_details(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    s = farm.ok(
        farm.post(
            "/biofloc/samplings",
            {
                "batch_id": b["id"],
                "sample_date": "2025-02-01",
                "sample_size": 10,
                "avg_weight_g": "50",
                "min_weight_g": "40",
                "max_weight_g": "60",
                "avg_length_cm": "14",
                "std_dev_g": "5",
            },
        )
    )
    assert s["condition_factor"] == "1.822" and s["tank_code"] == "T1"
    big = farm.post(
        "/biofloc/samplings",
        {"batch_id": b["id"], "sample_date": "2025-02-01", "sample_size": 101, "avg_weight_g": "50"},
    )
    assert big.status_code == 409
    unordered = farm.post(
        "/biofloc/samplings",
        {
            "batch_id": b["id"],
            "sample_date": "2025-02-01",
            "sample_size": 1,
            "avg_weight_g": "50",
            "min_weight_g": "60",
        },
    )
    assert unordered.status_code == 422
    # Same date: the later record wins.
    s2 = farm.ok(
        farm.post(
            "/biofloc/samplings",
            {"batch_id": b["id"], "sample_date": "2025-02-01", "sample_size": 10, "avg_weight_g": "55"},
        )
    )
    assert s2["batch"]["current_avg_weight_g"] == "55.000"
    farm.ok(
        farm.post(
            "/biofloc/harvests",
            {
                "batch_id": b["id"],
                "harvest_date": "2025-01-20",
                "harvest_type": "partial",
                "fish_count": 10,
                "total_weight_kg": "0.5",
            },
        )
    )
    before_last = farm.post(
        "/biofloc/harvests",
        {
            "batch_id": b["id"],
            "harvest_date": "2025-01-19",
            "harvest_type": "partial",
            "fish_count": 10,
            "total_weight_kg": "0.5",
        },
    )
    assert before_last.status_code == 422
    grades = farm.post(
        "/biofloc/harvests",
        {
            "batch_id": b["id"],
            "harvest_date": "2025-02-01",
            "harvest_type": "partial",
            "fish_count": 10,
            "total_weight_kg": "1",
            "grade_a_kg": "0.6",
            "grade_b_kg": "0.5",
        },
    )
    assert grades.status_code == 422
    # A complete harvest writes the shortfall off.
    done = farm.ok(
        farm.post(
            "/biofloc/harvests",
            {
                "batch_id": b["id"],
                "harvest_date": "2025-02-01",
                "harvest_type": "complete",
                "fish_count": 80,
                "total_weight_kg": "4.4",
            },
        )
    )
    assert done["revenue"] == "0.00" and done["price_per_kg"] is None
    assert done["batch"]["total_mortality"] == 10 and done["batch"]["end_avg_weight_g"] == "55.000"
    dead = farm.ok(farm.get("/biofloc/mortalities", params={"batch_id": b["id"]}), 200)["items"]
    assert dead[0]["cause"] == "unaccounted at harvest" and dead[0]["count"] == 10
    assert farm.ok(farm.get("/biofloc/harvests", params={"batch_id": b["id"], "from": "2025-02-01"}), 200)["total"] == 1
    assert farm.ok(farm.get("/biofloc/samplings", params={"batch_id": b["id"]}), 200)["total"] == 2
    assert farm.ok(farm.get("/biofloc/batches", params={"status": "harvested"}), 200)["total"] == 1


def test_a_batch_update_naming_a_column_outside_the_list_is_refused_not_dropped(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 10, "1")
    with pytest.raises(ValueError, match="code"):
        batch_queries.update_batch(farm.sql, b["id"], {"notes": "x", "code": "B9"})
    assert farm.batch_row(b["id"])["notes"] is None
