"""All SQL of the auth function (parameterised; times come from the injectable clock, never SQL now())."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams
from farm_erp.sessions import LIVE_SQL, live_params

Row = dict[str, Any]
# What a user may change of their own profile.
PROFILE_FIELDS = ("full_name", "daily_digest")

_USER = """
SELECT u.id, u.email, u.full_name, u.is_active, u.password_hash, u.must_change_password,
       u.failed_login_attempts, u.locked_until, u.last_login_at, u.last_password_change, u.created_at,
       r.key AS role, r.is_admin, r.max_sessions
  FROM users u JOIN roles r ON r.id = u.role_id
"""


# --- users ------------------------------------------------------------------------------------------------------


def user_by_email_for_update(conn: Connection, email: str) -> Row | None:
    """The user with this (normalised) email, row-locked so concurrent failures count one by one."""
    return conn.execute(_USER + " WHERE lower(u.email) = %s FOR UPDATE OF u", (email,)).fetchone()


def user_by_id_for_update(conn: Connection, user_id: int) -> Row | None:
    return conn.execute(_USER + " WHERE u.id = %s FOR UPDATE OF u", (user_id,)).fetchone()


def set_failures(conn: Connection, user_id: int, attempts: int, locked_until: datetime | None) -> None:
    conn.execute(
        "UPDATE users SET failed_login_attempts = %s, locked_until = %s WHERE id = %s",
        (attempts, locked_until, user_id),
    )


def mark_login(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(
        "UPDATE users SET failed_login_attempts = 0, locked_until = NULL, last_login_at = %s WHERE id = %s",
        (now, user_id),
    )


def set_password(conn: Connection, user_id: int, password_hash: str, now: datetime) -> None:
    """New password: clears must_change and any lockout."""
    conn.execute(
        """UPDATE users SET password_hash = %s, last_password_change = %s, must_change_password = false,
                            failed_login_attempts = 0, locked_until = NULL
            WHERE id = %s""",
        (password_hash, now, user_id),
    )


def update_profile(conn: Connection, user_id: int, changes: dict[str, Any]) -> None:
    """Set the profile fields the user sent (name, morning digest)."""
    sql.update_columns(conn, "users", user_id, changes, PROFILE_FIELDS)


def profile(conn: Connection, user_id: int) -> Row | None:
    """The user, their grants and the active modules (display order), in one query."""
    return conn.execute(
        """SELECT u.id, u.email, u.full_name, u.is_active, u.must_change_password, u.last_login_at,
                  u.last_password_change, u.created_at, u.daily_digest, r.key AS role, r.is_admin,
                  COALESCE((SELECT json_object_agg(g.module_key, g.access)
                              FROM user_module_grants g WHERE g.user_id = u.id), '{}'::json) AS grants,
                  ARRAY(SELECT m.key FROM modules m WHERE m.is_active ORDER BY m.display_order, m.key)
                      AS active_modules
             FROM users u JOIN roles r ON r.id = u.role_id
            WHERE u.id = %s""",
        (user_id,),
    ).fetchone()


# --- login history ----------------------------------------------------------------------------------------------


def seen_before(conn: Connection, user_id: int, user_agent: str | None, ip: str | None) -> Row:
    """Whether this user agent / IP appears on any of the user's earlier successful logins."""
    row = conn.execute(
        """SELECT COALESCE(bool_or(user_agent IS NOT DISTINCT FROM %s), false) AS device,
                  COALESCE(bool_or(ip IS NOT DISTINCT FROM %s), false) AS ip
             FROM login_history WHERE user_id = %s AND status = 'success'""",
        (user_agent, ip, user_id),
    ).fetchone()
    assert row is not None
    return row


