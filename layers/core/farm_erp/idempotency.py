"""Idempotency keys (docs/rules.md: Conventions): a retried POST replays the stored response instead of acting twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from farm_erp import clock
from farm_erp.db import Connection

RETENTION = timedelta(hours=24)
# A claim still "in flight" after this long belongs to an invocation that died (the function timeout is 29 s):
# a retry may take it over instead of getting 409 for a day.
ABANDONED_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Stored:
    status_code: int | None  # None: the first request is still in flight
    request_hash: str
    body: str | None


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.upper().encode(), path.encode(), body])).hexdigest()


def claim(conn: Connection, user_id: int, key: str, req_hash: str) -> Stored | None:
    """Reserve the key for this request (committed at once, so a parallel retry sees it in flight).

    Returns None when the key is new (or its previous use has lapsed), else what is stored.
    """
    now = clock.now()
    row = conn.execute(
        """INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (%s, %s, %s, %s)
           ON CONFLICT (user_id, key) DO UPDATE
               SET request_hash = EXCLUDED.request_hash, status_code = NULL, response = NULL,
                   created_at = EXCLUDED.created_at
               WHERE idempotency_keys.created_at <= %s
                  OR (idempotency_keys.status_code IS NULL AND idempotency_keys.created_at <= %s)
           RETURNING status_code""",
        (user_id, key, req_hash, now, now - RETENTION, now - ABANDONED_AFTER),
    ).fetchone()
    if row is not None:
        conn.commit()
        return None
    existing = conn.execute(
        "SELECT status_code, request_hash, response FROM idempotency_keys WHERE user_id = %s AND key = %s",
        (user_id, key),
    ).fetchone()
    conn.commit()
    if existing is None:  # removed between the two statements (the first attempt failed): take it now
        return claim(conn, user_id, key, req_hash)
    return Stored(existing["status_code"], existing["request_hash"], existing["response"])


def store(conn: Connection, user_id: int, key: str, status_code: int, body: str) -> None:
    """Record the response, in the request's own transaction when it succeeded."""
    conn.execute(
        "UPDATE idempotency_keys SET status_code = %s, response = %s WHERE user_id = %s AND key = %s",
        (status_code, body, user_id, key),
    )


def release(conn: Connection, user_id: int, key: str) -> None:
    """Forget a key whose request failed with a 5xx, so that a retry runs again."""
    conn.execute("DELETE FROM idempotency_keys WHERE user_id = %s AND key = %s AND status_code IS NULL", (user_id, key))
    conn.commit()
