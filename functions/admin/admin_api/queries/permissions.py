"""Module grants."""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection


def modules_by_key(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every module with its name, order and grantable flag."""
    rows = conn.execute("SELECT key, name, display_order, grantable FROM modules ORDER BY display_order, key")
    return {r["key"]: r for r in rows.fetchall()}


def grantable_with_access(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """Each grantable module with the user's access (NULL when not granted), in sidebar order."""
    return conn.execute(
        """SELECT m.key AS module_key, m.name AS module_name, g.access
             FROM modules m
             LEFT JOIN user_module_grants g ON g.module_key = m.key AND g.user_id = %s
            WHERE m.grantable
            ORDER BY m.display_order, m.key""",
        (user_id,),
    ).fetchall()


def grants_of(conn: Connection, user_id: int) -> dict[str, str]:
    rows = conn.execute("SELECT module_key, access FROM user_module_grants WHERE user_id = %s", (user_id,))
    return {r["module_key"]: r["access"] for r in rows.fetchall()}


def replace_grants(conn: Connection, user_id: int, grants: dict[str, str], granted_by: int | None) -> None:
    """Make the user's grants exactly `grants` (the caller's transaction makes it all-or-nothing)."""
    conn.execute(
        "DELETE FROM user_module_grants WHERE user_id = %s AND NOT (module_key = ANY(%s))",
        (user_id, list(grants)),
    )
    for module_key, access in sorted(grants.items()):
        conn.execute(
            """INSERT INTO user_module_grants (user_id, module_key, access, granted_by) VALUES (%s, %s, %s, %s)
               ON CONFLICT (user_id, module_key) DO UPDATE
                   SET access = EXCLUDED.access, granted_by = EXCLUDED.granted_by, updated_at = now()
                   WHERE user_module_grants.access <> EXCLUDED.access""",
            (user_id, module_key, access, granted_by),
        )
