"""Roles and modules: catalogues, enabling and disabling modules, and who can use a module."""

from __future__ import annotations

from typing import Any

from admin_api.queries import modules as module_queries
from admin_api.queries import users as user_queries
from admin_api.schemas.modules import ModuleUpdate
from admin_api.services import MODULE
from farm_erp import audit
from farm_erp.access import Subject, effective_modules
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound
from farm_erp.lists import PageParams

# Disabling these would lock everyone out of the home page or out of administration itself.
PROTECTED_MODULES = ("dashboard", "admin")


def list_roles(conn: Connection, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    return user_queries.list_roles(conn, paging)


def list_modules(conn: Connection, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    return module_queries.list_modules(conn, paging)


def update_module(conn: Connection, actor: Actor, key: str, body: ModuleUpdate) -> dict[str, Any]:
    """Edit a module; disabling keeps its grants, so re-enabling restores the same access."""
    changes = body.changes()
    before = module_queries.get_module(conn, key, lock=True)
    if before is None:
        raise NotFound("Module not found")
    if changes.get("is_active") is False and key in PROTECTED_MODULES:
        raise Conflict(f"The {key} module cannot be disabled", "protected_module")
    module_queries.update_module(conn, key, changes)
    after = module_queries.get_module(conn, key)
    assert after is not None
    audited = ("name", "description", "icon", "display_order", "is_active")
    audit.module_change(
        conn,
        actor,
        MODULE,
        "module.update",
        "module",
        key,
        metadata=audit.changes(before, after, audited),
        description=f"update module {key}",
    )
    return after


def module_users(conn: Connection, key: str) -> list[dict[str, Any]]:
    """Active users who may use the module, with their access, by the single access rule.

    The module's own active flag is left out: the list says who has access while the module is enabled,
    which is also who gets it back when a disabled module is re-enabled.
    """
    if module_queries.get_module(conn, key) is None:
        raise NotFound("Module not found")
    out = []
    for row in module_queries.active_users_with_grant(conn, key):
        grants = {key: row["grant_access"]} if row["grant_access"] else {}
        access = effective_modules(Subject(is_active=True, is_admin=row["is_admin"], grants=grants), [key]).get(key)
        if access is not None:
            out.append({k: row[k] for k in ("user_id", "email", "full_name", "role", "is_admin")} | {"access": access})
    return out
