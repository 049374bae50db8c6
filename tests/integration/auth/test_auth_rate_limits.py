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


IP = "203.0.113.7"


def _use_up_the_ip_limit(login: Login) -> None:
    """Ten failed sign-ins from one IP in the same minute: the per-IP limit."""
    for i in range(10):
        assert login(f"user{i}@farm.test", "Whatever#123", ip=IP).status_code == 401


def test_scenario_10_eleventh_login_from_one_ip_is_429(login: Login) -> None:
    clock.freeze(T0)
    _use_up_the_ip_limit(login)
    r = login("user10@farm.test", "Whatever#123", ip=IP)
    assert r.status_code == 429
    body = r.json()
    assert {k: body[k] for k in ("detail", "code")} == LIMITED


def test_a_limited_answer_says_when_the_window_ends(login: Login) -> None:
    clock.freeze(T0)  # 30 s into its minute
    _use_up_the_ip_limit(login)
    r = login("user10@farm.test", "Whatever#123", ip=IP)
    assert r.status_code == 429
    assert r.json()["retry_after"] == int(r.headers["retry-after"]) == 30


def test_x_forwarded_for_does_not_change_the_counted_ip(api: ApiClient, login: Login) -> None:
    """X-Forwarded-For is client-controlled and ignored: still the same source IP."""
    clock.freeze(T0)
    _use_up_the_ip_limit(login)
    spoofed = api.post(
        "/auth/login",
        json={"email": "user11@farm.test", "password": "Whatever#123"},
        ip=IP,
        headers={"X-Forwarded-For": "192.0.2.1"},
    )
    assert spoofed.status_code == 429


def test_the_ip_limit_does_not_touch_another_ip(login: Login) -> None:
    clock.freeze(T0)
    _use_up_the_ip_limit(login)
    assert login("user11@farm.test", "Whatever#123", ip="203.0.113.8").status_code == 401


def test_the_next_fixed_window_starts_afresh(login: Login) -> None:
    clock.freeze(T0)
    _use_up_the_ip_limit(login)
    clock.advance(timedelta(seconds=30))
    assert login("user12@farm.test", "Whatever#123", ip=IP).status_code == 401


def test_limited_login_is_not_a_failure(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "u@farm.test")
    _use_up_the_ip_limit(login)
    assert login("u@farm.test", "Wrong#pass123", ip=IP).status_code == 429
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


def _use_up_the_refresh_limit(api: ApiClient) -> None:
    for _ in range(30):
        assert api.post("/auth/refresh", json={"refresh_token": "x"}, ip=IP).status_code == 401


def test_refresh_limit_per_ip(api: ApiClient, sql: SQL) -> None:
    clock.freeze(T0)
    _use_up_the_refresh_limit(api)
    r = api.post("/auth/refresh", json={"refresh_token": "x"}, ip=IP)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_the_refresh_limit_does_not_touch_another_ip(api: ApiClient, sql: SQL) -> None:
    clock.freeze(T0)
    _use_up_the_refresh_limit(api)
    assert api.post("/auth/refresh", json={"refresh_token": "x"}, ip="203.0.113.8").status_code == 401
