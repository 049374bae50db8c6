"""Sign-in, token rotation and sign-out (docs/rules.md: Tokens and sessions; Sign-in and passwords)."""

from __future__ import annotations

from typing import Any

from auth_api import queries
from auth_api.services.common import (
    MODULE_KEY,
    SESSION_LIFETIME,
    is_locked,
    password_matches,
    register_failure,
    revoke_logged,
    token_pair,
    user_actor,
)
from farm_erp import audit, clock, ratelimit, sessions
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.errors import Unauthorized
from farm_erp.http import Caller, RequestInfo
from farm_erp.tokens import token_hash

INVALID_CREDENTIALS = "Invalid email or password"
INVALID_REFRESH = "Invalid or expired refresh token"


def login(conn: Connection, email: str, password: str, info: RequestInfo) -> dict[str, Any]:
    """Check the credentials; on success open a session (within the role's limit) and return a token pair.

    Every failure gives the same 401 and is committed (history row, counter, activity) although the answer
    is an error.
    """
    # Before any other work, so that a limited attempt is not counted as a failure.
    ratelimit.hit(conn, f"login:ip:{info.ip}", 10, 60)
    ratelimit.hit(conn, f"login:email:{email}", 5, 60)
    now = clock.now()
    user = queries.user_by_email_for_update(conn, email)
    matches = password_matches(password, user["password_hash"] if user else None)

    reason: str | None = None
    if user is None:
        reason = "unknown_email"
    elif not user["is_active"]:
        reason = "inactive"
    elif not user["password_hash"]:
        reason = "no_password"
    elif is_locked(user, now):
        reason = "locked"
    elif not matches:
        reason = "invalid_password"

    new_device = new_ip = False
    if user is not None:
        seen = queries.seen_before(conn, int(user["id"]), info.user_agent, info.ip)
        new_device, new_ip = not seen["device"], not seen["ip"]

    if reason is not None:
        actor = user_actor(user, info) if user else Actor(None, email, None, None, info.ip, info.user_agent)
        if user is not None and reason == "invalid_password":
            register_failure(conn, user, now, actor)
        queries.insert_login_history(
            conn,
            user_id=int(user["id"]) if user else None,
            email=email,
            ip=info.ip,
            user_agent=info.user_agent,
            status="locked" if reason == "locked" else "failed",
            failure_reason=reason,
            is_new_device=new_device,
            is_new_ip=new_ip,
            now=now,
        )
        audit.record(
            conn,
            actor,
            "auth.login.failed",
            module_key=MODULE_KEY,
            entity_type="user" if user else None,
            entity_id=user["id"] if user else None,
            success=False,
            description="Failed sign-in",
            metadata={"reason": reason},
        )
        raise Unauthorized(INVALID_CREDENTIALS, "invalid_credentials", commit=True)

    assert user is not None
    user_id = int(user["id"])
    queries.mark_login(conn, user_id, now)
    # Room for the new session: the least recently active live ones go first.
    limited = sessions.revoke_beyond(conn, user_id, int(user["max_sessions"]) - 1, "session_limit", now)
    revoke_logged(conn, user_actor(user, info), limited, "session_limit", user_id, "Session limit reached")
    expires_at = now + SESSION_LIFETIME
    session_id = queries.create_session(conn, user_id, now, expires_at, info.ip, info.user_agent)
    pair = token_pair(conn, user, session_id, expires_at, now)
    queries.insert_login_history(
        conn,
        user_id=user_id,
        email=email,
        ip=info.ip,
        user_agent=info.user_agent,
        status="success",
        failure_reason=None,
        is_new_device=new_device,
        is_new_ip=new_ip,
        now=now,
    )
    audit.record(
        conn,
        user_actor(user, info, session_id),
        "auth.login.success",
        module_key=MODULE_KEY,
        entity_type="session",
        entity_id=session_id,
        description="Signed in",
        metadata={"is_new_device": new_device, "is_new_ip": new_ip},
    )
    return pair


def refresh(conn: Connection, raw_token: str, info: RequestInfo) -> dict[str, Any]:
    """Rotate a refresh token: the old one is spent, the session's activity time moves, a new pair comes back.

    A token presented a second time means it leaked: its session is revoked (committed despite the 401).
    """
    ratelimit.hit(conn, f"refresh:ip:{info.ip}", 30, 60)
    now = clock.now()
    row = queries.refresh_token_for_update(conn, token_hash(raw_token))
    if row is None:
        raise Unauthorized(INVALID_REFRESH, "invalid_refresh_token")
    user = {**row, "id": row["user_id"]}
    session_id = int(row["session_id"])
    if row["used_at"] is not None:
        if sessions.revoke_session(conn, session_id, "refresh_reuse", now):
            revoke_logged(
                conn,
                user_actor(user, info, session_id),
                [session_id],
                "refresh_reuse",
                int(row["user_id"]),
                "A used refresh token was presented again",
            )
        raise Unauthorized(INVALID_REFRESH, "invalid_refresh_token", commit=True)
    live = sessions.is_live(row["revoked_at"], row["session_expires_at"], row["last_activity_at"], now)
    if row["expires_at"] <= now or not live or not row["is_active"]:
        raise Unauthorized(INVALID_REFRESH, "invalid_refresh_token")
    queries.mark_refresh_used(conn, int(row["id"]), now)
    queries.touch_session(conn, session_id, now)
    pair = token_pair(conn, user, session_id, row["session_expires_at"], now)
    audit.record(
        conn,
        user_actor(user, info, session_id),
        "auth.session.refresh",
        module_key=MODULE_KEY,
        entity_type="session",
        entity_id=session_id,
        description="Tokens rotated",
    )
    return pair


def logout(conn: Connection, caller: Caller, all_sessions: bool) -> None:
    """Revoke the current session, or every live session of the caller."""
    now = clock.now()
    only = None if all_sessions else caller.session_id
    ids = sessions.revoke_live(conn, caller.user_id, "logout", now, only=only)
    audit.record(
        conn,
        caller.actor,
        "auth.logout",
        module_key=MODULE_KEY,
        entity_type="user",
        entity_id=caller.user_id,
        description="Signed out of all sessions" if all_sessions else "Signed out",
        metadata={"all": all_sessions, "session_ids": ids},
    )
