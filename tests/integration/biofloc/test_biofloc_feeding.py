"""Feeding with the shared stock ledger: the atomic-feeding example and the feeding rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.biofloc.conftest import Farm


def _setup(farm: Farm) -> tuple[dict[str, Any], dict[str, Any]]:
    t2 = farm.tank("T2")
    b = farm.batch("B2", t2["id"], "2025-01-01", 1000, "10")
    farm.stock_in("FEED-32", "kg", "20", "40.0000", "2024-12-01")
    farm.stock_in("FEED-32", "kg", "100", "42.5000", "2024-12-15")
    farm.stock_in("FEED-ST", "g", "1500", "0.0500")
    return t2, b


def _counts(farm: Farm) -> tuple[int, int, int, int]:
    row = farm.one(
        """SELECT (SELECT count(*) FROM feedings) AS f, (SELECT count(*) FROM feeding_lines) AS l,
                  (SELECT count(*) FROM stock_ledger WHERE type = 'use') AS u,
                  (SELECT count(*) FROM stock_operations WHERE kind = 'feeding') AS o"""
    )
    return row["f"], row["l"], row["u"], row["o"]


def test_atomic_feeding(farm: Farm) -> None:
    t2, b = _setup(farm)
    farm.day("2025-01-10")
    lines = [("FEED-32", "30"), ("FEED-ST", "2")]
    r = farm.feed(t2["id"], "2025-01-10", 1, lines)
    assert r.status_code == 409, r
    body = r.json()
    assert body["code"] == "insufficient_stock"
    assert len(body["errors"]) == 1
    assert {k: body["errors"][0][k] for k in ("index", "sku", "requested", "available")} == {
        "index": 1,
        "sku": "FEED-ST",
        "requested": "2000.000",
        "available": "1500.000",
    }
    assert _counts(farm) == (0, 0, 0, 0)
    assert farm.on_hand("FEED-32") == 120 and farm.batch_row(b["id"])["costs"]["feed"] == "0.00"

    farm.stock_in("FEED-ST", "g", "1000", "0.0500", "2025-01-05")
    f = farm.ok(farm.feed(t2["id"], "2025-01-10", 1, lines))
    feed32, feedst = f["lines"]
    assert feed32["sku"] == "FEED-32" and feed32["item_qty"] == "30.000" and feed32["cost"] == "1225.00"
    assert [lot["cost"] for lot in feed32["lots"]] == ["800.00", "425.00"]
    assert len({lot["ledger_id"] for lot in feed32["lots"]}) == 2
    # Each lot as the ledger row that paid for it, oldest lot first (FIFO, in ledger order).
    lot_rows = farm.sql.execute(
        """SELECT s.id, s.lot_id, l.lot_number FROM stock_ledger s JOIN lots l ON l.id = s.lot_id
            WHERE s.ref_line_id = %s ORDER BY s.id""",
        (feed32["id"],),
    ).fetchall()
    assert [(lot["ledger_id"], lot["lot_id"], lot["lot_number"]) for lot in feed32["lots"]] == [
        (r["id"], r["lot_id"], r["lot_number"]) for r in lot_rows
    ]
    assert [(lot["quantity"], lot["unit_cost"]) for lot in feed32["lots"]] == [
        ("20.000", "40.0000"),
        ("10.000", "42.5000"),
    ]
    assert [(lot["quantity"], lot["unit_cost"], lot["cost"]) for lot in feedst["lots"]] == [
        ("1500.000", "0.0500", "75.00"),
        ("500.000", "0.0500", "25.00"),
    ]
    assert feedst["item_qty"] == "2000.000" and feedst["unit"] == "g" and feedst["cost"] == "100.00"
    assert f["total_cost"] == "1325.00" and f["total_feed_kg"] == "32.000"
    assert f["tank_code"] == "T2" and f["batch_code"] == "B2" and f["batch_id"] == b["id"]
    batch = farm.batch_row(b["id"])
    assert batch["costs"]["feed"] == "1325.00" and batch["total_feed_kg"] == "32.000"
    # Every ledger row points at its line, the tank and the batch.
    ledger = farm.sql.execute(
        "SELECT ref_line_id, tank_id, fish_batch_id, module_key FROM stock_ledger WHERE type = 'use'"
    ).fetchall()
    assert {r["ref_line_id"] for r in ledger} == {feed32["id"], feedst["id"]}
    assert {(r["tank_id"], r["fish_batch_id"], r["module_key"]) for r in ledger} == {(t2["id"], b["id"], "biofloc")}
    op = farm.one("SELECT kind, ref_id FROM stock_operations WHERE id = %s", (f["operation_id"],))
    assert op == {"kind": "feeding", "ref_id": f["id"]}

    again = farm.feed(t2["id"], "2025-01-10", 1, lines)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_session"

    listed = farm.ok(farm.get("/biofloc/feedings", params={"batch_id": b["id"]}), 200)
    assert listed["total"] == 1 and listed["items"][0]["lines"][0]["lots"][0]["ledger_id"]
    assert farm.ok(farm.get("/biofloc/feedings", params={"from": "2025-01-11"}), 200)["total"] == 0


def _on_day_ten(farm: Farm) -> tuple[dict[str, Any], dict[str, Any]]:
    """The setup, with the clock on 2025-01-10."""
    t2, b = _setup(farm)
    farm.day("2025-01-10")
    return t2, b


def test_feed_is_given_in_a_weight_unit(farm: Farm) -> None:
    t2, _ = _setup(farm)
    farm.stock_in("PROBIO-1", "l", "50", "100.0000")
    farm.day("2025-01-10")
    r = farm.feed(t2["id"], "2025-01-10", 1, [("PROBIO-1", "1")])
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "not_weight_unit"


def _feed_lines(farm: Farm, tank: dict[str, Any], lines: list[dict[str, Any]]) -> Any:
    """Session 1 of day ten in `tank`, with the lines as given (raw, to send what the helpers would not)."""
    body = {"tank_id": tank["id"], "feeding_date": "2025-01-10", "session_number": 1, "lines": lines}
    return farm.post("/biofloc/feedings", body)


def test_one_item_twice_in_a_session_is_refused(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    item_id = farm.one("SELECT id FROM items WHERE sku = 'FEED-32'")["id"]
    r = _feed_lines(farm, t2, [{"item_id": item_id, "quantity_kg": "1"}, {"sku": " feed-32 ", "quantity_kg": "1"}])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lines", 1, "item_id"]


def test_an_unknown_sku_is_refused(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    assert farm.feed(t2["id"], "2025-01-10", 1, [("NOPE", "1")]).status_code == 422


def test_a_line_names_its_item_by_id_or_by_sku_not_both(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    item_id = farm.one("SELECT id FROM items WHERE sku = 'FEED-32'")["id"]
    r = _feed_lines(farm, t2, [{"item_id": item_id, "sku": "FEED-32", "quantity_kg": "1"}])
    assert r.status_code == 422


def test_a_feeding_date_in_the_future_is_refused(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    r = farm.feed(t2["id"], "2025-01-11", 1, [("FEED-32", "1")])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "feeding_date"]


def test_a_feeding_date_before_the_stocking_is_refused(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    r = farm.feed(t2["id"], "2024-12-31", 1, [("FEED-32", "1")])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "feeding_date"]


def test_an_inactive_item_is_refused(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    farm.sql.execute("UPDATE items SET is_active = false WHERE sku = 'FEED-ST'")
    assert farm.feed(t2["id"], "2025-01-10", 1, [("FEED-ST", "1")]).status_code == 422


def test_feeding_leaves_live_reservations_alone(farm: Farm) -> None:
    t2, _ = _on_day_ten(farm)
    item_id = farm.one("SELECT id FROM items WHERE sku = 'FEED-32'")["id"]
    # 120 on hand, 100 reserved → 20 available.
    farm.sql.execute(
        """INSERT INTO reservations (item_id, quantity, module_key, reserved_until, created_at)
           VALUES (%s, 100, 'inventory', %s, %s)""",
        (item_id, datetime(2025, 1, 11, tzinfo=UTC), datetime(2025, 1, 10, tzinfo=UTC)),
    )
    r = farm.feed(t2["id"], "2025-01-10", 1, [("FEED-32", "21")])
    assert r.status_code == 409 and r.json()["errors"][0]["available"] == "20.000"
    farm.ok(farm.feed(t2["id"], "2025-01-10", 1, [("FEED-32", "20")]))


def test_a_tank_without_a_batch_cannot_be_fed(farm: Farm) -> None:
    _on_day_ten(farm)
    t3 = farm.tank("T3")
    r = farm.feed(t3["id"], "2025-01-10", 1, [("FEED-32", "1")])
    assert r.status_code == 409 and r.json()["code"] == "tank_empty"


def test_an_inactive_tank_is_refused(farm: Farm) -> None:
    _on_day_ten(farm)
    t3 = farm.tank("T3")
    assert farm.delete(f"/biofloc/tanks/{t3['id']}").status_code == 204
    assert farm.feed(t3["id"], "2025-01-10", 1, [("FEED-32", "1")]).status_code == 422


def test_after_a_transfer_feedings_dated_before_the_move_are_refused(farm: Farm) -> None:
    _, b = _on_day_ten(farm)
    t4 = farm.tank("T4")
    farm.day("2025-01-20")
    farm.ok(
        farm.post(f"/biofloc/batches/{b['id']}/transfer", {"to_tank_id": t4["id"], "transfer_date": "2025-01-15"}), 200
    )
    r = farm.feed(t4["id"], "2025-01-14", 1, [("FEED-32", "1")])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "feeding_date"]


def test_bulk_is_all_or_nothing(farm: Farm) -> None:
    t2, b = _setup(farm)
    farm.day("2025-01-10")

    def session(d: str, n: int, kg: str, sku: str = "FEED-32") -> dict[str, Any]:
        return {"tank_id": t2["id"], "feeding_date": d, "session_number": n, "lines": [{"sku": sku, "quantity_kg": kg}]}

    r = farm.post(
        "/biofloc/feedings/bulk",
        {"sessions": [session("2025-01-09", 1, "10"), session("2025-01-09", 2, "10"), session("2025-01-10", 1, "200")]},
    )
    assert r.status_code == 409, r
    body = r.json()
    assert body["code"] == "insufficient_stock" and body["session"] == 2
    assert body["errors"][0]["session"] == 2 and body["errors"][0]["index"] == 0
    assert _counts(farm) == (0, 0, 0, 0) and farm.on_hand("FEED-32") == 120

    r = farm.post(
        "/biofloc/feedings/bulk", {"sessions": [session("2025-01-09", 1, "1"), session("2025-01-09", 1, "1")]}
    )
    assert r.status_code == 409 and r.json()["session"] == 1
    r = farm.post(
        "/biofloc/feedings/bulk", {"sessions": [session("2025-01-09", 1, "1"), session("2025-01-09", 2, "1", "NOPE")]}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:3] == ["body", "sessions", 1]
    assert _counts(farm) == (0, 0, 0, 0)

    ok = farm.ok(
        farm.post(
            "/biofloc/feedings/bulk", {"sessions": [session("2025-01-09", 1, "10"), session("2025-01-09", 2, "15")]}
        )
    )
    assert [f["total_cost"] for f in ok["items"]] == ["400.00", "612.50"]
    assert farm.batch_row(b["id"])["costs"]["feed"] == "1012.50"
    assert farm.post("/biofloc/feedings/bulk", {"sessions": []}).status_code == 422
    too_many = [
        session(str((datetime(2025, 1, 1) + timedelta(days=i // 10)).date()), i % 10 + 1, "0.1") for i in range(51)
    ]
    assert farm.post("/biofloc/feedings/bulk", {"sessions": too_many}).status_code == 422


def test_items_picker(farm: Farm) -> None:
    _setup(farm)
    farm.stock_in("PROBIO-1", "l", "50", "100.0000")
    items = farm.ok(farm.get("/biofloc/items"), 200)
    by_sku = {i["sku"]: i for i in items["items"]}
    assert by_sku["FEED-32"]["available_qty"] == "120.000" and by_sku["FEED-32"]["unit"] == "kg"
    assert by_sku["FEED-32"]["is_weight"] is True and by_sku["PROBIO-1"]["is_weight"] is False


def test_bulk_is_one_stock_operation(farm: Farm) -> None:
    t2, _ = _setup(farm)
    farm.day("2025-01-10")
    sessions = [
        {
            "tank_id": t2["id"],
            "feeding_date": "2025-01-10",
            "session_number": n,
            "lines": [{"sku": "FEED-32", "quantity_kg": "15"}],
        }
        for n in (1, 2)
    ]
    out = farm.ok(farm.post("/biofloc/feedings/bulk", {"sessions": sessions}))
    assert {f["operation_id"] for f in out["items"]} == {out["items"][0]["operation_id"]}
    assert farm.one("SELECT count(*) AS n FROM stock_operations WHERE kind = 'feeding'")["n"] == 1
    # The second session takes the rest of the first lot and starts the second one.
    assert [len(f["lines"][0]["lots"]) for f in out["items"]] == [1, 2]
    assert [f["total_cost"] for f in out["items"]] == ["600.00", "625.00"]
