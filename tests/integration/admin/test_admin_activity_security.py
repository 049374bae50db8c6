"""Activity-log search, statistics, sessions of every user, login history and security figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from farm_erp import clock
from tests.conftest import UserFactory
from tests.support.client import ApiClient
from tests.support.factories import token_for

Sql = psycopg.Connection[dict[str, Any]]
NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


def _log(
    sql: Sql, at: datetime, action: str, user_id: int | None = None, module: str | None = None, success: bool = True
) -> None:
    sql.execute(
        """INSERT INTO activity_logs (user_id, action, module_key, success, metadata, created_at)
           VALUES (%s, %s, %s, %s, %s, %s)""",
        (user_id, action, module, success, Jsonb({"n": 1}), at),
    )


def _login(sql: Sql, at: datetime, email: str, status: str, user_id: int | None = None) -> None:
    sql.execute(
        """INSERT INTO login_history (user_id, email_attempted, ip, status, created_at)
           VALUES (%s, %s, '203.0.113.9', %s, %s)""",
        (user_id, email, status, at),
    )


@pytest.fixture
def logged(make_user: UserFactory, sql: Sql) -> int:
    """Four activity rows around the default window (the last 7 farm days up to NOW); the user's id."""
    clock.freeze(NOW)
    uid, _ = make_user("u@farm.test")
    _log(sql, NOW - timedelta(days=6, hours=11), "inventory.item.create", uid, "inventory")  # Mar 25 01:00: in
    _log(sql, NOW - timedelta(days=6, hours=13), "inventory.item.update", uid, "inventory")  # Mar 24 23:00: out
    _log(sql, NOW - timedelta(hours=1), "biofloc.tank.create", None, "biofloc", success=False)
    _log(sql, NOW - timedelta(days=40), "inventory.item.delete", uid, "inventory")
    return uid


def _activity(api: ApiClient, token: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    r = api.get("/admin/activity-logs", params=params or {}, token=token)
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def test_activity_search_is_the_last_7_days_newest_first(api: ApiClient, admin_token: str, logged: int) -> None:
    body = _activity(api, admin_token)
    assert [a["action"] for a in body["items"]] == ["biofloc.tank.create", "inventory.item.create"]
    assert body["total"] == 2


def test_activity_rows_carry_their_metadata_and_utc_time(api: ApiClient, admin_token: str, logged: int) -> None:
    newest = _activity(api, admin_token)["items"][0]
    assert newest["metadata"] == {"n": 1}
    assert newest["created_at"] == "2025-03-31T11:00:00Z"


def test_activity_window_from_and_to_are_inclusive_dates(api: ApiClient, admin_token: str, logged: int) -> None:
    assert _activity(api, admin_token, {"from": "2025-02-01", "to": "2025-03-31"})["total"] == 4


def test_activity_window_with_only_from_runs_to_today(api: ApiClient, admin_token: str, logged: int) -> None:
    assert _activity(api, admin_token, {"from": "2025-02-01"})["total"] == 4


def test_activity_window_with_only_to_is_the_7_days_ending_then(api: ApiClient, admin_token: str, logged: int) -> None:
    only_to = _activity(api, admin_token, {"to": "2025-03-24"})
    assert [a["action"] for a in only_to["items"]] == ["inventory.item.update"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"module_key": "biofloc"}, 1),
        ({"action": "inventory.item.delete"}, 1),
        ({"success": "false"}, 1),
        ({"user_id": 999999}, 0),
        ({}, 4),
    ],
)
def test_activity_filters_within_the_window(
    api: ApiClient, admin_token: str, logged: int, extra: dict[str, Any], expected: int
) -> None:
    params = {"from": "2025-01-01", "to": "2025-03-31", **extra}
    assert _activity(api, admin_token, params)["total"] == expected


def test_activity_filter_by_user(api: ApiClient, admin_token: str, logged: int) -> None:
    params = {"from": "2025-01-01", "to": "2025-03-31", "user_id": logged}
    assert _activity(api, admin_token, params)["total"] == 3


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2025-01-01", "to": "2025-03-31"}, 200),  # 90 days, both ends included
        ({"from": "2024-12-31", "to": "2025-03-31"}, 422),  # 91 days
        ({"from": "2024-01-01"}, 422),  # to defaults to today
    ],
)
def test_activity_window_spans_at_most_90_days(
    api: ApiClient, admin_token: str, params: dict[str, str], status: int
) -> None:
    clock.freeze(NOW)
    assert api.get("/admin/activity-logs", params=params, token=admin_token).status_code == status


def test_activity_window_from_after_to_is_422(api: ApiClient, admin_token: str) -> None:
    params = {"from": "2025-03-02", "to": "2025-03-01"}
    assert api.get("/admin/activity-logs", params=params, token=admin_token).status_code == 422


