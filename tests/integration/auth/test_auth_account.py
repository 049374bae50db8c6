"""Own profile, logout, own sessions (scenario 9) and login history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from farm_erp import clock
from tests.conftest import UserFactory
from tests.integration.auth.auth_helpers import SQL, actions, sessions_of
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user, token_for

Login = Callable[..., Response]
T0 = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)


# --- /auth/me -------------------------------------------------------------------------------------------------------


def test_me_lists_modules_by_the_access_rule(api: ApiClient, make_user: UserFactory, sql: SQL) -> None:
    uid, token = make_user("u@farm.test", grants={"inventory": "write", "biofloc": "read"}, full_name="Ursula")
    r = api.get("/auth/me", token=token)
    assert r.status_code == 200, r
    body = r.json()
    assert body["id"] == uid and body["email"] == "u@farm.test" and body["full_name"] == "Ursula"
    assert body["role"] == "user" and body["is_admin"] is False and body["is_active"] is True
    assert body["must_change_password"] is False
    assert body["modules"] == [
        {"key": "dashboard", "access": "read"},
        {"key": "inventory", "access": "write"},
        {"key": "biofloc", "access": "read"},
    ]
    sql.execute("UPDATE modules SET is_active = false WHERE key = 'biofloc'")
    assert [m["key"] for m in api.get("/auth/me", token=token).json()["modules"]] == ["dashboard", "inventory"]


def test_me_for_admin_has_every_active_module(api: ApiClient, admin_token: str) -> None:
    modules = api.get("/auth/me", token=admin_token).json()["modules"]
    assert modules == [{"key": k, "access": "write"} for k in ("dashboard", "inventory", "biofloc", "admin")]


def test_patch_me(api: ApiClient, make_user: UserFactory, sql: SQL) -> None:
    uid, token = make_user("u@farm.test", full_name="Old")
    r = api.patch("/auth/me", json={"full_name": "  New Name  "}, token=token)
    assert r.status_code == 200 and r.json()["full_name"] == "New Name"
    act = sql.execute("SELECT * FROM activity_logs WHERE action = 'auth.profile.update'").fetchone()
    assert act is not None and act["user_id"] == uid
    assert act["metadata"] == {"before": {"full_name": "Old"}, "after": {"full_name": "New Name"}}
    for bad in ({}, {"full_name": None}, {"full_name": ""}, {"full_name": "x" * 256}, {"email": "a@b.c"}):
        assert api.patch("/auth/me", json=bad, token=token).status_code == 422, bad


# --- logout ---------------------------------------------------------------------------------------------------------


def test_logout_current_session(api: ApiClient, sql: SQL, login: Login) -> None:
    uid = create_user(sql, "boss@farm.test", role="admin")
    a = login("boss@farm.test").json()
    b = login("boss@farm.test").json()
    r = api.post("/auth/logout", token=a["access_token"])
    assert r.status_code == 204 and r.content == b""
    assert api.get("/auth/me", token=a["access_token"]).status_code == 401
    assert api.get("/auth/me", token=b["access_token"]).status_code == 200
    assert [s["revoked_reason"] for s in sessions_of(sql, uid)] == ["logout", None]
    assert actions(sql, "auth.logout") == ["auth.logout"]


def test_logout_all(api: ApiClient, sql: SQL, login: Login) -> None:
    uid = create_user(sql, "boss@farm.test", role="admin")
    a = login("boss@farm.test").json()
    b = login("boss@farm.test").json()
    assert api.post("/auth/logout", params={"all": "true"}, token=a["access_token"]).status_code == 204
    assert [s["revoked_reason"] for s in sessions_of(sql, uid)] == ["logout", "logout"]
    assert api.post("/auth/refresh", json={"refresh_token": b["refresh_token"]}).status_code == 401
    assert api.post("/auth/logout", params={"all": "maybe"}, token=b["access_token"]).status_code == 401


def test_logout_bad_query_is_422(api: ApiClient, make_user: UserFactory) -> None:
    _, token = make_user()
    r = api.post("/auth/logout", params={"all": "maybe"}, token=token)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "all"]


# --- sessions -------------------------------------------------------------------------------------------------------


def test_list_sessions_newest_first_with_current(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "boss@farm.test", role="admin")
    first = login("boss@farm.test", ua="phone").json()
    clock.advance(timedelta(minutes=1))
    second = login("boss@farm.test", ua="laptop").json()
    clock.advance(timedelta(minutes=1))
    api.post("/auth/logout", token=first["access_token"])
    r = api.get("/auth/sessions", token=second["access_token"])
    assert r.status_code == 200, r
    body = r.json()
    assert body["total"] == 1 and body["page"] == 1 and body["limit"] == 50
    [live] = body["items"]
    assert live["is_current"] is True and live["status"] == "live" and live["user_agent"] == "laptop"
    every = api.get("/auth/sessions", params={"live_only": "false"}, token=second["access_token"]).json()
    assert [(s["user_agent"], s["status"], s["is_current"]) for s in every["items"]] == [
        ("laptop", "live", True),
        ("phone", "revoked", False),
    ]
    assert every["items"][1]["revoked_reason"] == "logout"
    paged = api.get(
        "/auth/sessions", params={"live_only": "false", "limit": 1, "page": 2}, token=second["access_token"]
    )
    assert paged.json()["total"] == 2 and [s["user_agent"] for s in paged.json()["items"]] == ["phone"]
    other = create_user(sql, "other@farm.test")
    token_for(sql, other)
    assert api.get("/auth/sessions", token=second["access_token"]).json()["total"] == 1
    assert sessions_of(sql, uid)[0]["revoked_reason"] == "logout"


def test_scenario_9_ownership(api: ApiClient, sql: SQL, login: Login) -> None:
    a = create_user(sql, "a@farm.test", role="admin")
    b = create_user(sql, "b@farm.test")
    a1 = login("a@farm.test", ua="a-phone").json()["access_token"]
    a2 = login("a@farm.test", ua="a-laptop").json()["access_token"]
    login("b@farm.test")
    [b_session] = sessions_of(sql, b)
    r = api.delete(f"/auth/sessions/{b_session['id']}", token=a1)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert sessions_of(sql, b)[0]["revoked_at"] is None
    assert api.delete("/auth/sessions/999999", token=a1).status_code == 404

    r = api.delete("/auth/sessions", token=a1)
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert api.get("/auth/me", token=a1).status_code == 200
    assert api.get("/auth/me", token=a2).status_code == 401
    assert [s["revoked_reason"] for s in sessions_of(sql, a)] == [None, "self_revoked"]
    assert api.delete("/auth/sessions", token=a1).json() == {"revoked": 0}


def test_delete_one_own_session(api: ApiClient, sql: SQL, login: Login) -> None:
    uid = create_user(sql, "a@farm.test", role="admin")
    a1 = login("a@farm.test").json()["access_token"]
    a2 = login("a@farm.test").json()["access_token"]
    first, second = sessions_of(sql, uid)
    assert api.delete(f"/auth/sessions/{second['id']}", token=a1).status_code == 204
    assert api.get("/auth/me", token=a2).status_code == 401
    # Deleting an already revoked own session changes nothing.
    assert api.delete(f"/auth/sessions/{second['id']}", token=a1).status_code == 204
    assert actions(sql, "auth.session.revoke") == ["auth.session.revoke"]
    # The current session may be revoked too.
    assert api.delete(f"/auth/sessions/{first['id']}", token=a1).status_code == 204
    assert api.get("/auth/me", token=a1).status_code == 401


# --- login history --------------------------------------------------------------------------------------------------


def test_login_history_own_newest_first(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    create_user(sql, "u@farm.test")
    create_user(sql, "other@farm.test")
    login("u@farm.test", "Wrong#pass123")
    clock.advance(timedelta(seconds=1))
    login("other@farm.test")
    clock.advance(timedelta(seconds=1))
    token = login("u@farm.test").json()["access_token"]
    r = api.get("/auth/login-history", token=token)
    assert r.status_code == 200, r
    body = r.json()
    assert body["total"] == 2
    assert [(i["status"], i["failure_reason"]) for i in body["items"]] == [
        ("success", None),
        ("failed", "invalid_password"),
    ]
    item = body["items"][0]
    assert item["email_attempted"] == "u@farm.test" and item["ip"] == "198.51.100.7"
    assert item["is_new_device"] is True and item["is_new_ip"] is True
    assert set(item) == {
        "id",
        "created_at",
        "email_attempted",
        "ip",
        "user_agent",
        "status",
        "failure_reason",
        "is_new_device",
        "is_new_ip",
    }
    assert api.get("/auth/login-history", params={"limit": 201}, token=token).status_code == 422
    assert api.get("/auth/login-history", params={"page": 0}, token=token).status_code == 422
