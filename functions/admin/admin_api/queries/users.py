"""Users and roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from admin_api.queries.common import like_pattern, where
from farm_erp.db import Connection

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
    conn: Connection, now: datetime, is_active: bool | None, role: str | None, term: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of users (by email) and the total matching the filters."""
    params: dict[str, Any] = {"now": now, "is_active": is_active, "role": role, "limit": limit, "offset": offset}
    conditions = []
    if is_active is not None:
        conditions.append("u.is_active = %(is_active)s")
    if role is not None:
        conditions.append("r.key = %(role)s")
    if term:
        params["pattern"] = like_pattern(term)
        conditions.append("(u.email ILIKE %(pattern)s OR u.full_name ILIKE %(pattern)s)")
    filters = where(conditions)
    rows = conn.execute(
        f"{_USER} {filters} ORDER BY u.email, u.id LIMIT %(limit)s OFFSET %(offset)s", params
    ).fetchall()
    count = conn.execute(
        f"SELECT count(*) AS n FROM users u JOIN roles r ON r.id = u.role_id {filters}", params
    ).fetchone()
    return rows, int(count["n"]) if count else 0


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
    columns = [c for c in values if c in UPDATABLE]
    if len(columns) != len(values):
        raise ValueError(f"not updatable: {sorted(set(values) - set(columns))}")
    if not columns:
        return
    assignments = ", ".join(f"{c} = %({c})s" for c in columns)
    conn.execute(f"UPDATE users SET {assignments} WHERE id = %(id)s", {**values, "id": user_id})


def list_roles(conn: Connection, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    rows = conn.execute(
        "SELECT id, key, name, is_admin, max_sessions FROM roles ORDER BY id LIMIT %s OFFSET %s", (limit, offset)
    ).fetchall()
    count = conn.execute("SELECT count(*) AS n FROM roles").fetchone()
    return rows, int(count["n"]) if count else 0
