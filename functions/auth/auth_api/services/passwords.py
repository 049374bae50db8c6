"""Password change, forgotten-password mail and reset by token (docs/rules.md: Sign-in and passwords)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from auth_api import mail, queries
from auth_api.services.common import (
    MODULE_KEY,
    is_locked,
    password_matches,
    register_failure,
    revoke_logged,
    token_pair,
    user_actor,
)
from farm_erp import audit, clock, ratelimit, sessions
from farm_erp.audit import Actor
from farm_erp.db import Connection
from farm_erp.errors import Forbidden, Unauthorized, ValidationFailed
from farm_erp.http import Caller, RequestInfo
from farm_erp.observability import logger
from farm_erp.passwords import hash_password, policy_errors
from farm_erp.settings import get_settings
from farm_erp.tokens import new_opaque_token, token_hash

RESET_TOKEN_LIFETIME = timedelta(hours=1)
FORGOT_REPLY = "If the account exists, a reset link has been sent"


def _policy(password: str, email: str | None) -> None:
    """422 on new_password listing every rule it breaks."""
    problems = policy_errors(password, email)
    if problems:
        exc = ValidationFailed(["body", "new_password"], f"Password {problems[0]}")
        exc.items = [
            {"loc": ["body", "new_password"], "msg": f"Password {p}", "type": "password_policy"} for p in problems
        ]
        raise exc


def change_password(conn: Connection, caller: Caller, current: str, new: str, info: RequestInfo) -> dict[str, Any]:
    """Replace the caller's password; the other sessions end, the current one gets a new pair.

    A wrong current password counts towards the lockout like a failed sign-in; while the account is locked
    no current password is accepted (the lock exists to stop guessing, whoever holds a session).
    """
    ratelimit.hit(conn, f"change-password:user:{caller.user_id}", 5, 300)
    now = clock.now()
    user = queries.user_by_id_for_update(conn, caller.user_id)
    session = queries.own_session(conn, caller.user_id, caller.session_id)
    # The authorizer's cache may let a just-revoked session through for up to its TTL: check it here too.
    live = session is not None and session["revoked_at"] is None and session["expires_at"] > now
    if user is None or not user["is_active"] or session is None or not live:
        raise Unauthorized("Not authenticated")
    actor = user_actor(user, info, caller.session_id)
    matches = password_matches(current, user["password_hash"])
    locked = is_locked(user, now)
    if locked or not matches:
        if not locked and register_failure(conn, user, now, actor):
            ids = sessions.revoke_live(conn, caller.user_id, "password_change", now)
            revoke_logged(conn, actor, ids, "password_change", caller.user_id, "Account locked")
        audit.record(
            conn,
            actor,
            "auth.password.change",
            module_key=MODULE_KEY,
            entity_type="user",
            entity_id=caller.user_id,
            success=False,
            description="Wrong current password",
            metadata={"reason": "locked" if locked else "invalid_current_password"},
        )
        raise Forbidden("Current password is incorrect", "invalid_current_password", commit=True)
    if new == current:
        raise ValidationFailed(["body", "new_password"], "New password must differ from the current one")
    _policy(new, str(user["email"]))

    queries.set_password(conn, caller.user_id, hash_password(new), now)
    others = sessions.revoke_live(conn, caller.user_id, "password_change", now, keep=caller.session_id)
    # The current session continues with a fresh pair; refresh tokens issued before the change stop working.
    queries.lapse_refresh_tokens(conn, caller.session_id, now)
    queries.touch_session(conn, caller.session_id, now)
    audit.record(
        conn,
        actor,
        "auth.password.change",
        module_key=MODULE_KEY,
        entity_type="user",
        entity_id=caller.user_id,
        description="Password changed",
        metadata={"revoked_session_ids": others},
    )
    return token_pair(conn, {**user, "must_change_password": False}, caller.session_id, session["expires_at"], now)


def forgot_password(conn: Connection, email: str, info: RequestInfo, arrived: float) -> dict[str, str]:
    """Mail a reset link to an active account; the answer is the same, and no sooner than the floor, either way.

    `arrived` is time.monotonic() when the request came in: the floor hides whether a mail was sent.
    """
    ratelimit.hit(conn, f"forgot:ip:{info.ip}", 3, 300)
    ratelimit.hit(conn, f"forgot:email:{email}", 3, 300)
    now = clock.now()
    user = queries.active_user_by_email(conn, email)
    mail_sent = False
    if user is not None:
        queries.lapse_reset_tokens(conn, int(user["id"]), now)
        raw = new_opaque_token()
        queries.insert_reset_token(conn, int(user["id"]), token_hash(raw), now + RESET_TOKEN_LIFETIME, now)
        s = get_settings()
        link = f"{s.frontend_url.rstrip('/')}/reset-password?{urlencode({'token': raw})}"
        try:
            mail.send(mail.reset_mail(str(user["email"]), link, int(RESET_TOKEN_LIFETIME.total_seconds() // 60)))
            mail_sent = True
        except mail.MailError as exc:
            # The client still gets the usual answer: a different one would tell which emails have accounts.
            logger.warning("reset mail not sent", extra={"user_id": user["id"], "error": str(exc)})
    actor = user_actor(user, info) if user else Actor(None, email, None, None, info.ip, info.user_agent)
    audit.record(
        conn,
        actor,
        "auth.password.forgot",
        module_key=MODULE_KEY,
        entity_type="user" if user else None,
        entity_id=user["id"] if user else None,
        description="Password reset requested",
        metadata={"account_found": user is not None, "mail_sent": mail_sent},
    )
    remaining = get_settings().forgot_password_min_ms / 1000 - (time.monotonic() - arrived)
    if remaining > 0:
        time.sleep(remaining)
    return {"detail": FORGOT_REPLY}


def reset_password(conn: Connection, raw_token: str, new: str, info: RequestInfo) -> None:
    """Set a new password with a mailed token: unlocks the account and ends every session."""
    ratelimit.hit(conn, f"reset:ip:{info.ip}", 5, 300)
    # The policy first, so a weak password does not spend the token.
    _policy(new, None)
    now = clock.now()
    row = queries.consume_reset_token(conn, token_hash(raw_token), now)
    if row is None or not row["is_active"]:
        raise ValidationFailed(["body", "token"], "Invalid or expired reset token")
    # The email rule needs the account; failing it rolls the consumption back, so the token stays usable.
    _policy(new, str(row["email"]))
    user_id = int(row["user_id"])
    queries.set_password(conn, user_id, hash_password(new), now)
    queries.lapse_reset_tokens(conn, user_id, now)
    actor = Actor(user_id, str(row["email"]), str(row["role"]), None, info.ip, info.user_agent)
    ids = sessions.revoke_live(conn, user_id, "password_reset", now)
    audit.record(
        conn,
        actor,
        "auth.password.reset",
        module_key=MODULE_KEY,
        entity_type="user",
        entity_id=user_id,
        description="Password reset by token",
        metadata={"revoked_session_ids": ids},
    )
