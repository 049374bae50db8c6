"""Tanks, assignments, transfer and termination, tank inputs and cost entries."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from biofloc_api.queries import batches as batch_queries
from tests.integration.biofloc.conftest import Farm
from tests.support.client import Response


def stock(farm: Farm, code: str, tank_id: int, stocking_date: str = "2025-01-01") -> Response:
    """POST /biofloc/batches without asserting success: the stocking rules' refusals."""
    body = {
        "code": code,
        "species": "Tilapia",
        "stocking_date": stocking_date,
        "initial_count": 10,
        "initial_avg_weight_g": "1",
        "tank_id": tank_id,
    }
    return farm.post("/biofloc/batches", body)


def test_tank_codes_are_unique_ignoring_case_and_spaces(farm: Farm) -> None:
    t1 = farm.tank("t1", location="North shed")
    assert t1["code"] == "T1" and t1["status"] == "available" and t1["current_batch"] is None
    dup = farm.post("/biofloc/tanks", {"code": " T1 ", "name": "Again", "capacity_liters": "100"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_code"


def test_a_tank_code_cannot_be_changed(farm: Farm) -> None:
    t1 = farm.tank("T1")
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"code": "X"}).status_code == 422


def test_in_use_is_not_a_status_a_client_sets(farm: Farm) -> None:
    t1 = farm.tank("T1")
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "in_use"}).status_code == 422


def test_a_tank_patch_needs_a_field_and_no_null_for_a_required_one(farm: Farm) -> None:
    t1 = farm.tank("T1")
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {}).status_code == 422
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"name": None}).status_code == 422


def test_a_tank_in_maintenance_cannot_be_stocked_until_available_again(farm: Farm) -> None:
    t1 = farm.tank("T1")
    t = farm.ok(farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "maintenance", "capacity_liters": "12000"}), 200)
    assert t["status"] == "maintenance" and t["capacity_liters"] == "12000.00"
    refused = stock(farm, "B1", t1["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "tank_unavailable"
    farm.ok(farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "available"}), 200)
    assert stock(farm, "B1", t1["id"]).status_code == 201


