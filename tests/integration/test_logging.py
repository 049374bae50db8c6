"""The layer's standard-library loggers (farm_erp.db, farm_erp.migrate, …) write the same JSON lines as the
Powertools logger, with the invocation's correlation id, so one CloudWatch query follows a request end to end."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from farm_erp.observability import logger
from local.invokers import load_handler
from local.lambda_context import LambdaContext
from local.template_routes import ApiConfig
from tests.conftest import THROUGH_POOLER

EVENTS = Path(__file__).resolve().parents[2] / "events"


@contextmanager
def powertools_output() -> Iterator[list[dict[str, Any]]]:
    """The lines the Powertools handler writes inside the block, parsed at its end (a non-JSON line fails)."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    out = io.StringIO()
    lines: list[dict[str, Any]] = []
    previous = handler.setStream(out)
    try:
        yield lines
    finally:
        handler.setStream(previous)
    lines.extend(json.loads(line) for line in out.getvalue().splitlines())


def _health_event(request_id: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "dashboard_health.json").read_text())
    event["requestContext"]["requestId"] = request_id
    return event


@pytest.mark.skipif(THROUGH_POOLER, reason="behind a pooler the client's connection outlives the server's")
def test_db_module_line_is_json_with_the_request_correlation_id(
    db_url: str, sql: psycopg.Connection[dict[str, Any]], config: ApiConfig
) -> None:
    handler = load_handler(next(r.function for r in config.routes if r.path == "/health"))
    handler(_health_event("warm-up"), LambdaContext("DashboardFunction"))  # the container opens its connection
    # A restart of the proxy or the database between invocations: farm_erp.db notices and logs its reconnect.
    sql.execute(
        """SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""
    )
    request_id = str(uuid.uuid4())
    with powertools_output() as lines:
        result = handler(_health_event(request_id), LambdaContext("DashboardFunction"))
    assert result["statusCode"] == 200
    from_db = [line for line in lines if line.get("name") == "farm_erp.db"]
    assert from_db, lines
    assert from_db[0]["level"] == "WARNING" and "reconnecting" in from_db[0]["message"]
    assert all(line["correlation_id"] == request_id for line in from_db), from_db
    assert all(line["service"] == logger.service for line in from_db), from_db
