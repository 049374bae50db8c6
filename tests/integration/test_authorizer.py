"""The TOKEN authorizer against the database, called with real TOKEN events, and the gateway's policy cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from farm_erp import clock
from farm_erp.settings import get_settings
from jwt_authorizer.main import handler
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.lambda_context import LambdaContext
from local.template_routes import ApiConfig
from tests.conftest import UserFactory
from tests.support.client import ApiClient
from tests.support.recording import RecordingInvoker

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/dashboard/summary"


def call(token: str | None) -> dict[str, Any]:
    event = {"type": "TOKEN", "methodArn": METHOD_ARN}
    if token is not None:
        event["authorizationToken"] = token
    result: dict[str, Any] = handler(event, LambdaContext("AuthorizerFunction"))
    return result


def test_policy_and_string_context(make_user: UserFactory, sql: Any) -> None:
    user_id, token = make_user(grants={"inventory": "write", "biofloc": "read"})
    result = call(f"Bearer {token}")
    ctx = result["context"]
    assert ctx["user_id"] == str(user_id)
    assert ctx["is_admin"] == "false" and ctx["must_change_password"] == "false"
    assert ctx["modules"] == "biofloc:read,dashboard:read,inventory:write"
    assert all(isinstance(v, str) for v in ctx.values())
    resources = result["policyDocument"]["Statement"][0]["Resource"]
    stage = "arn:aws:execute-api:eu-west-1:123456789012:api/v1"
    for verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        assert f"{stage}/{verb}/inventory" in resources and f"{stage}/{verb}/inventory/*" in resources
    assert f"{stage}/GET/biofloc/*" in resources and f"{stage}/POST/biofloc/*" not in resources
    # No method wildcard: `*` would span `/` and match other modules' paths.
    assert not [r for r in resources if r.startswith(f"{stage}/*")]


def test_disabled_module_leaves_the_context_and_policy(make_user: UserFactory, sql: Any) -> None:
    _, token = make_user(grants={"inventory": "write"})
    sql.execute("UPDATE modules SET is_active = false WHERE key = 'inventory'")
    result = call(f"Bearer {token}")
    assert "inventory" not in result["context"]["modules"]


@pytest.mark.parametrize("raw", [None, "", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "token"])
def test_missing_or_malformed_tokens_raise_unauthorized(raw: str | None, db_url: str) -> None:
    with pytest.raises(Exception, match="^Unauthorized$"):
        call(raw)


def _claims(user_id: int, session_id: int, **over: Any) -> dict[str, Any]:
    s = get_settings()
    now = int(clock.now().timestamp())
    base = {
        "sub": str(user_id),
        "sid": str(session_id),
        "role": "user",
        "iat": now,
        "exp": now + 600,
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "jti": "x",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _session_of(sql: Any, user_id: int) -> int:
    return int(sql.execute("SELECT max(id) AS id FROM sessions WHERE user_id = %s", (user_id,)).fetchone()["id"])


@pytest.mark.parametrize(
    "mutation",
    [
        {"exp": 1},  # expired
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"exp": None},  # missing exp
        {"sid": None},
    ],
)
def test_bad_claims_are_rejected(make_user: UserFactory, sql: Any, mutation: dict[str, Any]) -> None:
    user_id, _ = make_user()
    key = get_settings().jwt_secret or ""
    token = jwt.encode(
        _claims(user_id, _session_of(sql, user_id), **mutation),
        key,
        algorithm="HS256",
        headers={"kid": get_settings().jwt_kid},
    )
    with pytest.raises(Exception, match="^Unauthorized$"):
        call(f"Bearer {token}")


def test_forged_signature_and_unknown_kid(make_user: UserFactory, sql: Any) -> None:
    user_id, _ = make_user()
    claims = _claims(user_id, _session_of(sql, user_id))
    forged = jwt.encode(claims, "x" * 48, algorithm="HS256", headers={"kid": get_settings().jwt_kid})
    unknown = jwt.encode(claims, get_settings().jwt_secret or "", algorithm="HS256", headers={"kid": "k-old"})
    for token in (forged, unknown):
        with pytest.raises(Exception, match="^Unauthorized$"):
            call(f"Bearer {token}")


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'",
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
        "UPDATE sessions SET last_activity_at = now() - interval '13 hours'",
        "UPDATE users SET is_active = false",
    ],
)
def test_session_or_user_no_longer_live(make_user: UserFactory, sql: Any, change: str) -> None:
    _, token = make_user()
    assert call(f"Bearer {token}")["principalId"]
    sql.execute(change)
    with pytest.raises(Exception, match="^Unauthorized$"):
        call(f"Bearer {token}")


def test_expiry_follows_the_injectable_clock(make_user: UserFactory) -> None:
    clock.freeze(datetime(2025, 3, 1, 8, 0, tzinfo=UTC))
    _, token = make_user()
    clock.advance(timedelta(minutes=29))
    assert call(f"Bearer {token}")["principalId"]
    clock.advance(timedelta(minutes=2))
    with pytest.raises(Exception, match="^Unauthorized$"):
        call(f"Bearer {token}")


def test_the_cache_saves_authorizer_calls_but_never_extends_access(
    make_user: UserFactory, sql: Any, config: ApiConfig, in_process: InProcessInvoker
) -> None:
    """Within the template's TTL the policy comes from the cache (no authorizer call), yet a session revoked
    meanwhile is refused on the very next request: the function confirms the session itself."""
    _, token = make_user()
    assert config.authorizer_ttl > 0
    recorder = RecordingInvoker(in_process)
    api = ApiClient(Gateway(config, recorder))
    assert api.get("/dashboard/summary", token=token).status_code == 200
    assert recorder.take() == ["AuthorizerFunction", "DashboardFunction"]
    assert api.get("/dashboard/summary", token=token).status_code == 200
    assert recorder.take() == ["DashboardFunction"]
    sql.execute("UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'")
    r = api.get("/dashboard/summary", token=token)
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")
    assert recorder.take() == ["DashboardFunction"]  # the cached policy let it through; the function refused it
