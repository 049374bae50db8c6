"""Inventory test fixtures: a writer, API helpers, and the ledger invariants checked after every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from farm_erp import clock
from local.gateway import Gateway
from local.invokers import ProcessPoolInvoker
from local.template_routes import ApiConfig
from tests.conftest import app_db_url
from tests.support.client import ApiClient, Response
from tests.support.figures import check_figures
from tests.support.pooler import Pooler

START = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


def check_invariants(conn: psycopg.Connection[dict[str, Any]]) -> None:
    """The stock-ledger invariant (docs/rules.md: Stock ledger) and the lot, reservation and PO invariants."""
    bad = conn.execute(
        """SELECT i.id, i.on_hand_qty,
                  (SELECT COALESCE(sum(remaining_qty), 0) FROM lots WHERE item_id = i.id) AS lots,
                  (SELECT COALESCE(sum(qty_change), 0) FROM stock_ledger WHERE item_id = i.id) AS ledger
             FROM items i"""
    ).fetchall()
    for r in bad:
        assert r["on_hand_qty"] == r["lots"] == r["ledger"], f"item invariant broken: {r}"
    lots = conn.execute(
        """SELECT l.id, l.remaining_qty, l.quantity_received,
                  (SELECT COALESCE(sum(qty_change), 0) FROM stock_ledger s WHERE s.lot_id = l.id) AS ledger,
                  (SELECT count(*) FROM stock_ledger s
                    WHERE s.lot_id = l.id AND s.item_id <> l.item_id) AS foreign_rows,
                  (SELECT s.qty_change FROM stock_ledger s WHERE s.lot_id = l.id ORDER BY s.id LIMIT 1) AS first_row
             FROM lots l"""
    ).fetchall()
    for r in lots:
        assert r["remaining_qty"] == r["ledger"], f"lot invariant broken: {r}"
        assert r["first_row"] == r["quantity_received"] and r["foreign_rows"] == 0, f"lot history broken: {r}"
    negative = conn.execute(
        """SELECT id FROM stock_ledger WHERE cost <> round(abs(qty_change) * unit_cost, 2) OR balance_after < 0"""
    ).fetchall()
    assert not negative
    ops = conn.execute(
        """SELECT r.id FROM reservations r
            WHERE r.status = 'confirmed' AND NOT EXISTS (
                  SELECT 1 FROM stock_ledger s WHERE s.operation_id = r.operation_id AND s.item_id = r.item_id
                  HAVING -sum(s.qty_change) = r.quantity)"""
    ).fetchall()
    assert not ops, f"confirmed reservations without their ledger rows: {ops}"
    lines = conn.execute(
        """SELECT pl.id FROM po_lines pl
            WHERE pl.received_qty <> (SELECT COALESCE(sum(received_qty), 0) FROM po_receipt_lines
                                       WHERE po_line_id = pl.id)"""
    ).fetchall()
    assert not lines, f"PO lines whose received_qty disagrees with their receipts: {lines}"


@pytest.fixture(autouse=True)
def _ledger_invariants(db_url: str) -> Iterator[None]:
    yield
    with psycopg.connect(db_url, prepare_threshold=None, autocommit=True, row_factory=dict_row) as conn:
        check_invariants(conn)
        check_figures(conn)


class Inv:
    """Thin helpers over the real API for setting up inventory scenarios."""

    def __init__(self, api: ApiClient, token: str, sql: psycopg.Connection[dict[str, Any]]) -> None:
        self.api = api
        self.token = token
        self.sql = sql
        self._units: dict[str, int] = {}

    def unit(self, abbreviation: str) -> int:
        if abbreviation not in self._units:
            row = self.sql.execute("SELECT id FROM units WHERE abbreviation = %s", (abbreviation,)).fetchone()
            assert row is not None
            self._units[abbreviation] = int(row["id"])
        return self._units[abbreviation]

    def call(self, method: str, path: str, **kw: Any) -> Response:
        return self.api.request(method, path, token=self.token, **kw)

    def get(self, path: str, **kw: Any) -> Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.call("POST", path, **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = self.call(method, path, **kw)
        assert r.status_code == status, r
        return r.json()

    def item(self, sku: str, unit: str = "kg", **kw: Any) -> dict[str, Any]:
        body = {"sku": sku, "name": kw.pop("name", f"Item {sku}"), "unit_id": self.unit(unit), **kw}
        return dict(self.ok("POST", "/inventory/items", 201, json=body))

    def supplier(self, name: str = "Feed Co") -> int:
        return int(self.ok("POST", "/inventory/suppliers", 201, json={"name": name})["id"])

    def add(self, item_id: int, qty: str, cost: str, received: str | None = None, **kw: Any) -> dict[str, Any]:
        body = {"item_id": item_id, "quantity": qty, "unit_cost": cost, **kw}
        if received:
            body["received_date"] = received
        return dict(self.ok("POST", "/inventory/stock/add", 201, json=body))

    def use(self, qty: str, **kw: Any) -> Response:
        return self.post("/inventory/stock/use", json={"quantity": qty, "purpose": "test", **kw})

    def view(self, item_id: int) -> dict[str, Any]:
        return dict(self.ok("GET", f"/inventory/items/{item_id}"))


@pytest.fixture
def writer(make_user: Any) -> tuple[int, str]:
    user_id, token = make_user("writer@farm.test", grants={"inventory": "write"})
    return user_id, token


@pytest.fixture
def inv(api: ApiClient, writer: tuple[int, str], sql: psycopg.Connection[dict[str, Any]]) -> Inv:
    clock.freeze(START)
    return Inv(api, writer[1], sql)


@pytest.fixture
def feed32(inv: Inv) -> dict[str, Any]:
    """Scenario 1's setup: FEED-32 (kg) with L1 100 @ 40 on 2025-01-05 and L2 200 @ 42.5 on 2025-01-20."""
    item = inv.item("FEED-32", name="Feed 32%")
    inv.add(item["id"], "100", "40.0000", "2025-01-05", lot_number="L1")
    inv.add(item["id"], "200", "42.5000", "2025-01-20", lot_number="L2")
    return item


@pytest.fixture(scope="module")
def _pool(pg_server: Any, pooler: Pooler | None, config: ApiConfig) -> Iterator[Gateway]:
    """Worker processes as Lambda containers (one DB connection each), shared by a module's tests: every test's
    database has the same URL, and a container reconnects when it finds its connection dropped. Four containers
    per function keep four connections racing for the same rows while the spawn cost stays low on small CI hosts."""
    env = {k: v for k, v in os.environ.items() if k.isupper()}
    env["DATABASE_URL"] = app_db_url(pg_server, pooler)
    invoker = ProcessPoolInvoker(max_containers=4, env=env)
    try:
        yield Gateway(config, invoker, authorizer_ttl=0)
    finally:
        invoker.close()


@pytest.fixture
def pool_api(db_url: str, _pool: Gateway) -> ApiClient:
    assert db_url == _pool.invoker.env["DATABASE_URL"]  # type: ignore[attr-defined]
    clock.freeze(None)  # the containers run on the real clock
    return ApiClient(_pool)


def parallel(calls: list[Any], workers: int = 20) -> list[Any]:
    """Run the zero-argument callables at the same time; results in call order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda f: f(), calls))
