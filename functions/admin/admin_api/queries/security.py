"""Sessions of every user and login attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from admin_api.queries.common import like_pattern, where
from farm_erp.db import Connection
from farm_erp.sessions import LIVE_SQL, live_params


def list_sessions(
    conn: Connection, now: datetime, user_id: int | None, live_only: bool, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Sessions newest first, with their user's email and name."""
    params: dict[str, Any] = {**live_params(now), "user_id": user_id, "limit": limit, "offset": offset}
    conditions = []
    if user_id is not None:
        conditions.append("s.user_id = %(user_id)s")
    if live_only:
        conditions.append(LIVE_SQL)
    filters = where(conditions)
    rows = conn.execute(
        f"""SELECT s.id, s.user_id, u.email, u.full_name, s.created_at, s.last_activity_at, s.expires_at, s.ip,
                   s.user_agent, s.revoked_at, s.revoked_reason, {LIVE_SQL} AS is_live
              FROM sessions s JOIN users u ON u.id = s.user_id {filters}
             ORDER BY s.created_at DESC, s.id DESC LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()
    count = conn.execute(f"SELECT count(*) AS n FROM sessions s {filters}", params).fetchone()
    return rows, int(count["n"]) if count else 0


def get_session(conn: Connection, session_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    suffix = " FOR UPDATE" if lock else ""
    return conn.execute(
        f"SELECT id, user_id, revoked_at, revoked_reason FROM sessions WHERE id = %s{suffix}", (session_id,)
    ).fetchone()


def login_history(
    conn: Connection,
    status: str | None,
    user_id: int | None,
    email: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Login attempts newest first; `email` matches part of the attempted address."""
    params: dict[str, Any] = {
        "status": status,
        "user_id": user_id,
        "since": since,
        "until": until,
        "limit": limit,
        "offset": offset,
    }
    conditions = []
    if status is not None:
        conditions.append("status = %(status)s")
    if user_id is not None:
        conditions.append("user_id = %(user_id)s")
    if email:
        params["pattern"] = like_pattern(email)
        conditions.append("email_attempted ILIKE %(pattern)s")
    if since is not None:
        conditions.append("created_at >= %(since)s")
    if until is not None:
        conditions.append("created_at < %(until)s")
    filters = where(conditions)
    rows = conn.execute(
        f"""SELECT id, created_at, user_id, email_attempted, ip, user_agent, status, failure_reason, is_new_device,
                   is_new_ip
              FROM login_history {filters}
             ORDER BY created_at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()
    count = conn.execute(f"SELECT count(*) AS n FROM login_history {filters}", params).fetchone()
    return rows, int(count["n"]) if count else 0
