"""Bad input on every biofloc route is a 4xx with a detail, never a 500; access follows the biofloc grant."""

from __future__ import annotations

from typing import Any

from tests.integration.biofloc.conftest import Farm
from tests.support.client import Response

HUGE = "x" * 100_000


def _bad(r: Response) -> None:
    assert 400 <= r.status_code < 500, r
    assert "detail" in r.json(), r


def _valid_bodies(farm: Farm) -> dict[tuple[str, str], dict[str, Any]]:
    t1, t2, t3 = farm.tank("T1"), farm.tank("T2"), farm.tank("T3")
    b = farm.batch("B1", t1["id"], "2025-01-01", 100, "10")
    farm.stock_in("FEED-32", "kg", "100", "40.0000")
    feeding = {
        "tank_id": t1["id"],
        "feeding_date": "2025-01-01",
        "session_number": 1,
        "lines": [{"sku": "FEED-32", "quantity_kg": "1"}],
    }
    return {
        ("POST", "/biofloc/tanks"): {"code": "T9", "name": "T", "capacity_liters": "100", "tank_type": "raceway"},
        ("PATCH", f"/biofloc/tanks/{t2['id']}"): {"name": "N", "location": "L"},
        ("POST", "/biofloc/batches"): {
            "code": "B9",
            "species": "S",
            "stocking_date": "2025-01-01",
            "initial_count": 1,
            "initial_avg_weight_g": "1",
            "tank_id": t3["id"],
        },
        ("PATCH", f"/biofloc/batches/{b['id']}"): {"species": "S"},
        ("POST", f"/biofloc/batches/{b['id']}/transfer"): {"to_tank_id": t2["id"], "transfer_date": "2025-01-01"},
        ("POST", f"/biofloc/batches/{b['id']}/terminate"): {"end_date": "2025-01-01", "reason": "r"},
        ("POST", f"/biofloc/batches/{b['id']}/costs"): {"category": "labour", "amount": "1"},
        ("POST", "/biofloc/gradings"): {
            "source_batch_id": b["id"],
            "grading_date": "2025-01-01",
            "groups": [
                {"label": "A", "fish_count": 50, "avg_weight_g": "1", "destination_tank_id": t1["id"]},
                {"label": "B", "fish_count": 50, "avg_weight_g": "1", "destination_tank_id": t2["id"]},
            ],
        },
        ("POST", "/biofloc/feedings"): feeding,
        ("POST", "/biofloc/feedings/bulk"): {"sessions": [feeding]},
        ("POST", "/biofloc/samplings"): {
            "batch_id": b["id"],
            "sample_date": "2025-01-01",
            "sample_size": 1,
            "avg_weight_g": "1",
        },
        ("POST", "/biofloc/mortalities"): {"batch_id": b["id"], "mortality_date": "2025-01-01", "count": 1},
        ("POST", "/biofloc/water-tests"): {"tank_id": t1["id"], "ph": "7"},
        ("PUT", "/biofloc/water-thresholds/ph"): {"good_min": "7", "good_max": "8"},
        ("POST", "/biofloc/tank-inputs"): {
            "tank_id": t1["id"],
            "input_date": "2025-01-01",
            "input_type": "other",
            "item_name": "Lime",
            "quantity": "1",
            "unit": "kg",
        },
        ("POST", "/biofloc/harvests"): {
            "batch_id": b["id"],
            "harvest_date": "2025-01-01",
            "harvest_type": "partial",
            "fish_count": 1,
            "total_weight_kg": "0.1",
        },
    }


WRONG: list[Any] = [None, "abc", -1, 0, 10**30, [], {}, True, HUGE, "1e400", "NaN", 3.5]


def test_every_body_field_rejects_wrong_values(farm: Farm) -> None:
    bodies = _valid_bodies(farm)
    for (method, path), body in bodies.items():
        _bad(farm.api.request(method, path, data=b"{not json", token=farm.token))
        _bad(farm.api.request(method, path, json=[], token=farm.token))
        if method != "PUT":  # an empty band table (all bounds open) is a valid PUT
            _bad(farm.api.request(method, path, json={}, token=farm.token))
        _bad(farm.api.request(method, path, json={**body, "unknown_field": 1}, token=farm.token))
        for field in body:
            for value in WRONG:
                r = farm.api.request(method, path, json={**body, field: value}, token=farm.token)
                assert r.status_code < 500, (method, path, field, value, r)
                if r.status_code >= 400:
                    assert "detail" in r.json()
    # Nothing above was a valid request except by accident: the database still holds the setup only, or rows
    # that a valid variant created; either way the ledger balances (checked by the fixture).


