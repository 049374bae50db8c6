"""Idempotency keys on an authenticated POST, through the real gateway logic and handler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from farm_erp import clock
from farm_erp.idempotency import request_hash
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.template_routes import ApiConfig
from tests.conftest import UserFactory
from tests.support.client import ApiClient
from tests.support.factories import token_for

PATH = "/inventory/categories"


def _claim_in_flight(sql: Any, user_id: int, key: str, body: dict[str, Any], at: datetime) -> None:
    """What the first of two requests leaves while it is still running: the key claimed, no response yet."""
    sql.execute(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (%s, %s, %s, %s)",
        (user_id, key, request_hash("POST", PATH, json.dumps(body).encode()), at),
    )


def test_replay_mismatch_and_in_flight(api: ApiClient, make_user: UserFactory, sql: Any) -> None:
    clock.freeze(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    user_id, token = make_user(grants={"inventory": "write"})
    body = {"name": "Feed"}
    first = api.post(PATH, json=body, token=token, headers={"Idempotency-Key": "a-1"})
    again = api.post(PATH, json=body, token=token, headers={"Idempotency-Key": "a-1"})
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert again.headers["idempotent-replayed"] == "true"
    assert sql.execute("SELECT count(*) AS n FROM categories").fetchone()["n"] == 1

    other = api.post(PATH, json={"name": "Probiotics"}, token=token, headers={"Idempotency-Key": "a-1"})
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]

    _claim_in_flight(sql, user_id, "b-1", {"name": "Lime"}, clock.now())
    busy = api.post(PATH, json={"name": "Lime"}, token=token, headers={"Idempotency-Key": "b-1"})
    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency_in_progress"
    assert sql.execute("SELECT count(*) AS n FROM categories WHERE name = 'Lime'").fetchone()["n"] == 0


def test_abandoned_claim_is_taken_over(api: ApiClient, make_user: UserFactory, sql: Any) -> None:
    """A claim left by an invocation that died (no response after a minute) does not block retries for a day."""
    clock.freeze(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    user_id, token = make_user(grants={"inventory": "write"})
    _claim_in_flight(sql, user_id, "c-1", {"name": "Salt"}, clock.now() - timedelta(seconds=61))
    r = api.post(PATH, json={"name": "Salt"}, token=token, headers={"Idempotency-Key": "c-1"})
    assert r.status_code == 201
    stored = sql.execute("SELECT status_code FROM idempotency_keys WHERE key = 'c-1'").fetchone()
    assert stored["status_code"] == 201


def test_errors_are_replayed_and_keys_are_per_user(api: ApiClient, make_user: UserFactory, sql: Any) -> None:
    _, token_a = make_user(grants={"inventory": "write"})
    _, token_b = make_user(grants={"inventory": "write"})
    api.post(PATH, json={"name": "Feed"}, token=token_a)
    dup = api.post(PATH, json={"name": "feed"}, token=token_a, headers={"Idempotency-Key": "k"})
    assert dup.status_code == 409
    replay = api.post(PATH, json={"name": "feed"}, token=token_a, headers={"Idempotency-Key": "k"})
    assert replay.status_code == 409
    assert replay.headers["idempotent-replayed"] == "true"
    other_user = api.post(PATH, json={"name": "Minerals"}, token=token_b, headers={"Idempotency-Key": "k"})
    assert other_user.status_code == 201


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
