"""Users: list, create, read, edit, deactivate, unlock, reset password, force sign-out."""

from typing import Annotated, Any

from fastapi import Depends, Query, Response

from admin_api.routes.deps import GUARD, Admin
from admin_api.schemas.common import Revoked, UserId
from admin_api.schemas.users import TemporaryPassword, UserCreate, UserCreated, UserOut, UserUpdate
from admin_api.services import users as service
from farm_erp import clock
from farm_erp.http import Conn, Router, secret_fields
from farm_erp.lists import Page, Paging, page_of
from farm_erp.openapi import codes

router = Router(tags=["admin: users"], dependencies=GUARD)


@router.get("/admin/users", response_model=Page[UserOut])
async def list_users(
    conn: Conn,
    caller: Admin,
    paging: Paging,
    is_active: bool | None = None,
    role: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=255, description="Part of the email or name")] = None,
) -> dict[str, Any]:
    """Users, by email, filtered by active flag, role key and a search term."""
    rows, total = service.list_users(conn, clock.now(), is_active, role, q, paging)
    return page_of(rows, total, paging)


@router.post(
    "/admin/users",
    response_model=UserCreated,
    status_code=201,
    dependencies=[Depends(secret_fields("temporary_password"))],
    responses=codes(409, "duplicate_email"),
)
async def create_user(conn: Conn, caller: Admin, body: UserCreate) -> dict[str, Any]:
    """Create a user with a temporary password, shown once."""
    return service.create_user(conn, caller.actor, body, clock.now())


@router.get("/admin/users/{user_id}", response_model=UserOut)
async def get_user(conn: Conn, caller: Admin, user_id: UserId) -> dict[str, Any]:
    """One user."""
    return service.get_user(conn, user_id, clock.now())


@router.patch("/admin/users/{user_id}", response_model=UserOut, responses=codes(409, "self_change", "last_admin"))
async def update_user(conn: Conn, caller: Admin, user_id: UserId, body: UserUpdate) -> dict[str, Any]:
    """Edit name, role or active flag; deactivation and role changes sign the user out."""
    return service.update_user(conn, caller.actor, user_id, body, clock.now())


@router.delete(
    "/admin/users/{user_id}",
    status_code=204,
    response_class=Response,
    response_model=None,
    responses=codes(409, "self_change", "last_admin"),
)
async def deactivate_user(conn: Conn, caller: Admin, user_id: UserId) -> Response:
    """Deactivate a user (users are never deleted)."""
    service.deactivate_user(conn, caller.actor, user_id, clock.now())
    return Response(status_code=204)


@router.post("/admin/users/{user_id}/unlock", response_model=UserOut)
async def unlock_user(conn: Conn, caller: Admin, user_id: UserId) -> dict[str, Any]:
    """Clear a lockout and the failed-login counter."""
    return service.unlock_user(conn, caller.actor, user_id, clock.now())


@router.post(
    "/admin/users/{user_id}/reset-password",
    response_model=TemporaryPassword,
    dependencies=[Depends(secret_fields("temporary_password"))],
)
async def reset_password(conn: Conn, caller: Admin, user_id: UserId) -> dict[str, str]:
    """Give the user a new temporary password and sign them out everywhere."""
    return {"temporary_password": service.reset_password(conn, caller.actor, user_id, clock.now())}


@router.delete("/admin/users/{user_id}/sessions", response_model=Revoked)
async def revoke_sessions(conn: Conn, caller: Admin, user_id: UserId) -> dict[str, int]:
    """Force sign-out: revoke every live session of the user."""
    return {"revoked": service.revoke_sessions(conn, caller.actor, user_id, clock.now())}
