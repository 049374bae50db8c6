"""Malformed input on every auth route: a 4xx with `detail`, never a 500, and nothing echoed back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import UserFactory
from tests.support.client import ApiClient

HUGE = "A1!a" * 20_000
PUBLIC_BODIES: dict[str, dict[str, Any]] = {
    "/auth/login": {"email": "u@farm.test", "password": "Secret#123"},
    "/auth/refresh": {"refresh_token": "abc"},
    "/auth/forgot-password": {"email": "u@farm.test"},
    "/auth/reset-password": {"token": "abc", "new_password": "Secret#12345"},
}


def variants(valid: dict[str, Any]) -> list[Any]:
    out: list[Any] = [None, {}, [], "text", 42, {**valid, "unknown": 1}]
    for key in valid:
        out += [
            {**valid, key: None},
            {**valid, key: 123},
            {**valid, key: ["x"]},
            {**valid, key: {"x": 1}},
            {**valid, key: HUGE},
            {k: v for k, v in valid.items() if k != key},
        ]
    return out


def assert_4xx(r: Any, *secrets: str) -> None:
    assert 400 <= r.status_code < 500, r
    assert "detail" in r.json()
    for secret in secrets:
        assert secret not in r.content.decode()


@pytest.mark.parametrize("path", list(PUBLIC_BODIES))
def test_public_routes_reject_bad_bodies(api: ApiClient, sql: Any, path: str) -> None:
    for i, body in enumerate(variants(PUBLIC_BODIES[path])):
        # A fresh IP per request: these checks are about validation, not the rate limits.
        r = api.request(
            "POST", path, data=b"null" if body is None else None, json=body, ip=f"10.0.{i // 250}.{i % 250}"
        )
        assert r.status_code == 422, (body if not isinstance(body, dict) else list(body), r)
        assert_4xx(r, HUGE[:100])


@pytest.mark.parametrize("path", list(PUBLIC_BODIES))
def test_public_routes_reject_malformed_json(api: ApiClient, sql: Any, path: str) -> None:
    for i, raw in enumerate([b"{", b'{"email": }', b"", b'{"email": "a@b.c"} trailing']):
        assert_4xx(api.request("POST", path, data=raw, ip=f"10.1.0.{i}"))
    # Not UTF-8: sent as binary (the local gateway cannot put invalid UTF-8 in a text event body).
    binary = {"Content-Type": "application/octet-stream"}
    assert_4xx(api.request("POST", path, data=b"\xff\xfe{", headers=binary, ip="10.1.1.1"))


def test_login_never_echoes_the_password(api: ApiClient, sql: Any) -> None:
    r = api.post("/auth/login", json={"email": ["x"], "password": "MySecret#123"})
    assert_4xx(r, "MySecret#123")


def test_signed_in_routes_reject_bad_input(api: ApiClient, make_user: UserFactory) -> None:
    _, token = make_user()
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", "/auth/me", {"json": {}}),
        ("PATCH", "/auth/me", {"json": {"full_name": 5}}),
        ("PATCH", "/auth/me", {"json": {"full_name": HUGE}}),
        ("PATCH", "/auth/me", {"json": {"full_name": "ok", "role": "admin"}}),
        ("PATCH", "/auth/me", {"data": b"{oops"}),
        ("PATCH", "/auth/me", {"json": ["full_name"]}),
        ("POST", "/auth/change-password", {"json": {}}),
        ("POST", "/auth/change-password", {"json": {"current_password": 1, "new_password": 2}}),
        ("POST", "/auth/change-password", {"json": {"current_password": "a", "new_password": HUGE}}),
        ("POST", "/auth/change-password", {"json": {"current_password": "a", "new_password": "b", "x": 1}}),
        ("POST", "/auth/change-password", {"data": b"nope"}),
        ("POST", "/auth/logout", {"params": {"all": "sometimes"}}),
        ("GET", "/auth/sessions", {"params": {"limit": 0}}),
        ("GET", "/auth/sessions", {"params": {"page": "x"}}),
        ("GET", "/auth/sessions", {"params": {"live_only": "perhaps"}}),
        ("DELETE", "/auth/sessions/abc", {}),
        ("DELETE", "/auth/sessions/0", {}),
        ("DELETE", "/auth/sessions/99999999999999999999999", {}),
        ("DELETE", "/auth/sessions/123456", {}),
        ("GET", "/auth/login-history", {"params": {"limit": 500}}),
        ("GET", "/auth/nothing-here", {}),
        ("PUT", "/auth/me", {"json": {"full_name": "x"}}),
    ]
    for method, path, kw in cases:
        r = api.request(method, path, token=token, **kw)
        assert_4xx(r, HUGE[:100])
