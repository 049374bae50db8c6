"""Module grants of one user: read, and replace as a whole (docs/rules.md: Users, modules, permissions)."""

from __future__ import annotations

from typing import Any

from admin_api.queries import permissions as permission_queries
from admin_api.queries import users as user_queries
from admin_api.schemas.permissions import GrantIn
from admin_api.services import MODULE
from farm_erp import audit, clock
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, ValidationFailed


def get_permissions(conn: Connection, user_id: int) -> dict[str, Any]:
    """Every grantable module with the user's access (null when not granted)."""
    if user_queries.get_user(conn, user_id, clock.now()) is None:
        raise NotFound("User not found")
    return {"user_id": user_id, "grants": permission_queries.grantable_with_access(conn, user_id)}


def _check(conn: Connection, grants: list[GrantIn]) -> dict[str, str]:
    """The grants as {module: access}, or 422 naming every entry that is unknown, not grantable or repeated."""
    modules = permission_queries.modules_by_key(conn)
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, g in enumerate(grants):
        module = modules.get(g.module_key)
        if module is None:
            problems.append((i, "Unknown module"))
        elif not module["grantable"]:
            problems.append((i, "This module cannot be granted"))
        elif g.module_key in seen:
            problems.append((i, "Module listed more than once"))
        seen.add(g.module_key)
    if problems:
        error = ValidationFailed(["body", "grants", problems[0][0], "module_key"], problems[0][1])
        error.items = [
            {"loc": ["body", "grants", i, "module_key"], "msg": msg, "type": "value_error"} for i, msg in problems
        ]
        raise error
    return {g.module_key: g.access for g in grants}


def replace_permissions(conn: Connection, actor: Actor, user_id: int, grants: list[GrantIn]) -> dict[str, Any]:
    """Make the user's grants exactly the given ones, in the request's one transaction."""
    target = user_queries.get_user(conn, user_id, clock.now(), lock=True)  # concurrent replaces queue here
    if target is None:
        raise NotFound("User not found")
    if target["is_admin"]:
        raise Conflict("Admins have every module; grants do not apply", "target_is_admin")
    wanted = _check(conn, grants)
    before = permission_queries.grants_of(conn, user_id)
    permission_queries.replace_grants(conn, user_id, wanted, actor.user_id)
    keys = [r["module_key"] for r in permission_queries.grantable_with_access(conn, user_id)]
    audit.module_change(
        conn,
        actor,
        MODULE,
        "permission.replace",
        "user",
        user_id,
        metadata=audit.changes(before, wanted, keys),
        description=f"replace module grants of {target['email']}",
    )
    return get_permissions(conn, user_id)
