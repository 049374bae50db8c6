"""Idempotency keys (docs/rules.md: Conventions): a retried POST replays the first final answer instead of acting twice.

A request in flight is marked by a transaction-level advisory lock on (user, key), taken by the first statement of
its own transaction: the key is busy exactly as long as that transaction lives, and free the moment it commits,
rolls back, or dies with its connection (a database restart, a killed container). Nothing has to be released after
a failure, so a failure that takes the database away leaves no claim behind. Transaction-level locks work through
RDS Proxy and transaction-mode poolers without pinning. The key's row is written only with the final answer, in
the request's transaction when the work commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from farm_erp import clock
from farm_erp.db import Connection

RETENTION = timedelta(hours=24)
# Headers of the first answer that a client acts on; a replay sends them again.
REPLAYED_HEADERS = ("content-type", "retry-after", "location", "content-disposition")
# 409s that say "not now" rather than "no": the same request may succeed when retried, so they are not kept.
TRANSIENT_CODES = frozenset({"busy", "idempotency_in_progress"})


@dataclass(frozen=True)
class Stored:
    """The first final answer given for a key."""

    status_code: int
    request_hash: str
    body: str
    headers: dict[str, str]


class _InProgress:
    def __repr__(self) -> str:
        return "IN_PROGRESS"


IN_PROGRESS: Final = _InProgress()


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same": method, path, query string and body (the body last: it may hold NULs)."""
    return hashlib.sha256(b"\0".join([method.upper().encode(), path.encode(), query, body])).hexdigest()


def lock_id(user_id: int, key: str) -> int:
    """The 64-bit advisory lock key of (user, key); a collision only makes a request wait for another's end."""
    digest = hashlib.blake2b(f"{user_id}:{key}".encode(), digest_size=8, person=b"farm-idem").digest()
    return int.from_bytes(digest, "big", signed=True)


def try_lock(conn: Connection, lock: int) -> bool:
    row = conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS got", (lock,)).fetchone()
    return bool(row and row["got"])


def claim(conn: Connection, user_id: int, key: str) -> Stored | _InProgress | None:
    """In the request's transaction, before its work: None when this request is to run (it now holds the key until
    its transaction ends), IN_PROGRESS when another attempt's transaction holds it, else the stored answer.

    Two statements on purpose: the read must take its snapshot after the lock is granted, so that it sees the answer
    the previous holder committed.
    """
    if not try_lock(conn, lock_id(user_id, key)):
        return IN_PROGRESS
    row = conn.execute(
        """SELECT status_code, request_hash, response, headers FROM idempotency_keys
            WHERE user_id = %s AND key = %s AND status_code IS NOT NULL AND created_at > %s""",
        (user_id, key, clock.now() - RETENTION),
    ).fetchone()
    if row is None:
        return None
    return Stored(row["status_code"], row["request_hash"], row["response"] or "", dict(row["headers"] or {}))


def store(
    conn: Connection, user_id: int, key: str, req_hash: str, status_code: int, body: str, headers: dict[str, str]
) -> None:
    """Record the final answer, in the transaction that holds the key (a row the claim did not count as an answer,
    lapsed or left by an older scheme, is replaced; a live answer is never overwritten)."""
    now = clock.now()
    conn.execute(
        """INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response, headers, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (user_id, key) DO UPDATE
               SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
                   response = EXCLUDED.response, headers = EXCLUDED.headers, created_at = EXCLUDED.created_at
               WHERE idempotency_keys.status_code IS NULL OR idempotency_keys.created_at <= %s""",
        (user_id, key, req_hash, status_code, body, json.dumps(headers), now, now - RETENTION),
    )


def store_after_rollback(
    conn: Connection, user_id: int, key: str, req_hash: str, status_code: int, body: str, headers: dict[str, str]
) -> bool:
    """Record a final error answer in a new transaction, after the request's work was rolled back (which ended its
    hold on the key). If a retry already holds the key again, its own answer will be the one kept."""
    if not try_lock(conn, lock_id(user_id, key)):
        return False
    store(conn, user_id, key, req_hash, status_code, body, headers)
    return True


def is_final(status_code: int, body: bytes) -> bool:
    """Whether an answer is kept for replays: not a 5xx, a 429, nor a 409 that only says "busy, try again"; nor a
    401 (the session ended since the authorizer cached its policy): the client signs in again and retries with the
    same key, which must then run."""
    if status_code >= 500 or status_code in (401, 429):
        return False
    if status_code == 409:
        return _code(body) not in TRANSIENT_CODES
    return True


def replayed_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers of an answer that a replay repeats."""
    out: dict[str, str] = {}
    for name, value in headers:
        lower = name.decode("latin-1").lower()
        if lower in REPLAYED_HEADERS:
            out[lower] = value.decode("latin-1")
    return out


def _code(body: bytes) -> Any:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get("code") if isinstance(data, dict) else None
