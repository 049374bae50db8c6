"""Users and roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

_USER = """
SELECT u.id, u.email, u.full_name, r.key AS role, r.is_admin, u.is_active, u.must_change_password,
       u.failed_login_attempts, u.locked_until, coalesce(u.locked_until > %(now)s, false) AS is_locked,
       u.last_login_at, u.last_password_change, u.created_by, u.created_at, u.updated_at
  FROM users u JOIN roles r ON r.id = u.role_id
"""
# Columns a service may set through update_user (never composed from client input).
UPDATABLE = (
    "full_name",
    "role_id",
    "is_active",
    "password_hash",
    "must_change_password",
    "failed_login_attempts",
    "locked_until",
    "last_password_change",
)


def list_users(
    conn: Connection, now: datetime, is_active: bool | None, role: str | None, term: str | None, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """One page of users (by email) and the total matching the filters."""
    filters = sql.Filters()
    filters.when(is_active, "u.is_active = %(is_active)s", "is_active")
    filters.when(role, "r.key = %(role)s", "role")
    filters.search(term, "u.email", "u.full_name")
    return sql.paged(
        conn,
        _USER,
        filters,
        "u.email, u.id",
        paging,
        count_from="users u JOIN roles r ON r.id = u.role_id",
        params={"now": now},
    )


def get_user(conn: Connection, user_id: int, now: datetime, *, lock: bool = False) -> dict[str, Any] | None:
    """One user; `lock` takes the row lock (FOR UPDATE OF users) before a check-then-change."""
    suffix = " FOR UPDATE OF u" if lock else ""
    return conn.execute(f"{_USER} WHERE u.id = %(id)s{suffix}", {"now": now, "id": user_id}).fetchone()


def lock_active_admins(conn: Connection) -> list[int]:
    """Lock every active admin (ids ascending, so concurrent changes queue instead of deadlocking)."""
    rows = conn.execute(
        """SELECT id FROM users WHERE is_active AND role_id IN (SELECT id FROM roles WHERE is_admin)
            ORDER BY id FOR UPDATE"""
    ).fetchall()
    return [int(r["id"]) for r in rows]


def role_by_key(conn: Connection, key: str) -> dict[str, Any] | None:
    return conn.execute("SELECT id, key, is_admin FROM roles WHERE key = %s", (key,)).fetchone()


def email_taken(conn: Connection, email: str) -> bool:
    """Whether any user, active or not, has this email (case-insensitive)."""
    return conn.execute("SELECT 1 FROM users WHERE lower(email) = lower(%s)", (email,)).fetchone() is not None


def insert_user(
    conn: Connection,
    email: str,
    full_name: str,
    role_id: int,
    password_hash: str,
    created_by: int | None,
    now: datetime,
) -> int:
    row = conn.execute(
        """INSERT INTO users (email, full_name, role_id, password_hash, must_change_password, last_password_change,
                              created_by, created_at, updated_at)
           VALUES (%s, %s, %s, %s, true, %s, %s, %s, %s) RETURNING id""",
        (email, full_name, role_id, password_hash, now, created_by, now, now),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_user(conn: Connection, user_id: int, values: dict[str, Any]) -> None:
    """Set whitelisted columns of one user."""
    sql.update_columns(conn, "users", user_id, values, UPDATABLE)


def list_roles(conn: Connection, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    return sql.paged(
        conn, "SELECT id, key, name, is_admin, max_sessions FROM roles", sql.Filters(), "id", paging, count_from="roles"
    )
