"""The request path end to end: gateway logic → authorizer → handler → PostgreSQL."""

from __future__ import annotations

from tests.support.client import ApiClient


def test_ping_and_health(api: ApiClient) -> None:
    r = api.get("/ping")
    assert r.status_code == 200 and r.json() == {"message": "pong"}
    h = api.get("/health")
    assert h.status_code == 200, h
    body = h.json()
    assert body["database"] == "ok"
    assert body["status"] == "degraded"  # the expiry job has never run
    assert body["jobs"]["reservation_expiry"]["stale"] is True


def test_protected_route_without_token_is_401_with_cors(api: ApiClient) -> None:
    r = api.get("/dashboard/summary")
    assert r.status_code == 401
    assert r.json() == {"detail": "Not authenticated", "code": "not_authenticated"}
    assert r.headers["access-control-allow-origin"]


def test_forged_token_is_401(api: ApiClient) -> None:
    r = api.get("/dashboard/summary", token="eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl")
    assert r.status_code == 401
