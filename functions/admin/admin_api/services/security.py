"""Sessions of every user, their revocation, login attempts and security figures."""

from __future__ import annotations

from typing import Any

from admin_api.queries import security as security_queries
from admin_api.services import MODULE
from farm_erp import admin_figures, audit, clock
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.errors import NotFound
from farm_erp.lists import DateRange, PageParams
from farm_erp.sessions import revoke_session


def list_sessions(
    conn: Connection, user_id: int | None, live_only: bool, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    return security_queries.list_sessions(conn, clock.now(), user_id, live_only, paging)


def revoke(conn: Connection, actor: Actor, session_id: int) -> None:
    """Revoke any user's session; an already revoked one stays as it was (the DELETE is idempotent)."""
    session = security_queries.get_session(conn, session_id, lock=True)
    if session is None:
        raise NotFound("Session not found")
    if revoke_session(conn, session_id, "admin_revoked", clock.now()):
        audit.module_change(
            conn,
            actor,
            MODULE,
            "session.revoke",
            "session",
            session_id,
            metadata={"user_id": session["user_id"]},
            description=f"revoked session {session_id} of user {session['user_id']}",
        )


def login_history(
    conn: Connection,
    status: str | None,
    user_id: int | None,
    email: str | None,
    dates: DateRange,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    email = (email or "").strip().lower() or None  # emails are trimmed and lower-cased everywhere
    return security_queries.login_history(conn, status, user_id, email, dates.since, dates.until, paging)


def stats(conn: Connection) -> dict[str, int]:
    return admin_figures.security_statistics(conn, clock.now())
