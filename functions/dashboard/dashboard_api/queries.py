"""What the access rule needs from the database: the caller's role, active flag and grants, and the modules."""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection


def caller(conn: Connection, user_id: int) -> dict[str, Any] | None:
    """The caller's current active flag, admin flag and grants (fresher than the authorizer's cached context)."""
    return conn.execute(
        """SELECT u.is_active, r.is_admin,
                  COALESCE((SELECT json_object_agg(g.module_key, g.access) FROM user_module_grants g
                             WHERE g.user_id = u.id), '{}'::json) AS grants
             FROM users u JOIN roles r ON r.id = u.role_id
            WHERE u.id = %s""",
        (user_id,),
    ).fetchone()


def modules(conn: Connection) -> list[dict[str, Any]]:
    """Every module in sidebar order (display_order, then key)."""
    return conn.execute(
        "SELECT key, name, description, icon, display_order, is_active FROM modules ORDER BY display_order, key"
    ).fetchall()