def test_unknown_ids_and_query_parameters(farm: Farm) -> None:
    _valid_bodies(farm)
    big = 2**63
    for path in (
        "/biofloc/tanks/999",
        "/biofloc/batches/999",
        "/biofloc/batches/999/performance",
        "/biofloc/batches/999/costs",
        "/biofloc/batches/999/report.xlsx",
        "/biofloc/tanks/999/history",
        "/biofloc/gradings/999",
    ):
        r = farm.get(path)
        assert r.status_code == 404 and r.json()["detail"], path
    for path in ("/biofloc/tanks/abc", f"/biofloc/batches/{big}", "/biofloc/tanks/0", "/biofloc/gradings/-1"):
        _bad(farm.get(path))
    for path in ("/biofloc/batches/999/transfer", "/biofloc/batches/999/terminate", "/biofloc/batches/999/costs"):
        _bad(
            farm.post(
                path,
                {
                    "to_tank_id": 1,
                    "transfer_date": "2025-01-01",
                    "end_date": "2025-01-01",
                    "reason": "r",
                    "category": "labour",
                    "amount": "1",
                },
            )
        )
    assert farm.patch("/biofloc/tanks/999", {"name": "x"}).status_code == 404
    assert farm.delete("/biofloc/tanks/999").status_code == 404
    for path, params in (
        ("/biofloc/tanks", {"status": "wet"}),
        ("/biofloc/tanks", {"q": HUGE[:500]}),
        ("/biofloc/tanks", {"is_active": "maybe"}),
        ("/biofloc/batches", {"status": "x"}),
        ("/biofloc/batches", {"tank_id": "x"}),
        ("/biofloc/feedings", {"from": "2025-02-01", "to": "2025-01-01"}),
        ("/biofloc/feedings", {"from": "yesterday"}),
        ("/biofloc/samplings", {"limit": 201}),
        ("/biofloc/mortalities", {"page": 0}),
        ("/biofloc/harvests", {"batch_id": -1}),
        ("/biofloc/water-tests", {"tank_id": "1.5"}),
        ("/biofloc/tank-inputs", {"to": "2025-13-01"}),
        ("/biofloc/water-status", {"limit": "lots"}),
        ("/biofloc/items", {"page": "x"}),
        ("/biofloc/gradings", {"limit": 0}),
    ):
        r = farm.get(path, params=params)
        assert r.status_code == 422, (path, params, r)
    for path in (
        "/biofloc/tanks",
        "/biofloc/batches",
        "/biofloc/feedings",
        "/biofloc/samplings",
        "/biofloc/mortalities",
        "/biofloc/harvests",
        "/biofloc/water-tests",
        "/biofloc/water-status",
        "/biofloc/water-thresholds",
        "/biofloc/tank-inputs",
        "/biofloc/items",
        "/biofloc/gradings",
        "/biofloc/dashboard",
    ):
        r = farm.get(path)
        assert r.status_code == 200, (path, r)
    assert farm.put(f"/biofloc/water-thresholds/{HUGE[:100]}", {"good_min": "1"}).status_code == 422


def test_access_follows_the_grant(farm: Farm, make_user: Any) -> None:
    t1 = farm.tank("T1")
    _, reader = make_user(grants={"biofloc": "read"})
    _, outsider = make_user(grants={"inventory": "write"})
    assert farm.api.get("/biofloc/tanks", token=reader).status_code == 200
    r = farm.api.post("/biofloc/tanks", json={"code": "T2", "name": "T", "capacity_liters": "1"}, token=reader)
    assert r.status_code == 403
    assert farm.api.get(f"/biofloc/tanks/{t1['id']}", token=outsider).status_code == 403
    assert farm.api.get("/biofloc/tanks").status_code == 401
    farm.sql.execute("UPDATE modules SET is_active = false WHERE key = 'biofloc'")
    assert farm.get("/biofloc/tanks").status_code == 403


def test_idempotent_retry_creates_one_batch(farm: Farm) -> None:
    t1 = farm.tank("T1")
    body = {
        "code": "B1",
        "species": "S",
        "stocking_date": "2025-01-01",
        "initial_count": 5,
        "initial_avg_weight_g": "1",
        "tank_id": t1["id"],
    }
    first = farm.post("/biofloc/batches", body, headers={"Idempotency-Key": "stock-1"})
    again = farm.post("/biofloc/batches", body, headers={"Idempotency-Key": "stock-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    assert farm.one("SELECT count(*) AS n FROM batches")["n"] == 1
