"""Concurrency through the real handlers in separate processes (each its own connection), as Lambda scales out."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from farm_erp import clock
from local.lambda_context import LambdaContext
from reservation_expiry.main import handler as expiry_handler
from tests.integration.inventory.conftest import parallel
from tests.support.client import ApiClient

pytestmark = pytest.mark.gateway


@pytest.fixture
def setup(pool_api: ApiClient, make_user: Any, sql: Any) -> dict[str, Any]:
    _, token = make_user("racer@farm.test", grants={"inventory": "write"})
    unit = sql.execute("SELECT id FROM units WHERE abbreviation = 'pcs'").fetchone()["id"]

    def item(sku: str, qty: str) -> int:
        r = pool_api.post("/inventory/items", token=token, json={"sku": sku, "name": sku, "unit_id": unit})
        assert r.status_code == 201, r
        add = pool_api.post(
            "/inventory/stock/add",
            token=token,
            json={"item_id": r.json()["id"], "quantity": qty, "unit_cost": "2.5000"},
        )
        assert add.status_code == 201, add
        return int(r.json()["id"])

    return {"token": token, "item": item, "api": pool_api}


def on_hand(sql: Any, item_id: int) -> str:
    return str(sql.execute("SELECT on_hand_qty FROM items WHERE id = %s", (item_id,)).fetchone()["on_hand_qty"])


def test_twenty_single_unit_uses_of_ten(setup: dict[str, Any], sql: Any) -> None:
    api, token = setup["api"], setup["token"]
    item_id = setup["item"]("BOLT-1", "10")
    results = parallel(
        [
            lambda: api.post(
                "/inventory/stock/use", token=token, json={"item_id": item_id, "quantity": "1", "purpose": "race"}
            )
            for _ in range(20)
        ]
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200] * 10 + [409] * 10, [r for r in results if r.status_code not in (200, 409)]
    assert all(r.json()["code"] == "insufficient_stock" for r in results if r.status_code == 409)
    assert on_hand(sql, item_id) == "0.000"
    assert sql.execute("SELECT count(*) AS n FROM stock_ledger WHERE type = 'use'").fetchone()["n"] == 10


def test_scenario_5_two_uses_of_sixty_from_a_hundred(setup: dict[str, Any], sql: Any) -> None:
    api, token = setup["api"], setup["token"]
    item_id = setup["item"]("BOLT-5", "100")
    results = parallel(
        [
            lambda: api.post(
                "/inventory/stock/use", token=token, json={"item_id": item_id, "quantity": "60", "purpose": "race"}
            )
            for _ in range(2)
        ]
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    assert on_hand(sql, item_id) == "40.000"


def test_two_confirms_of_one_reservation(setup: dict[str, Any], sql: Any) -> None:
    api, token = setup["api"], setup["token"]
    item_id = setup["item"]("BOLT-2", "10")
    res = api.post("/inventory/reservations", token=token, json={"item_id": item_id, "quantity": "7"})
    assert res.status_code == 201, res
    path = f"/inventory/reservations/{res.json()['id']}/confirm"
    results = parallel([lambda: api.post(path, token=token) for _ in range(4)])
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409, 409], results
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"invalid_state"}
    assert on_hand(sql, item_id) == "3.000"


def test_use_racing_a_reservation(setup: dict[str, Any], sql: Any) -> None:
    api, token = setup["api"], setup["token"]
    for n in range(4):
        item_id = setup["item"](f"RACE-{n}", "10")
        reserve, use = parallel(
            [
                lambda i=item_id: api.post(
                    "/inventory/reservations", token=token, json={"item_id": i, "quantity": "8"}
                ),
                lambda i=item_id: api.post(
                    "/inventory/stock/use", token=token, json={"item_id": i, "quantity": "5", "purpose": "race"}
                ),
            ]
        )
        assert sorted([reserve.status_code, use.status_code]) in ([201, 409], [200, 409]), (reserve, use)
        if reserve.status_code == 201:
            assert on_hand(sql, item_id) == "10.000"
        else:
            assert on_hand(sql, item_id) == "5.000"


def test_expiry_job_while_uses_and_confirms_run(setup: dict[str, Any], sql: Any) -> None:
    api, token = setup["api"], setup["token"]
    items = [setup["item"](f"MIX-{n}", "50") for n in range(3)]
    now = clock.now()
    # Due reservations (written as they would stand after an hour has passed) and live ones to confirm.
    for item_id in items:
        for _ in range(5):
            sql.execute(
                """INSERT INTO reservations (item_id, quantity, module_key, reserved_until, created_at)
                   VALUES (%s, 1, 'inventory', %s, %s)""",
                (item_id, now - timedelta(minutes=1), now - timedelta(hours=1, minutes=1)),
            )
    live = [
        api.post("/inventory/reservations", token=token, json={"item_id": i, "quantity": "2"}).json()["id"]
        for i in items
        for _ in range(2)
    ]
    job: dict[str, Any] = {}

    def run_job() -> None:
        job["out"] = expiry_handler({"scheduled_time": now.isoformat()}, LambdaContext("ReservationExpiryFunction"))

    calls = [
        *(lambda r=r: api.post(f"/inventory/reservations/{r}/confirm", token=token) for r in live),
        *(
            lambda i=i: api.post(
                "/inventory/stock/use", token=token, json={"item_id": i, "quantity": "3", "purpose": "mix"}
            )
            for i in items
            for _ in range(3)
        ),
        *(
            lambda i=i: api.post("/inventory/reservations", token=token, json={"item_id": i, "quantity": "1"})
            for i in items
        ),
    ]
    thread = threading.Thread(target=run_job)
    thread.start()
    results = parallel(calls)
    thread.join(timeout=60)
    assert job["out"]["status"] == "succeeded" and job["out"]["expired"] == 15
    assert all(r.status_code in (200, 201) for r in results), [r for r in results if r.status_code >= 300]
    assert sql.execute("SELECT count(*) AS n FROM reservations WHERE status = 'expired'").fetchone()["n"] == 15
    assert sql.execute("SELECT count(*) AS n FROM reservations WHERE status = 'confirmed'").fetchone()["n"] == 6
    for item_id in items:
        assert on_hand(sql, item_id) == "37.000"  # 50 − 2 × 2 confirmed − 3 × 3 used
