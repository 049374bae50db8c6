"""Admin searches: emails are trimmed and lower-cased everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from farm_erp import clock
from tests.support.client import ApiClient

Sql = psycopg.Connection[dict[str, Any]]
NOW = datetime(2025, 9, 2, 7, 30, tzinfo=UTC)


def test_login_history_email_filter_is_trimmed(api: ApiClient, admin_token: str, sql: Sql) -> None:
    clock.freeze(NOW)
    for email, status in (("shrimp.lead@farm.test", "failed"), ("other.hand@farm.test", "success")):
        sql.execute(
            """INSERT INTO login_history (email_attempted, ip, status, created_at)
               VALUES (%s, '198.51.100.20', %s, %s)""",
            (email, status, NOW - timedelta(minutes=40)),
        )
    r = api.get("/admin/security/login-history", params={"email": "  Shrimp.Lead@FARM.test "}, token=admin_token)
    assert r.status_code == 200, r
    assert [h["email_attempted"] for h in r.json()["items"]] == ["shrimp.lead@farm.test"]
