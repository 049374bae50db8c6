"""Session liveness and revocation (docs/rules.md: Tokens and sessions): the one definition, used by the authorizer,
the auth function and the admin function."""

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


def idle_since(now: datetime) -> datetime:
    """Sessions whose last activity is not after this instant are idle, hence not live."""
    return now - timedelta(minutes=get_settings().session_idle_minutes)


def live_params(now: datetime) -> dict[str, Any]:
    """The parameters LIVE_SQL needs: now, and the idle cut-off."""
    return {"now": now, "idle_since": idle_since(now)}


def is_live(revoked_at: datetime | None, expires_at: datetime, last_activity_at: datetime, now: datetime) -> bool:
    """LIVE_SQL for a row already read."""
    return revoked_at is None and expires_at > now and last_activity_at > idle_since(now)


def revoke_live(
    conn: Connection,
    user_id: int,
    reason: RevokeReason,
    now: datetime,
    *,
    only: int | None = None,
    keep: int | None = None,
) -> list[int]:
    """Revoke the user's live sessions: all of them, only one (`only`), or all but one (`keep`); returns their ids."""
    rows = conn.execute(
        f"""UPDATE sessions s SET revoked_at = %(now)s, revoked_reason = %(reason)s
             WHERE s.user_id = %(uid)s AND {LIVE_SQL}
               AND (%(only)s::bigint IS NULL OR s.id = %(only)s)
               AND (%(keep)s::bigint IS NULL OR s.id <> %(keep)s)
            RETURNING s.id""",
        {**live_params(now), "uid": user_id, "reason": reason, "only": only, "keep": keep},
    ).fetchall()
    return sorted(int(r["id"]) for r in rows)


def revoke_beyond(conn: Connection, user_id: int, keep: int, reason: RevokeReason, now: datetime) -> list[int]:
    """Revoke the user's live sessions past the `keep` most recently active ones (the session limit)."""
    rows = conn.execute(
        f"""UPDATE sessions SET revoked_at = %(now)s, revoked_reason = %(reason)s
             WHERE id IN (SELECT s.id FROM sessions s WHERE s.user_id = %(uid)s AND {LIVE_SQL}
                           ORDER BY s.last_activity_at DESC, s.id DESC OFFSET %(keep)s)
            RETURNING id""",
        {**live_params(now), "uid": user_id, "keep": keep, "reason": reason},
    ).fetchall()
    return sorted(int(r["id"]) for r in rows)


def revoke_session(conn: Connection, session_id: int, reason: RevokeReason, now: datetime) -> bool:
    """Revoke one session whatever its state, unless already revoked; True when this call revoked it."""
    cur = conn.execute(
        "UPDATE sessions SET revoked_at = %s, revoked_reason = %s WHERE id = %s AND revoked_at IS NULL",
        (now, reason, session_id),
    )
    return cur.rowcount > 0
