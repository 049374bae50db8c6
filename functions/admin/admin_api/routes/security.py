"""Security: every user's sessions, their revocation, login attempts and figures."""

from typing import Annotated, Any, Literal

from fastapi import Query, Response

from admin_api.routes.deps import GUARD, Admin
from admin_api.schemas.common import MAX_ID, SessionId
from admin_api.schemas.security import LoginOut, SecurityStatsOut, SessionOut
from admin_api.services import security as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging, page_of

router = Router(tags=["admin: security"], dependencies=GUARD)
UserFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/admin/security/sessions", response_model=Page[SessionOut])
async def list_sessions(
    conn: Conn, caller: Admin, paging: Paging, user_id: UserFilter = None, live_only: bool = False
) -> dict[str, Any]:
    """Sessions of every user, newest first, with the user's email and name."""
    rows, total = service.list_sessions(conn, user_id, live_only, paging)
    return page_of(rows, total, paging)


@router.delete("/admin/security/sessions/{session_id}", status_code=204, response_class=Response, response_model=None)
async def revoke_session(conn: Conn, caller: Admin, session_id: SessionId) -> Response:
    """Revoke one session of any user."""
    service.revoke(conn, caller.actor, session_id)
    return Response(status_code=204)


@router.get("/admin/security/login-history", response_model=Page[LoginOut])
async def login_history(
    conn: Conn,
    caller: Admin,
    paging: Paging,
    dates: Dates,
    status: Literal["success", "failed", "locked"] | None = None,
    user_id: UserFilter = None,
    email: Annotated[str | None, Query(max_length=255, description="Part of the attempted email")] = None,
) -> dict[str, Any]:
    """Login attempts of everyone, newest first."""
    rows, total = service.login_history(conn, status, user_id, email, dates, paging)
    return page_of(rows, total, paging)


@router.get("/admin/security/stats", response_model=SecurityStatsOut)
async def security_stats(conn: Conn, caller: Admin) -> dict[str, int]:
    """Live sessions, logins, failures and lockouts of the last 24 h."""
    return service.stats(conn)
