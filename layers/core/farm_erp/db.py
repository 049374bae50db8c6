"""The container's PostgreSQL connection: opened lazily, reused across invocations, reopened when broken.

A Lambda container serves one request at a time and RDS Proxy pools server connections, so one
connection per container is the right size. Each request runs in one transaction that the API
middleware (or the job) commits or rolls back at the end. No session state is set (it would pin the
connection in RDS Proxy): the statement timeout lives on the database role.
"""

from __future__ import annotations

import contextlib
import logging
import select
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from farm_erp.errors import idempotency_in_progress
from farm_erp.settings import get_settings

log = logging.getLogger(__name__)

Connection = psycopg.Connection[dict[str, Any]]
IDLE_CHECK_SECONDS = 30.0
# The integration tests set this (tests/integration/conftest.py): a read then runs in one transaction, and ending
# it fails with WroteInRead when the transaction wrote without declaring it (Database.declare_write), where in
# production a read's statements each commit on their own and nothing would say so.
READ_CHECK = False
# True while the transaction has written nothing: PostgreSQL assigns a transaction id at the first write (or row
# lock), not before. Reading it costs nothing extra inside a statement the request runs anyway.
UNWRITTEN = "pg_current_xact_id_if_assigned() IS NULL"


class WroteInRead(RuntimeError):
    """A read (GET, HEAD) wrote without declaring it: its statements commit one by one, so a write there is not
    undone when the request fails. A programming error, raised only where READ_CHECK is set (the tests)."""


class CommitAfterWrite(RuntimeError):
    """A mid-request commit was asked for after the request had written: committing would keep half a request
    whatever its outcome. A programming error (the call is in the wrong place): the request ends in a 500 and its
    transaction rolls back, the early write included."""


def conninfo() -> dict[str, Any]:
    """Connection parameters: DATABASE_URL locally; the RDS Proxy with a fresh IAM token in AWS."""
    s = get_settings()
    if s.db_iam_auth and s.db_host:
        from farm_erp.aws_sigv4 import credentials_from_env, generate_db_auth_token

        token = generate_db_auth_token(
            s.db_host, s.db_port, s.db_user, s.aws_region or "us-east-1", credentials_from_env()
        )
        return {
            "host": s.db_host,
            "port": s.db_port,
            "dbname": s.db_name,
            "user": s.db_user,
            "password": token,
            "sslmode": "require",
        }
    if s.db_host:
        return {"host": s.db_host, "port": s.db_port, "dbname": s.db_name, "user": s.db_user}
    return {"conninfo": s.database_url}


def connect(timeout: int | None = None) -> Connection:
    """A new connection; prepare_threshold=None because RDS Proxy cannot pin prepared statements."""
    params = conninfo()
    return psycopg.connect(
        **params,
        autocommit=False,
        prepare_threshold=None,
        row_factory=dict_row,
        connect_timeout=timeout or get_settings().db_connect_timeout,
        application_name=get_settings().service_name,
    )


