"""Nothing the code sends to PostgreSQL needs a session of its own, as RDS Proxy and transaction-mode poolers require:
no SET or set_config (RDS Proxy pins the client to its connection), no session advisory lock (through a pooler it
is taken on one server connection and "released" on another), no named prepared statement (the next transaction
may run on a connection that does not have it). Checked on what the server logs it received, with every statement
logged for the test database."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from farm_erp import migrate
from farm_erp.db import database
from local import embedded_db
from tests.conftest import TEST_DB, THROUGH_POOLER, UserFactory
from tests.support.client import ApiClient
from tests.support.factories import DEFAULT_PASSWORD

# Through pgbouncer the server log would only show the sessions pgbouncer opens; the run itself is the check there.
pytestmark = pytest.mark.skipif(THROUGH_POOLER, reason="checks the statements sent straight to the server")

PINNING = [
    re.compile(r"\bset_config\s*\(", re.IGNORECASE),
    re.compile(r"^\s*(SET|RESET|PREPARE|DEALLOCATE|DISCARD|LISTEN)\b", re.IGNORECASE),
    re.compile(r"\bpg_(try_)?advisory_(un)?lock(_shared)?\s*\(", re.IGNORECASE),
    re.compile(r"\bCREATE\s+TEMP(ORARY)?\b", re.IGNORECASE),
]
# `execute <unnamed>` is the unnamed statement of one round trip; any other name is a server-side prepared one.
NAMED_EXECUTE = re.compile(r"LOG:\s+execute (?!<unnamed>)(\S+):")
STATEMENT = re.compile(r"LOG:\s+(?:statement|execute [^:]+):\s(.*)")


class StatementLog:
    """The statements the server logged for one database since `start()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def start(self) -> None:
        self.offset = self.path.stat().st_size

    def lines(self) -> list[str]:
        time.sleep(0.2)  # the logger process writes asynchronously
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            return fh.read().decode("utf-8", "replace").splitlines()

    def statements(self) -> list[str]:
        return [m.group(1) for line in self.lines() if (m := STATEMENT.search(line))]

    def pinning(self) -> list[str]:
        return [s for s in self.statements() if any(p.search(s) for p in PINNING)]

    def named_executes(self) -> list[str]:
        return [m.group(1) for line in self.lines() if (m := NAMED_EXECUTE.search(line))]


@pytest.fixture
def statement_log(pg_server: Any, db_url: str) -> StatementLog:
    """Every statement on the test database is logged, for the sessions opened from now on."""
    with psycopg.connect(embedded_db.url(pg_server, TEST_DB), prepare_threshold=None, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {TEST_DB} SET log_statement = 'all'")
    database.close()  # the functions' next connection logs too
    log = StatementLog(Path(pg_server.log))
    log.start()
    return log


def test_requests_send_nothing_that_pins_a_pooled_connection(
    statement_log: StatementLog, api: ApiClient, make_user: UserFactory
) -> None:
    _, token = make_user(grants={"inventory": "write"})
    assert api.get("/health").status_code == 200
    assert api.get("/inventory/items", token=token).status_code == 200
    created = api.post("/inventory/categories", json={"name": "Feed"}, token=token, headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201
    assert api.post("/inventory/categories", json={"name": "Feed"}, token=token, headers={"Idempotency-Key": "k1"})
    # A rate-limited route commits its count mid-request and takes the key again.
    body = {"current_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD}
    pw = api.post("/auth/change-password", json=body, token=token, headers={"Idempotency-Key": "k2"})
    assert pw.status_code == 422
    statements = statement_log.statements()
    assert any("idempotency_keys" in s for s in statements)  # the log saw the requests
    assert statement_log.pinning() == []
    assert statement_log.named_executes() == []


def test_migrations_send_nothing_that_pins_a_pooled_connection(pg_server: Any, statement_log: StatementLog) -> None:
    url = embedded_db.clone(pg_server, "template1", "farm_migrate_check")  # an empty database, same server
    try:
        with psycopg.connect(url, prepare_threshold=None, autocommit=True) as admin:
            admin.execute("ALTER DATABASE farm_migrate_check SET log_statement = 'all'")
        with psycopg.connect(url, prepare_threshold=None) as conn:
            assert migrate.apply(conn)
            assert migrate.apply(conn) == []
        statements = statement_log.statements()
        assert any("schema_migrations" in s for s in statements)
        assert statement_log.pinning() == []
    finally:
        with psycopg.connect(embedded_db.url(pg_server, "postgres"), autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS farm_migrate_check WITH (FORCE)")


def test_the_tests_own_connections_do_not_prepare(statement_log: StatementLog, sql: Any) -> None:
    """The `sql` fixture runs the same statement many times, as tests do; through a pooler a prepared statement
    would be missing on the next server connection."""
    for _ in range(8):
        sql.execute("SELECT count(*) AS n FROM users WHERE is_active = %s", (True,)).fetchone()
    assert statement_log.named_executes() == []


def test_concurrent_migration_runners_take_turns(pg_server: Any) -> None:
    """Two runners on an empty database at once: one applies each migration, the other finds it applied."""
    url = embedded_db.clone(pg_server, "template1", "farm_migrate_race")
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(url, prepare_threshold=None) as conn:
                results.append(migrate.apply(conn))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        assert sorted(v for r in results for v in r) == [m.version for m in migrate.available()]
    finally:
        with psycopg.connect(embedded_db.url(pg_server, "postgres"), autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS farm_migrate_race WITH (FORCE)")


def test_health_is_bounded_without_session_settings(api: ApiClient, db_url: str) -> None:
    """A database that does not answer (the job table locked) makes /health say "down" within about 2 s."""
    with psycopg.connect(db_url, prepare_threshold=None) as locker:
        locker.execute("LOCK TABLE job_runs IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        r = api.get("/health")
        elapsed = time.monotonic() - started
    assert r.status_code == 503 and r.json() == {"status": "down", "database": "down"}
    assert elapsed < 6, elapsed
    assert api.get("/health").status_code == 200
