"""Pieces the auth flows share: the lockout counter, token pairs, the live-session window, actors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from auth_api import queries
from farm_erp import audit
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.http import RequestInfo
from farm_erp.passwords import MAX_BYTES, verify_password
from farm_erp.settings import get_settings
from farm_erp.tokens import issue_access_token, new_opaque_token, token_hash

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=7)

# Activity rows of this function carry module_key NULL: /auth is not one of the modules in the catalogue
# (dashboard, inventory, biofloc, admin). Every action starts with "auth." so the audit search finds them.
MODULE_KEY = None


def is_locked(user: dict[str, Any], now: datetime) -> bool:
    locked_until: datetime | None = user["locked_until"]
    return locked_until is not None and locked_until > now


def password_matches(password: str, password_hash: str | None) -> bool:
    """bcrypt always runs; a password over 72 bytes never matches (bcrypt would only compare its prefix)."""
    ok = verify_password(password, password_hash)
    return ok and len(password.encode("utf-8")) <= MAX_BYTES


def register_failure(conn: Connection, user: dict[str, Any], now: datetime, actor: Actor) -> bool:
    """Count one wrong password on an unlocked account; the 5th locks it for 15 minutes. True when it locked.

    An expired lock restarts the counter at 0 before this failure counts.
    """
    attempts = int(user["failed_login_attempts"])
    if user["locked_until"] is not None:
        attempts = 0
    attempts += 1
    locked_until = now + LOCK_DURATION if attempts >= MAX_FAILURES else None
    queries.set_failures(conn, int(user["id"]), attempts, locked_until)
    if locked_until is not None:
        audit.record(
            conn,
            actor,
            "auth.lockout",
            module_key=MODULE_KEY,
            entity_type="user",
            entity_id=user["id"],
            success=False,
            description=f"Account locked after {attempts} failed attempts",
            metadata={"locked_until": locked_until.isoformat(), "failed_attempts": attempts},
        )
    return locked_until is not None


def revoke_logged(
    conn: Connection, actor: Actor, session_ids: list[int], reason: str, user_id: int, description: str
) -> None:
    """One activity row for a revocation event (docs/rules.md: Users, modules, permissions logs session revocations)."""
    if session_ids:
        audit.record(
            conn,
            actor,
            "auth.session.revoke",
            module_key=MODULE_KEY,
            entity_type="user",
            entity_id=user_id,
            description=description,
            metadata={"reason": reason, "session_ids": session_ids},
        )


def user_actor(user: dict[str, Any], info: RequestInfo, session_id: int | None = None) -> Actor:
    return Actor(int(user["id"]), str(user["email"]), str(user["role"]), session_id, info.ip, info.user_agent)


def token_pair(
    conn: Connection, user: dict[str, Any], session_id: int, session_expires_at: datetime, now: datetime
) -> dict[str, Any]:
    """A new access token and refresh token for the session; the refresh token never outlives the session."""
    refresh = new_opaque_token()
    refresh_expires = min(now + timedelta(days=get_settings().refresh_token_days), session_expires_at)
    queries.insert_refresh_token(conn, session_id, token_hash(refresh), refresh_expires, now)
    access, lifetime = issue_access_token(int(user["id"]), session_id, str(user["role"]))
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "must_change_password": bool(user["must_change_password"]),
        "user": {
            "id": int(user["id"]),
            "email": user["email"],
            "full_name": user["full_name"],
            "role": user["role"],
            "is_admin": bool(user["is_admin"]),
        },
    }