class Database:
    """Holds the one connection of this container."""

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self.used = False
        self._last_used = 0.0
        # Transaction-level advisory locks the request's work must keep (an idempotency key in flight).
        self._held: list[int] = []
        self._reading = False
        self._declared_write = False

    @contextmanager
    def request(self, *, reading: bool) -> Iterator[None]:
        """The block serves one request. A read (GET and HEAD, the authorizer's check) runs its statements in
        autocommit, each its own transaction: no BEGIN and no COMMIT, two round trips fewer. Reads write nothing,
        so there is nothing to undo, and under READ COMMITTED a transaction gave each statement its own snapshot
        anyway. Anything else, and any use outside such a block (jobs, scripts), runs in one transaction that
        finish() commits or rolls back."""
        self._reading, self._declared_write = reading, False
        try:
            yield
        finally:
            self._reading = self._declared_write = False

    def declare_write(self) -> None:
        """Say that the read under way writes: a change made in one statement, complete by itself, that may stay
        whatever the request's outcome (the consumption window's move). Nothing else in a read may write; the
        tests' check (READ_CHECK) trusts a read that declared, so declare only just before that statement."""
        self._declared_write = True

    def connection(self, connect_timeout: int | None = None) -> Connection:
        """The live connection, opened or reopened as needed; marks the request as using the database.

        `connect_timeout` shortens the wait for a new connection (the health check answers within 2 s).
        """
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                log.warning("database connection lost; reconnecting")
                self._discard()
            conn = self._connect(connect_timeout)
        elif not self.used:
            # The mode first: the liveness probe below must not open a read's transaction.
            self._set_mode(conn)
            if self._may_be_dead(conn):
                # A connection idle since the last invocation may have been cut by the proxy or a restart:
                # find out now, while reconnecting is still harmless, rather than in the middle of the work.
                try:
                    conn.execute("SELECT 1")
                except psycopg.OperationalError:
                    log.warning("database connection dropped while idle; reconnecting")
                    self._discard()
                    conn = self._connect(connect_timeout)
        self.used = True
        return conn

    def _connect(self, connect_timeout: int | None) -> Connection:
        conn = self._conn = connect(connect_timeout)
        self._set_mode(conn)
        return conn

    def _set_mode(self, conn: Connection) -> None:
        """Autocommit for a read, a transaction otherwise (see request). Set on a new connection and at a request's
        first use, while no transaction is open; psycopg sends nothing for it, it only decides whether to send
        BEGIN."""
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            conn.autocommit = self._reading and not READ_CHECK

    def _may_be_dead(self, conn: Connection) -> bool:
        """Whether to spend a round trip on `SELECT 1` before the request uses the connection.

        A server that ends a connection (restart, pg_terminate_backend, the proxy's idle timeout) sends a notice
        or closes the socket, which makes it readable while we are idle: checking that costs no round trip. A
        connection idle for long may have been dropped without a word (a NAT or a frozen container), so after
        IDLE_CHECK_SECONDS it is checked anyway.
        """
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            return False
        if time.monotonic() - self._last_used > IDLE_CHECK_SECONDS:
            return True
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
        return bool(readable)

    def hold(self, lock: int) -> None:
        """Note a transaction-level advisory lock the current transaction took and the request must keep."""
        self._held.append(lock)

    def commit_first_write(self, conn: Connection, statement: LiteralString, params: Sequence[Any]) -> dict[str, Any]:
        """Run `statement` as the request's first write and commit it at once, so that it outlives a later rollback
        (a rate-limit count); the request goes on in a new transaction that holds the same advisory locks again.

        The only mid-request commit there is, and it refuses to commit anything else: `statement` writes only under
        the condition `{unwritten}` (the placeholder becomes UNWRITTEN), and must return a row when it writes. When
        the transaction had already written, nothing is written and nothing committed: CommitAfterWrite. The check
        rides in the statement itself, so it costs no round trip.

        Between the commit and the new lock another attempt may take a lock: this request then stops with the
        transient 409 a second attempt gets, rather than run next to it.
        """
        query = sql.SQL(statement).format(unwritten=sql.SQL(UNWRITTEN))
        row = conn.execute(query, params).fetchone()
        if row is None:
            raise CommitAfterWrite("a mid-request commit must come before the request's first write")
        conn.commit()
        if conn is self._conn:
            for lock in self._held:
                got = conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS got", (lock,)).fetchone()
                if not (got and got["got"]):
                    raise idempotency_in_progress()
        return row

    def finish(self, commit: bool) -> None:
        """End the request's transaction."""
        conn, self.used = self._conn, False
        self._held = []
        self._last_used = time.monotonic()
        checked = self._reading and READ_CHECK and not self._declared_write
        self._declared_write = False
        if conn is None or conn.closed:
            return
        if checked:
            wrote = conn.execute(f"SELECT NOT ({UNWRITTEN}) AS wrote").fetchone()
            if wrote and wrote["wrote"]:
                conn.rollback()
                raise WroteInRead("a read wrote without Database.declare_write")
        try:
            if commit:
                conn.commit()
            else:
                conn.rollback()
        except psycopg.OperationalError:
            self._discard()
            if commit:
                raise

    def _discard(self) -> None:
        if self._conn is not None:
            # Closing a broken connection may fail in any way; the connection is dropped either way.
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        """Close the connection (tests, shutdown)."""
        self._discard()
        self.used = False
        self._held = []


database = Database()


@contextmanager
def transaction() -> Iterator[Connection]:
    """One unit of work outside a request (jobs, scripts): commit on success, roll back on error."""
    conn = database.connection()
    try:
        yield conn
    except BaseException:
        database.finish(commit=False)
        raise
    database.finish(commit=True)
