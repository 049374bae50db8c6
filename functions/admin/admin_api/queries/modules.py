"""Modules and the users who may use one."""

from __future__ import annotations

from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

_MODULE = """SELECT key, name, description, icon, display_order, is_active, grantable, created_at, updated_at
               FROM modules"""
UPDATABLE = ("name", "description", "icon", "display_order", "is_active")


def list_modules(conn: Connection, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    """Every module, inactive ones included, in sidebar order."""
    return sql.paged(conn, _MODULE, sql.Filters(), "display_order, key", paging, count_from="modules")


def get_module(conn: Connection, key: str, *, lock: bool = False) -> dict[str, Any] | None:
    suffix = " FOR UPDATE" if lock else ""
    return conn.execute(f"{_MODULE} WHERE key = %s{suffix}", (key,)).fetchone()


def update_module(conn: Connection, key: str, values: dict[str, Any]) -> None:
    sql.update_columns(conn, "modules", key, values, UPDATABLE, key="key")


def active_users_with_grant(conn: Connection, module_key: str) -> list[dict[str, Any]]:
    """Every active user with their role and their grant on the module (NULL when none), by email."""
    return conn.execute(
        """SELECT u.id AS user_id, u.email, u.full_name, r.key AS role, r.is_admin, g.access AS grant_access
             FROM users u
             JOIN roles r ON r.id = u.role_id
             LEFT JOIN user_module_grants g ON g.user_id = u.id AND g.module_key = %s
            WHERE u.is_active
            ORDER BY u.email, u.id""",
        (module_key,),
    ).fetchall()
