"""Sessions of every user and login attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams
from farm_erp.sessions import LIVE_SQL, live_params


def list_sessions(
    conn: Connection, now: datetime, user_id: int | None, live_only: bool, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Sessions newest first, with their user's email and name."""
    filters = sql.Filters()
    filters.when(user_id, "s.user_id = %(user_id)s", "user_id")
    if live_only:
        filters.add(LIVE_SQL, **live_params(now))
    return sql.paged(
        conn,
        f"""SELECT s.id, s.user_id, u.email, u.full_name, s.created_at, s.last_activity_at, s.expires_at, s.ip,
                   s.user_agent, s.revoked_at, s.revoked_reason, {LIVE_SQL} AS is_live
              FROM sessions s JOIN users u ON u.id = s.user_id""",
        filters,
        "s.created_at DESC, s.id DESC",
        paging,
        count_from="sessions s",
        params=live_params(now),
    )


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
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    """Login attempts newest first; `email` matches part of the attempted address."""
    filters = sql.Filters()
    filters.when(status, "status = %(status)s", "status")
    filters.when(user_id, "user_id = %(user_id)s", "user_id")
    filters.search(email, "email_attempted")
    filters.when(since, "created_at >= %(since)s", "since")
    filters.when(until, "created_at < %(until)s", "until")
    return sql.paged(
        conn,
        """SELECT id, created_at, user_id, email_attempted, ip, user_agent, status, failure_reason, is_new_device,
                  is_new_ip
             FROM login_history""",
        filters,
        "created_at DESC, id DESC",
        paging,
        count_from="login_history",
    )