def test_statistics(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    clock.freeze(NOW)
    make_user("u1@farm.test")
    make_user("u2@farm.test", active=False)
    make_user("b@farm.test", role="admin")
    _login(sql, NOW - timedelta(hours=2), "u1@farm.test", "success")
    _login(sql, NOW - timedelta(hours=25), "u1@farm.test", "success")
    _login(sql, NOW - timedelta(hours=3), "x@farm.test", "failed")
    _login(sql, NOW - timedelta(hours=3), "u1@farm.test", "locked")
    _log(sql, NOW - timedelta(days=1), "a.b.c")
    _log(sql, NOW - timedelta(days=8), "a.b.c")
    r = api.get("/admin/statistics", token=admin_token)
    assert r.status_code == 200
    assert r.json() == {
        "total_users": 4,
        "active_users": 3,
        "inactive_users": 1,
        "total_admins": 2,
        "total_regular_users": 2,
        "recent_logins_24h": 1,
        "failed_logins_24h": 2,
        "total_activities_7d": 1,
    }


@pytest.fixture
def two_sessions(make_user: UserFactory, sql: Sql) -> tuple[int, str, int, int]:
    """Una with a live session of an hour ago and an expired one of 9 days ago: (user id, token, live, expired)."""
    clock.freeze(NOW)
    uid, token = make_user("u@farm.test", full_name="Una")
    live = sql.execute(
        "UPDATE sessions SET created_at = %s WHERE user_id = %s RETURNING id", (NOW - timedelta(hours=1), uid)
    ).fetchone()
    old = sql.execute(
        """INSERT INTO sessions (user_id, created_at, last_activity_at, expires_at)
           VALUES (%s, %s, %s, %s) RETURNING id""",
        (uid, NOW - timedelta(days=9), NOW - timedelta(days=9), NOW - timedelta(days=2)),
    ).fetchone()
    assert live is not None and old is not None
    return uid, token, int(live["id"]), int(old["id"])


def test_sessions_of_a_user_newest_first_with_name_and_liveness(
    api: ApiClient, admin_token: str, two_sessions: tuple[int, str, int, int]
) -> None:
    uid, _, live_id, old_id = two_sessions
    r = api.get("/admin/security/sessions", params={"user_id": uid}, token=admin_token)
    assert r.status_code == 200
    assert [(s["id"], s["email"], s["full_name"], s["is_live"]) for s in r.json()["items"]] == [
        (live_id, "u@farm.test", "Una", True),
        (old_id, "u@farm.test", "Una", False),
    ]


def test_sessions_live_only_of_everyone(
    api: ApiClient, admin_token: str, two_sessions: tuple[int, str, int, int]
) -> None:
    live = api.get("/admin/security/sessions", params={"live_only": "true"}, token=admin_token).json()
    assert {s["email"] for s in live["items"]} == {"u@farm.test", "admin@farm.test"} and live["total"] == 2


def test_revoking_a_session_signs_its_user_out(
    api: ApiClient, admin_token: str, two_sessions: tuple[int, str, int, int], sql: Sql
) -> None:
    _, token, live_id, _ = two_sessions
    assert api.delete(f"/admin/security/sessions/{live_id}", token=admin_token).status_code == 204
    row = sql.execute("SELECT revoked_reason FROM sessions WHERE id = %s", (live_id,)).fetchone()
    assert row == {"revoked_reason": "admin_revoked"}
    assert api.get("/dashboard/summary", token=token).status_code == 401


def test_revoking_a_session_again_changes_and_logs_nothing(
    api: ApiClient, admin_token: str, two_sessions: tuple[int, str, int, int], sql: Sql
) -> None:
    _, _, live_id, _ = two_sessions
    assert api.delete(f"/admin/security/sessions/{live_id}", token=admin_token).status_code == 204
    assert api.delete(f"/admin/security/sessions/{live_id}", token=admin_token).status_code == 204
    logged = sql.execute("SELECT count(*) AS n FROM activity_logs WHERE action = 'admin.session.revoke'").fetchone()
    assert logged == {"n": 1}


def test_revoking_an_unknown_session_is_404(api: ApiClient, admin_token: str) -> None:
    assert api.delete("/admin/security/sessions/999999", token=admin_token).status_code == 404


def test_login_history(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    clock.freeze(NOW)
    uid, _ = make_user("u@farm.test")
    _login(sql, NOW - timedelta(days=2), "u@farm.test", "success", uid)
    _login(sql, NOW - timedelta(hours=1), "u@farm.test", "failed", uid)
    _login(sql, NOW - timedelta(minutes=5), "ghost@farm.test", "failed")
    r = api.get("/admin/security/login-history", token=admin_token)
    assert r.status_code == 200
    assert [h["email_attempted"] for h in r.json()["items"]] == ["ghost@farm.test", "u@farm.test", "u@farm.test"]

    def total(**params: Any) -> int:
        return int(api.get("/admin/security/login-history", params=params, token=admin_token).json()["total"])

    assert total(status="failed") == 2
    assert total(user_id=uid) == 2
    assert total(email="GHOST") == 1
    assert total(email="_") == 0
    assert total(**{"from": "2025-03-31"}) == 2
    assert total(to="2025-03-29") == 1


def test_security_stats(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    clock.freeze(NOW)
    uid, _ = make_user("u@farm.test")
    token_for(sql, uid)
    sql.execute(
        """INSERT INTO sessions (user_id, created_at, last_activity_at, expires_at, revoked_at, revoked_reason)
           VALUES (%s, %s, %s, %s, %s, 'logout')""",
        (uid, NOW, NOW, NOW + timedelta(days=7), NOW),
    )
    sql.execute(  # idle for more than SESSION_IDLE_MINUTES: not live
        "INSERT INTO sessions (user_id, created_at, last_activity_at, expires_at) VALUES (%s, %s, %s, %s)",
        (uid, NOW - timedelta(days=1), NOW - timedelta(hours=13), NOW + timedelta(days=6)),
    )
    _login(sql, NOW - timedelta(hours=1), "u@farm.test", "success", uid)
    _login(sql, NOW - timedelta(hours=1), "u@farm.test", "failed", uid)
    _login(sql, NOW - timedelta(hours=1), "u@farm.test", "locked", uid)
    _log(sql, NOW - timedelta(hours=1), "auth.lockout", uid)
    _log(sql, NOW - timedelta(hours=30), "auth.lockout", uid)
    r = api.get("/admin/security/stats", token=admin_token)
    assert r.status_code == 200
    assert r.json() == {
        "active_sessions": 3,
        "logins_24h": 1,
        "failed_logins_24h": 2,
        "lockouts_24h": 1,
        "users_with_sessions": 2,
    }
