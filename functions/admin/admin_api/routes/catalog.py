"""Roles and modules: catalogues, module edits, and who can use a module."""

from typing import Any

from admin_api.routes.deps import GUARD, Admin
from admin_api.schemas.common import ModuleKey
from admin_api.schemas.modules import ModuleOut, ModuleUpdate, ModuleUserOut, RoleOut
from admin_api.services import modules as service
from farm_erp.caching import REFERENCE_DATA
from farm_erp.http import Conn, Router
from farm_erp.lists import Page, Paging, page_of
from farm_erp.openapi import codes

router = Router(tags=["admin: roles and modules"], dependencies=GUARD)


@router.get("/admin/roles", response_model=Page[RoleOut], dependencies=REFERENCE_DATA)
async def list_roles(conn: Conn, caller: Admin, paging: Paging) -> dict[str, Any]:
    """The roles (seeded; no CRUD)."""
    rows, total = service.list_roles(conn, paging)
    return page_of(rows, total, paging)


@router.get("/admin/modules", response_model=Page[ModuleOut], dependencies=REFERENCE_DATA)
async def list_modules(conn: Conn, caller: Admin, paging: Paging) -> dict[str, Any]:
    """Every module, disabled ones included, in sidebar order."""
    rows, total = service.list_modules(conn, paging)
    return page_of(rows, total, paging)


@router.patch("/admin/modules/{key}", response_model=ModuleOut, responses=codes(409, "protected_module"))
async def update_module(conn: Conn, caller: Admin, key: ModuleKey, body: ModuleUpdate) -> dict[str, Any]:
    """Rename, reorder, enable or disable a module (dashboard and admin stay enabled)."""
    return service.update_module(conn, caller.actor, key, body)


@router.get("/admin/modules/{key}/users", response_model=Page[ModuleUserOut])
async def module_users(conn: Conn, caller: Admin, key: ModuleKey, paging: Paging) -> dict[str, Any]:
    """Active users who may use the module, with their access level."""
    rows = service.module_users(conn, key)
    return page_of(rows[paging.offset : paging.offset + paging.limit], len(rows), paging)
