"""Sign-in end to end over HTTP: the local gateway, worker processes, the real authorizer and the auth function."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.template_routes import ApiConfig
from tests.conftest import app_db_url
from tests.support import live
from tests.support.factories import DEFAULT_PASSWORD, create_user
from tests.support.live import LiveGateway
from tests.support.pooler import Pooler

pytestmark = pytest.mark.gateway


def _login(http: httpx.Client, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    r = http.post("/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_login_me_and_errors_with_cors(live_gateway: LiveGateway, sql: Any) -> None:
    create_user(sql, "grower@farm.test", grants={"inventory": "read"}, full_name="Grower")
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        tokens = _login(http, "  Grower@Farm.test ")
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 1800
        me = http.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200
        assert me.json()["email"] == "grower@farm.test"
        assert {"key": "inventory", "access": "read"} in me.json()["modules"]

        denied = http.post(
            "/inventory/items",
            json={},
            headers={"Authorization": f"Bearer {tokens['access_token']}", "Origin": "http://app.farm"},
        )
        assert denied.status_code == 403
        assert denied.json() == {"detail": "Forbidden", "code": "forbidden"}
        assert denied.headers["access-control-allow-origin"]

        wrong = http.post(
            "/auth/login",
            json={"email": "grower@farm.test", "password": "Wrong#pass123"},
            headers={"Origin": "http://app.farm"},
        )
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "invalid_credentials"
        assert wrong.headers["access-control-allow-origin"]


@pytest.fixture
def cached_gateway(pg_server: Any, pooler: Pooler | None, config: ApiConfig) -> Iterator[LiveGateway]:
    """A second gateway whose authorizer cache lives as long as the template's AuthorizerTtl default."""
    gw = live.start(config, app_db_url(pg_server, pooler), authorizer_ttl=config.authorizer_ttl, max_containers=1)
    yield gw
    gw.stop()


def test_logout_takes_effect_on_the_next_request(cached_gateway: LiveGateway, sql: Any) -> None:
    create_user(sql, "keeper@farm.test", grants={"inventory": "write"})
    with httpx.Client(base_url=cached_gateway.base_url, timeout=60) as http:
        tokens = _login(http, "keeper@farm.test")
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert http.get("/auth/me", headers=auth).status_code == 200
        assert http.get("/inventory/items", headers=auth).status_code == 200
        assert http.post("/auth/logout", headers=auth).status_code == 204
        # The token's policy is still in the gateway's cache, so the requests reach the functions, which confirm
        # the session themselves.
        for method, path in (("GET", "/auth/me"), ("GET", "/inventory/items"), ("POST", "/inventory/categories")):
            r = http.request(method, path, headers=auth, json={"name": "Feed"} if method == "POST" else None)
            assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated", "code": "not_authenticated"})
        assert sql.execute("SELECT count(*) AS n FROM categories").fetchone() == {"n": 0}
        refresh = http.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refresh.status_code == 401
