"""The caller's own profile, sessions and sign-in history."""

from __future__ import annotations

from typing import Any

from auth_api import queries
from auth_api.schemas import MeUpdate
from auth_api.services.common import MODULE_KEY, revoke_logged
from farm_erp import audit, clock
from farm_erp import sessions as session_store
from farm_erp.access import Subject, effective_modules
from farm_erp.db import Connection
from farm_erp.errors import NotFound, reject_nulls
from farm_erp.http import Caller
from farm_erp.lists import PageParams, page_of


def me(conn: Connection, user_id: int) -> dict[str, Any]:
    """Profile and the modules the caller may use, by the same rule (and data) as the authorizer."""
    row = queries.profile(conn, user_id)
    if row is None:
        raise NotFound("User not found")
    subject = Subject(is_active=bool(row["is_active"]), is_admin=bool(row["is_admin"]), grants=dict(row["grants"]))
    modules = effective_modules(subject, row["active_modules"])
    return {
        **{k: row[k] for k in ("id", "email", "full_name", "role", "is_admin", "is_active", "must_change_password")},
        **{k: row[k] for k in ("last_login_at", "last_password_change", "created_at", "daily_digest")},
        "modules": [{"key": key, "access": modules[key]} for key in row["active_modules"] if key in modules],
    }


def update_me(conn: Connection, caller: Caller, body: MeUpdate) -> dict[str, Any]:
    """Own name and whether the morning digest is mailed."""
    changes = body.changes()
    reject_nulls(changes, queries.PROFILE_FIELDS)
    before = me(conn, caller.user_id)
    queries.update_profile(conn, caller.user_id, changes)
    after = me(conn, caller.user_id)
    keys = tuple(k for k in queries.PROFILE_FIELDS if k in changes)
    audit.record(
        conn,
        caller.actor,
        "auth.profile.update",
        module_key=MODULE_KEY,
        entity_type="user",
        entity_id=caller.user_id,
        description="Profile updated",
        metadata=audit.changes(before, after, keys),
    )
    return after


def sessions(conn: Connection, caller: Caller, live_only: bool, paging: PageParams) -> dict[str, Any]:
    """Own sessions, newest first; `status` tells live ones from revoked, expired and idle ones."""
    now = clock.now()
    rows, total = queries.sessions_page(conn, caller.user_id, now, live_only, paging)
    items = [{**r, "is_current": r["id"] == caller.session_id} for r in rows]
    return page_of(items, total, paging)


def revoke_session(conn: Connection, caller: Caller, session_id: int) -> None:
    """Revoke one own session (the current one included); another user's session does not exist for the caller."""
    row = queries.own_session(conn, caller.user_id, session_id)
    if row is None:
        raise NotFound("Session not found")
    if row["revoked_at"] is None and session_store.revoke_session(conn, session_id, "self_revoked", clock.now()):
        revoke_logged(conn, caller.actor, [session_id], "self_revoked", caller.user_id, "Session revoked")


def revoke_other_sessions(conn: Connection, caller: Caller) -> dict[str, int]:
    """Sign out everywhere else; the current session stays."""
    now = clock.now()
    ids = session_store.revoke_live(conn, caller.user_id, "self_revoked", now, keep=caller.session_id)
    revoke_logged(conn, caller.actor, ids, "self_revoked", caller.user_id, "Other sessions revoked")
    return {"revoked": len(ids)}


def login_history(conn: Connection, caller: Caller, paging: PageParams) -> dict[str, Any]:
    rows, total = queries.login_history_page(conn, caller.user_id, paging)
    return page_of(rows, total, paging)
