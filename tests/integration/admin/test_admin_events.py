"""The sample events in events/admin_*.json drive the admin handler directly, as `sam local invoke -e` would."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from admin_api.main import handler
from local.lambda_context import LambdaContext
from tests.conftest import ROOT
from tests.support.factories import as_caller, create_user

Sql = psycopg.Connection[dict[str, Any]]


def _invoke(name: str, sql: Sql) -> tuple[int, Any]:
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    as_caller(event, sql, int(event["requestContext"]["authorizer"]["user_id"]))
    result = handler(event, LambdaContext("AdminFunction"))
    return result["statusCode"], json.loads(result["body"]) if result.get("body") else None


def test_admin_events(sql: Sql) -> None:
    # The events name user 1 (the admin caller) and user 2 (a grower).
    assert create_user(sql, "admin@farm.example", role="admin") == 1
    assert create_user(sql, "grower@farm.example", full_name="Grower") == 2

    status, body = _invoke("admin_list_users", sql)
    assert status == 200 and body["total"] == 2
    status, body = _invoke("admin_create_user", sql)
    assert status == 201 and body["user"]["email"] == "new.grower@farm.example"
    status, body = _invoke("admin_update_user", sql)
    assert status == 200 and body["full_name"] == "Head Grower"
    status, body = _invoke("admin_replace_permissions", sql)
    assert status == 200 and [g["access"] for g in body["grants"]] == ["write", "read"]
    status, body = _invoke("admin_list_modules", sql)
    assert status == 200 and body["total"] == 4
    status, body = _invoke("admin_statistics", sql)
    assert status == 200 and body["total_users"] == 3
    row = sql.execute("SELECT count(*) AS n FROM activity_logs WHERE user_id = 1").fetchone()
    assert row == {"n": 3}


def test_module_guard_refuses_a_non_admin_context(sql: Sql) -> None:
    """Defence in depth: even if a policy let a non-admin through, the handler answers 403."""
    create_user(sql, "admin@farm.example", role="admin")
    assert create_user(sql, "grower@farm.example", grants={"inventory": "read"}) == 2  # the event's caller
    status, body = _invoke("admin_list_users_as_user", sql)
    assert status == 403 and body["code"] == "module_forbidden"


def test_the_role_is_read_now_not_taken_from_the_context(sql: Sql) -> None:
    """The event's context still says admin; the database says the caller is a user now: 403, nothing listed."""
    assert create_user(sql, "admin@farm.example", role="admin") == 1
    create_user(sql, "second.admin@farm.example", role="admin")
    sql.execute("UPDATE users SET role_id = (SELECT id FROM roles WHERE key = 'user') WHERE id = 1")
    status, body = _invoke("admin_list_users", sql)
    assert status == 403 and body["code"] == "module_forbidden"
