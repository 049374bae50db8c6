"""Bad deliveries: malformed API Gateway events given straight to each handler, the schedule event delivered twice
(one after the other, and at once to two containers), an oversized body, and malformed JSON on every route that
takes a body."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from farm_erp import clock
from local.invokers import load_handler
from local.lambda_context import LambdaContext
from local.openapi import merged as merged_openapi
from local.template_routes import ApiConfig, Function, api_config
from tests.support.client import ApiClient
from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway

CONFIG = api_config()
MODULE_FUNCTIONS = sorted({r.function.logical_id for r in CONFIG.routes})
SCHEDULED = "2025-03-01T10:15:00Z"

MALFORMED_EVENTS: list[Any] = [
    {},
    [],
    "GET /inventory/items",
    None,
    {"httpMethod": "GET"},
    {"path": "/inventory/items"},
    {"httpMethod": 7, "path": "/inventory/items"},
    {"httpMethod": None, "path": None, "headers": None},
    {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
    {"httpMethod": "GET", "path": "/health"},  # no resource nor requestContext: Mangum cannot tell what it is
    {"type": "TOKEN", "authorizationToken": "Bearer x", "methodArn": "arn:aws:execute-api:x"},
]

Sql = psycopg.Connection[dict[str, Any]]


def _function(logical_id: str) -> Function:
    return CONFIG.functions[logical_id]


@pytest.mark.parametrize("logical_id", MODULE_FUNCTIONS)
@pytest.mark.parametrize("event", MALFORMED_EVENTS, ids=lambda e: json.dumps(e)[:40])
def test_malformed_event_is_a_400_json_answer(db_url: str, logical_id: str, event: Any) -> None:
    handler = load_handler(_function(logical_id))
    result = handler(event, LambdaContext(logical_id))
    assert result["statusCode"] == 400
    assert json.loads(result["body"]) == {"detail": "Malformed API Gateway event", "code": "malformed_event"}


@pytest.mark.parametrize("event", MALFORMED_EVENTS[:8] + MALFORMED_EVENTS[9:], ids=lambda e: json.dumps(e)[:40])
def test_malformed_authorizer_event_is_unauthorized(db_url: str, event: Any) -> None:
    """A TOKEN authorizer has one way to refuse: raise "Unauthorized" (API Gateway's 401), nothing else."""
    handler = load_handler(CONFIG.authorizer)
    with pytest.raises(Exception, match="^Unauthorized$"):
        handler(event, LambdaContext("AuthorizerFunction"))


def test_minimal_event_without_optional_parts_is_served(db_url: str) -> None:
    """The parts API Gateway may send as null (headers, query, body, requestContext) do not break a handler."""
    handler = load_handler(_function(next(r.function.logical_id for r in CONFIG.routes if r.path == "/health")))
    event: dict[str, Any] = {
        "resource": "/health",
        "httpMethod": "GET",
        "path": "/health",
        "headers": None,
        "body": None,
        "queryStringParameters": None,
        "multiValueHeaders": None,
        "requestContext": {},
    }
    result = handler(event, LambdaContext("dashboard"))
    assert result["statusCode"] == 200


# --- the schedule event delivered twice ----------------------------------------------------------------------------


def _due_reservation(sql: Sql) -> int:
    """An item with a pending reservation that fell due before the scheduled time."""
    unit = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
    assert unit is not None
    item = sql.execute(
        "INSERT INTO items (sku, name, unit_id) VALUES ('FAULT-1', 'Fault feed', %s) RETURNING id", (unit["id"],)
    ).fetchone()
    assert item is not None
    made = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    row = sql.execute(
        """INSERT INTO reservations (item_id, quantity, module_key, status, reserved_until, created_at)
           VALUES (%s, 5, 'inventory', 'pending', %s, %s) RETURNING id""",
        (item["id"], made + timedelta(hours=1), made),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def _assert_expired_once(sql: Sql, reservation_id: int) -> None:
    res = sql.execute("SELECT status FROM reservations WHERE id = %s", (reservation_id,)).fetchone()
    assert res == {"status": "expired"}
    runs = sql.execute("SELECT status, result FROM job_runs WHERE job = 'reservation_expiry'").fetchall()
    assert runs == [{"status": "succeeded", "result": {"expired": 1}}]
    logs = sql.execute("SELECT count(*) AS n FROM activity_logs WHERE action = 'inventory.reservation.expire'")
    assert logs.fetchone() == {"n": 1}


def test_schedule_event_delivered_twice_runs_once(sql: Sql, config: ApiConfig) -> None:
    reservation_id = _due_reservation(sql)
    clock.freeze(datetime(2025, 3, 1, 10, 15, 4, tzinfo=UTC))
    fn = config.schedules["ReservationExpiryFunction"]
    handler = load_handler(fn)
    first = handler({"scheduled_time": SCHEDULED}, LambdaContext(fn.logical_id))
    second = handler({"scheduled_time": SCHEDULED}, LambdaContext(fn.logical_id))
    assert first["status"] == "succeeded" and first["expired"] == 1
    assert second["status"] == "duplicate"
    _assert_expired_once(sql, reservation_id)


@pytest.mark.gateway
def test_schedule_event_delivered_to_two_containers_at_once_runs_once(
    live_gateway: LiveGateway, sql: Sql, config: ApiConfig
) -> None:
    """EventBridge retries can overlap: two worker processes get the same scheduled time at the same moment."""
    reservation_id = _due_reservation(sql)
    fn = config.schedules["ReservationExpiryFunction"]
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        barrier.wait()
        results.append(live_gateway.invoker.invoke(fn, {"scheduled_time": SCHEDULED}))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["status"] for r in results) == ["duplicate", "succeeded"]
    _assert_expired_once(sql, reservation_id)


# --- bodies ---------------------------------------------------------------------------------------------------------


def test_oversized_body_is_413_from_the_gateway(api: ApiClient, admin_token: str) -> None:
    big = b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    for path in ("/inventory/items", "/biofloc/tanks", "/admin/users", "/auth/login"):
        r = api.post(path, data=big, token=admin_token)
        assert r.status_code == 413, (path, r)
        assert r.json() == {"detail": "Request too large", "code": "request_too_large"}
        assert r.headers["access-control-allow-origin"]


def _body_operations() -> list[tuple[str, str, bool]]:
    """(method, path, declares a JSON body) of every mutating operation in the merged OpenAPI."""
    doc = merged_openapi(CONFIG)
    ops = []
    for path, methods in sorted(doc["paths"].items()):
        for method, op in sorted(methods.items()):
            if method in ("post", "put", "patch"):
                content = (op.get("requestBody") or {}).get("content", {})
                ops.append((method.upper(), path, "application/json" in content))
    return ops


BODY_OPERATIONS = _body_operations()


@pytest.mark.parametrize(
    "malformed",
    [b'{"name": "unterminated', b"not json at all", b"[1, 2,]", b"\xff\xfe{}"],
    ids=["truncated", "text", "trailing-comma", "bad-utf8"],
)
def test_malformed_json_is_422_on_every_route_with_a_body(api: ApiClient, sql: Sql, malformed: bytes) -> None:
    admin = create_user(sql, "malformed@farm.test", role="admin")
    failures = []
    for method, path, has_body in BODY_OPERATIONS:
        concrete = re.sub(r"{[^}]+}", "1", path)
        token = token_for(sql, admin)  # a fresh session each time: logout and the like end the previous one
        r = api.request(method, concrete, data=malformed, token=token, headers={"Idempotency-Key": f"m-{path}"})
        ok = r.status_code == 422 if has_body else 400 <= r.status_code < 500 or r.status_code < 300
        if not ok or r.status_code >= 500 or b"Traceback" in r.content:
            failures.append(f"{method} {path}: {r.status_code} {r.content[:120]!r}")
    assert not failures, "\n".join(failures)
