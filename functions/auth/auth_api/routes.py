"""HTTP routes of /auth: validation and wiring only; the rules live in services/."""

import time
from typing import Annotated, Any

from fastapi import Depends, Query

from auth_api.schemas import (
    Accepted,
    ChangePasswordIn,
    ForgotPasswordIn,
    LoginAttemptOut,
    LoginIn,
    MeOut,
    MeUpdate,
    RefreshIn,
    ResetPasswordIn,
    Revoked,
    SessionOut,
    TokenPair,
)
from auth_api.services import account, passwords, signin
from farm_erp.fields import Id
from farm_erp.http import Conn, Info, Router, SignedIn, secret_fields
from farm_erp.lists import Page, Paging
from farm_erp.openapi import codes

router = Router(tags=["auth"])


async def arrival() -> float:
    """When the request reached the route (time.monotonic()); declared first, before the connection."""
    return time.monotonic()


Arrival = Annotated[float, Depends(arrival)]


@router.post(
    "/auth/login", response_model=TokenPair, responses=codes(401, "invalid_credentials") | codes(429, "rate_limited")
)
async def login(body: LoginIn, conn: Conn, info: Info) -> dict[str, Any]:
    """Sign in with email and password."""
    return signin.login(conn, body.email, body.password, info)


@router.post(
    "/auth/refresh",
    response_model=TokenPair,
    responses=codes(401, "invalid_refresh_token") | codes(429, "rate_limited"),
)
async def refresh(body: RefreshIn, conn: Conn, info: Info) -> dict[str, Any]:
    """Exchange a refresh token for a new token pair."""
    return signin.refresh(conn, body.refresh_token, info)


@router.post("/auth/logout", status_code=204, response_model=None)
async def logout(
    caller: SignedIn,
    conn: Conn,
    all_sessions: Annotated[bool, Query(alias="all", description="End every session")] = False,
) -> None:
    """End the current session, or all of them."""
    signin.logout(conn, caller, all_sessions)


@router.get("/auth/me", response_model=MeOut, responses=codes(404, "not_found"))
async def get_me(caller: SignedIn, conn: Conn) -> dict[str, Any]:
    """Own profile and module access."""
    return account.me(conn, caller.user_id)


@router.patch("/auth/me", response_model=MeOut, responses=codes(404, "not_found"))
async def patch_me(body: MeUpdate, caller: SignedIn, conn: Conn) -> dict[str, Any]:
    """Edit own profile."""
    return account.update_me(conn, caller, body)


@router.post(
    "/auth/change-password",
    response_model=TokenPair,
    dependencies=[Depends(secret_fields("access_token", "refresh_token"))],
    responses=codes(403, "invalid_current_password") | codes(429, "rate_limited"),
)
async def change_password(body: ChangePasswordIn, caller: SignedIn, conn: Conn, info: Info) -> dict[str, Any]:
    """Change own password; returns a new token pair for this session."""
    return passwords.change_password(conn, caller, body.current_password, body.new_password, info)


@router.post("/auth/forgot-password", status_code=202, response_model=Accepted, responses=codes(429, "rate_limited"))
async def forgot_password(arrived: Arrival, body: ForgotPasswordIn, conn: Conn, info: Info) -> dict[str, str]:
    """Request a password-reset mail."""
    return passwords.forgot_password(conn, body.email, info, arrived)


@router.post("/auth/reset-password", status_code=204, response_model=None, responses=codes(429, "rate_limited"))
async def reset_password(body: ResetPasswordIn, conn: Conn, info: Info) -> None:
    """Set a new password with a reset token."""
    passwords.reset_password(conn, body.token, body.new_password, info)


@router.get("/auth/sessions", response_model=Page[SessionOut])
async def list_sessions(
    caller: SignedIn,
    conn: Conn,
    paging: Paging,
    live_only: Annotated[bool, Query(description="Only live sessions (false: every session, with status)")] = True,
) -> dict[str, Any]:
    """Own sessions, newest first."""
    return account.sessions(conn, caller, live_only, paging)


@router.delete("/auth/sessions/{session_id}", status_code=204, response_model=None)
async def delete_session(session_id: Id, caller: SignedIn, conn: Conn) -> None:
    """Revoke one of own sessions."""
    account.revoke_session(conn, caller, session_id)


@router.delete("/auth/sessions", response_model=Revoked)
async def delete_other_sessions(caller: SignedIn, conn: Conn) -> dict[str, int]:
    """Revoke every own session except the current one."""
    return account.revoke_other_sessions(conn, caller)


@router.get("/auth/login-history", response_model=Page[LoginAttemptOut])
async def login_history(caller: SignedIn, conn: Conn, paging: Paging) -> dict[str, Any]:
    """Own sign-in attempts, newest first."""
    return account.login_history(conn, caller, paging)
