"""Fixtures for every test: environment, the embedded PostgreSQL, a fresh database per test, API clients."""

from __future__ import annotations

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
from local import embedded_db
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.template_routes import ApiConfig, api_config
from tests.support import live
from tests.support.client import ApiClient
from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway

TEMPLATE_DB = "farm_template"
TEST_DB = "farm_test"


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

    with psycopg.connect(url) as conn:
        migrate.apply(conn)
    yield server
    database.close()
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def db_url(pg_server: Any) -> Iterator[str]:
    """A fresh copy of the migrated database for this test; handlers connect to it through DATABASE_URL."""
    database.close()
    url = embedded_db.clone(pg_server, TEMPLATE_DB, TEST_DB)
    os.environ["DATABASE_URL"] = url
    settings.reset_caches()
    clock.freeze(None)
    yield url
    clock.freeze(None)
    database.close()


@pytest.fixture
def sql(db_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """An autocommit connection for test setup and for checking what the API wrote."""
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
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
def live_gateway(pg_server: Any, config: ApiConfig) -> Iterator[LiveGateway]:
    """The HTTP gateway with worker processes (TTL 0), bound to the per-test database `farm_test`.

    Use together with `db_url` (or `sql`) so each test still gets a fresh database; the workers keep their
    connections and reconnect after the database is recreated, as a Lambda container would.
    """
    gw = live.start(config, embedded_db.url(pg_server, TEST_DB), authorizer_ttl=0)
    yield gw
    gw.stop()


ROOT = Path(__file__).resolve().parent.parent
