"""Every sample event in events/ is served by its function's real handler (what `sam local invoke -e` would do)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.invokers import load_handler
from local.lambda_context import LambdaContext
from local.template_routes import ApiConfig, Function
from tests.support.factories import create_user, token_for

EVENTS = sorted((Path(__file__).resolve().parents[2] / "events").glob("*.json"))
# Custom-resource events need CloudFormation's response URL: tests/integration/test_migrate_function.py serves them.
SERVED = [e for e in EVENTS if "RequestType" not in json.loads(e.read_text())]
PREFIXES = {
    "authorizer": "AuthorizerFunction",
    "auth": "AuthFunction",
    "admin": "AdminFunction",
    "dashboard": "DashboardFunction",
    "inventory": "InventoryFunction",
    "biofloc": "BioflocFunction",
    "reservation_expiry": "ReservationExpiryFunction",
    "migrate": "MigrateFunction",
    "digest": "DigestFunction",
}


def function_for(name: str, config: ApiConfig) -> Function:
    prefix = max((p for p in PREFIXES if name.startswith(p + "_")), key=len)
    return config.functions[PREFIXES[prefix]]


def test_every_function_has_a_sample_event(config: ApiConfig) -> None:
    covered = {function_for(e.stem, config).logical_id for e in EVENTS}
    assert covered == set(PREFIXES.values())


@pytest.mark.parametrize("path", SERVED, ids=[e.stem for e in SERVED])
def test_sample_event_is_served(path: Path, sql: Any, config: ApiConfig) -> None:
    event: dict[str, Any] = json.loads(path.read_text())
    admin = create_user(sql, "admin@farm.test", role="admin")
    token = token_for(sql, admin)
    if event.get("type") == "TOKEN":
        event["authorizationToken"] = f"Bearer {token}"
    authorizer = (event.get("requestContext") or {}).get("authorizer")
    if isinstance(authorizer, dict) and "user_id" in authorizer:
        session = sql.execute("SELECT max(id) AS id FROM sessions").fetchone()["id"]
        authorizer.update(
            user_id=str(admin), session_id=str(session), is_admin="true", role="admin", must_change_password="false"
        )
    handler = load_handler(function_for(path.stem, config))
    result = handler(event, LambdaContext(path.stem))
    if "statusCode" in result:
        assert result["statusCode"] < 500, result
        json.loads(result["body"]) if result.get("body") and not result.get("isBase64Encoded") else None
    elif event.get("type") == "TOKEN":
        assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    else:
        assert result  # the job and migrate functions report what they did