def test_a_tank_holding_a_batch_keeps_its_status_and_cannot_be_deleted_or_deactivated(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.batch("B1", t1["id"], "2025-01-01", 10, "1")
    held = farm.patch(f"/biofloc/tanks/{t1['id']}", {"status": "maintenance"})
    assert held.status_code == 409 and held.json()["code"] == "tank_in_use"
    assert farm.delete(f"/biofloc/tanks/{t1['id']}").status_code == 409
    assert farm.patch(f"/biofloc/tanks/{t1['id']}", {"is_active": False}).status_code == 409


def test_a_tank_holding_a_batch_can_be_renamed(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.batch("B1", t1["id"], "2025-01-01", 10, "1")
    renamed = farm.ok(farm.patch(f"/biofloc/tanks/{t1['id']}", {"name": "Renamed"}), 200)
    assert renamed["current_batch"]["code"] == "B1"
    assert farm.ok(farm.get("/biofloc/tanks", params={"q": "renam"}), 200)["items"][0]["code"] == "T1"


def test_batch_codes_are_unique_ignoring_case(farm: Farm) -> None:
    farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 10, "1")
    dup_batch = stock(farm, "b1", farm.tank("T9")["id"])
    assert dup_batch.status_code == 409 and dup_batch.json()["code"] == "duplicate_code"


def test_a_deleted_tank_is_listed_as_inactive_cannot_be_stocked_and_can_come_back(farm: Farm) -> None:
    farm.tank("T1")
    t2 = farm.tank("T2")
    assert farm.delete(f"/biofloc/tanks/{t2['id']}").status_code == 204
    inactive = farm.ok(farm.get("/biofloc/tanks", params={"is_active": "false"}), 200)
    assert [t["code"] for t in inactive["items"]] == ["T2"] and inactive["total"] == 1
    assert stock(farm, "B2", t2["id"]).status_code == 422
    back = farm.ok(farm.patch(f"/biofloc/tanks/{t2['id']}", {"is_active": True}), 200)
    assert back["is_active"] is True


def test_unknown_tank_and_batch_are_404(farm: Farm) -> None:
    assert farm.get("/biofloc/tanks/999").status_code == 404
    assert farm.get("/biofloc/batches/999").status_code == 404


def test_batches_are_listed_by_tank(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b = farm.batch("B1", t1["id"], "2025-01-01", 10, "1")
    farm.batch("B2", farm.tank("T2")["id"], "2025-01-01", 10, "1")
    listed = farm.ok(farm.get("/biofloc/batches", params={"tank_id": t1["id"]}), 200)
    assert [i["id"] for i in listed["items"]] == [b["id"]]


def test_a_stocking_date_in_the_future_is_refused(farm: Farm) -> None:
    assert stock(farm, "B3", farm.tank("T3")["id"], "2025-01-02").status_code == 422


def test_a_batch_patch_changes_its_details_but_not_its_code_and_is_audited(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 10, "1")
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


def transfer(farm: Farm, batch_id: int, to_tank_id: int, when: str, **kw: Any) -> Response:
    return farm.post(f"/biofloc/batches/{batch_id}/transfer", {"to_tank_id": to_tank_id, "transfer_date": when, **kw})


def test_a_transfer_to_the_same_tank_is_refused(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-10")
    assert transfer(farm, b1["id"], t1["id"], "2025-01-05").status_code == 422


def test_a_transfer_to_a_tank_in_use_is_refused(farm: Farm) -> None:
    b1 = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    t3 = farm.tank("T3")
    farm.batch("B3", t3["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-10")
    busy = transfer(farm, b1["id"], t3["id"], "2025-01-05")
    assert busy.status_code == 409 and busy.json()["code"] == "tank_unavailable"


def test_a_transfer_dated_before_the_stocking_is_refused(farm: Farm) -> None:
    b1 = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    t2 = farm.tank("T2")
    farm.day("2025-01-10")
    assert transfer(farm, b1["id"], t2["id"], "2024-12-31").status_code == 422


def test_a_transfer_moves_the_batch_frees_the_old_tank_and_starts_a_new_assignment(farm: Farm) -> None:
    t1, t2 = farm.tank("T1"), farm.tank("T2")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-10")
    moved = farm.ok(transfer(farm, b1["id"], t2["id"], "2025-01-05", reason="Cleaning T1"), 200)
    assert moved["tank_code"] == "T2" and moved["current_tank"]["assigned_since"] == "2025-01-05"
    tanks = {t["code"]: t["status"] for t in farm.ok(farm.get("/biofloc/tanks"), 200)["items"]}
    assert tanks["T1"] == "available" and tanks["T2"] == "in_use"
    hist = farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}/history"), 200)["items"]
    assert [(h["batch_code"], h["end_reason"], h["days"]) for h in hist] == [("B1", "transfer", 4)]
    rows = farm.one("SELECT count(*) AS n FROM tank_assignments WHERE batch_id = %s", (b1["id"],))
    assert rows["n"] == 2
    t2_hist = farm.ok(farm.get(f"/biofloc/tanks/{t2['id']}/history"), 200)["items"]
    assert t2_hist[0]["days"] == 5 and t2_hist[0]["fish_count_at_start"] == 100


def test_terminate_writes_the_remaining_fish_off_and_frees_the_tank(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-10")
    ended = farm.ok(
        farm.post(f"/biofloc/batches/{b1['id']}/terminate", {"end_date": "2025-01-09", "reason": "disease"}), 200
    )
    assert ended["status"] == "terminated" and ended["current_count"] == 0 and ended["total_mortality"] == 100
    dead = farm.ok(farm.get("/biofloc/mortalities", params={"batch_id": b1["id"]}), 200)["items"]
    assert dead[0]["cause"] == "terminated: disease" and dead[0]["count"] == 100 and dead[0]["tank_code"] == "T1"
    assert farm.ok(farm.get(f"/biofloc/tanks/{t1['id']}"), 200)["status"] == "available"


def test_a_closed_batch_cannot_be_terminated_or_moved_but_takes_cost_entries(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b1 = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-10")
    farm.ok(farm.post(f"/biofloc/batches/{b1['id']}/terminate", {"end_date": "2025-01-09", "reason": "x"}), 200)
    again = farm.post(f"/biofloc/batches/{b1['id']}/terminate", {"end_date": "2025-01-09", "reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "batch_closed"
    assert transfer(farm, b1["id"], farm.tank("T2")["id"], "2025-01-09").status_code == 409
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


def tank_input(farm: Farm, tank_id: int, input_type: str, quantity: str, **kw: Any) -> Response:
    body = {"tank_id": tank_id, "input_date": "2025-01-05", "input_type": input_type, "quantity": quantity, **kw}
    return farm.post("/biofloc/tank-inputs", body)


def test_a_stock_input_beyond_the_stock_is_refused_and_stores_nothing(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.stock_in("PROBIO-1", "l", "5", "100.0000")
    farm.day("2025-01-05")
    short = tank_input(farm, t1["id"], "probiotic", "6", sku="PROBIO-1")
    assert short.status_code == 409 and short.json()["code"] == "insufficient_stock"
    assert farm.one("SELECT count(*) AS n FROM tank_inputs")["n"] == 0
    assert farm.on_hand("PROBIO-1") == 5


def test_a_stock_input_in_another_unit_than_the_items_is_refused(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.stock_in("PROBIO-1", "l", "5", "100.0000")
    farm.day("2025-01-05")
    wrong_unit = tank_input(farm, t1["id"], "probiotic", "1", sku="PROBIO-1", unit="kg")
    assert wrong_unit.status_code == 422 and wrong_unit.json()["detail"][0]["loc"] == ["body", "unit"]


def test_a_manual_input_is_costed_to_the_tanks_batch(farm: Farm) -> None:
    t1 = farm.tank("T1")
    b = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-05")
    manual = farm.ok(
        tank_input(farm, t1["id"], "carbon_source", "4", item_name="Molasses", unit="kg", unit_cost="12.5000")
    )
    assert manual["total_cost"] == "50.00" and manual["batch_id"] == b["id"] and manual["lots"] == []
    assert farm.batch_row(b["id"])["costs"]["chemical"] == "50.00"


def test_an_input_names_a_stock_item_or_a_manual_item(farm: Farm) -> None:
    t1 = farm.tank("T1")
    farm.day("2025-01-05")
    assert tank_input(farm, t1["id"], "other", "4").status_code == 422


def test_an_input_to_a_tank_without_a_batch_takes_stock_and_costs_no_batch(farm: Farm) -> None:
    farm.stock_in("PROBIO-1", "l", "5", "100.0000")
    t2 = farm.tank("T2")
    farm.day("2025-01-05")
    free = farm.ok(tank_input(farm, t2["id"], "probiotic", "2", sku="probio-1"))
    assert free["batch_id"] is None and free["total_cost"] == "200.00" and free["lots"][0]["quantity"] == "2.000"
    assert farm.on_hand("PROBIO-1") == 3
    listed = farm.ok(farm.get("/biofloc/tank-inputs", params={"tank_id": t2["id"]}), 200)
    assert listed["total"] == 1 and listed["items"][0]["sku"] == "PROBIO-1"


def test_a_negative_cost_entry_corrects_its_category_but_never_below_zero(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10", fingerling="100.00")
    farm.day("2025-01-05")
    too_much = farm.post(f"/biofloc/batches/{b['id']}/costs", {"category": "fingerling", "amount": "-100.01"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "negative_cost_total"
    fixed = farm.ok(
        farm.post(
            f"/biofloc/batches/{b['id']}/costs", {"category": "fingerling", "amount": "-40.00", "description": "refund"}
        )
    )
    assert fixed["breakdown"]["fingerling"] == "60.00" and fixed["batch_code"] == "B1"
    costs = farm.ok(farm.get(f"/biofloc/batches/{b['id']}/costs"), 200)
    assert costs["total"] == 2 and costs["breakdown"]["total_cost"] == "60.00"
    sums = farm.one(
        """SELECT c.fingerling, (SELECT sum(amount) FROM cost_entries WHERE batch_id = c.batch_id
                                  AND category = 'fingerling') AS entries FROM cycle_costs c WHERE batch_id = %s""",
        (b["id"],),
    )
    assert sums["fingerling"] == sums["entries"]


def test_a_cost_entry_of_zero_is_refused(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    assert farm.post(f"/biofloc/batches/{b['id']}/costs", {"category": "labour", "amount": "0"}).status_code == 422


def test_feed_costs_come_from_feedings_not_cost_entries(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    assert farm.post(f"/biofloc/batches/{b['id']}/costs", {"category": "feed", "amount": "1"}).status_code == 422


def test_a_cost_entry_dated_in_the_future_is_refused(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-01-05")
    future = farm.post(
        f"/biofloc/batches/{b['id']}/costs", {"category": "labour", "amount": "1", "entry_date": "2025-01-06"}
    )
    assert future.status_code == 422


def sampling(farm: Farm, batch_id: int, size: int, avg: str, **kw: Any) -> Response:
    body = {"batch_id": batch_id, "sample_date": "2025-02-01", "sample_size": size, "avg_weight_g": avg, **kw}
    return farm.post("/biofloc/samplings", body)


def harvest(farm: Farm, batch_id: int, when: str, kind: str, fish: int, kg: str, **kw: Any) -> Response:
    body = {
        "batch_id": batch_id,
        "harvest_date": when,
        "harvest_type": kind,
        "fish_count": fish,
        "total_weight_kg": kg,
        **kw,
    }
    return farm.post("/biofloc/harvests", body)


def test_a_sampling_gets_its_condition_factor_and_tank(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    s = farm.ok(
        sampling(farm, b["id"], 10, "50", min_weight_g="40", max_weight_g="60", avg_length_cm="14", std_dev_g="5")
    )
    assert s["condition_factor"] == "1.822" and s["tank_code"] == "T1"


def test_a_sample_larger_than_the_batch_is_refused(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    assert sampling(farm, b["id"], 101, "50").status_code == 409


def test_a_sampling_minimum_above_its_average_is_refused(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    assert sampling(farm, b["id"], 1, "50", min_weight_g="60").status_code == 422


def test_the_later_of_two_samplings_on_one_date_sets_the_weight(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    farm.ok(sampling(farm, b["id"], 10, "50"))
    s2 = farm.ok(sampling(farm, b["id"], 10, "55"))
    assert s2["batch"]["current_avg_weight_g"] == "55.000"
    assert farm.ok(farm.get("/biofloc/samplings", params={"batch_id": b["id"]}), 200)["total"] == 2


def test_a_harvest_dated_before_the_last_one_is_refused(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    farm.ok(harvest(farm, b["id"], "2025-01-20", "partial", 10, "0.5"))
    assert harvest(farm, b["id"], "2025-01-19", "partial", 10, "0.5").status_code == 422


def test_harvest_grades_cannot_weigh_more_than_the_harvest(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    grades = harvest(farm, b["id"], "2025-02-01", "partial", 10, "1", grade_a_kg="0.6", grade_b_kg="0.5")
    assert grades.status_code == 422


def test_a_complete_harvest_writes_the_shortfall_off_and_closes_the_batch(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 100, "10")
    farm.day("2025-02-01")
    farm.ok(sampling(farm, b["id"], 10, "55"))
    farm.ok(harvest(farm, b["id"], "2025-01-20", "partial", 10, "0.5"))
    done = farm.ok(harvest(farm, b["id"], "2025-02-01", "complete", 80, "4.4"))
    assert done["revenue"] == "0.00" and done["price_per_kg"] is None
    assert done["batch"]["total_mortality"] == 10 and done["batch"]["end_avg_weight_g"] == "55.000"
    dead = farm.ok(farm.get("/biofloc/mortalities", params={"batch_id": b["id"]}), 200)["items"]
    assert dead[0]["cause"] == "unaccounted at harvest" and dead[0]["count"] == 10
    assert farm.ok(farm.get("/biofloc/harvests", params={"batch_id": b["id"], "from": "2025-02-01"}), 200)["total"] == 1
    assert farm.ok(farm.get("/biofloc/batches", params={"status": "harvested"}), 200)["total"] == 1


def test_a_batch_update_naming_a_column_outside_the_list_is_refused_not_dropped(farm: Farm) -> None:
    b = farm.batch("B1", farm.tank("T1")["id"], "2025-01-01", 10, "1")
    with pytest.raises(ValueError, match="code"):
        batch_queries.update_batch(farm.sql, b["id"], {"notes": "x", "code": "B9"})
    assert farm.batch_row(b["id"])["notes"] is None


def test_the_batch_list_pages_filters_and_counts_rows_that_are_each_batchs_view(farm: Farm) -> None:
    """The list chooses its page's ids, then reads their views: order, totals, every filter, and rows identical to
    each batch's own view (a closed batch without a tank included)."""
    t1, t2, t3 = farm.tank("T1"), farm.tank("T2"), farm.tank("T3")
    old = farm.batch("B1", t1["id"], "2024-12-01", 10, "1")
    same_day = farm.batch("B2", t2["id"], "2024-12-03", 10, "1", species="Pangasius")
    newest = farm.batch("B3", t3["id"], "2024-12-03", 10, "1")
    farm.ok(farm.post(f"/biofloc/batches/{old['id']}/terminate", {"end_date": "2024-12-20", "reason": "r"}), 200)

    def listed(**params: Any) -> tuple[list[int], int]:
        page = farm.ok(farm.get("/biofloc/batches", params=params), 200)
        return [row["id"] for row in page["items"]], page["total"]

    assert listed() == ([newest["id"], same_day["id"], old["id"]], 3)
    assert listed(limit=2, page=2) == ([old["id"]], 3)
    assert listed(limit=2, page=3) == ([], 3)
    assert listed(status="active") == ([newest["id"], same_day["id"]], 2)
    assert listed(species="pangasius") == ([same_day["id"]], 1)
    assert listed(tank_id=t3["id"]) == ([newest["id"]], 1)
    assert listed(tank_id=t1["id"]) == ([], 0)
    rows = farm.ok(farm.get("/biofloc/batches"), 200)["items"]
    assert rows == [farm.batch_row(row["id"]) for row in rows]
    assert rows[-1]["current_tank"] is None and rows[0]["current_tank"]["id"] == t3["id"]
