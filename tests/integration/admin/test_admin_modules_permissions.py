"""Roles, modules and permissions (docs/rules.md: Users, modules, permissions)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.conftest import UserFactory
from tests.support.client import ApiClient

Sql = psycopg.Connection[dict[str, Any]]


def _grants(sql: Sql, user_id: int) -> dict[str, str]:
    rows = sql.execute("SELECT module_key, access FROM user_module_grants WHERE user_id = %s", (user_id,))
    return {r["module_key"]: r["access"] for r in rows.fetchall()}


def test_roles_catalogue(api: ApiClient, admin_token: str) -> None:
    r = api.get("/admin/roles", token=admin_token)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    assert [(x["key"], x["is_admin"], x["max_sessions"]) for x in body["items"]] == [
        ("admin", True, 5),
        ("user", False, 1),
    ]


def test_modules_catalogue_includes_inactive(api: ApiClient, admin_token: str, sql: Sql) -> None:
    sql.execute("UPDATE modules SET is_active = false WHERE key = 'biofloc'")
    body = api.get("/admin/modules", token=admin_token).json()
    assert [m["key"] for m in body["items"]] == ["dashboard", "inventory", "biofloc", "admin"]
    assert {m["key"]: m["is_active"] for m in body["items"]}["biofloc"] is False
    assert {m["key"]: m["grantable"] for m in body["items"]} == {
        "dashboard": False,
        "inventory": True,
        "biofloc": True,
        "admin": False,
    }


def test_patch_module_and_protected_modules(api: ApiClient, admin_token: str, sql: Sql) -> None:
    r = api.patch(
        "/admin/modules/inventory",
        json={"name": "Stock", "description": None, "icon": "box", "display_order": 30},
        token=admin_token,
    )
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("name", "description", "icon", "display_order", "is_active")} == {
        "name": "Stock",
        "description": None,
        "icon": "box",
        "display_order": 30,
        "is_active": True,
    }
    row = sql.execute("SELECT metadata FROM activity_logs WHERE action = 'admin.module.update'").fetchone()
    assert row is not None and row["metadata"]["after"] == {
        "name": "Stock",
        "description": None,
        "icon": "box",
        "display_order": 30,
    }
    for key in ("dashboard", "admin"):
        r = api.patch(f"/admin/modules/{key}", json={"is_active": False}, token=admin_token)
        assert r.status_code == 409 and r.json()["code"] == "protected_module"
        # Other edits of a protected module are fine.
        assert api.patch(f"/admin/modules/{key}", json={"icon": "x"}, token=admin_token).status_code == 200
    assert api.patch("/admin/modules/nope", json={"icon": "x"}, token=admin_token).status_code == 404


def test_scenario_5_disabled_module(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    """With biofloc disabled, an admin's GET /biofloc/tanks is 403 module_disabled. U's grant survives, and after
    re-enabling U gets 200."""
    uid, u_tok = make_user("u@farm.test", grants={"biofloc": "read"})
    r = api.patch("/admin/modules/biofloc", json={"is_active": False}, token=admin_token)
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = api.get("/biofloc/tanks", token=admin_token)
    assert r.status_code == 403 and r.json()["code"] == "module_disabled"
    assert api.get("/biofloc/tanks", token=u_tok).status_code == 403
    assert _grants(sql, uid) == {"biofloc": "read"}
    perms = api.get(f"/admin/permissions/{uid}", token=admin_token).json()
    assert {g["module_key"]: g["access"] for g in perms["grants"]}["biofloc"] == "read"
    assert api.patch("/admin/modules/biofloc", json={"is_active": True}, token=admin_token).status_code == 200
    assert api.get("/biofloc/tanks", token=u_tok).status_code == 200


def test_scenario_4_read_grant(api: ApiClient, admin_token: str, make_user: UserFactory) -> None:
    """With inventory:read, GET /inventory/items is 200 and POST is 403."""
    uid, tok = make_user("u@farm.test")
    r = api.put(
        f"/admin/permissions/{uid}", json={"grants": [{"module_key": "inventory", "access": "read"}]}, token=admin_token
    )
    assert r.status_code == 200
    assert api.get("/inventory/items", token=tok).status_code == 200
    r = api.post("/inventory/items", json={"sku": "FEED-1", "name": "Feed"}, token=tok)
    assert r.status_code == 403


def test_module_users(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    make_user("reader@farm.test", grants={"inventory": "read"})
    make_user("writer@farm.test", grants={"inventory": "write", "biofloc": "read"})
    make_user("nobody@farm.test")
    make_user("gone@farm.test", grants={"inventory": "write"}, active=False)
    r = api.get("/admin/modules/inventory/users", token=admin_token)
    assert r.status_code == 200
    body = r.json()
    assert [(u["email"], u["access"]) for u in body["items"]] == [
        ("admin@farm.test", "write"),
        ("reader@farm.test", "read"),
        ("writer@farm.test", "write"),
    ]
    assert body["total"] == 3
    dash = api.get("/admin/modules/dashboard/users", params={"limit": 2, "page": 2}, token=admin_token).json()
    assert dash["total"] == 4 and len(dash["items"]) == 2
    admin = api.get("/admin/modules/admin/users", token=admin_token).json()
    assert [u["email"] for u in admin["items"]] == ["admin@farm.test"]
    # A disabled module keeps the list of who gets access back when it is re-enabled.
    sql.execute("UPDATE modules SET is_active = false WHERE key = 'inventory'")
    assert api.get("/admin/modules/inventory/users", token=admin_token).json()["total"] == 3
    assert api.get("/admin/modules/nope/users", token=admin_token).status_code == 404


def test_permissions_get_and_replace(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    uid, _ = make_user("u@farm.test", grants={"inventory": "write"})
    r = api.get(f"/admin/permissions/{uid}", token=admin_token)
    assert r.status_code == 200
    assert r.json() == {
        "user_id": uid,
        "grants": [
            {"module_key": "inventory", "module_name": "Inventory", "access": "write"},
            {"module_key": "biofloc", "module_name": "Biofloc", "access": None},
        ],
    }
    r = api.put(
        f"/admin/permissions/{uid}", json={"grants": [{"module_key": "biofloc", "access": "read"}]}, token=admin_token
    )
    assert r.status_code == 200
    assert [g["access"] for g in r.json()["grants"]] == [None, "read"]
    assert _grants(sql, uid) == {"biofloc": "read"}
    row = sql.execute("SELECT metadata, entity_id FROM activity_logs WHERE action = 'admin.permission.replace'")
    logged = row.fetchone()
    assert logged is not None and logged["entity_id"] == str(uid)
    assert logged["metadata"] == {
        "before": {"inventory": "write", "biofloc": None},
        "after": {"inventory": None, "biofloc": "read"},
    }
    granted_by = sql.execute("SELECT granted_by FROM user_module_grants WHERE user_id = %s", (uid,)).fetchone()
    admin_id = sql.execute("SELECT id FROM users WHERE email = 'admin@farm.test'").fetchone()
    assert granted_by is not None and admin_id is not None and granted_by["granted_by"] == admin_id["id"]
    # An empty list removes every grant.
    assert api.put(f"/admin/permissions/{uid}", json={"grants": []}, token=admin_token).status_code == 200
    assert _grants(sql, uid) == {}
    assert api.get("/admin/permissions/999999", token=admin_token).status_code == 404
    assert api.put("/admin/permissions/999999", json={"grants": []}, token=admin_token).status_code == 404


def test_scenario_12_atomic_grants(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    """U holds inventory:write. PUT [{biofloc,read},{nope,read}] is 422, and U's grants are unchanged."""
    uid, _ = make_user("u@farm.test", grants={"inventory": "write"})
    r = api.put(
        f"/admin/permissions/{uid}",
        json={"grants": [{"module_key": "biofloc", "access": "read"}, {"module_key": "nope", "access": "read"}]},
        token=admin_token,
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "grants", 1, "module_key"]
    assert _grants(sql, uid) == {"inventory": "write"}
    for bad in (
        [{"module_key": "admin", "access": "read"}],
        [{"module_key": "dashboard", "access": "read"}],
        [{"module_key": "biofloc", "access": "read"}, {"module_key": "biofloc", "access": "write"}],
        [{"module_key": "biofloc", "access": "owner"}],
    ):
        r = api.put(f"/admin/permissions/{uid}", json={"grants": bad}, token=admin_token)
        assert r.status_code == 422, bad
        assert _grants(sql, uid) == {"inventory": "write"}
    assert sql.execute("SELECT count(*) AS n FROM activity_logs WHERE action LIKE 'admin.permission%'").fetchone() == {
        "n": 0
    }


