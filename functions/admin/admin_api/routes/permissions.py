"""Module grants of one user."""

from typing import Any

from admin_api.routes.deps import GUARD, Admin
from admin_api.schemas.common import UserId
from admin_api.schemas.permissions import PermissionsOut, PermissionsReplace
from admin_api.services import permissions as service
from farm_erp.http import Conn, Router
from farm_erp.openapi import codes

router = Router(tags=["admin: permissions"], dependencies=GUARD)


@router.get("/admin/permissions/{user_id}", response_model=PermissionsOut)
async def get_permissions(conn: Conn, caller: Admin, user_id: UserId) -> dict[str, Any]:
    """The user's access to each grantable module (null when none)."""
    return service.get_permissions(conn, user_id)


@router.put("/admin/permissions/{user_id}", response_model=PermissionsOut, responses=codes(409, "target_is_admin"))
async def replace_permissions(conn: Conn, caller: Admin, user_id: UserId, body: PermissionsReplace) -> dict[str, Any]:
    """Replace all of the user's grants at once (all or nothing)."""
    return service.replace_permissions(conn, caller.actor, user_id, body.grants)
