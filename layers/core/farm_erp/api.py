"""The app factory every module function uses: error contract, one transaction per request, idempotency,
principal from the authorizer context, CORS, request logging, and the Lambda handler around it all."""

import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from farm_erp import caching, clock, idempotency, openapi, snapstart
from farm_erp.access import PASSWORD_CHANGE_ROUTES, Subject, can_access
from farm_erp.audit import Actor
from farm_erp.callers import live_caller
from farm_erp.db import Connection, database
from farm_erp.errors import AppError, Forbidden, Unauthorized, idempotency_in_progress
from farm_erp.observability import logger
from farm_erp.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

INTERNAL_ERROR = {"detail": "Internal server error"}
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"]
CORS_EXPOSE_HEADERS = ["Retry-After", "Content-Disposition", "Idempotent-Replayed", "ETag"]
MAX_IDEMPOTENCY_KEY = 255
# A 503 tells the client when to try again; the gateway's answer when the authorizer fails says the same.
UNAVAILABLE_HEADERS = {"Retry-After": "5"}


# --- request context -------------------------------------------------------------------------------------------


def aws_event(request: Request) -> dict[str, Any]:
    """The API Gateway proxy event Mangum put in the scope ({} outside Lambda)."""
    event = request.scope.get("aws.event")
    return event if isinstance(event, dict) else {}


def _authorizer_context(event: dict[str, Any]) -> dict[str, Any]:
    ctx = (event.get("requestContext") or {}).get("authorizer") or {}
    return ctx if isinstance(ctx, dict) else {}


@dataclass(frozen=True)
class RequestInfo:
    """Where a request comes from: the IP is API Gateway's sourceIp; X-Forwarded-For is client-controlled."""

    ip: str | None
    user_agent: str | None
    request_id: str | None


# Dependencies are `async def` on purpose: FastAPI runs a sync dependency in a worker thread, a hop of ~50-100 µs
# each. A Lambda container serves one request at a time, so the little blocking work here (signed_in's one indexed
# query, opening the connection) costs nothing by running on the event loop.


def _request_info(request: Request) -> RequestInfo:
    rc = aws_event(request).get("requestContext") or {}
    identity = rc.get("identity") or {}
    return RequestInfo(
        ip=identity.get("sourceIp") or (request.client.host if request.client else None),
        user_agent=(request.headers.get("user-agent") or identity.get("userAgent") or "")[:500] or None,
        request_id=rc.get("requestId"),
    )


@dataclass(frozen=True)
class Caller:
    """The signed-in caller as the database describes them at the start of this request (see signed_in)."""

    user_id: int
    session_id: int
    email: str
    role: str
    is_admin: bool
    must_change_password: bool
    grants: dict[str, str] = field(default_factory=dict)
    active_modules: frozenset[str] = frozenset()
    ip: str | None = None
    user_agent: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.email, self.role, self.session_id, self.ip, self.user_agent)

    @property
    def subject(self) -> Subject:
        return Subject(is_active=True, is_admin=self.is_admin, grants=self.grants)

    def may(self, module: str, method: str) -> bool:
        """The access rule for this caller, now: grants, role and the module's flag as this request read them."""
        return can_access(self.subject, module, method, module in self.active_modules)


async def request_info(request: Request) -> RequestInfo:
    """Where the request comes from."""
    return _request_info(request)


async def signed_in(request: Request) -> Caller:
    """The caller, confirmed by the database in the request's first statement; must_change_password limits routes.

    The authorizer's context names the user and session its token proved, but it is cached with the policy for up
    to AuthorizerTtl: a logout, a revoked session, a deactivated user or a changed role or grant made since would
    still pass on it. So the session, user, role, grants and active modules are read again here (farm_erp.callers,
    the authorizer's own query: primary-key lookups), in the request's transaction, and this request is refused
    as soon as any of them says no. The cache only saves authorizer invocations, it never extends access.
    """
    ctx = _authorizer_context(aws_event(request))
    try:
        user_id, session_id = int(ctx["user_id"]), int(ctx["session_id"])
    except (KeyError, TypeError, ValueError):
        raise Unauthorized("Not authenticated") from None
    row = live_caller(database.connection(), user_id, session_id, clock.now())
    if row is None:
        raise Unauthorized("Not authenticated")
    info = _request_info(request)
    caller = Caller(
        user_id=user_id,
        session_id=session_id,
        email=str(row["email"]),
        role=str(row["role"]),
        is_admin=bool(row["is_admin"]),
        must_change_password=bool(row["must_change_password"]),
        grants=dict(row["grants"] or {}),
        active_modules=frozenset(row["active_modules"]),
        ip=info.ip,
        user_agent=info.user_agent,
    )
    if caller.must_change_password and (request.method, request.url.path) not in PASSWORD_CHANGE_ROUTES:
        raise Forbidden("Password change required", "password_change_required")
    return caller


