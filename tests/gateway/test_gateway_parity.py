"""The local gateway answers as the deployed API Gateway does: the client's address is the TCP peer, CORS follows
ALLOWED_ORIGINS, the template's gateway responses apply, a crashed container is a 502 and is replaced, and an
authorizer that cannot reach the database gives the functions' 503."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.template_routes import ApiConfig
from tests.conftest import ROOT
from tests.support.client import ApiClient
from tests.support.factories import DEFAULT_PASSWORD, create_user, token_for
from tests.support.live import LiveGateway, free_port

Sql = psycopg.Connection[dict[str, Any]]


@pytest.mark.gateway
def test_source_ip_is_the_tcp_peer_not_x_forwarded_for(live_gateway: LiveGateway, sql: Sql) -> None:
    """A client cannot choose the address that login limits and login history see."""
    create_user(sql, "peer@farm.test")
    with httpx.Client(base_url=live_gateway.base_url, timeout=60) as http:
        r = http.post(
            "/auth/login",
            json={"email": "peer@farm.test", "password": DEFAULT_PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9"},
        )
        assert r.status_code == 200, r.text
    rows = sql.execute("SELECT ip FROM login_history").fetchall()
    assert [row["ip"] for row in rows] == ["127.0.0.1"]


def test_cors_headers_follow_allowed_origins(
    db_url: str, config: ApiConfig, in_process: InProcessInvoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://farm.example.com")
    api = ApiClient(Gateway(config, in_process, authorizer_ttl=0))
    origin = {"Origin": "https://evil.example"}
    preflight = api.request("OPTIONS", "/inventory/items", headers=origin)
    assert preflight.headers["access-control-allow-origin"] == "https://farm.example.com"
    for r in (api.get("/inventory/items", headers=origin), api.get("/nowhere", headers=origin)):
        assert r.headers["access-control-allow-origin"] == "https://farm.example.com", r


def test_unknown_path_is_the_templates_404(api: ApiClient) -> None:
    """API Gateway's "Missing Authentication Token" (403), as the template's gateway response maps it."""
    for path in ("/nowhere", "/inventoryx", "/"):
        r = api.post(path, json={})
        assert r.status_code == 404, (path, r)
        assert r.json() == {"detail": "Not Found", "code": "not_found"}
        assert r.headers["content-type"] == "application/json"
        assert r.headers["access-control-allow-origin"] == "*"


def _kill(pids: list[int]) -> None:
    """SIGKILL each container and wait until it has exited: the signal is asynchronous, and a request sent to an idle
    container in that instant would reach a process that is still dying (Lambda never routes one to it)."""
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in pids):
        if time.monotonic() > deadline:
            raise AssertionError(f"containers {pids} still running after SIGKILL")
        time.sleep(0.01)


@pytest.mark.gateway
def test_container_killed_mid_request_is_a_502_and_is_replaced(live_gateway: LiveGateway, sql: Sql) -> None:
    token = token_for(sql, create_user(sql, "crash@farm.test", role="admin"))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_gateway.base_url, headers=headers, timeout=60) as http:
        assert http.get("/inventory/items").status_code == 200  # a warm container
        answers: list[httpx.Response] = []
        with psycopg.connect(sql.info.dsn, prepare_threshold=None) as locker:
            locker.execute("LOCK TABLE categories IN SHARE MODE")  # the request below waits inside the function
            post = lambda: answers.append(http.post("/inventory/categories", json={"name": "X"}))  # noqa: E731
            call = threading.Thread(target=post)
            call.start()
            _wait_for_lock_waiter(sql)
            _kill(live_gateway.invoker.workers("InventoryFunction"))
            call.join(timeout=30)
        assert len(answers) == 1
        crashed = answers[0]
        assert crashed.status_code == 502, crashed.text
        assert crashed.json() == {"detail": "Internal server error", "code": "internal_error"}
        assert crashed.headers["access-control-allow-origin"] == "*"
        # The next request gets a fresh container, not the dead one.
        assert http.get("/inventory/items").status_code == 200


def _wait_for_lock_waiter(sql: Sql, count: int = 1) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        row = sql.execute(
            """SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"""
        ).fetchone()
        if row is not None and row["n"] >= count:
            return
        time.sleep(0.05)
    raise AssertionError("no request waited for the lock")


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may not reap the daemonised postmaster at once)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.slow
def test_sigterm_stops_the_embedded_postgres(tmp_path: Path) -> None:
    """`make dev` stopped by a process manager (SIGTERM) leaves no PostgreSQL behind, as with Ctrl-C."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORT")},
        "LOCAL_STATE_DIR": str(tmp_path / "state"),
        "PORT": str(port),
        "LOCAL_CONTAINERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    pid = 0
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "make dev exited on its own"
            assert time.monotonic() < deadline, "make dev did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        pid = _postmaster_pid(tmp_path / "state" / "pgdata")
        assert _running(pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(pid), "the embedded PostgreSQL outlived make dev"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if pid and _running(pid):  # what the old behaviour left: stop it so it does not outlive the test
            os.kill(pid, signal.SIGINT)
