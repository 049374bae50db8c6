"""Health with the database up and down (acceptance scenario 13), and the dashboard sample events."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from dashboard_api.main import handler
from farm_erp import settings
from farm_erp.db import database
from local.lambda_context import LambdaContext
from tests.conftest import ROOT
from tests.support.client import ApiClient
from tests.support.factories import as_caller, create_user

Sql = psycopg.Connection[dict[str, Any]]
CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:1/farm"


def _invoke(name: str, sql: Sql) -> tuple[int, Any]:
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    authorizer = (event.get("requestContext") or {}).get("authorizer")
    if authorizer:
        as_caller(event, sql, int(authorizer["user_id"]))
    result = handler(event, LambdaContext("DashboardFunction"))
    return result["statusCode"], json.loads(result["body"])


def test_scenario_13_health_with_the_database_stopped(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert api.get("/health").json()["database"] == "ok"
    monkeypatch.setenv("DATABASE_URL", CLOSED_PORT_URL)
    settings.reset_caches()
    database.close()
    try:
        r = api.get("/health")
        assert r.status_code == 503
        assert r.json() == {"status": "down", "database": "down"}
        ping = api.get("/ping")
        assert ping.status_code == 200 and ping.json() == {"message": "pong"}
        assert api.get("/").status_code == 200
    finally:
        database.close()
        monkeypatch.undo()
        settings.reset_caches()
    # Back up: the next request reconnects.
    assert api.get("/health").json()["database"] == "ok"


def test_health_reports_the_expiry_job(api: ApiClient, sql: Sql) -> None:
    from datetime import UTC, datetime, timedelta

    from farm_erp import clock

    now = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)
    clock.freeze(now)
    sql.execute(
        "INSERT INTO job_runs (job, scheduled_time, status) VALUES ('reservation_expiry', %s, 'succeeded')",
        (now - timedelta(minutes=10),),
    )
    body = api.get("/health").json()
    assert body["status"] == "ok" and body["jobs"]["reservation_expiry"]["stale"] is False
    assert body["jobs"]["reservation_expiry"]["last_status"] == "succeeded"
    clock.freeze(now + timedelta(minutes=36))
    assert api.get("/health").json()["status"] == "degraded"


def test_dashboard_events(sql: Sql) -> None:
    assert create_user(sql, "admin@farm.example", role="admin") == 1
    assert create_user(sql, "grower@farm.example", grants={"inventory": "read"}) == 2
    status, body = _invoke("dashboard_summary", sql)
    assert status == 200 and set(body) == {"inventory"}
    status, body = _invoke("dashboard_modules", sql)
    assert status == 200 and [m["key"] for m in body["items"]] == ["dashboard", "inventory"]
    status, body = _invoke("dashboard_widgets", sql)
    assert status == 200 and set(body) == {"inventory", "biofloc", "admin"}
    status, body = _invoke("dashboard_ping", sql)
    assert status == 200 and body == {"message": "pong"}
    status, body = _invoke("dashboard_service_info", sql)
    assert status == 200 and body["health"] == "/health"
    status, body = _invoke("dashboard_health", sql)
    assert status == 200 and body["database"] == "ok"
