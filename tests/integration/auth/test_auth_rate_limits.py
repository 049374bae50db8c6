"""Rate limits (docs/rules.md: Rate limits) on the auth routes, counted before any other work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from farm_erp import clock
from tests.integration.auth.auth_helpers import SQL, user_row
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user

Login = Callable[..., Response]
T0 = datetime(2025, 1, 5, 9, 0, 30, tzinfo=UTC)
LIMITED = {"detail": "Too many requests", "code": "rate_limited"}


def test_scenario_10_eleventh_login_from_one_ip(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    for i in range(10):
        assert login(f"user{i}@farm.test", "Whatever#123", ip="203.0.113.7").status_code == 401
    r = login("user10@farm.test", "Whatever#123", ip="203.0.113.7")
    assert r.status_code == 429
    body = r.json()
    assert {k: body[k] for k in ("detail", "code")} == LIMITED
    assert int(r.headers["retry-after"]) >= 1 and body["retry_after"] == int(r.headers["retry-after"]) == 30
    # X-Forwarded-For is client-controlled and ignored: still the same source IP.
    spoofed = api.post(
        "/auth/login",
        json={"email": "user11@farm.test", "password": "Whatever#123"},
        ip="203.0.113.7",
        headers={"X-Forwarded-For": "192.0.2.1"},
    )
    assert spoofed.status_code == 429
    assert login("user11@farm.test", "Whatever#123", ip="203.0.113.8").status_code == 401
    # The next fixed window starts afresh.
    clock.advance(timedelta(seconds=30))
    assert login("user12@farm.test", "Whatever#123", ip="203.0.113.7").status_code == 401


def test_limited_login_is_not_a_failure(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "u@farm.test")
    for i in range(10):
        login(f"user{i}@farm.test", "Whatever#123", ip="203.0.113.7")
    assert login("u@farm.test", "Wrong#pass123", ip="203.0.113.7").status_code == 429
    assert user_row(sql, uid)["failed_login_attempts"] == 0
    assert sql.execute("SELECT count(*) AS n FROM login_history WHERE user_id = %s", (uid,)).fetchone() == {"n": 0}


def test_per_email_limit(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "boss@farm.test", role="admin")
    for i in range(5):
        assert login("boss@farm.test", ip=f"203.0.113.{i}").status_code == 200
    r = login(" BOSS@farm.test", ip="203.0.113.99")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert sql.execute("SELECT count(*) AS n FROM login_history WHERE user_id = %s", (uid,)).fetchone() == {"n": 5}


def test_refresh_limit_per_ip(api: ApiClient, sql: SQL) -> None:
    clock.freeze(T0)
    for _ in range(30):
        assert api.post("/auth/refresh", json={"refresh_token": "x"}, ip="203.0.113.7").status_code == 401
    r = api.post("/auth/refresh", json={"refresh_token": "x"}, ip="203.0.113.7")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert api.post("/auth/refresh", json={"refresh_token": "x"}, ip="203.0.113.8").status_code == 401