def insert_login_history(
    conn: Connection,
    *,
    user_id: int | None,
    email: str,
    ip: str | None,
    user_agent: str | None,
    status: str,
    failure_reason: str | None,
    is_new_device: bool,
    is_new_ip: bool,
    now: datetime,
) -> None:
    conn.execute(
        """INSERT INTO login_history (user_id, email_attempted, ip, user_agent, status, failure_reason,
                                      is_new_device, is_new_ip, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (user_id, email, ip, user_agent, status, failure_reason, is_new_device, is_new_ip, now),
    )


def login_history_page(conn: Connection, user_id: int, paging: PageParams) -> tuple[list[Row], int]:
    filters = sql.Filters()
    filters.add("user_id = %(user_id)s", user_id=user_id)
    return sql.paged(
        conn,
        """SELECT id, created_at, email_attempted, ip, user_agent, status, failure_reason, is_new_device, is_new_ip
             FROM login_history""",
        filters,
        "created_at DESC, id DESC",
        paging,
        count_from="login_history",
    )


# --- sessions and refresh tokens --------------------------------------------------------------------------------


def create_session(
    conn: Connection, user_id: int, now: datetime, expires_at: datetime, ip: str | None, user_agent: str | None
) -> int:
    row = conn.execute(
        """INSERT INTO sessions (user_id, created_at, last_activity_at, expires_at, ip, user_agent)
           VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
        (user_id, now, now, expires_at, ip, user_agent),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def touch_session(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute("UPDATE sessions SET last_activity_at = %s WHERE id = %s", (now, session_id))


def own_session(conn: Connection, user_id: int, session_id: int) -> Row | None:
    return conn.execute(
        "SELECT id, revoked_at, expires_at FROM sessions WHERE id = %s AND user_id = %s FOR UPDATE",
        (session_id, user_id),
    ).fetchone()


def sessions_page(
    conn: Connection, user_id: int, now: datetime, live_only: bool, paging: PageParams
) -> tuple[list[Row], int]:
    filters = sql.Filters()
    filters.add("s.user_id = %(user_id)s", user_id=user_id)
    if live_only:
        filters.add(LIVE_SQL, **live_params(now))
    return sql.paged(
        conn,
        """SELECT s.id, s.created_at, s.last_activity_at, s.expires_at, s.ip, s.user_agent, s.revoked_at,
                  s.revoked_reason,
                  CASE WHEN s.revoked_at IS NOT NULL THEN 'revoked'
                       WHEN s.expires_at <= %(now)s THEN 'expired'
                       WHEN s.last_activity_at <= %(idle_since)s THEN 'idle'
                       ELSE 'live' END AS status
             FROM sessions s""",
        filters,
        "s.created_at DESC, s.id DESC",
        paging,
        count_from="sessions s",
        params=live_params(now),
    )


def insert_refresh_token(conn: Connection, session_id: int, hashed: str, expires_at: datetime, now: datetime) -> None:
    conn.execute(
        "INSERT INTO refresh_tokens (session_id, token_hash, expires_at, created_at) VALUES (%s, %s, %s, %s)",
        (session_id, hashed, expires_at, now),
    )


def refresh_token_for_update(conn: Connection, hashed: str) -> Row | None:
    """The token with its session and user; token and session locked so two concurrent uses serialise."""
    return conn.execute(
        """SELECT rt.id, rt.session_id, rt.expires_at, rt.used_at,
                  s.revoked_at, s.expires_at AS session_expires_at, s.last_activity_at,
                  u.id AS user_id, u.email, u.full_name, u.is_active, u.must_change_password,
                  r.key AS role, r.is_admin
             FROM refresh_tokens rt
             JOIN sessions s ON s.id = rt.session_id
             JOIN users u ON u.id = s.user_id
             JOIN roles r ON r.id = u.role_id
            WHERE rt.token_hash = %s
              FOR UPDATE OF rt, s""",
        (hashed,),
    ).fetchone()


def mark_refresh_used(conn: Connection, token_id: int, now: datetime) -> None:
    conn.execute("UPDATE refresh_tokens SET used_at = %s WHERE id = %s", (now, token_id))


def lapse_refresh_tokens(conn: Connection, session_id: int, now: datetime) -> None:
    """End the session's outstanding refresh tokens without marking them used (their later use is no reuse)."""
    conn.execute(
        "UPDATE refresh_tokens SET expires_at = %s WHERE session_id = %s AND used_at IS NULL AND expires_at > %s",
        (now, session_id, now),
    )


# --- password reset tokens --------------------------------------------------------------------------------------


def active_user_by_email(conn: Connection, email: str) -> Row | None:
    return conn.execute(_USER + " WHERE lower(u.email) = %s AND u.is_active", (email,)).fetchone()


def lapse_reset_tokens(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(
        "UPDATE password_reset_tokens SET expires_at = %s WHERE user_id = %s AND used_at IS NULL AND expires_at > %s",
        (now, user_id, now),
    )


def insert_reset_token(conn: Connection, user_id: int, hashed: str, expires_at: datetime, now: datetime) -> None:
    conn.execute(
        "INSERT INTO password_reset_tokens (user_id, token_hash, expires_at, created_at) VALUES (%s, %s, %s, %s)",
        (user_id, hashed, expires_at, now),
    )


def consume_reset_token(conn: Connection, hashed: str, now: datetime) -> Row | None:
    """Spend a live token in one statement, so two concurrent resets cannot both succeed."""
    return conn.execute(
        """UPDATE password_reset_tokens t SET used_at = %(now)s
             FROM users u JOIN roles r ON r.id = u.role_id
            WHERE u.id = t.user_id AND t.token_hash = %(hash)s AND t.used_at IS NULL AND t.expires_at > %(now)s
            RETURNING t.user_id, u.email, u.is_active, r.key AS role""",
        {"hash": hashed, "now": now},
    ).fetchone()
