"""One activity row per successful mutation: every 2xx POST/PUT/PATCH/DELETE below adds exactly one row to
activity_logs, whatever it did (a receipt that also moves the PO's status, a bulk feeding of many sessions).

The check sits in the client, so it holds for every mutation these flows make, not only the named ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from farm_erp import clock
from local.gateway import Gateway
from tests.support.client import ApiClient, Response

MUTATIONS = ("POST", "PUT", "PATCH", "DELETE")


class AuditedClient(ApiClient):
    """An ApiClient that asserts one new activity row per successful mutation (replays excepted)."""

    def __init__(self, gateway: Gateway, sql: psycopg.Connection[dict[str, Any]]) -> None:
        super().__init__(gateway)
        self.sql = sql
        self.checked: list[str] = []

    def _rows(self) -> list[dict[str, Any]]:
        return self.sql.execute("SELECT id, action, metadata FROM activity_logs ORDER BY id").fetchall()

    def request(self, method: str, path: str, **kw: Any) -> Response:
        if method.upper() not in MUTATIONS:
            return super().request(method, path, **kw)
        before = len(self._rows())
        r = super().request(method, path, **kw)
        if 200 <= r.status_code < 300 and r.headers.get("idempotent-replayed") != "true":
            new = self._rows()[before:]
            assert len(new) == 1, f"{method} {path}: {len(new)} activity rows {[x['action'] for x in new]}"
            self.checked.append(f"{method} {path} -> {new[0]['action']}")
        return r

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = self.request(method, path, **kw)
        assert r.status_code == status, r
        return r.json() if r.content else None

    def last(self) -> dict[str, Any]:
        return self._rows()[-1]


@pytest.fixture
def audited(api: ApiClient, sql: psycopg.Connection[dict[str, Any]]) -> AuditedClient:
    clock.freeze(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    return AuditedClient(api.gateway, sql)


class TestOneActivityRowPerMutation:
    def test_inventory_mutations(
        self, audited: AuditedClient, admin_token: str, sql: psycopg.Connection[dict[str, Any]]
    ) -> None:
        a, t = audited, dict[str, Any](token=admin_token)
        kg = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
        assert kg is not None
        cat = a.ok("POST", "/inventory/categories", 201, json={"name": "Feed"}, **t)["id"]
        a.ok("PATCH", f"/inventory/categories/{cat}", json={"description": "pellets"}, **t)
        sup = a.ok("POST", "/inventory/suppliers", 201, json={"name": "Feed Co"}, **t)["id"]
        a.ok("PATCH", f"/inventory/suppliers/{sup}", json={"phone": "123"}, **t)
        unit = a.ok(
            "POST", "/inventory/units", 201, json={"name": "sack", "abbreviation": "sk", "category": "count"}, **t
        )
        a.ok("PATCH", f"/inventory/units/{unit['id']}", json={"name": "sack of 25"}, **t)
        items = [
            a.ok("POST", "/inventory/items", 201, json={"sku": f"F{n}", "name": f"Feed {n}", "unit_id": kg["id"]}, **t)[
                "id"
            ]
            for n in (1, 2)
        ]
        a.ok("PATCH", f"/inventory/items/{items[0]}", json={"category_id": cat}, **t)
        a.ok("PUT", f"/inventory/items/{items[0]}/modules/biofloc", json={"is_primary": True}, **t)
        a.ok("DELETE", f"/inventory/items/{items[0]}/modules/biofloc", 204, **t)
        for item in items:
            a.ok("POST", "/inventory/stock/add", 201, json={"item_id": item, "quantity": "100", "unit_cost": "2"}, **t)
        a.ok("POST", "/inventory/stock/use", json={"item_id": items[0], "quantity": "1", "purpose": "test"}, **t)
        lines = [{"item_id": i, "quantity": "1"} for i in items]
        a.ok("POST", "/inventory/stock/use-multi", json={"lines": lines, "purpose": "test"}, **t)
        adjust = {"item_id": items[0], "type": "recount", "quantity": "50", "reason": "count"}
        a.ok("POST", "/inventory/stock/adjustments", 201, json=adjust, **t)
        res = a.ok("POST", "/inventory/reservations", 201, json={"item_id": items[0], "quantity": "1"}, **t)["id"]
        a.ok("POST", f"/inventory/reservations/{res}/confirm", **t)
        res = a.ok("POST", "/inventory/reservations", 201, json={"item_id": items[0], "quantity": "1"}, **t)["id"]
        a.ok("POST", f"/inventory/reservations/{res}/cancel", **t)

        po_lines = [{"item_id": i, "ordered_qty": "10", "unit_cost": "2"} for i in items]
        po = a.ok("POST", "/inventory/purchase-orders", 201, json={"supplier_id": sup, "lines": po_lines[:1]}, **t)
        a.ok("POST", f"/inventory/purchase-orders/{po['id']}/lines", json=po_lines[1], **t)
        line_ids = [ln["id"] for ln in a.ok("GET", f"/inventory/purchase-orders/{po['id']}", **t)["lines"]]
        a.ok("PATCH", f"/inventory/purchase-orders/{po['id']}/lines/{line_ids[1]}", json={"ordered_qty": "20"}, **t)
        a.ok("PATCH", f"/inventory/purchase-orders/{po['id']}", json={"notes": "rush"}, **t)
        for status in ("approved", "ordered"):
            a.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": status}, **t)
        # A receipt that moves ordered → partially_received, then one that completes and closes the PO.
        part = {"lines": [{"po_line_id": line_ids[0], "received_qty": "4"}]}
        a.ok("POST", f"/inventory/purchase-orders/{po['id']}/receive", 201, json=part, **t)
        row = a.last()
        assert row["action"] == "inventory.purchase_order.receive"
        assert row["metadata"]["status"] == {"from": "ordered", "to": "partially_received"}
        rest = [{"po_line_id": line_ids[0], "received_qty": "6"}, {"po_line_id": line_ids[1], "received_qty": "20"}]
        done = a.ok(
            "POST", f"/inventory/purchase-orders/{po['id']}/receive", 201, json={"lines": rest, "close": True}, **t
        )
        assert done["status"] == "closed"
        assert a.last()["metadata"]["status"] == {"from": "partially_received", "to": "closed"}
        history = a.ok("GET", f"/inventory/purchase-orders/{po['id']}/history", **t)["items"]
        assert {h["to_status"] for h in history} >= {"partially_received", "received", "closed"}
        copy = a.ok("POST", f"/inventory/purchase-orders/{po['id']}/duplicate", 201, json={}, **t)
        a.ok("DELETE", f"/inventory/purchase-orders/{copy['id']}/lines/{copy['lines'][0]['id']}", **t)
        a.ok("POST", f"/inventory/purchase-orders/{copy['id']}/status", json={"status": "cancelled"}, **t)
        assert len(a.checked) >= 30

    def test_biofloc_mutations(
        self, audited: AuditedClient, admin_token: str, sql: psycopg.Connection[dict[str, Any]]
    ) -> None:
        a, t = audited, dict[str, Any](token=admin_token)
        kg = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
        assert kg is not None
        feed = a.ok("POST", "/inventory/items", 201, json={"sku": "FEED", "name": "Feed", "unit_id": kg["id"]}, **t)
        a.ok("PUT", f"/inventory/items/{feed['id']}/modules/biofloc", json={"is_primary": True}, **t)
        stock = {"item_id": feed["id"], "quantity": "500", "unit_cost": "2", "received_date": "2025-03-01"}
        a.ok("POST", "/inventory/stock/add", 201, json=stock, **t)
        tanks = [
            a.ok(
                "POST", "/biofloc/tanks", 201, json={"code": f"T{n}", "name": f"T{n}", "capacity_liters": "1000"}, **t
            )["id"]
            for n in (1, 2, 3)
        ]
        a.ok("PATCH", f"/biofloc/tanks/{tanks[2]}", json={"name": "spare"}, **t)
        batches = []
        for n, tank in enumerate(tanks[:2], start=1):
            body = {
                "code": f"B{n}",
                "species": "Tilapia",
                "stocking_date": "2025-03-01",
                "initial_count": 1000,
                "initial_avg_weight_g": "5",
                "tank_id": tank,
            }
            batches.append(a.ok("POST", "/biofloc/batches", 201, json=body, **t)["id"])
        a.ok("PATCH", f"/biofloc/batches/{batches[0]}", json={"notes": "healthy"}, **t)
        session = {"feeding_date": "2025-03-05", "lines": [{"sku": "FEED", "quantity_kg": "1"}]}
        a.ok("POST", "/biofloc/feedings", 201, json={**session, "tank_id": tanks[0], "session_number": 1}, **t)
        bulk = {"sessions": [{**session, "tank_id": tank, "session_number": 2} for tank in tanks[:2]]}
        out = a.ok("POST", "/biofloc/feedings/bulk", 201, json=bulk, **t)
        row = a.last()
        assert row["action"] == "biofloc.feeding.bulk_create"
        assert [s["feeding_id"] for s in row["metadata"]["sessions"]] == [f["id"] for f in out["items"]]
        assert [s["tank_id"] for s in row["metadata"]["sessions"]] == tanks[:2]
        tank_input = {
            "tank_id": tanks[0],
            "input_date": "2025-03-05",
            "input_type": "other",
            "item_id": feed["id"],
            "quantity": "1",
        }
        a.ok("POST", "/biofloc/tank-inputs", 201, json=tank_input, **t)
        a.ok("POST", "/biofloc/water-tests", 201, json={"tank_id": tanks[0], "ph": "7.2"}, **t)
        band = {"good_min": "6.5", "good_max": "8.5", "warn_min": "6", "warn_max": "9"}
        a.ok("PUT", "/biofloc/water-thresholds/ph", json=band, **t)
        sample = {"batch_id": batches[0], "sample_date": "2025-03-06", "sample_size": 10, "avg_weight_g": "8"}
        a.ok("POST", "/biofloc/samplings", 201, json=sample, **t)
        dead = {"batch_id": batches[0], "mortality_date": "2025-03-06", "count": 5}
        a.ok("POST", "/biofloc/mortalities", 201, json=dead, **t)
        cost = {"category": "labour", "amount": "100", "entry_date": "2025-03-06"}
        a.ok("POST", f"/biofloc/batches/{batches[0]}/costs", 201, json=cost, **t)
        move = {"to_tank_id": tanks[2], "transfer_date": "2025-03-07"}
        a.ok("POST", f"/biofloc/batches/{batches[1]}/transfer", json=move, **t)
        harvest = {
            "batch_id": batches[0],
            "harvest_date": "2025-03-08",
            "harvest_type": "partial",
            "fish_count": 100,
            "total_weight_kg": "1",
        }
        a.ok("POST", "/biofloc/harvests", 201, json=harvest, **t)
        a.ok("POST", f"/biofloc/batches/{batches[1]}/terminate", json={"end_date": "2025-03-08", "reason": "test"}, **t)
        a.ok("DELETE", f"/biofloc/tanks/{tanks[1]}", 204, **t)
        assert len(a.checked) >= 20
