"""Biofloc test helpers: a farm operator whose token follows the frozen clock, tanks, batches and feed in stock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from farm_erp import clock
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user, token_for


class Farm:
    """Drives the biofloc API as one user with a write grant; `day()` moves the frozen clock."""

    def __init__(self, api: ApiClient, sql: psycopg.Connection[dict[str, Any]]) -> None:
        self.api = api
        self.sql = sql
        clock.freeze(datetime(2025, 1, 1, 9, 0, tzinfo=UTC))
        self.user_id = create_user(sql, "farmer@farm.test", grants={"biofloc": "write"})
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

    # --- stock, written the way the ledger writes it (on_hand = Σ lots = Σ ledger) ----------------------------------

    def stock_in(self, sku: str, unit: str, quantity: str, unit_cost: str, received: str = "2024-12-31") -> int:
        """Receive a manual lot of `sku` (created, mapped to biofloc, on first use); returns the item id."""
        row = self.sql.execute("SELECT id FROM items WHERE sku = %s", (sku,)).fetchone()
        if row is None:
            row = self.sql.execute(
                """INSERT INTO items (sku, name, unit_id)
                   VALUES (%s, %s, (SELECT id FROM units WHERE abbreviation = %s)) RETURNING id""",
                (sku, f"Item {sku}", unit),
            ).fetchone()
            assert row is not None
            self.sql.execute(
                "INSERT INTO item_module_mappings (item_id, module_key, is_primary) VALUES (%s, 'biofloc', true)",
                (row["id"],),
            )
        item_id = int(row["id"])
        qty, cost = Decimal(quantity), Decimal(unit_cost)
        with self.sql.transaction():
            op = self.sql.execute(
                "INSERT INTO stock_operations (kind, module_key) VALUES ('add', 'inventory') RETURNING id"
            ).fetchone()
            assert op is not None
            lot = self.sql.execute(
                """INSERT INTO lots (item_id, lot_number, source, received_date, quantity_received, remaining_qty,
                                     unit_cost)
                   VALUES (%s, %s, 'manual', %s, %s, %s, %s) RETURNING id""",
                (item_id, f"L-{sku}-{received}-{quantity}", received, qty, qty, cost),
            ).fetchone()
            assert lot is not None
            on_hand = self.sql.execute(
                "UPDATE items SET on_hand_qty = on_hand_qty + %s WHERE id = %s RETURNING on_hand_qty", (qty, item_id)
            ).fetchone()
            assert on_hand is not None
            self.sql.execute(
                """INSERT INTO stock_ledger (operation_id, item_id, lot_id, type, qty_change, unit_cost, cost,
                                             balance_after, module_key, occurred_at)
                   VALUES (%s, %s, %s, 'add', %s, %s, round(%s * %s, 2), %s, 'inventory', %s)""",
                (op["id"], item_id, lot["id"], qty, cost, qty, cost, on_hand["on_hand_qty"], clock.now()),
            )
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
