"""Database faults: a connection cut between invocations, the database down, a statement timeout. Every answer is a
JSON status with `detail` (503 when the database is the cause), never a traceback, and the next request after
recovery succeeds without a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from farm_erp import settings
from farm_erp.db import database
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.template_routes import ApiConfig
from tests.support.client import ApiClient, Response
from tests.support.live import LiveGateway

# One read route per module function (each function's handler holds its own view of the connection).
READS = ["/health", "/auth/me", "/admin/users", "/dashboard/summary", "/inventory/items", "/biofloc/tanks"]
CLOSED_PORT_URL = "postgresql://farm@127.0.0.1:1/farm_test?connect_timeout=2"
LEAK_MARKERS = ("Traceback", "psycopg", "OperationalError", "127.0.0.1", "port 1", "canceling statement")

Sql = psycopg.Connection[dict[str, Any]]


def _terminate_app_backends(sql: Sql) -> int:
    """Cut every server connection to the test database except this fixture's own, as a proxy restart would,
    and wait until those server processes are gone (pg_terminate_backend's timeout, in ms)."""
    rows = sql.execute(
        """SELECT pg_terminate_backend(pid, 5000) AS ok FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""
    ).fetchall()
    return len(rows)


def _assert_clean_error(r: Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r
    body: dict[str, Any] = r.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    text = r.content.decode()
    assert not any(marker in text for marker in LEAK_MARKERS), text
    return body


@pytest.fixture
def cached_api(db_url: str, config: ApiConfig, in_process: InProcessInvoker) -> ApiClient:
    """The gateway with the authorizer cache on: a policy fetched while the database was up is reused after."""
    return ApiClient(Gateway(config, in_process, authorizer_ttl=300))


@pytest.mark.parametrize("path", READS)
def test_connection_cut_between_invocations_reconnects(api: ApiClient, admin_token: str, sql: Sql, path: str) -> None:
    assert api.get(path, token=admin_token).status_code == 200
    assert _terminate_app_backends(sql) >= 1
    r = api.get(path, token=admin_token)
    assert r.status_code == 200, r


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", CLOSED_PORT_URL)
    settings.reset_caches()
    database.close()
    yield
    monkeypatch.undo()
    settings.reset_caches()
    database.close()


def test_health_is_503_down_when_database_is_down(api: ApiClient, database_down: None) -> None:
    r = api.get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "down", "database": "down"}


def test_routes_are_503_with_detail_when_database_goes_down(
    cached_api: ApiClient, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [p for p in READS if p != "/health"]
    for path in paths:  # the authorizer's policy for the token is cached while the database is up
        assert cached_api.get(path, token=admin_token).status_code == 200
    monkeypatch.setenv("DATABASE_URL", CLOSED_PORT_URL)
    settings.reset_caches()
    database.close()
    try:
        for path in paths:
            r = cached_api.get(path, token=admin_token)
            body = _assert_clean_error(r, 503)
            assert body["code"] == "database_unavailable"
            assert r.headers["retry-after"] == "5"
        # A mutation too: rolled back, 503, nothing half-written.
        r = cached_api.post(
            "/inventory/categories", token=admin_token, json={"name": "Down"}, headers={"Idempotency-Key": "down-1"}
        )
        _assert_clean_error(r, 503)
    finally:
        monkeypatch.undo()
        settings.reset_caches()
        database.close()
    # Back up: the same container serves again.
    assert cached_api.get("/inventory/items", token=admin_token).status_code == 200


def test_uncached_token_while_database_down_is_the_same_503(
    api: ApiClient, admin_token: str, database_down: None
) -> None:
    """The authorizer cannot check the session: the template maps that gateway response to the 503 the functions
    give for the same outage (JSON body, Retry-After), not API Gateway's 500."""
    r = api.get("/inventory/items", token=admin_token)
    assert r.status_code == 503, r
    assert r.json() == {"detail": "Database unavailable", "code": "database_unavailable"}
    assert r.headers["retry-after"] == "5"
    assert r.headers["access-control-allow-origin"] == "*"


def test_statement_timeout_is_503_not_500(cached_api: ApiClient, admin_token: str, sql: Sql, db_url: str) -> None:
    """A query stuck behind a lock past the role's statement_timeout is cancelled: 503 with detail, then recovery."""
    assert cached_api.get("/inventory/items", token=admin_token).status_code == 200
    sql.execute("ALTER DATABASE farm_test SET statement_timeout = '300ms'")
    database.close()  # the next connection picks the database setting up, as a role setting would be
    locker = psycopg.connect(db_url, prepare_threshold=None)
    try:
        locker.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        body = _assert_clean_error(cached_api.get("/inventory/items", token=admin_token), 503)
        assert body["code"] == "database_timeout"
    finally:
        locker.rollback()
        locker.close()
    r = cached_api.get("/inventory/items", token=admin_token)
    assert r.status_code == 200, r


def test_statement_timeout_on_a_write_rolls_back(
    cached_api: ApiClient, admin_token: str, sql: Sql, db_url: str
) -> None:
    assert cached_api.get("/inventory/categories", token=admin_token).status_code == 200
    sql.execute("ALTER DATABASE farm_test SET statement_timeout = '300ms'")
    database.close()
    locker = psycopg.connect(db_url, prepare_threshold=None)
    try:
        locker.execute("LOCK TABLE categories IN ACCESS EXCLUSIVE MODE")
        r = cached_api.post(
            "/inventory/categories", token=admin_token, json={"name": "Slow"}, headers={"Idempotency-Key": "slow-1"}
        )
        _assert_clean_error(r, 503)
    finally:
        locker.rollback()
        locker.close()
    assert sql.execute("SELECT count(*) AS n FROM categories WHERE name = 'Slow'").fetchone() == {"n": 0}
    retry = cached_api.post(
        "/inventory/categories", token=admin_token, json={"name": "Slow"}, headers={"Idempotency-Key": "slow-1"}
    )
    assert retry.status_code == 201, retry  # a 5xx is not stored: the retry runs for real


@pytest.mark.gateway
def test_worker_containers_reconnect_after_the_database_restarts(
    live_gateway: LiveGateway, db_url: str, sql: Sql
) -> None:
    """Over HTTP, with worker processes as Lambda containers: every container's connection is cut at once."""
    import httpx

    from tests.support.factories import create_user, token_for

    token = token_for(sql, create_user(sql, "faults-admin@farm.test", role="admin"))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_gateway.base_url, headers=headers, timeout=30) as http:
        statuses: list[int] = []

        def burst() -> None:
            statuses.extend(http.get(p).status_code for p in READS)

        threads = [threading.Thread(target=burst) for _ in range(3)]  # several containers per function
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert set(statuses) == {200}
        assert _terminate_app_backends(sql) >= 2
        for path in READS:
            r = http.get(path)
            assert r.status_code == 200, (path, r.text)
