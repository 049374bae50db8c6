"""The one mid-request commit (a rate-limit count) commits only the count: it must come before the request's first
write, and a call after one is refused without committing anything, on a real connection and through the cycle."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import psycopg
import pytest
from fastapi import APIRouter

from farm_erp import idempotency, ratelimit
from farm_erp.db import CommitAfterWrite, database
from farm_erp.http import Conn, create_app, lambda_handler
from local.lambda_context import LambdaContext

BUCKET = "probe:commit"


def _categories(sql: Any, name: str) -> int:
    return int(sql.execute("SELECT count(*) AS n FROM categories WHERE name = %s", (name,)).fetchone()["n"])


def _buckets(sql: Any) -> int:
    return int(sql.execute("SELECT count(*) AS n FROM rate_limit_buckets WHERE bucket = %s", (BUCKET,)).fetchone()["n"])


def test_a_count_after_a_write_is_refused(sql: Any) -> None:
    conn = database.connection()
    conn.execute("INSERT INTO categories (name) VALUES ('Written first')")
    with pytest.raises(CommitAfterWrite):
        ratelimit.hit(conn, BUCKET, 10, 60)
    database.finish(commit=False)


def test_a_refused_count_commits_neither_the_write_nor_itself(sql: Any) -> None:
    conn = database.connection()
    conn.execute("INSERT INTO categories (name) VALUES ('Written first')")
    with contextlib.suppress(CommitAfterWrite):
        ratelimit.hit(conn, BUCKET, 10, 60)
    # Seen from another connection while the request's transaction is still open: nothing was committed.
    assert _categories(sql, "Written first") == 0
    assert _buckets(sql) == 0
    database.finish(commit=False)
    assert _categories(sql, "Written first") == 0


def test_a_count_after_a_row_lock_is_refused(sql: Any) -> None:
    """A row lock is a write as far as the transaction goes: committing would release it halfway through."""
    conn = database.connection()
    conn.execute("SELECT key FROM modules LIMIT 1 FOR UPDATE")
    with pytest.raises(CommitAfterWrite):
        ratelimit.hit(conn, BUCKET, 10, 60)
    database.finish(commit=False)


def test_a_first_write_count_outlives_the_request_rollback(sql: Any) -> None:
    """After reads only (the caller check, an idempotency lock), the count commits at once and survives a failure."""
    conn = database.connection()
    conn.execute("SELECT count(*) FROM users")
    ratelimit.hit(conn, BUCKET, 10, 60)
    assert _buckets(sql) == 1
    conn.execute("INSERT INTO categories (name) VALUES ('Rolled back')")
    database.finish(commit=False)
    assert _buckets(sql) == 1
    assert _categories(sql, "Rolled back") == 0


def test_the_request_keeps_its_idempotency_lock_across_the_count(db_url: str) -> None:
    conn = database.connection()
    lock = idempotency.lock_id(1, "k-count")
    assert idempotency.try_lock(conn, lock)
    database.hold(lock)
    ratelimit.hit(conn, BUCKET, 10, 60)
    with psycopg.connect(db_url, prepare_threshold=None, autocommit=True) as other:
        taken = other.execute("SELECT pg_try_advisory_lock(%s)", (lock,)).fetchone()
        assert taken == (False,)
    database.finish(commit=False)


# --- through the request cycle: the refusal is a 500 and the request rolls back -------------------------------

probe = APIRouter()


@probe.post("/probe/late-count", status_code=201)
async def late_count(conn: Conn) -> dict[str, str]:
    """A route that writes, then counts: the order a later change might introduce by mistake."""
    conn.execute("INSERT INTO categories (name) VALUES ('Late count')")
    ratelimit.hit(conn, BUCKET, 10, 60)
    return {"status": "done"}


def _event() -> dict[str, Any]:
    return {
        "resource": "/probe/late-count",
        "httpMethod": "POST",
        "path": "/probe/late-count",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"identity": {"sourceIp": "203.0.113.5"}},
    }


def test_a_late_count_in_a_route_is_a_500(sql: Any) -> None:
    handler = lambda_handler(create_app("probe", [probe]))
    answer = handler(_event(), LambdaContext("probe"))
    assert answer["statusCode"] == 500
    assert json.loads(answer["body"]) == {"detail": "Internal server error"}


def test_a_late_count_in_a_route_leaves_nothing_behind(sql: Any) -> None:
    handler = lambda_handler(create_app("probe", [probe]))
    handler(_event(), LambdaContext("probe"))
    assert _categories(sql, "Late count") == 0
    assert _buckets(sql) == 0
