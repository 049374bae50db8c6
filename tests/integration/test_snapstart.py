"""SnapStart hooks around real requests: what a restored container must not inherit from the snapshot (the database
connection, the JWT keys read from Secrets Manager, random state) is gone after the hooks, and the next request
builds it again, lazily."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import boto3
import jwt
import psycopg
import pytest
from moto.server import ThreadedMotoServer

from farm_erp import passwords, settings, snapstart
from farm_erp.db import conninfo, database
from farm_erp.tokens import issue_access_token
from tests.support.client import ApiClient


def _backend_alive(sql: psycopg.Connection[dict[str, Any]], pid: int) -> bool:
    """Whether the server still has that backend; a closed client's backend exits a moment later."""
    for _ in range(50):
        row = sql.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if row is not None and row["n"] == 0:
            return False
        time.sleep(0.02)
    return True


def test_request_then_snapshot_and_restore_then_request_on_a_new_connection(
    api: ApiClient, admin_token: str, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    assert api.get("/inventory/items", token=admin_token).status_code == 200
    before = database._conn
    assert before is not None and not before.closed
    old_pid = before.info.backend_pid

    snapstart.before_snapshot()

    assert before.closed
    assert database._conn is None
    assert not _backend_alive(sql, old_pid)

    snapstart.after_restore()
    response = api.get("/inventory/items", token=admin_token)

    assert response.status_code == 200
    after = database._conn
    assert after is not None and after is not before and not after.closed
    assert after.info.backend_pid != old_pid


def test_the_authorizer_reconnects_after_a_restore(
    api: ApiClient, admin_token: str, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    """The public /auth routes skip the authorizer; a protected one goes through it and the module function."""
    assert api.get("/auth/me", token=admin_token).status_code == 200
    snapstart.before_snapshot()
    snapstart.after_restore()
    assert database._conn is None

    response = api.get("/auth/me", token=admin_token)

    assert response.status_code == 200, response
    assert response.json()["email"] == "admin@farm.test"
    assert database._conn is not None and not database._conn.closed


def test_the_iam_token_of_the_first_connection_after_a_restore_is_signed_then_with_the_restored_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lambda gives a restored container new credentials; no token signed before the snapshot may be reused."""
    monkeypatch.setenv("DB_HOST", "proxy.example.internal")
    monkeypatch.setenv("DB_IAM_AUTH", "true")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDBEFORESNAPSHOT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-before")
    settings.reset_caches()
    try:
        first = parse_qs(conninfo()["password"].partition("?")[2])
        assert first["X-Amz-Credential"][0].startswith("AKIDBEFORESNAPSHOT/")

        snapstart.before_snapshot()
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDAFTERRESTORE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-after")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "session-after-restore")
        snapstart.after_restore()

        params = conninfo()
        token = parse_qs(params["password"].partition("?")[2])
        assert token["X-Amz-Credential"][0].startswith("AKIDAFTERRESTORE/")
        assert token["X-Amz-Security-Token"] == ["session-after-restore"]
        assert params["sslmode"] == "require"
    finally:
        monkeypatch.undo()
        settings.reset_caches()


@pytest.fixture
def jwt_secret_in_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The JWT keys in (moto's) Secrets Manager, as deployed: JWT_SECRET_ARN instead of JWT_SECRET."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint)
        monkeypatch.setenv("AWS_REGION", "eu-west-1")
        client = boto3.client("secretsmanager", region_name="eu-west-1", endpoint_url=endpoint)
        arn = client.create_secret(Name="jwt", SecretString=json.dumps({"kid": "k1", "key": KEY_1}))["ARN"]
        monkeypatch.setenv("JWT_SECRET_ARN", arn)
        settings.reset_caches()
        yield client, arn
    finally:
        monkeypatch.undo()
        settings.reset_caches()
        server.stop()


KEY_1 = "0123456789abcdefghijklmnopqrstuvwxyzABCD"
KEY_2 = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxw"


def test_a_restored_container_reads_the_jwt_keys_again(jwt_secret_in_secrets_manager: Any) -> None:
    """Keys rotated while the snapshot waited are the ones a restored container signs and verifies with."""
    client, arn = jwt_secret_in_secrets_manager
    assert settings.signing_keys()[0] == ("k1", KEY_1.encode())
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({"kid": "k2", "key": KEY_2}))
    assert settings.signing_keys()[0][0] == "k1"  # cached for the container's life, as designed

    snapstart.before_snapshot()
    snapstart.after_restore()

    assert settings.signing_keys()[0] == ("k2", KEY_2.encode())
    token, _ = issue_access_token(1, 2, "admin")
    assert jwt.get_unverified_header(token)["kid"] == "k2"


def test_randomness_drawn_after_a_restore_differs_from_what_the_snapshot_would_replay(db_url: str) -> None:
    random.seed(1234)
    replayed = [random.random() for _ in range(3)]
    random.seed(1234)  # the state every container restored from one snapshot would share

    snapstart.before_snapshot()
    snapstart.after_restore()

    assert [random.random() for _ in range(3)] != replayed
    assert passwords.verify_password("whatever", None) is False
