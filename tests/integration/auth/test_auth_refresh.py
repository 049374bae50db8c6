"""POST /auth/refresh: rotation, reuse and every 401 rule of docs/rules.md, Tokens and sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from farm_erp import clock
from tests.integration.auth.auth_helpers import SQL, actions, sessions_of
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user

Login = Callable[..., Response]
T0 = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)
BAD = {"detail": "Invalid or expired refresh token", "code": "invalid_refresh_token"}


def refresh(api: ApiClient, token: str) -> Response:
    return api.post("/auth/refresh", json={"refresh_token": token})


def signed_in(sql: SQL, login: Login, email: str = "u@farm.test", **kw: Any) -> tuple[int, dict[str, Any]]:
    uid = create_user(sql, email, **kw)
    r = login(email)
    assert r.status_code == 200, r
    return uid, r.json()


def test_refresh_rotates_and_moves_activity(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid, pair = signed_in(sql, login, full_name="Rita")
    clock.advance(timedelta(minutes=45))
    r = refresh(api, pair["refresh_token"])
    assert r.status_code == 200, r
    body = r.json()
    assert body["refresh_token"] != pair["refresh_token"] and body["access_token"] != pair["access_token"]
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    assert body["user"] == pair["user"] and body["must_change_password"] is False
    [session] = sessions_of(sql, uid)
    assert session["last_activity_at"] == T0 + timedelta(minutes=45)
    tokens = sql.execute("SELECT used_at, expires_at FROM refresh_tokens ORDER BY id").fetchall()
    assert tokens[0]["used_at"] == T0 + timedelta(minutes=45)
    # Never past the session's end: min(now + 7 d, session.expires_at).
    assert tokens[1]["used_at"] is None and tokens[1]["expires_at"] == session["expires_at"] == T0 + timedelta(days=7)
    assert api.get("/auth/me", token=body["access_token"]).status_code == 200
    assert refresh(api, body["refresh_token"]).status_code == 200
    assert actions(sql) == ["auth.login.success", "auth.session.refresh", "auth.session.refresh"]


def test_scenario_3_refresh_reuse(api: ApiClient, sql: SQL, login: Login) -> None:
    uid, pair = signed_in(sql, login)
    r1 = pair["refresh_token"]
    second = refresh(api, r1)
    assert second.status_code == 200
    r2 = second.json()["refresh_token"]
    reuse = refresh(api, r1)
    assert reuse.status_code == 401 and reuse.json() == BAD
    assert refresh(api, r2).status_code == 401
    [session] = sessions_of(sql, uid)
    assert session["revoked_reason"] == "refresh_reuse"
    assert api.get("/auth/me", token=second.json()["access_token"]).status_code == 401
    assert actions(sql, "auth.session.revoke") == ["auth.session.revoke"]


def test_unknown_token_is_401(api: ApiClient, sql: SQL) -> None:
    r = refresh(api, "not-a-token")
    assert r.status_code == 401 and r.json() == BAD


def test_expired_token_is_401(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid, pair = signed_in(sql, login)
    # Keep the session live (activity) but let the token itself run out.
    sql.execute("UPDATE refresh_tokens SET expires_at = %s", (T0 + timedelta(minutes=5),))
    clock.advance(timedelta(minutes=5))
    assert refresh(api, pair["refresh_token"]).status_code == 401
    assert sessions_of(sql, uid)[0]["revoked_at"] is None


def test_idle_session_is_401(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    _, pair = signed_in(sql, login)
    clock.advance(timedelta(minutes=720))
    assert refresh(api, pair["refresh_token"]).status_code == 401


def test_session_active_within_idle_window_refreshes(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    _, pair = signed_in(sql, login)
    token = pair["refresh_token"]
    # Activity every 11 h keeps the session going past the 12 h idle window.
    for _ in range(3):
        clock.advance(timedelta(hours=11))
        r = refresh(api, token)
        assert r.status_code == 200, r
        token = r.json()["refresh_token"]


def test_expired_session_is_401(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid, pair = signed_in(sql, login)
    sql.execute("UPDATE sessions SET expires_at = %s WHERE user_id = %s", (T0 + timedelta(minutes=1), uid))
    clock.advance(timedelta(minutes=2))
    assert refresh(api, pair["refresh_token"]).status_code == 401


def test_revoked_session_is_401(api: ApiClient, sql: SQL, login: Login) -> None:
    _, pair = signed_in(sql, login)
    assert api.post("/auth/logout", token=pair["access_token"]).status_code == 204
    assert refresh(api, pair["refresh_token"]).status_code == 401


def test_inactive_user_is_401(api: ApiClient, sql: SQL, login: Login) -> None:
    uid, pair = signed_in(sql, login)
    sql.execute("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    r = refresh(api, pair["refresh_token"])
    assert r.status_code == 401 and r.json() == BAD
    # Not reuse: the token stays unused, the session is not revoked by this.
    assert sql.execute("SELECT used_at FROM refresh_tokens").fetchone() == {"used_at": None}


def test_refresh_carries_current_role_and_must_change(api: ApiClient, sql: SQL, login: Login) -> None:
    uid, pair = signed_in(sql, login)
    sql.execute(
        "UPDATE users SET must_change_password = true, role_id = (SELECT id FROM roles WHERE key = 'admin') "
        "WHERE id = %s",
        (uid,),
    )
    body = refresh(api, pair["refresh_token"]).json()
    assert body["must_change_password"] is True and body["user"]["role"] == "admin" and body["user"]["is_admin"]
