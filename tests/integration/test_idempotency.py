"""Idempotency keys on an authenticated POST, through the real gateway logic and handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fastapi import APIRouter
from fastapi.responses import Response

from farm_erp import clock
from farm_erp.db import database
from farm_erp.http import Conn, create_app, lambda_handler
from farm_erp.idempotency import lock_id, request_hash
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.lambda_context import LambdaContext
from local.template_routes import ApiConfig
from tests.conftest import UserFactory
from tests.support.client import ApiClient
from tests.support.factories import DEFAULT_PASSWORD, token_for

PATH = "/inventory/categories"


@contextmanager
def _in_flight(db_url: str, user_id: int, key: str) -> Iterator[None]:
    """What the first of two requests holds while it runs: its transaction's lock on the key."""
    with psycopg.connect(db_url, prepare_threshold=None) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id(user_id, key),))
        yield
        other.rollback()


def _old_style_claim(sql: Any, user_id: int, key: str, body: dict[str, Any], at: datetime) -> None:
    """A row with no answer, as the previous scheme left behind when a request died in flight."""
    sql.execute(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (%s, %s, %s, %s)",
        (user_id, key, request_hash("POST", PATH, b"", json.dumps(body).encode()), at),
    )


def test_a_retry_replays_the_first_answer_without_acting_again(
    api: ApiClient, make_user: UserFactory, sql: Any
) -> None:
    clock.freeze(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    _, token = make_user(grants={"inventory": "write"})
    body = {"name": "Feed"}
    first = api.post(PATH, json=body, token=token, headers={"Idempotency-Key": "a-1"})
    again = api.post(PATH, json=body, token=token, headers={"Idempotency-Key": "a-1"})
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert again.headers["idempotent-replayed"] == "true"
    assert sql.execute("SELECT count(*) AS n FROM categories").fetchone()["n"] == 1


def test_a_key_used_again_with_a_different_request_is_422(api: ApiClient, make_user: UserFactory) -> None:
    _, token = make_user(grants={"inventory": "write"})
    assert api.post(PATH, json={"name": "Feed"}, token=token, headers={"Idempotency-Key": "a-1"}).status_code == 201
    other = api.post(PATH, json={"name": "Probiotics"}, token=token, headers={"Idempotency-Key": "a-1"})
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


def test_a_key_in_flight_is_409_and_the_second_attempt_writes_nothing(
    api: ApiClient, make_user: UserFactory, sql: Any, db_url: str
) -> None:
    user_id, token = make_user(grants={"inventory": "write"})
    with _in_flight(db_url, user_id, "b-1"):
        busy = api.post(PATH, json={"name": "Lime"}, token=token, headers={"Idempotency-Key": "b-1"})
        assert busy.status_code == 409
        assert busy.json()["code"] == "idempotency_in_progress"
        assert busy.headers["retry-after"] == "1"
        assert sql.execute("SELECT count(*) AS n FROM categories WHERE name = 'Lime'").fetchone()["n"] == 0


def test_a_key_is_free_as_soon_as_the_attempt_holding_it_ends(
    api: ApiClient, make_user: UserFactory, db_url: str
) -> None:
    """The first attempt's transaction ended without an answer, and a second attempt was turned away meanwhile:
    neither leaves anything behind, and the retry runs at once."""
    user_id, token = make_user(grants={"inventory": "write"})
    with _in_flight(db_url, user_id, "b-1"):
        api.post(PATH, json={"name": "Lime"}, token=token, headers={"Idempotency-Key": "b-1"})
    after = api.post(PATH, json={"name": "Lime"}, token=token, headers={"Idempotency-Key": "b-1"})
    assert after.status_code == 201, after


def test_claim_without_answer_is_taken_over_at_once(api: ApiClient, make_user: UserFactory, sql: Any) -> None:
    """A key row without an answer whose request no longer runs does not block a retry, whatever its age."""
    clock.freeze(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    user_id, token = make_user(grants={"inventory": "write"})
    _old_style_claim(sql, user_id, "c-1", {"name": "Salt"}, clock.now())
    r = api.post(PATH, json={"name": "Salt"}, token=token, headers={"Idempotency-Key": "c-1"})
    assert r.status_code == 201
    stored = sql.execute("SELECT status_code FROM idempotency_keys WHERE key = 'c-1'").fetchone()
    assert stored["status_code"] == 201


def test_query_string_is_part_of_the_request(
    make_user: UserFactory, sql: Any, config: ApiConfig, in_process: InProcessInvoker
) -> None:
    """`POST /auth/logout` and `POST /auth/logout?all=true` are different requests: the key must not replay the
    first for the second, which would report every session ended while the others stay signed in."""
    cached = ApiClient(Gateway(config, in_process, authorizer_ttl=120))  # the token passes the gateway after logout
    user_id, token = make_user(grants={"inventory": "write"})
    other = token_for(sql, user_id)
    assert cached.get("/auth/me", token=token).status_code == 200
    first = cached.post("/auth/logout", token=token, headers={"Idempotency-Key": "out-1"})
    assert first.status_code == 204
    second = cached.post("/auth/logout", params={"all": "true"}, token=token, headers={"Idempotency-Key": "out-1"})
    assert second.status_code == 422, second
    assert second.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert cached.get("/auth/me", token=other).status_code == 200


def test_transient_answers_are_not_replayed(api: ApiClient, make_user: UserFactory, sql: Any, db_url: str) -> None:
    """409 busy (a lock wait that timed out) says "not now": the retry with the same key runs for real."""
    _, token = make_user(grants={"inventory": "write"})
    sql.execute("ALTER DATABASE farm_test SET lock_timeout = '200ms'")
    database.close()  # the next connection picks the setting up
    with psycopg.connect(db_url, prepare_threshold=None) as locker:
        locker.execute("LOCK TABLE categories IN SHARE MODE")
        busy = api.post(PATH, json={"name": "Kelp"}, token=token, headers={"Idempotency-Key": "t-1"})
        assert busy.status_code == 409 and busy.json()["code"] == "busy", busy
    retry = api.post(PATH, json={"name": "Kelp"}, token=token, headers={"Idempotency-Key": "t-1"})
    assert retry.status_code == 201, retry
    assert "idempotent-replayed" not in retry.headers


def test_rate_limited_answer_is_not_replayed(api: ApiClient, make_user: UserFactory) -> None:
    """A 429 is over when its window is: the same key then runs again instead of replaying the 429 for a day."""
    clock.freeze(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    _, token = make_user(grants={"inventory": "write"})
    body = {"current_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD}  # refused after the count
    for _ in range(5):  # the limit: 5 in 5 minutes
        assert api.post("/auth/change-password", json=body, token=token).status_code == 422
    limited = api.post("/auth/change-password", json=body, token=token, headers={"Idempotency-Key": "p-1"})
    assert limited.status_code == 429, limited
    clock.advance(timedelta(seconds=301))
    again = api.post("/auth/change-password", json=body, token=token, headers={"Idempotency-Key": "p-1"})
    assert again.status_code == 422, again
    assert "idempotent-replayed" not in again.headers
    replay = api.post("/auth/change-password", json=body, token=token, headers={"Idempotency-Key": "p-1"})
    assert replay.status_code == 422 and replay.headers["idempotent-replayed"] == "true"


def test_a_final_error_is_replayed(api: ApiClient, make_user: UserFactory) -> None:
    _, token = make_user(grants={"inventory": "write"})
    api.post(PATH, json={"name": "Feed"}, token=token)
    dup = api.post(PATH, json={"name": "feed"}, token=token, headers={"Idempotency-Key": "k"})
    assert dup.status_code == 409
    replay = api.post(PATH, json={"name": "feed"}, token=token, headers={"Idempotency-Key": "k"})
    assert replay.status_code == 409
    assert replay.headers["idempotent-replayed"] == "true"


def test_keys_are_per_user(api: ApiClient, make_user: UserFactory) -> None:
    _, token_a = make_user(grants={"inventory": "write"})
    _, token_b = make_user(grants={"inventory": "write"})
    assert api.post(PATH, json={"name": "Feed"}, token=token_a, headers={"Idempotency-Key": "k"}).status_code == 201
    other_user = api.post(PATH, json={"name": "Minerals"}, token=token_b, headers={"Idempotency-Key": "k"})
    assert other_user.status_code == 201
    assert "idempotent-replayed" not in other_user.headers


def test_key_length_is_checked(api: ApiClient, make_user: UserFactory) -> None:
    _, token = make_user(grants={"inventory": "write"})
    r = api.post(PATH, json={"name": "Feed"}, token=token, headers={"Idempotency-Key": "k" * 256})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


def test_a_401_leaves_the_key_free_for_the_retry_after_signing_in_again(
    make_user: UserFactory, sql: Any, config: ApiConfig, in_process: InProcessInvoker
) -> None:
    """The session ended while the gateway still held its policy: the function answers 401. The client signs in
    again and retries with the same key; the retry must run, not replay the 401 for a day."""
    cached = ApiClient(Gateway(config, in_process))  # the template's authorizer TTL: the policy stays cached
    user_id, token = make_user(grants={"inventory": "write"})
    assert cached.get("/inventory/categories", token=token).status_code == 200
    sql.execute("UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE user_id = %s", (user_id,))
    body = {"name": "Feed"}
    first = cached.post(PATH, json=body, token=token, headers={"Idempotency-Key": "k-401"})
    assert first.status_code == 401
    retry = cached.post(PATH, json=body, token=token_for(sql, user_id), headers={"Idempotency-Key": "k-401"})
    assert retry.status_code == 201 and "idempotent-replayed" not in retry.headers
    assert sql.execute("SELECT count(*) AS n FROM categories").fetchone()["n"] == 1


# --- the replayed headers, on an app made with the shared factory ------------------------------------------------

probe = APIRouter()


@probe.post("/probe/files", status_code=201)
async def make_file(conn: Conn) -> Response:
    """A write whose answer carries the headers a client acts on."""
    row = conn.execute("INSERT INTO categories (name) VALUES ('Probe ' || gen_random_uuid()) RETURNING id").fetchone()
    assert row is not None
    return Response(
        status_code=201,
        content=b"ok",
        media_type="text/plain",
        headers={
            "Location": f"/probe/files/{row['id']}",
            "Content-Disposition": 'attachment; filename="probe.txt"',
            "Retry-After": "30",
            "X-Other": "not replayed",
        },
    )


def _event(user_id: int, key: str) -> dict[str, Any]:
    return {
        "resource": "/probe/files",
        "httpMethod": "POST",
        "path": "/probe/files",
        "headers": {"Idempotency-Key": key},
        "multiValueHeaders": {"Idempotency-Key": [key]},
        "queryStringParameters": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"authorizer": {"user_id": str(user_id), "session_id": "1"}, "identity": {}},
    }


def test_replay_repeats_the_headers_a_client_acts_on(make_user: UserFactory, sql: Any) -> None:
    handler = lambda_handler(create_app("probe", [probe]))
    user_id, _ = make_user()
    first = handler(_event(user_id, "h-1"), LambdaContext("probe"))
    again = handler(_event(user_id, "h-1"), LambdaContext("probe"))
    assert first["statusCode"] == again["statusCode"] == 201
    assert again["body"] == first["body"] == "ok"
    sent = {k.lower(): v for k, v in first["headers"].items()}
    replayed = {k.lower(): v for k, v in again["headers"].items()}
    assert replayed["idempotent-replayed"] == "true"
    for name in ("location", "content-disposition", "retry-after", "content-type"):
        assert replayed[name] == sent[name], name
    assert "x-other" not in replayed
    assert sql.execute("SELECT count(*) AS n FROM categories WHERE name LIKE 'Probe %'").fetchone()["n"] == 1
