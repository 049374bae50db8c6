"""POST /auth/login: response shape, identical failures, lockout (scenario 1), history, session limit (scenario 2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from farm_erp import clock
from tests.integration.auth.auth_helpers import SQL, actions, sessions_of, user_row
from tests.support.client import ApiClient, Response
from tests.support.factories import DEFAULT_PASSWORD, create_user

Login = Callable[..., Response]
INVALID = {"detail": "Invalid email or password", "code": "invalid_credentials"}
T0 = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def grower(sql: SQL, login: Login) -> tuple[int, dict[str, Any]]:
    """Grace Grower signed in with her email in another case and padded: (user id, the login answer)."""
    uid = create_user(sql, "grower@farm.test", full_name="Grace Grower")
    r = login("  Grower@FARM.test ")
    assert r.status_code == 200, r
    body: dict[str, Any] = r.json()
    return uid, body


def test_login_returns_a_bearer_pair(grower: tuple[int, dict[str, Any]]) -> None:
    _, body = grower
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["refresh_token"] and body["access_token"]
    assert body["must_change_password"] is False


def test_login_returns_the_user_with_the_stored_email(grower: tuple[int, dict[str, Any]]) -> None:
    uid, body = grower
    assert body["user"] == {
        "id": uid,
        "email": "grower@farm.test",
        "full_name": "Grace Grower",
        "role": "user",
        "is_admin": False,
    }


def test_login_access_token_signs_in(api: ApiClient, grower: tuple[int, dict[str, Any]]) -> None:
    uid, body = grower
    me = api.get("/auth/me", token=body["access_token"])
    assert me.status_code == 200 and me.json()["id"] == uid


def test_login_opens_a_7_day_session_with_ip_and_user_agent(sql: SQL, grower: tuple[int, dict[str, Any]]) -> None:
    uid, _ = grower
    [session] = sessions_of(sql, uid)
    assert session["ip"] == "198.51.100.7" and session["user_agent"] == "pytest-client/1.0"
    assert session["expires_at"] - session["created_at"] == timedelta(days=7)
    assert session["last_activity_at"] == session["created_at"]


def test_login_stores_only_the_refresh_token_hash(sql: SQL, grower: tuple[int, dict[str, Any]]) -> None:
    uid, body = grower
    [session] = sessions_of(sql, uid)
    stored = sql.execute("SELECT token_hash, expires_at FROM refresh_tokens").fetchall()
    assert len(stored) == 1 and stored[0]["token_hash"] != body["refresh_token"]
    assert stored[0]["expires_at"] == session["expires_at"]


def test_login_records_the_sign_in_on_the_user(sql: SQL, grower: tuple[int, dict[str, Any]]) -> None:
    uid, _ = grower
    user = user_row(sql, uid)
    assert user["last_login_at"] is not None and user["failed_login_attempts"] == 0


def test_login_writes_one_activity_row_of_the_session(sql: SQL, grower: tuple[int, dict[str, Any]]) -> None:
    uid, _ = grower
    [session] = sessions_of(sql, uid)
    assert actions(sql) == ["auth.login.success"]
    act = sql.execute("SELECT * FROM activity_logs").fetchone()
    assert act is not None
    assert act["user_id"] == uid and act["session_id"] == session["id"] and act["module_key"] is None


def test_login_admin_and_must_change_flag(sql: SQL, login: Login) -> None:
    create_user(sql, "boss@farm.test", role="admin", must_change=True)
    body = login("boss@farm.test").json()
    assert body["must_change_password"] is True
    assert body["user"]["role"] == "admin" and body["user"]["is_admin"] is True


def test_every_failure_is_the_same_401(api: ApiClient, sql: SQL, login: Login) -> None:
    create_user(sql, "v@farm.test")
    create_user(sql, "gone@farm.test", active=False)
    create_user(sql, "nopw@farm.test", password=None)
    responses = [
        login("x@farm.test"),
        login("v@farm.test", "Wrong#pass123"),
        login("gone@farm.test"),
        login("nopw@farm.test", ""),
        login("nopw@farm.test", "anything"),
    ]
    # An empty password is malformed input; the rest are all the same 401.
    assert responses[3].status_code == 422
    failures = [r for i, r in enumerate(responses) if i != 3]
    assert all(r.status_code == 401 for r in failures)
    assert {r.content for r in failures} == {failures[0].content}
    assert failures[0].json() == INVALID
    rows = sql.execute(
        "SELECT email_attempted, status, failure_reason, user_id FROM login_history ORDER BY id"
    ).fetchall()
    assert [(r["email_attempted"], r["failure_reason"]) for r in rows] == [
        ("x@farm.test", "unknown_email"),
        ("v@farm.test", "invalid_password"),
        ("gone@farm.test", "inactive"),
        ("nopw@farm.test", "no_password"),
    ]
    assert rows[0]["user_id"] is None and all(r["status"] == "failed" for r in rows)
    assert actions(sql) == ["auth.login.failed"] * 4


def test_password_over_72_bytes_never_matches(sql: SQL, login: Login) -> None:
    # bcrypt only reads 72 bytes: the stored password followed by anything must not sign in.
    pw = "Aa1!" + "x" * 68
    assert len(pw.encode()) == 72
    create_user(sql, "long@farm.test", password=pw)
    assert login("long@farm.test", pw).status_code == 200
    assert login("long@farm.test", pw + "extra").status_code == 401


def test_scenario_1_lockout(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    u = create_user(sql, "u@farm.test")
    create_user(sql, "v@farm.test")
    unknown = login("x@farm.test", "Whatever#123", ip="203.0.113.1")
    wrong_v = login("v@farm.test", "Whatever#123", ip="203.0.113.1")
    assert unknown.status_code == wrong_v.status_code == 401
    assert unknown.content == wrong_v.content
    assert unknown.json() == INVALID

    for _ in range(5):
        r = login("u@farm.test", "Wrong#pass123")
        assert r.status_code == 401 and r.json() == INVALID
    assert user_row(sql, u)["locked_until"] == T0 + timedelta(minutes=15)
    assert user_row(sql, u)["failed_login_attempts"] == 5
    assert actions(sql, "auth.lockout") == ["auth.lockout"]

    clock.advance(timedelta(minutes=1))
    r = login("u@farm.test")
    assert r.status_code == 401 and r.content == unknown.content
    statuses = [
        row["status"]
        for row in sql.execute("SELECT status FROM login_history WHERE user_id = %s ORDER BY id", (u,)).fetchall()
    ]
    assert statuses == ["failed"] * 5 + ["locked"]
    # Attempts while locked do not extend the lock.
    assert user_row(sql, u)["locked_until"] == T0 + timedelta(minutes=15)

    clock.freeze(T0 + timedelta(minutes=16))
    r = login("u@farm.test")
    assert r.status_code == 200, r
    row = user_row(sql, u)
    assert row["failed_login_attempts"] == 0 and row["locked_until"] is None


def test_wrong_password_while_locked_does_not_count(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    u = create_user(sql, "u@farm.test")
    for i in range(5):
        login("u@farm.test", "Wrong#pass123", ip=f"203.0.113.{i}")
    clock.advance(timedelta(minutes=10))
    assert login("u@farm.test", "Wrong#pass123").status_code == 401
    row = user_row(sql, u)
    assert row["failed_login_attempts"] == 5 and row["locked_until"] == T0 + timedelta(minutes=15)
    assert actions(sql, "auth.lockout") == ["auth.lockout"]


def test_expired_lock_restarts_the_counter(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    u = create_user(sql, "u@farm.test")
    for _ in range(5):
        login("u@farm.test", "Wrong#pass123")
    clock.advance(timedelta(minutes=20))
    assert login("u@farm.test", "Wrong#pass123").status_code == 401
    row = user_row(sql, u)
    assert row["failed_login_attempts"] == 1 and row["locked_until"] is None
    for _ in range(3):
        login("u@farm.test", "Wrong#pass123")
    assert user_row(sql, u)["locked_until"] is None
    login("u@farm.test", "Wrong#pass123")
    assert user_row(sql, u)["locked_until"] == T0 + timedelta(minutes=20, seconds=0) + timedelta(minutes=15)


def test_success_resets_the_counter(sql: SQL, login: Login) -> None:
    u = create_user(sql, "u@farm.test")
    for _ in range(4):
        login("u@farm.test", "Wrong#pass123")
    assert user_row(sql, u)["failed_login_attempts"] == 4
    assert login("u@farm.test").status_code == 200
    assert user_row(sql, u)["failed_login_attempts"] == 0


def test_history_flags_new_device_and_ip(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    u = create_user(sql, "u@farm.test", role="admin")
    attempts = [
        ("203.0.113.1", "phone", DEFAULT_PASSWORD),
        ("203.0.113.1", "phone", DEFAULT_PASSWORD),
        ("203.0.113.2", "phone", DEFAULT_PASSWORD),
        ("203.0.113.1", "laptop", DEFAULT_PASSWORD),
        ("203.0.113.9", "tablet", "Wrong#pass123"),
        ("203.0.113.9", "tablet", DEFAULT_PASSWORD),
    ]
    for ip, ua, password in attempts:
        clock.advance(timedelta(minutes=1))  # stay under the per-email rate limit
        login("u@farm.test", password, ip=ip, ua=ua)
    rows = sql.execute(
        "SELECT status, is_new_device, is_new_ip FROM login_history WHERE user_id = %s ORDER BY id", (u,)
    ).fetchall()
    assert [(r["status"], r["is_new_device"], r["is_new_ip"]) for r in rows] == [
        ("success", True, True),
        ("success", False, False),
        ("success", False, True),
        ("success", True, False),
        ("failed", True, True),
        # A failed attempt is not an earlier successful login.
        ("success", True, True),
    ]


def test_scenario_2_session_limit(api: ApiClient, sql: SQL, login: Login) -> None:
    u = create_user(sql, "u@farm.test")
    a = login("u@farm.test", ua="device-A").json()
    assert api.get("/auth/me", token=a["access_token"]).status_code == 200
    b = login("u@farm.test", ua="device-B").json()
    assert api.post("/auth/refresh", json={"refresh_token": a["refresh_token"]}).status_code == 401
    assert api.get("/auth/me", token=a["access_token"]).status_code == 401
    assert api.get("/auth/me", token=b["access_token"]).status_code == 200
    first, second = sessions_of(sql, u)
    assert first["revoked_reason"] == "session_limit" and second["revoked_at"] is None
    revoke = sql.execute("SELECT metadata FROM activity_logs WHERE action = 'auth.session.revoke'").fetchone()
    assert revoke is not None and revoke["metadata"] == {"reason": "session_limit", "session_ids": [first["id"]]}


def test_admin_keeps_five_sessions_dropping_the_least_recently_active(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    u = create_user(sql, "boss@farm.test", role="admin")
    pairs = []
    for i in range(5):
        clock.advance(timedelta(minutes=1))
        pairs.append(login("boss@farm.test", ip=f"203.0.113.{i}").json())
    # The oldest session becomes the most recently active one.
    clock.advance(timedelta(minutes=1))
    assert api.post("/auth/refresh", json={"refresh_token": pairs[0]["refresh_token"]}).status_code == 200
    clock.advance(timedelta(minutes=1))
    login("boss@farm.test", ip="203.0.113.99")
    sessions = sessions_of(sql, u)
    assert [s["revoked_reason"] for s in sessions] == [None, "session_limit", None, None, None, None]
