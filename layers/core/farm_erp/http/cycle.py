"""The per-request cycle around every module app: one transaction per request, Idempotency-Key, the bare 500 for an
unexpected exception, caching headers and one log line per request."""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from farm_erp import caching, idempotency
from farm_erp.db import Connection, database
from farm_erp.errors import idempotency_in_progress
from farm_erp.http import errors
from farm_erp.http.deps import authorizer_context
from farm_erp.http.errors import RawResponse
from farm_erp.observability import logger

MAX_IDEMPOTENCY_KEY = 255
# Methods that only read: their statements run in autocommit (farm_erp.db.Database.request).
READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class _IdempotentRequest:
    user_id: int
    key: str
    req_hash: str

    def store(self, conn: Connection, status: int, body: str, headers: list[tuple[bytes, bytes]]) -> None:
        replayed = idempotency.replayed_headers(headers)
        idempotency.store(conn, self.user_id, self.key, self.req_hash, status, body, replayed)

    def store_after_rollback(
        self, conn: Connection, status: int, body: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        replayed = idempotency.replayed_headers(headers)
        idempotency.store_after_rollback(conn, self.user_id, self.key, self.req_hash, status, body, replayed)


class RequestCycle:
    """Runs each request in one transaction (commit on success, roll back on error), applies Idempotency-Key,
    turns unexpected exceptions into a bare 500 and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope.setdefault("state", {})
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        with database.request(reading=scope["method"] in READS):
            status, headers, chunks = await self._run(scope, body)
        status, headers, chunks = caching.finish(scope, status, headers, chunks)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})
        logger.info(
            "request",
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )

    async def _run(self, scope: Scope, body: bytes) -> RawResponse:
        key = _header(scope, b"idempotency-key")
        user_id = _context_user(scope)
        idem: _IdempotentRequest | None = None
        if scope["method"] == "POST" and key is not None and user_id is not None:
            if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
                return errors.plain(422, {"detail": [_loc_error("Idempotency-Key must be 1 to 255 characters")]})
            req_hash = idempotency.request_hash(scope["method"], scope["path"], scope.get("query_string", b""), body)
            idem = _IdempotentRequest(user_id, key, req_hash)
            early = self._claim(idem)
            if early is not None:
                return early
        status, headers, chunks = await self._call_app(scope, body)
        commit = status < 400 or bool(scope["state"].get("commit"))
        keep = idem is not None and idempotency.is_final(status, b"".join(chunks))
        try:
            if idem is not None and keep and commit:
                stored = _storable(b"".join(chunks), scope["state"].get("secret_fields", ()))
                idem.store(database.connection(), status, stored, headers)
            if database.used:
                database.finish(commit=commit)
            if idem is not None and keep and not commit:
                idem.store_after_rollback(database.connection(), status, b"".join(chunks).decode(), headers)
                database.finish(commit=True)
        except psycopg.Error as exc:
            database.finish(commit=False)
            status, headers, chunks = _database_failure(exc)
        return status, headers, chunks

    def _claim(self, idem: _IdempotentRequest) -> RawResponse | None:
        """Take the key in the request's own transaction (None: go on), or answer now: in progress, replay, misuse."""
        try:
            outcome = idempotency.claim(database.connection(), idem.user_id, idem.key)
        except psycopg.Error as exc:
            database.finish(commit=False)
            return _database_failure(exc)
        if outcome is None:
            database.hold(idempotency.lock_id(idem.user_id, idem.key))
            return None
        database.finish(commit=False)  # nothing to do: end the transaction (and the hold on the key) now
        if isinstance(outcome, idempotency.Stored):
            if outcome.request_hash != idem.req_hash:
                return errors.plain(422, {"detail": [_loc_error("Idempotency-Key was used with a different request")]})
            headers = {"content-type": "application/json", **outcome.headers, "idempotent-replayed": "true"}
            return outcome.status_code, errors.raw_headers(headers), [outcome.body.encode()]
        busy = idempotency_in_progress()
        return (
            busy.status_code,
            errors.raw_headers({"content-type": "application/json", **busy.headers}),
            [json.dumps(busy.body()).encode()],
        )

    async def _call_app(self, scope: Scope, body: bytes) -> RawResponse:
        sent = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay, capture)
        except Exception as exc:  # noqa: BLE001 - the one place unexpected errors become a bare 500
            if isinstance(exc, psycopg.Error):
                return _database_failure(exc)
            logger.exception("unhandled error")
            return errors.plain(500, errors.INTERNAL_ERROR)
        return status, headers, chunks


def _database_failure(exc: psycopg.Error) -> RawResponse:
    """The answer to a database error outside the app; a lost connection is dropped, the next request reconnects."""
    if isinstance(exc, psycopg.OperationalError):
        database.close()
    return errors.database_failure(exc)


def _storable(body: bytes, secrets: Sequence[str]) -> str:
    """The response body as kept for replays, one-time secrets nulled."""
    if not secrets:
        return body.decode()
    data = json.loads(body)
    if isinstance(data, dict):
        data.update({name: None for name in secrets if name in data})
    return json.dumps(data)


def _loc_error(msg: str) -> dict[str, Any]:
    return {"loc": ["header", "Idempotency-Key"], "msg": msg, "type": "value_error"}


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


def _context_user(scope: Scope) -> int | None:
    event = scope.get("aws.event")
    if not isinstance(event, dict):
        return None
    try:
        return int(authorizer_context(event)["user_id"])
    except (KeyError, TypeError, ValueError):
        return None
