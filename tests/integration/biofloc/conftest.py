"""Biofloc test helpers: a farm operator whose token follows the frozen clock, tanks, batches and feed in stock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from farm_erp import clock
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user, token_for
from tests.support.figures import check_figures


class Farm:
    """Drives the biofloc API as one user with a write grant; `day()` moves the frozen clock."""

    def __init__(self, api: ApiClient, sql: psycopg.Connection[dict[str, Any]]) -> None:
        self.api = api
        self.sql = sql
        clock.freeze(datetime(2025, 1, 1, 9, 0, tzinfo=UTC))
        self.user_id = create_user(sql, "farmer@farm.test", grants={"biofloc": "write"})
        self.admin_id = create_user(sql, "admin@farm.test", role="admin")
        self.token = token_for(sql, self.user_id)

    def day(self, d: date | str, hour: int = 9) -> None:
        """Freeze the clock at `hour` on `d` and sign in again (tokens live 30 minutes)."""
        when = date.fromisoformat(d) if isinstance(d, str) else d
        clock.freeze(datetime(when.year, when.month, when.day, hour, 0, tzinfo=UTC))
        self.token = token_for(self.sql, self.user_id)

    # --- HTTP ---------------------------------------------------------------------------------------------------

    def get(self, path: str, **kw: Any) -> Response:
        return self.api.get(path, token=self.token, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> Response:
        return self.api.post(path, json=body, token=self.token, **kw)

    def put(self, path: str, body: Any) -> Response:
        return self.api.put(path, json=body, token=self.token)

    def patch(self, path: str, body: Any) -> Response:
        return self.api.patch(path, json=body, token=self.token)

    def delete(self, path: str) -> Response:
        return self.api.delete(path, token=self.token)

    def ok(self, r: Response, status: int = 201) -> Any:
        assert r.status_code == status, r
        body: Any = r.json()
        return body

    # --- setup through the API ------------------------------------------------------------------------------------

    def tank(self, code: str, capacity: str = "10000", **kw: Any) -> Any:
        return self.ok(
            self.post("/biofloc/tanks", {"code": code, "name": f"Tank {code}", "capacity_liters": capacity, **kw})
        )

    def batch(
        self, code: str, tank_id: int, stocking_date: str, count: int, weight: str, fingerling: str = "0", **kw: Any
    ) -> Any:
        body = {
            "code": code,
            "species": "Tilapia",
            "stocking_date": stocking_date,
            "initial_count": count,
            "initial_avg_weight_g": weight,
            "tank_id": tank_id,
            "fingerling_cost": fingerling,
            **kw,
        }
        return self.ok(self.post("/biofloc/batches", body))

    def feed(self, tank_id: int, feeding_date: str, session: int, lines: list[tuple[str, str]]) -> Response:
        return self.post(
            "/biofloc/feedings",
            {
                "tank_id": tank_id,
                "feeding_date": feeding_date,
                "session_number": session,
                "lines": [{"sku": sku, "quantity_kg": kg} for sku, kg in lines],
            },
        )

    def one(self, query: str, params: Any = ()) -> dict[str, Any]:
        row = self.sql.execute(query, params).fetchone()
        assert row is not None
        return row

    def batch_row(self, batch_id: int) -> Any:
        return self.ok(self.get(f"/biofloc/batches/{batch_id}"), 200)

    # --- stock, received through the inventory API (admin) -------------------------------------------------------

    def stock_in(self, sku: str, unit: str, quantity: str, unit_cost: str, received: str = "2024-12-31") -> int:
        """Receive a manual lot of `sku` (created and mapped to biofloc on first use); returns the item id."""
        admin = token_for(self.sql, self.admin_id)
        row = self.sql.execute("SELECT id FROM items WHERE sku = %s", (sku,)).fetchone()
        if row is None:
            unit_row = self.one("SELECT id FROM units WHERE abbreviation = %s", (unit,))
            item = self.api.post(
                "/inventory/items", json={"sku": sku, "name": f"Item {sku}", "unit_id": unit_row["id"]}, token=admin
            )
            item_id = int(self.ok(item)["id"])
            mapped = self.api.put(f"/inventory/items/{item_id}/modules/biofloc", json={"is_primary": True}, token=admin)
            self.ok(mapped, 200)
        else:
            item_id = int(row["id"])
        added = self.api.post(
            "/inventory/stock/add",
            json={"item_id": item_id, "quantity": quantity, "unit_cost": unit_cost, "received_date": received},
            token=admin,
        )
        self.ok(added)
        return item_id

    def on_hand(self, sku: str) -> Decimal:
        row = self.sql.execute("SELECT on_hand_qty FROM items WHERE sku = %s", (sku,)).fetchone()
        assert row is not None
        return Decimal(row["on_hand_qty"])

    def assert_ledger_invariant(self) -> None:
        rows = self.sql.execute(
            """SELECT i.sku, i.on_hand_qty,
                      (SELECT coalesce(sum(remaining_qty), 0) FROM lots WHERE item_id = i.id) AS lots,
                      (SELECT coalesce(sum(qty_change), 0) FROM stock_ledger WHERE item_id = i.id) AS ledger
               FROM items i"""
        ).fetchall()
        for r in rows:
            assert r["on_hand_qty"] == r["lots"] == r["ledger"], r


@pytest.fixture
def farm(api: ApiClient, sql: psycopg.Connection[dict[str, Any]]) -> Iterator[Farm]:
    f = Farm(api, sql)
    yield f
    f.assert_ledger_invariant()


@pytest.fixture(autouse=True)
def _maintained_figures(db_url: str) -> Iterator[None]:
    """After every biofloc test: the maintained figures equal a fresh computation (feedings and tank inputs move
    stock; every event table has a maintained row count)."""
    yield
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        check_figures(conn)
