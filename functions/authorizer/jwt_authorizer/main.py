"""Lambda TOKEN authorizer (no FastAPI: it runs before every request, so its cold start matters most)."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from typing import TYPE_CHECKING, Any

from farm_erp import clock, snapstart
from farm_erp.access import Subject, build_policy, effective_modules, format_modules
from farm_erp.callers import live_caller
from farm_erp.db import database
from farm_erp.observability import logger
from farm_erp.tokens import InvalidToken, verify_access_token

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

BEARER = "bearer "


class Unauthorized(Exception):
    """API Gateway answers 401 when a TOKEN authorizer raises exactly "Unauthorized"."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def authorize(token: str | None, method_arn: str) -> dict[str, Any]:
    """Verify the token, load the caller in one query, and return the policy for every route they may call."""
    if not token or not token[: len(BEARER)].lower() == BEARER:
        raise Unauthorized()
    try:
        claims = verify_access_token(token[len(BEARER) :].strip())
    except InvalidToken as exc:
        logger.info("token rejected", extra={"reason": str(exc)})
        raise Unauthorized() from None
    with database.request(reading=True):
        try:
            row = live_caller(database.connection(), claims.user_id, claims.session_id, clock.now())
        finally:
            database.finish(commit=False)
    if row is None:
        logger.info("session not live", extra={"user_id": claims.user_id, "session_id": claims.session_id})
        raise Unauthorized()
    subject = Subject(is_active=True, is_admin=bool(row["is_admin"]), grants=dict(row["grants"] or {}))
    modules = effective_modules(subject, row["active_modules"])
    context = {
        "user_id": str(row["user_id"]),
        "session_id": str(claims.session_id),
        "email": str(row["email"]),
        "role": str(row["role"]),
        "is_admin": "true" if row["is_admin"] else "false",
        "must_change_password": "true" if row["must_change_password"] else "false",
        "modules": format_modules(modules),
    }
    return build_policy(str(row["user_id"]), method_arn, subject, row["active_modules"], context)


snapstart.register()  # the init that a SnapStart snapshot captures ends here


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for `{"type": "TOKEN", "authorizationToken", "methodArn"}` events."""
    if not isinstance(event, dict) or not isinstance(event.get("methodArn"), str):
        raise Unauthorized()
    token = event.get("authorizationToken")
    return authorize(token if isinstance(token, str) else None, event["methodArn"])


init_done()
