"""The migrate function: idempotent migrations, first admin, and the CloudFormation custom-resource protocol."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import psycopg
import pytest

from farm_erp import migrate as runner
from farm_erp import settings
from farm_erp.passwords import verify_password
from local.lambda_context import LambdaContext
from migrate.main import handler


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set variables, then `settings.reset_caches()` as a new container would read them; undone after the test."""
    yield monkeypatch
    monkeypatch.undo()
    settings.reset_caches()


def test_manual_run_bootstraps_one_admin_once(sql: Any, environment: pytest.MonkeyPatch) -> None:
    environment.setenv("FARM_ADMIN_EMAIL", "  Owner@Farm.Test ")
    environment.delenv("FARM_ADMIN_PASSWORD", raising=False)
    settings.reset_caches()
    first = handler({"action": "migrate"}, LambdaContext("MigrateFunction"))
    assert first["applied"] == []  # the test database is already migrated
    password = first["admin_password"]
    row = sql.execute("SELECT email, must_change_password FROM users").fetchone()
    assert row == {"email": "owner@farm.test", "must_change_password": True}
    again = handler({"action": "migrate"}, LambdaContext("MigrateFunction"))
    assert "admin_password" not in again
    assert sql.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 1
    assert isinstance(password, str) and len(password) == 16


def test_given_admin_password_is_used_and_not_returned(sql: Any, environment: pytest.MonkeyPatch) -> None:
    environment.setenv("FARM_ADMIN_EMAIL", "owner@farm.test")
    environment.setenv("FARM_ADMIN_PASSWORD", "Tilapia-Pond-Aerator-42")
    settings.reset_caches()
    result = handler({"action": "migrate"}, LambdaContext("MigrateFunction"))
    assert "admin_password" not in result
    row = sql.execute("SELECT email, password_hash, must_change_password FROM users").fetchone()
    assert (row["email"], row["must_change_password"]) == ("owner@farm.test", True)
    assert verify_password("Tilapia-Pond-Aerator-42", row["password_hash"])


def test_changed_migration_is_refused(db_url: str) -> None:
    with psycopg.connect(db_url, prepare_threshold=None) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = '0001'")
        conn.commit()
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            runner.apply(conn)


class _Recorder(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]] = []

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        _Recorder.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def response_url() -> Iterator[str]:
    _Recorder.bodies = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/presigned"
    server.shutdown()


def _cfn_event(kind: str, url: str) -> dict[str, Any]:
    with open("events/migrate_custom_resource_create.json", encoding="utf-8") as fh:
        event: dict[str, Any] = json.load(fh)
    event.update(RequestType=kind, ResponseURL=url)
    return event


def test_custom_resource_reports_success_and_delete(db_url: str, response_url: str) -> None:
    assert handler(_cfn_event("Create", response_url), LambdaContext("MigrateFunction"))["status"] == "ok"
    assert handler(_cfn_event("Delete", response_url), LambdaContext("MigrateFunction"))["status"] == "deleted"
    statuses = [b["Status"] for b in _Recorder.bodies]
    assert statuses == ["SUCCESS", "SUCCESS"]
    assert _Recorder.bodies[0]["LogicalResourceId"] == "MigrateRun"
    assert "admin_password" not in json.dumps(_Recorder.bodies)


def test_custom_resource_reports_failure(db_url: str, response_url: str, environment: pytest.MonkeyPatch) -> None:
    environment.setenv("FARM_ADMIN_PASSWORD", "weak")  # breaks the policy: the run fails, CloudFormation hears it
    settings.reset_caches()
    assert handler(_cfn_event("Update", response_url), LambdaContext("MigrateFunction"))["status"] == "failed"
    assert _Recorder.bodies[-1]["Status"] == "FAILED"
    assert "weak" not in _Recorder.bodies[-1]["Reason"]
