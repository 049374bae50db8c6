"""Test data written straight to the database (setup only; behaviour is always exercised through the API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import psycopg

from farm_erp import clock
from farm_erp.passwords import hash_password
from farm_erp.settings import signing_keys
from farm_erp.tokens import issue_access_token

DEFAULT_PASSWORD = "Harvest#2025pond"


def create_user(
    sql: psycopg.Connection[Any],
    email: str,
    *,
    role: str = "user",
    password: str | None = DEFAULT_PASSWORD,
    grants: dict[str, str] | None = None,
    must_change: bool = False,
    active: bool = True,
    full_name: str = "Test User",
) -> int:
    row = sql.execute(
        """INSERT INTO users (email, full_name, role_id, password_hash, must_change_password, is_active,
                              last_password_change)
           VALUES (%s, %s, (SELECT id FROM roles WHERE key = %s), %s, %s, %s, now()) RETURNING id""",
        (email.strip().lower(), full_name, role, hash_password(password) if password else None, must_change, active),
    ).fetchone()
    assert row is not None
    user_id = int(row["id"])
    for module, access in (grants or {}).items():
        sql.execute(
            "INSERT INTO user_module_grants (user_id, module_key, access) VALUES (%s, %s, %s)",
            (user_id, module, access),
        )
    return user_id


def live_session(sql: psycopg.Connection[Any], user_id: int) -> int:
    """A new live session of the user; its id."""
    now = clock.now()
    row = sql.execute(
        """INSERT INTO sessions (user_id, created_at, last_activity_at, expires_at, ip, user_agent)
           VALUES (%s, %s, %s, %s, '198.51.100.7', 'pytest-client/1.0') RETURNING id""",
        (user_id, now, now, now + timedelta(days=7)),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def as_caller(event: dict[str, Any], sql: psycopg.Connection[Any], user_id: int) -> dict[str, Any]:
    """Point a sample event's authorizer context at `user_id` and a live session of theirs (the functions confirm
    both in the database, as the authorizer did)."""
    session_id = live_session(sql, user_id)
    event["requestContext"]["authorizer"].update(
        user_id=str(user_id), session_id=str(session_id), principalId=str(user_id)
    )
    return event


def token_for(sql: psycopg.Connection[Any], user_id: int, session_id: int | None = None) -> str:
    """A real access token for a new live session (or for `session_id`): the authorizer verifies it like any other."""
    if session_id is None:
        session_id = live_session(sql, user_id)
    role = sql.execute(
        "SELECT r.key FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = %s", (user_id,)
    ).fetchone()
    assert role is not None
    token, _ = issue_access_token(user_id, session_id, str(role["key"]))
    return backdated(token)


# Tests sign in first and then often freeze the clock at their scenario's date, before the real one; the authorizer
# refuses a token issued in the future, so the factory's tokens say they were issued before any scenario date.
ISSUED_BEFORE_ANY_SCENARIO = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())


def backdated(token: str) -> str:
    """The same token signed again with the same key and claims, `iat` moved to 2020-01-01."""
    (kid, key), _ = signing_keys()
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["iat"] = min(int(claims["iat"]), ISSUED_BEFORE_ANY_SCENARIO)
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": kid})
