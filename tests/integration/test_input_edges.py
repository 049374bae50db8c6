"""Inputs at the edges of their types: calendar limits in date filters, numbers that round to zero or overflow at
their column's scale, and bodies that are not JSON. Each is a 4xx in the error contract's shape, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from farm_erp import clock
from tests.support.client import ApiClient, Response

FIRST, LAST = "0001-01-01", "9999-12-31"

# Every route that filters by a date range, with the path parameters it needs.
DATE_ROUTES = [
    "/inventory/ledger",
    "/inventory/stock/adjustments",
    "/inventory/exports/ledger.xlsx",
    "/inventory/exports/purchase-orders.xlsx",
    "/inventory/purchase-orders",
    "/inventory/modules/biofloc/consumption",
    "/admin/security/login-history",
    "/admin/activity-logs",
    "/biofloc/water-tests",
    "/biofloc/feedings",
    "/biofloc/tank-inputs",
    "/biofloc/samplings",
    "/biofloc/mortalities",
    "/biofloc/harvests",
]


def assert_422(r: Response, *loc: str | int) -> list[dict[str, Any]]:
    assert r.status_code == 422, r
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail, r
    assert all({"loc", "msg", "type"} <= set(e) for e in detail), r
    if loc:
        assert [list(e["loc"])[: len(loc)] for e in detail].count(list(loc)) >= 1, r
    return detail


@pytest.fixture
def admin(admin_token: str) -> str:
    clock.freeze(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    return admin_token


class TestDateRanges:
    """One date-range type answers every route: a bound it cannot represent is 422 on that bound."""

    @pytest.mark.parametrize("path", DATE_ROUTES)
    def test_the_last_day_of_the_calendar_is_422(self, api: ApiClient, admin: str, path: str) -> None:
        for params, field in [({"to": LAST}, "to"), ({"from": LAST}, "from"), ({"from": LAST, "to": LAST}, "from")]:
            assert_422(api.get(path, params=params, token=admin), "query", field)

    @pytest.mark.parametrize("path", DATE_ROUTES)
    def test_the_first_day_of_the_calendar_is_a_valid_bound(self, api: ApiClient, admin: str, path: str) -> None:
        r = api.get(path, params={"from": FIRST, "to": "0001-01-02"}, token=admin)
        assert r.status_code == 200, r

    @pytest.mark.parametrize("path", ["/admin/activity-logs", "/inventory/modules/biofloc/consumption"])
    def test_a_default_window_before_the_first_day_is_422(self, api: ApiClient, admin: str, path: str) -> None:
        assert_422(api.get(path, params={"to": FIRST}, token=admin), "query", "to")
        assert_422(api.get(path, params={"to": "0001-01-05"}, token=admin), "query", "to")

    def test_windows_that_fit_keep_their_rules(self, api: ApiClient, admin: str) -> None:
        # The activity window may end at the calendar's next-to-last day, and runs to `from` when that is later.
        r = api.get("/admin/activity-logs", params={"from": "9999-12-30"}, token=admin)
        assert r.status_code == 200, r
        assert api.get("/admin/activity-logs", params={"to": "0001-01-07"}, token=admin).status_code == 200
        # …and spans at most 90 days; from after to stays 422 on `from` everywhere.
        assert_422(api.get("/admin/activity-logs", params={"from": "2025-01-01", "to": "2025-06-01"}, token=admin))
        for path in DATE_ROUTES:
            r = api.get(path, params={"from": "2025-03-02", "to": "2025-03-01"}, token=admin)
            assert_422(r, "query", "from")
        # Consumption: a `from` after today with no `to` is after the default `to` (today).
        r = api.get("/inventory/modules/biofloc/consumption", params={"from": "2025-03-11"}, token=admin)
        assert_422(r, "query", "from")
        r = api.get("/inventory/modules/biofloc/consumption", params={"from": FIRST, "to": "0001-01-01"}, token=admin)
        assert r.status_code == 200 and r.json()["from"] == FIRST and r.json()["to"] == FIRST, r


def _kg(sql: psycopg.Connection[dict[str, Any]]) -> int:
    row = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
    assert row is not None
    return int(row["id"])


class TestNumbersAtTheirScale:
    """A positive number that rounds to zero at its column's scale, or beyond the largest value a field takes, is
    422 on that field (it was a 409 from the column's CHECK, or silently replaced)."""

    def test_positive_quantities_and_money_that_round_to_zero(
        self, api: ApiClient, admin: str, sql: psycopg.Connection[dict[str, Any]]
    ) -> None:
        item = api.post("/inventory/items", json={"sku": "F1", "name": "Feed", "unit_id": _kg(sql)}, token=admin)
        assert item.status_code == 201, item
        item_id = item.json()["id"]
        for qty in ("0.0004", "0.00049999", "4E-4"):
            r = api.post("/inventory/stock/add", json={"item_id": item_id, "quantity": qty}, token=admin)
            assert_422(r, "body", "quantity")
        # the smallest step is accepted, half a step rounds up to it
        for qty in ("0.001", "0.0005"):
            r = api.post("/inventory/stock/add", json={"item_id": item_id, "quantity": qty}, token=admin)
            assert r.status_code == 201, r
        r = api.post("/inventory/reservations", json={"item_id": item_id, "quantity": "0.0001"}, token=admin)
        assert_422(r, "body", "quantity")
        tank = api.post("/biofloc/tanks", json={"code": "T1", "name": "T1", "capacity_liters": "0.004"}, token=admin)
        assert_422(tank, "body", "capacity_liters")

    def test_mortality_weight_that_rounds_to_zero_is_not_replaced(self, api: ApiClient, admin: str) -> None:
        tank = api.post("/biofloc/tanks", json={"code": "T1", "name": "T1", "capacity_liters": "1000"}, token=admin)
        assert tank.status_code == 201, tank
        batch = api.post(
            "/biofloc/batches",
            json={
                "code": "B1",
                "species": "Tilapia",
                "stocking_date": "2025-03-01",
                "initial_count": 100,
                "initial_avg_weight_g": "5",
                "tank_id": tank.json()["id"],
            },
            token=admin,
        )
        assert batch.status_code == 201, batch
        body = {"batch_id": batch.json()["id"], "mortality_date": "2025-03-05", "count": 1}
        r = api.post("/biofloc/mortalities", json={**body, "avg_weight_g": "0.0004"}, token=admin)
        assert_422(r, "body", "avg_weight_g")
        r = api.post("/biofloc/samplings", json={**body, "sample_date": "2025-03-05", "sample_size": 1}, token=admin)
        assert r.status_code == 422  # (a sampling body: the mortality fields are unknown there)
        r = api.post("/biofloc/mortalities", json={**body, "avg_weight_g": "0.0005"}, token=admin)
        assert r.status_code == 201 and r.json()["avg_weight_g"] == "0.001", r

    @pytest.mark.parametrize("value", ["1000000000000", "999999999999.9996", "1e12", "1E+13"])
    def test_values_beyond_the_largest_a_field_takes(self, api: ApiClient, admin: str, value: str) -> None:
        r = api.post("/biofloc/tanks", json={"code": "T2", "name": "T2", "capacity_liters": value}, token=admin)
        assert_422(r, "body", "capacity_liters")


class TestMalformedBodies:
    """A body that is not JSON is a 422 with FastAPI's detail list, however it is broken."""

    @pytest.mark.parametrize(
        "raw",
        [
            b"[" * 100_000 + b"]" * 100_000,
            b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
            b'{"name": "caf\xe9"}',
            b'{"name": "\xff\xfe"}',
            b"\xef\xbb\xbf\xc3",
            b"{not json",
        ],
        ids=["deep-array", "deep-object", "latin1", "bad-bytes", "truncated-utf8", "syntax"],
    )
    def test_malformed_json_is_422(self, api: ApiClient, admin: str, raw: bytes) -> None:
        r = api.post("/inventory/categories", data=raw, token=admin)
        detail = assert_422(r)
        assert detail[0]["loc"][0] == "body" and detail[0]["type"] == "json_invalid", r
