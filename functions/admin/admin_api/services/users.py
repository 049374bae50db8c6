"""Users: create with a temporary password, edit, deactivate, unlock, reset, force sign-out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from admin_api.queries import users as user_queries
from admin_api.schemas.users import UserCreate, UserUpdate
from admin_api.services import MODULE
from farm_erp import audit
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, invalid
from farm_erp.lists import PageParams
from farm_erp.passwords import hash_password, temporary_password
from farm_erp.sessions import RevokeReason, revoke_live

# What an update's {before, after} audit metadata shows (never the password hash).
AUDITED = ("full_name", "role", "is_active", "failed_login_attempts", "locked_until", "must_change_password")


def list_users(
    conn: Connection,
    now: datetime,
    is_active: bool | None,
    role: str | None,
    term: str | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    return user_queries.list_users(conn, now, is_active, role, term, paging)


def get_user(conn: Connection, user_id: int, now: datetime) -> dict[str, Any]:
    user = user_queries.get_user(conn, user_id, now)
    if user is None:
        raise NotFound("User not found")
    return user


def _locked_user(conn: Connection, user_id: int, now: datetime) -> dict[str, Any]:
    user = user_queries.get_user(conn, user_id, now, lock=True)
    if user is None:
        raise NotFound("User not found")
    return user


def _role(conn: Connection, key: str) -> dict[str, Any]:
    role = user_queries.role_by_key(conn, key)
    if role is None:
        raise invalid("role_key", "Unknown role")
    return role


def create_user(conn: Connection, actor: Actor, body: UserCreate, now: datetime) -> dict[str, Any]:
    """A new user who must change the returned temporary password at first sign-in."""
    role = _role(conn, body.role_key)
    duplicate = Conflict("A user with this email already exists", "duplicate_email")
    if user_queries.email_taken(conn, body.email):
        raise duplicate
    password = temporary_password()
    try:
        user_id = user_queries.insert_user(
            conn, body.email, body.full_name, role["id"], hash_password(password), actor.user_id, now
        )
    except psycopg.errors.UniqueViolation:
        raise duplicate from None  # a concurrent create took the email between the check and the insert
    audit.module_change(
        conn,
        actor,
        MODULE,
        "user.create",
        "user",
        user_id,
        metadata={"email": body.email, "role": role["key"]},
        description=f"created user {body.email}",
    )
    return {"user": get_user(conn, user_id, now), "temporary_password": password}


def update_user(
    conn: Connection,
    actor: Actor,
    user_id: int,
    body: UserUpdate,
    now: datetime,
    action: str = "user.update",
) -> dict[str, Any]:
    """Edit name, role or active flag; a deactivation or role change signs the user out everywhere."""
    changes = body.changes()
    may_remove_admin = "role_key" in changes or changes.get("is_active") is False
    # Admins are locked before the target, always in id order, so two concurrent demotions queue up and the
    # second sees the first one's result instead of both counting the other as the remaining admin.
    admins = user_queries.lock_active_admins(conn) if may_remove_admin else []
    before = _locked_user(conn, user_id, now)
    role = _role(conn, changes["role_key"]) if "role_key" in changes else None
    role_changes = role is not None and role["key"] != before["role"]
    deactivating = changes.get("is_active") is False and before["is_active"]
    if user_id == actor.user_id and (role_changes or deactivating):
        raise Conflict("You cannot change your own role or deactivate yourself", "self_change")
    demoted = role is not None and role_changes and not role["is_admin"]
    loses_admin = before["is_admin"] and before["is_active"] and (deactivating or demoted)
    if loses_admin and not [a for a in admins if a != user_id]:
        raise Conflict("At least one active admin must remain", "last_admin")

    values: dict[str, Any] = {}
    if "full_name" in changes:
        values["full_name"] = changes["full_name"]
    if role is not None:
        values["role_id"] = role["id"]
    if "is_active" in changes:
        values["is_active"] = changes["is_active"]
    user_queries.update_user(conn, user_id, values)

    reason: RevokeReason | None = "user_deactivated" if deactivating else "role_changed" if role_changes else None
    revoked = len(revoke_live(conn, user_id, reason, now)) if reason else 0
    after = get_user(conn, user_id, now)
    metadata = audit.changes(_audited(before), _audited(after))
    if reason:
        metadata["sessions_revoked"] = revoked
    audit.module_change(
        conn,
        actor,
        MODULE,
        action,
        "user",
        user_id,
        metadata=metadata,
        description=f"{action.rsplit('.', 1)[-1]} user {before['email']}",
    )
    return after


def deactivate_user(conn: Connection, actor: Actor, user_id: int, now: datetime) -> None:
    """DELETE is a deactivation: users are never deleted."""
    update_user(conn, actor, user_id, UserUpdate(is_active=False), now, action="user.deactivate")


def unlock_user(conn: Connection, actor: Actor, user_id: int, now: datetime) -> dict[str, Any]:
    """Clear the lockout and the failure counter."""
    before = _locked_user(conn, user_id, now)
    user_queries.update_user(conn, user_id, {"failed_login_attempts": 0, "locked_until": None})
    after = get_user(conn, user_id, now)
    audit.module_change(
        conn,
        actor,
        MODULE,
        "user.unlock",
        "user",
        user_id,
        metadata=audit.changes(_audited(before), _audited(after)),
        description=f"unlock user {before['email']}",
    )
    return after


def reset_password(conn: Connection, actor: Actor, user_id: int, now: datetime) -> str:
    """A new temporary password (returned once, stored hashed), unlocked, signed out everywhere."""
    before = _locked_user(conn, user_id, now)
    password = temporary_password()
    user_queries.update_user(
        conn,
        user_id,
        {
            "password_hash": hash_password(password),
            "must_change_password": True,
            "failed_login_attempts": 0,
            "locked_until": None,
            "last_password_change": now,
        },
    )
    revoked = len(revoke_live(conn, user_id, "password_reset", now))
    after = get_user(conn, user_id, now)
    metadata = {**audit.changes(_audited(before), _audited(after)), "sessions_revoked": revoked}
    audit.module_change(
        conn,
        actor,
        MODULE,
        "user.reset_password",
        "user",
        user_id,
        metadata=metadata,
        description=f"reset password of {before['email']}",
    )
    return password


def revoke_sessions(conn: Connection, actor: Actor, user_id: int, now: datetime) -> int:
    """Force sign-out: every live session of the user."""
    user = _locked_user(conn, user_id, now)
    revoked = len(revoke_live(conn, user_id, "admin_revoked", now))
    audit.module_change(
        conn,
        actor,
        MODULE,
        "user.revoke_sessions",
        "user",
        user_id,
        metadata={"revoked": revoked},
        description=f"signed out {user['email']}",
    )
    return revoked


def _audited(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in AUDITED}
