"""Dashboard summary, sidebar modules and widgets: one access rule decides every part."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from farm_erp import clock
from tests.conftest import UserFactory
from tests.support.client import ApiClient

Sql = psycopg.Connection[dict[str, Any]]
NOW = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def seeded(sql: Sql) -> None:
    """One low-stock item with one lot expiring in 10 days, and one tank in use."""
    clock.freeze(NOW)
    item = sql.execute(
        """INSERT INTO items (sku, name, unit_id, reorder_threshold, on_hand_qty)
           VALUES ('FEED-1', 'Starter feed', (SELECT min(id) FROM units), 10, 4) RETURNING id"""
    ).fetchone()
    assert item is not None
    sql.execute(
        """INSERT INTO lots (item_id, lot_number, source, received_date, expiry_date, quantity_received,
                             remaining_qty, unit_cost)
           VALUES (%s, 'L-1', 'manual', %s, %s, 4, 4, 2.5)""",
        (item["id"], NOW.date() - timedelta(days=5), NOW.date() + timedelta(days=10)),
    )
    sql.execute("INSERT INTO tanks (code, name, capacity_liters, status) VALUES ('T1', 'Tank 1', 1000, 'in_use')")


def test_user_without_grants_sees_only_the_dashboard(api: ApiClient, make_user: UserFactory) -> None:
    _, tok = make_user("u@farm.test")
    r = api.get("/dashboard/summary", token=tok)
    assert r.status_code == 200 and r.json() == {}
    assert api.get("/dashboard/widgets", token=tok).json() == {}
    modules = api.get("/dashboard/modules", token=tok).json()
    assert modules["total"] == 1
    assert [(m["key"], m["access"]) for m in modules["items"]] == [("dashboard", "read")]


def test_read_grant_shows_that_module_only(api: ApiClient, make_user: UserFactory, seeded: None) -> None:
    _, tok = make_user("u@farm.test", grants={"inventory": "read"})
    summary = api.get("/dashboard/summary", token=tok).json()
    assert summary == {
        "inventory": {
            "active_items": 1,
            "low_stock_items": 1,
            "expiring_lots_30d": 1,
            "total_stock_value": "10.00",
            "open_pos": 0,
        }
    }
    widgets = api.get("/dashboard/widgets", token=tok).json()
    assert set(widgets) == {"inventory"}
    (low,) = widgets["inventory"]["low_stock"]
    assert low["sku"] == "FEED-1" and low["deficit"] == "6.000" and low["available_qty"] == "4.000"
    (lot,) = widgets["inventory"]["expiring"]
    assert lot["lot_number"] == "L-1" and lot["remaining_qty"] == "4.000" and lot["value"] == "10.00"
    assert lot["days_until_expiry"] == 10
    modules = api.get("/dashboard/modules", token=tok).json()["items"]
    assert [(m["key"], m["access"]) for m in modules] == [("dashboard", "read"), ("inventory", "read")]


def test_admin_sees_everything(
    api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql, seeded: None
) -> None:
    make_user("u@farm.test", active=False)
    sql.execute(
        """INSERT INTO login_history (email_attempted, status, created_at) VALUES
           ('admin@farm.test', 'success', %s), ('admin@farm.test', 'success', %s)""",
        (NOW - timedelta(hours=1), NOW - timedelta(hours=30)),
    )
    for i in range(7):
        sql.execute(
            "INSERT INTO activity_logs (action, created_at) VALUES (%s, %s)", (f"a.b.c{i}", NOW - timedelta(hours=i))
        )
    summary = api.get("/dashboard/summary", token=admin_token).json()
    assert summary["admin"] == {"total_users": 2, "active_users": 1, "recent_logins_24h": 1, "total_activities_7d": 7}
    assert summary["biofloc"] == {"active_batches": 0, "total_fish": 0, "total_biomass_kg": "0.000", "tanks_in_use": 1}
    assert summary["inventory"]["total_stock_value"] == "10.00"
    # The admin part is the same definition as GET /admin/statistics.
    stats = api.get("/admin/statistics", token=admin_token).json()
    assert {k: stats[k] for k in summary["admin"]} == summary["admin"]
    widgets = api.get("/dashboard/widgets", token=admin_token).json()
    assert set(widgets) == {"inventory", "biofloc", "admin"}
    assert widgets["biofloc"] == {"water_alerts": [], "harvest_due": []}
    assert [a["action"] for a in widgets["admin"]["recent_activity"]] == [f"a.b.c{i}" for i in range(5)]
    modules = api.get("/dashboard/modules", token=admin_token).json()["items"]
    assert [(m["key"], m["access"]) for m in modules] == [
        ("dashboard", "write"),
        ("inventory", "write"),
        ("biofloc", "write"),
        ("admin", "write"),
    ]


def test_disabled_module_leaves_every_part(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    _, tok = make_user("u@farm.test", grants={"biofloc": "write", "inventory": "read"})
    sql.execute("UPDATE modules SET is_active = false WHERE key = 'biofloc'")
    sql.execute("UPDATE modules SET display_order = 5 WHERE key IN ('inventory', 'dashboard')")
    for token in (tok, admin_token):
        assert "biofloc" not in api.get("/dashboard/summary", token=token).json()
        assert "biofloc" not in api.get("/dashboard/widgets", token=token).json()
        keys = [m["key"] for m in api.get("/dashboard/modules", token=token).json()["items"]]
        assert "biofloc" not in keys
        assert keys[:2] == ["dashboard", "inventory"]  # same display_order: by key


def test_grants_are_read_fresh_from_the_database(api: ApiClient, make_user: UserFactory, sql: Sql) -> None:
    uid, tok = make_user("u@farm.test", grants={"biofloc": "read"})
    assert "biofloc" in api.get("/dashboard/summary", token=tok).json()
    sql.execute("DELETE FROM user_module_grants WHERE user_id = %s", (uid,))
    assert api.get("/dashboard/summary", token=tok).json() == {}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/dashboard/modules", {"page": 0}),
        ("/dashboard/modules", {"limit": 500}),
        ("/dashboard/modules", {"page": "x"}),
        ("/dashboard/nope", {}),
    ],
)
def test_bad_input(api: ApiClient, admin_token: str, path: str, params: dict[str, Any]) -> None:
    r = api.get(path, params=params, token=admin_token)
    assert 400 <= r.status_code < 500 and "detail" in r.json()


def test_get_only_and_signed_in_only(api: ApiClient, admin_token: str, make_user: UserFactory) -> None:
    _, tok = make_user("u@farm.test")
    for path in ("/dashboard/summary", "/dashboard/modules", "/dashboard/widgets"):
        assert api.get(path).status_code == 401
        assert api.post(path, json={}, token=tok).status_code == 403  # the authorizer allows GET only
        r = api.post(path, json={}, token=admin_token)
        assert r.status_code == 405 and "detail" in r.json()
