"""Fixtures for every test: environment, the embedded PostgreSQL, a fresh database per test, API clients."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

# The environment is fixed before any farm_erp module reads its settings.
os.environ.update(
    {
        "ENVIRONMENT": "test",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "JWT_KID": "test-k1",
        "BCRYPT_ROUNDS": "4",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_SERVICE_NAME": "farm-erp-test",
        "FORGOT_PASSWORD_MIN_MS": "500",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
)
os.environ.pop("JWT_SECRET_ARN", None)
os.environ.pop("DATABASE_URL", None)

from farm_erp import clock, settings
from farm_erp.db import database
from farm_erp.http import serialize
from local import embedded_db
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.template_routes import ApiConfig, api_config
from tests.support import live
from tests.support.client import ApiClient
from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway
from tests.support.pooler import Pooler

# Every JSON answer a route serialises in one pass is compared with the validated answer (farm_erp.http.serialize).
serialize.VERIFY = True

TEMPLATE_DB = "farm_template"
TEST_DB = "farm_test"
# `make test-pooler`: the functions and the tests reach the test database through pgbouncer in transaction mode.
THROUGH_POOLER = os.environ.get("FARM_TEST_POOLER") == "1"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One embedded PostgreSQL 16 per test process, in a directory of its own.

    Not under pytest's basetemp: pytest prunes old basetemp folders, which would delete the data directory of
    another test run still going on the same machine.
    """
    root = Path(tempfile.mkdtemp(prefix="farm-erp-pg-"))
    server = embedded_db.start(root / "data")
    url = embedded_db.ensure_database(server, TEMPLATE_DB)
    from farm_erp import migrate

    with psycopg.connect(url, prepare_threshold=None) as conn:
        migrate.apply(conn)
    yield server
    database.close()
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pooler(pg_server: Any) -> Iterator[Pooler | None]:
    """pgbouncer in front of the embedded server when the run asks for it (FARM_TEST_POOLER=1), else None."""
    if not THROUGH_POOLER:
        yield None
        return
    from tests.support import pooler as pgbouncer

    running = pgbouncer.start(pg_server)
    yield running
    running.stop()


def app_db_url(pg_server: Any, pooler: Pooler | None) -> str:
    """Where the functions and the tests connect to the test database: the server, or pgbouncer in front of it."""
    return pooler.url(TEST_DB) if pooler else embedded_db.url(pg_server, TEST_DB)


@pytest.fixture
def db_url(pg_server: Any, pooler: Pooler | None) -> Iterator[str]:
    """A fresh copy of the migrated database for this test; handlers connect to it through DATABASE_URL."""
    database.close()
    paused = False
    if pooler:
        # Drop the pooled server connections before the database goes (an error: none were opened yet).
        with contextlib.suppress(RuntimeError):
            pooler.admin(f"KILL {TEST_DB}")
            paused = True
    url = embedded_db.clone(pg_server, TEMPLATE_DB, TEST_DB)
    if pooler:
        if paused:
            pooler.admin(f"RESUME {TEST_DB}")
        url = pooler.url(TEST_DB)
    os.environ["DATABASE_URL"] = url
    settings.reset_caches()
    clock.freeze(None)
    yield url
    clock.freeze(None)
    database.close()


@pytest.fixture
def sql(db_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """An autocommit connection for test setup and for checking what the API wrote."""
    with psycopg.connect(db_url, prepare_threshold=None, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture(scope="session")
def config() -> ApiConfig:
    return api_config()


@pytest.fixture(scope="session")
def in_process() -> InProcessInvoker:
    return InProcessInvoker()


@pytest.fixture
def api(db_url: str, config: ApiConfig, in_process: InProcessInvoker) -> ApiClient:
    """Requests through the gateway logic (real authorizer, TTL 0) to the real handlers, in this process."""
    return ApiClient(Gateway(config, in_process, authorizer_ttl=0))


UserFactory = Callable[..., tuple[int, str]]


@pytest.fixture
def make_user(sql: psycopg.Connection[dict[str, Any]]) -> UserFactory:
    """`user_id, token = make_user("a@farm.test", role="user", grants={"inventory": "write"})`."""

    def make(email: str | None = None, **kw: Any) -> tuple[int, str]:
        user_id = create_user(sql, email or f"user-{secrets.token_hex(4)}@farm.test", **kw)
        return user_id, token_for(sql, user_id)

    return make


@pytest.fixture
def admin_token(make_user: UserFactory) -> str:
    return make_user("admin@farm.test", role="admin")[1]


@pytest.fixture(scope="session")
def live_gateway(pg_server: Any, pooler: Pooler | None, config: ApiConfig) -> Iterator[LiveGateway]:
    """The HTTP gateway with worker processes (TTL 0), bound to the per-test database `farm_test`.

    Use together with `db_url` (or `sql`) so each test still gets a fresh database; the workers keep their
    connections and reconnect after the database is recreated, as a Lambda container would.
    """
    gw = live.start(config, app_db_url(pg_server, pooler), authorizer_ttl=0)
    yield gw
    gw.stop()


ROOT = Path(__file__).resolve().parent.parent
