"""What a route depends on: where the request comes from, the signed-in caller confirmed by the database, the
module guard, one-time secret fields and the request's connection.

No `from __future__ import annotations` here: FastAPI reads these dependencies' annotations at import, and real
objects spare it evaluating strings (tests/unit/test_cold_start_shape.py).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from farm_erp import clock
from farm_erp.access import PASSWORD_CHANGE_ROUTES, Subject, can_access
from farm_erp.audit import Actor
from farm_erp.callers import live_caller
from farm_erp.db import Connection, database
from farm_erp.errors import Forbidden, Unauthorized


def aws_event(request: Request) -> dict[str, Any]:
    """The API Gateway proxy event Mangum put in the scope ({} outside Lambda)."""
    event = request.scope.get("aws.event")
    return event if isinstance(event, dict) else {}


def authorizer_context(event: dict[str, Any]) -> dict[str, Any]:
    """The context the authorizer attached to the event ({} when there is none)."""
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
    ctx = authorizer_context(aws_event(request))
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
