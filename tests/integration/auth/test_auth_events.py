"""The sample events in events/auth_*.json, fed straight to the Lambda handler (what `sam local invoke -e` does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from auth_api.main import handler
from local.lambda_context import LambdaContext
from tests.integration.auth.auth_helpers import SQL
from tests.support.factories import create_user

EVENTS = Path(__file__).resolve().parents[3] / "events"


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def invoke(event: dict[str, Any]) -> tuple[int, Any]:
    result = handler(event, LambdaContext("AuthFunction"))
    return result["statusCode"], json.loads(result["body"]) if result.get("body") else None


def test_login_refresh_and_me_events(sql: SQL) -> None:
    uid = create_user(sql, "grower@farm.example", grants={"inventory": "write"})
    status, pair = invoke(load("auth_login.json"))
    assert status == 200, pair
    assert pair["user"]["id"] == uid
    session = sql.execute("SELECT id, ip, user_agent FROM sessions WHERE user_id = %s", (uid,)).fetchone()
    assert session is not None and session["ip"] == "203.0.113.10" and "Firefox" in session["user_agent"]

    event = load("auth_refresh.json")
    event["body"] = json.dumps({"refresh_token": pair["refresh_token"]})
    status, rotated = invoke(event)
    assert status == 200 and rotated["refresh_token"] != pair["refresh_token"]

    # The authorizer context of the sample names user 1 / session 1: point it at the rows of this database.
    for name in ("auth_me.json", "auth_sessions.json"):
        event = load(name)
        event["requestContext"]["authorizer"].update(user_id=str(uid), session_id=str(session["id"]))
        status, body = invoke(event)
        assert status == 200, body
        if name == "auth_me.json":
            assert body["modules"] == [{"key": "dashboard", "access": "read"}, {"key": "inventory", "access": "write"}]
        else:
            assert body["total"] == 1 and body["items"][0]["is_current"] is True


def test_forgot_password_event(sql: SQL, outbox: Path) -> None:
    create_user(sql, "grower@farm.example")
    status, body = invoke(load("auth_forgot_password.json"))
    assert status == 202 and body == {"detail": "If the account exists, a reset link has been sent"}
    assert len(list(outbox.glob("*.eml"))) == 1


def test_signed_in_route_without_authorizer_context_is_401(sql: SQL) -> None:
    event = load("auth_me.json")
    del event["requestContext"]["authorizer"]
    status, body = invoke(event)
    assert status == 401 and body["detail"]


def test_cold_start_does_not_import_boto3() -> None:
    # boto3 costs cold-start time on every auth invocation: mail.py imports it only when it sends through SES.
    root = EVENTS.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(root / p) for p in (".", "layers/core", "functions/auth"))}
    code = "import sys, auth_api.main; print('boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"
