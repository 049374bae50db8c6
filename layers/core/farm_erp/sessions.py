"""Session liveness and revocation (spec core §1 sessions, §3.1.4), shared by the auth and admin functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from farm_erp.db import Connection
from farm_erp.settings import get_settings

RevokeReason = Literal[
    "logout",
    "self_revoked",
    "admin_revoked",
    "session_limit",
    "refresh_reuse",
    "password_change",
    "password_reset",
    "user_deactivated",
    "role_changed",
]

# A live session, for a query that aliases `sessions` as `s` and passes live_params(now).
LIVE_SQL = "(s.revoked_at IS NULL AND s.expires_at > %(now)s AND s.last_activity_at > %(idle_since)s)"


def live_params(now: datetime) -> dict[str, Any]:
    """The parameters LIVE_SQL needs: now, and the idle cut-off (SESSION_IDLE_MINUTES before now)."""
    return {"now": now, "idle_since": now - timedelta(minutes=get_settings().session_idle_minutes)}


def revoke_user_sessions(
    conn: Connection, user_id: int, reason: RevokeReason, now: datetime, except_session_id: int | None = None
) -> int:
    """Revoke every live session of a user (but `except_session_id`); returns how many were revoked."""
    cur = conn.execute(
        f"""UPDATE sessions s SET revoked_at = %(now)s, revoked_reason = %(reason)s
             WHERE s.user_id = %(user_id)s AND {LIVE_SQL}
               AND (%(keep)s::bigint IS NULL OR s.id <> %(keep)s::bigint)""",
        {**live_params(now), "user_id": user_id, "reason": reason, "keep": except_session_id},
    )
    return cur.rowcount


def revoke_session(conn: Connection, session_id: int, reason: RevokeReason, now: datetime) -> bool:
    """Revoke one session unless it is already revoked; True when this call revoked it."""
    cur = conn.execute(
        """UPDATE sessions SET revoked_at = %s, revoked_reason = %s WHERE id = %s AND revoked_at IS NULL""",
        (now, reason, session_id),
    )
    return cur.rowcount > 0