def module_guard(module: str) -> Callable[[Request, Caller], Awaitable[Caller]]:
    """Dependency factory: the caller may use `module` with this request's method, by the current grants, role and
    module flag (signed_in has just read them); the gateway's cached policy is not trusted for this."""

    async def guard(request: Request, caller: Annotated[Caller, Depends(signed_in)]) -> Caller:
        if caller.may(module, request.method):
            return caller
        if module not in caller.active_modules:
            raise Forbidden("Module is disabled", "module_disabled")
        raise Forbidden("No access to this module", "module_forbidden")

    return guard


def secret_fields(*names: str) -> Callable[[Request], Awaitable[None]]:
    """Dependency factory: these top-level response fields are one-time secrets (temporary passwords, tokens).

    An idempotent replay stores the response for 24 h; the secrets are stored as null rather than in clear text.
    """

    async def mark(request: Request) -> None:
        request.state.secret_fields = names

    return mark


async def get_conn() -> Connection:
    """The container's connection, inside the request's transaction."""
    return database.connection()


Conn = Annotated[Connection, Depends(get_conn)]
SignedIn = Annotated[Caller, Depends(signed_in)]
Info = Annotated[RequestInfo, Depends(request_info)]


# --- errors ----------------------------------------------------------------------------------------------------


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.commit:
        request.state.commit = True
    return _json(exc.status_code, exc.body(), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only loc/msg/type: echoing `input` would send passwords and huge strings back.
    items = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    return _json(422, {"detail": items})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI's "error parsing the body": JSON it could not decode as JSON (invalid UTF-8, nesting deeper than
        # the parser's recursion limit). Malformed JSON is a validation error, as when the decoder names its
        # position: 422 in the same shape.
        body_error = {"loc": ["body"], "msg": "The body is not valid JSON", "type": "json_invalid"}
        return _json(422, {"detail": [body_error]})
    codes = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated", 403: "forbidden"}
    return _json(exc.status_code, {"detail": str(exc.detail), "code": codes.get(exc.status_code, "http_error")})


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    """Database errors a client can cause map to 409/422; an unreachable or slow database is 503."""
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return _json(409, {"detail": "Duplicate value", "code": "duplicate"})
    if isinstance(exc, psycopg.errors.ForeignKeyViolation):
        return _json(422, {"detail": [{"loc": ["body"], "msg": "Unknown reference", "type": "reference_error"}]})
    if isinstance(exc, psycopg.errors.CheckViolation | psycopg.errors.NotNullViolation):
        return _json(409, {"detail": "The change breaks a data rule", "code": "constraint_violation"})
    if isinstance(exc, psycopg.errors.NumericValueOutOfRange | psycopg.errors.DatetimeFieldOverflow):
        return _json(422, {"detail": [{"loc": ["body"], "msg": "Value out of range", "type": "value_error"}]})
    if isinstance(exc, psycopg.errors.QueryCanceled):
        logger.warning("statement timeout", extra={"path": request.url.path})
        body = {"detail": "The database took too long to answer", "code": "database_timeout"}
        return _json(503, body, UNAVAILABLE_HEADERS)
    if isinstance(exc, psycopg.DataError):
        # Class 22 (data exception): a value the database cannot take, e.g. a NUL byte in text.
        return _json(422, {"detail": [{"loc": ["body"], "msg": "Invalid value", "type": "value_error"}]})
    if isinstance(
        exc, psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure
    ):
        return _json(409, {"detail": "The record is busy; try again", "code": "busy"})
    if isinstance(exc, psycopg.OperationalError):
        logger.warning("database unavailable", extra={"error": type(exc).__name__})
        return _json(503, {"detail": "Database unavailable", "code": "database_unavailable"}, UNAVAILABLE_HEADERS)
    logger.exception("database error")
    return _json(500, INTERNAL_ERROR)


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


def _raw_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


# --- the per-request cycle: transaction, idempotency, logging ----------------------------------------------------


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

    async def _run(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
        key = _header(scope, b"idempotency-key")
        user_id = _context_user(scope)
        idem: _IdempotentRequest | None = None
        if scope["method"] == "POST" and key is not None and user_id is not None:
            if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
                return _plain(422, {"detail": [_loc_error("Idempotency-Key must be 1 to 255 characters")]})
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
            status, headers, chunks = _error_triplet(exc)
        return status, headers, chunks

    def _claim(self, idem: _IdempotentRequest) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]] | None:
        """Take the key in the request's own transaction (None: go on), or answer now: in progress, replay, misuse."""
        try:
            outcome = idempotency.claim(database.connection(), idem.user_id, idem.key)
        except psycopg.Error as exc:
            database.finish(commit=False)
            return _error_triplet(exc)
        if outcome is None:
            database.hold(idempotency.lock_id(idem.user_id, idem.key))
            return None
        database.finish(commit=False)  # nothing to do: end the transaction (and the hold on the key) now
        if isinstance(outcome, idempotency.Stored):
            if outcome.request_hash != idem.req_hash:
                return _plain(422, {"detail": [_loc_error("Idempotency-Key was used with a different request")]})
            headers = {"content-type": "application/json", **outcome.headers, "idempotent-replayed": "true"}
            return outcome.status_code, _raw_headers(headers), [outcome.body.encode()]
        busy = idempotency_in_progress()
        return (
            busy.status_code,
            _raw_headers({"content-type": "application/json", **busy.headers}),
            [json.dumps(busy.body()).encode()],
        )

    async def _call_app(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
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
                if isinstance(exc, psycopg.OperationalError):
                    database.close()
                return _error_triplet(exc)
            logger.exception("unhandled error")
            return _plain(500, INTERNAL_ERROR)
        return status, headers, chunks


def _storable(body: bytes, secrets: Sequence[str]) -> str:
    """The response body as kept for replays, one-time secrets nulled."""
    if not secrets:
        return body.decode()
    data = json.loads(body)
    if isinstance(data, dict):
        data.update({name: None for name in secrets if name in data})
    return json.dumps(data)


def _error_triplet(exc: psycopg.Error) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
    if isinstance(exc, psycopg.OperationalError):
        database.close()
        status, headers, body = _plain(503, {"detail": "Database unavailable", "code": "database_unavailable"})
        return status, headers + _raw_headers(UNAVAILABLE_HEADERS), body
    logger.exception("database error")
    return _plain(500, INTERNAL_ERROR)


def _plain(status: int, body: Any) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
    return status, [(b"content-type", b"application/json")], [json.dumps(body).encode()]


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
        return int(_authorizer_context(event)["user_id"])
    except (KeyError, TypeError, ValueError):
        return None


# --- factory and handler -----------------------------------------------------------------------------------------


def create_app(title: str, routers: Sequence[APIRouter], description: str = "") -> FastAPI:
    """A module's FastAPI app with the shared contract. OpenAPI is built on demand (the local gateway's /docs)."""
    app = FastAPI(
        title=title,
        description=description,
        version=_version(),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    openapi.install(app)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(psycopg.Error, _db_error)
    for router in routers:
        app.include_router(router)
    app.add_middleware(RequestCycle)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(get_settings().allowed_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
    )
    return app


def _version() -> str:
    from farm_erp import __version__

    return __version__


# The context type is a string: it is imported for the type checker only, never at run time.
LambdaHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def _is_rest_proxy_event(event: Any) -> bool:
    """The shape Mangum needs to recognise an API Gateway REST proxy event."""
    return (
        isinstance(event, dict)
        and isinstance(event.get("httpMethod"), str)
        and isinstance(event.get("path"), str)
        and "resource" in event
        and isinstance(event.get("requestContext"), dict)
    )


def lambda_handler(app: FastAPI) -> LambdaHandler:
    """Mangum around the app (lifespan off: it would run on every invocation), under the Powertools decorators."""
    from aws_lambda_powertools.logging import correlation_paths
    from mangum import Mangum

    from farm_erp.observability import metrics

    adapter = Mangum(app, lifespan="off")
    snapstart.register()  # the init that a SnapStart snapshot captures ends here

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
        if not _is_rest_proxy_event(event):
            logger.warning("malformed event")
            return {
                "statusCode": 400,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"detail": "Malformed API Gateway event", "code": "malformed_event"}),
                "isBase64Encoded": False,
            }
        # Mangum types the same runtime object as its own Protocol with settable attributes; Powertools' class
        # has read-only properties, so the two types disagree although the object is the one Lambda passes.
        return dict(adapter(event, context))  # type: ignore[arg-type]

    wrapped: LambdaHandler = handler
    return wrapped


logging.getLogger("mangum").setLevel(logging.WARNING)
