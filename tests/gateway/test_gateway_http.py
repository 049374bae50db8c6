"""HTTP through the local gateway, its worker processes and the real authorizer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.live import LiveGateway

pytestmark = pytest.mark.gateway


def test_ping_and_public_health(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        assert http.get("/ping").json() == {"message": "pong"}
        assert http.get("/health").json()["database"] == "ok"


def test_missing_and_forged_tokens_are_401_with_cors(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        for headers in ({}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic abc"}):
            r = http.get("/dashboard/summary", headers=headers)
            assert r.status_code == 401
            assert r.json() == {"detail": "Not authenticated", "code": "not_authenticated"}
            assert r.headers["access-control-allow-origin"] == "*"
            assert "Idempotency-Key" in r.headers["access-control-allow-headers"]


def test_preflight_skips_the_authorizer(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        r = http.options(
            "/inventory/items", headers={"Origin": "http://app.farm", "Access-Control-Request-Method": "POST"}
        )
        assert r.status_code == 200
        assert "POST" in r.headers["access-control-allow-methods"]


def test_unknown_route_outside_modules(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        r = http.get("/nowhere")
        assert r.status_code == 404  # the template's MISSING_AUTHENTICATION_TOKEN gateway response
        assert r.json() == {"detail": "Not Found", "code": "not_found"}


def test_oversized_body_is_413(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        r = http.post(
            "/auth/login", content=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413
        assert r.json()["detail"]


def test_docs_merge_every_function(live_gateway: LiveGateway, db_url: str) -> None:
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        assert "swagger-ui" in http.get("/docs").text
        doc: dict[str, Any] = http.get("/openapi.json").json()
        assert "/ping" in doc["paths"] and "/health" in doc["paths"]


def test_etag_revalidation_over_http(live_gateway: LiveGateway, sql: Any) -> None:
    """Through uvicorn, the gateway and a worker process: 304 without a body, ETag readable by a browser (CORS)."""
    from tests.support.factories import create_user, token_for

    token = token_for(sql, create_user(sql, "cache@farm.test", role="admin"))
    auth = {"Authorization": f"Bearer {token}", "Origin": "http://app.farm"}
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        first = http.get("/inventory/units", headers=auth)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "private, max-age=60"
        assert "ETag" in [h.strip() for h in first.headers["access-control-expose-headers"].split(",")]
        again = http.get("/inventory/units", headers={**auth, "If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "private, max-age=60"
        assert "content-length" not in again.headers or again.headers["content-length"] == "0"
        stale = http.get("/auth/me", headers={**auth, "If-None-Match": etag})
        assert stale.status_code == 200 and stale.headers["cache-control"] == "private, no-cache"
        preflight = http.options(
            "/inventory/units",
            headers={"Origin": "http://app.farm", "Access-Control-Request-Headers": "if-none-match"},
        )
        assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