def test_admin_target_is_409(api: ApiClient, admin_token: str, make_user: UserFactory) -> None:
    bid, _ = make_user("b@farm.test", role="admin")
    r = api.put(
        f"/admin/permissions/{bid}", json={"grants": [{"module_key": "biofloc", "access": "read"}]}, token=admin_token
    )
    assert r.status_code == 409 and r.json()["code"] == "target_is_admin"


def test_scenario_11_idempotent_category(api: ApiClient, make_user: UserFactory, sql: Sql) -> None:
    """The same key and body twice on POST /inventory/categories give one row and identical 201 bodies.
    The same key with another body is 422."""
    _, tok = make_user("u@farm.test", grants={"inventory": "write"})
    body = {"name": "Feeds", "description": "Pellets and powders"}
    first = api.post("/inventory/categories", json=body, token=tok, headers={"Idempotency-Key": "cat-1"})
    second = api.post("/inventory/categories", json=body, token=tok, headers={"Idempotency-Key": "cat-1"})
    assert first.status_code == 201 and second.status_code == 201
    assert first.content == second.content
    assert second.headers.get("idempotent-replayed") == "true"
    assert sql.execute("SELECT count(*) AS n FROM categories").fetchone() == {"n": 1}
    other = api.post("/inventory/categories", json={"name": "Other"}, token=tok, headers={"Idempotency-Key": "cat-1"})
    assert other.status_code == 422
    assert sql.execute("SELECT count(*) AS n FROM categories").fetchone() == {"n": 1}
