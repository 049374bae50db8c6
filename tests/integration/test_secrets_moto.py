"""farm_erp.secrets over real HTTP against moto's server, started in-process on a free local port.

A canned-response HTTP server covers the failure shapes moto never produces.

Moto accepts any signature by default, so the tests in TestSignatureEnforced switch on its IAM emulation
(the documented ``/moto-api/reset-auth`` endpoint). moto then recomputes every SigV4 signature with
botocore from the headers it received and rejects a mismatch, so a wrong signature, Host header or
session token makes those tests fail.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from farm_erp.aws_sigv4 import Credentials
from farm_erp.secrets import SecretsError, get_secret_string

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sts import STSClient

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    # Port 0: the OS picks a free port at bind time, so parallel runs cannot collide.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and a clean AWS environment for both boto3 (the setup) and the code under test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(name, raising=False)
    # A proxy configured on a developer machine must not intercept calls to the local server.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def secretsmanager(endpoint: str) -> SecretsManagerClient:
    return boto3.client("secretsmanager", endpoint_url=endpoint, region_name=REGION)


def iam(endpoint: str) -> IAMClient:
    return boto3.client("iam", endpoint_url=endpoint, region_name=REGION)


def sts(endpoint: str) -> STSClient:
    return boto3.client("sts", endpoint_url=endpoint, region_name=REGION)


def unique(prefix: str) -> str:
    # The server lives for the whole module, so every test needs its own names.
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def secret(endpoint: str) -> tuple[str, str, str]:
    """(name, ARN, value) of a fresh secret holding a JWT signing key, created in REGION."""
    name = unique("farm-erp/jwt")
    value = json.dumps({"kid": "k1", "key": f"s3cr3t-{uuid.uuid4().hex}"})
    arn: str = secretsmanager(endpoint).create_secret(Name=name, SecretString=value)["ARN"]
    return name, arn, value


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_no_secret(exc: SecretsError, value: str) -> None:
    assert value not in str(exc)
    assert value not in repr(exc.args)
    for part in json.loads(value).values():
        assert part not in str(exc)
    # Nothing chained either: a logged traceback prints the causes too.
    assert exc.__cause__ is None
    assert exc.__suppress_context__


def test_reads_secret_by_name_and_by_arn(endpoint: str, secret: tuple[str, str, str]) -> None:
    name, arn, value = secret
    assert get_secret_string(name, endpoint_url=endpoint) == value
    assert get_secret_string(arn, endpoint_url=endpoint) == value


def test_reads_latest_version(endpoint: str, secret: tuple[str, str, str]) -> None:
    name, _, _ = secret
    rotated = json.dumps({"kid": "k2", "key": "rotated"})
    secretsmanager(endpoint).put_secret_value(SecretId=name, SecretString=rotated)
    assert get_secret_string(name, endpoint_url=endpoint) == rotated


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"])
def test_endpoint_from_environment(
    endpoint: str, secret: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    name, _, value = secret
    monkeypatch.setenv(variable, endpoint)
    assert get_secret_string(name) == value


def test_service_endpoint_variable_wins(
    endpoint: str, secret: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, _, value = secret
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint)
    assert get_secret_string(name) == value
    # And the argument beats both.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{closed_port()}")
    assert get_secret_string(name, endpoint_url=endpoint) == value


def test_region_resolution(endpoint: str, secret: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # moto keeps one store per region, so reading from the wrong region is observable as "not found".
    name, _, value = secret
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with pytest.raises(SecretsError, match="ResourceNotFoundException"):
        get_secret_string(name, endpoint_url=endpoint)
    assert get_secret_string(name, endpoint_url=endpoint, region=REGION) == value

    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert get_secret_string(name, endpoint_url=endpoint) == value

    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(SecretsError, match="region"):
        get_secret_string(name, endpoint_url=endpoint)


def test_unknown_secret_raises_without_leaking(endpoint: str, secret: tuple[str, str, str]) -> None:
    _, _, value = secret
    missing = unique("farm-erp/missing")
    with pytest.raises(SecretsError) as info:
        get_secret_string(missing, endpoint_url=endpoint)
    exc = info.value
    assert missing in str(exc)
    assert exc.secret_id == missing
    assert exc.code == "ResourceNotFoundException"
    # AWS answers 400; moto answers 404. Either way a client error, not a transport failure.
    assert exc.status is not None
    assert 400 <= exc.status < 500
    assert_no_secret(exc, value)


def test_binary_secret_raises(endpoint: str) -> None:
    name = unique("farm-erp/binary")
    secretsmanager(endpoint).create_secret(Name=name, SecretBinary=b"\x00\x01binary-key")
    with pytest.raises(SecretsError, match="no SecretString") as info:
        get_secret_string(name, endpoint_url=endpoint)
    assert name in str(info.value)
    assert "binary-key" not in str(info.value)


def test_unreachable_endpoint_raises(secret: tuple[str, str, str]) -> None:
    name, _, _ = secret
    with pytest.raises(SecretsError, match="cannot reach") as info:
        get_secret_string(name, endpoint_url=f"http://127.0.0.1:{closed_port()}", timeout=2)
    assert name in str(info.value)


def test_rejects_non_http_endpoint() -> None:
    with pytest.raises(SecretsError, match="invalid Secrets Manager endpoint"):
        get_secret_string("farm-erp/jwt", endpoint_url="file:///etc/passwd")


def test_missing_credentials_raise(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SecretsError, match="AWS_SECRET_ACCESS_KEY") as info:
        get_secret_string("farm-erp/jwt", endpoint_url=endpoint)
    assert "'farm-erp/jwt'" in str(info.value)


class _CannedHandler(BaseHTTPRequestHandler):
    """Answers every POST with the server's canned (status, content type, body), after an optional delay."""

    server: _CannedServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, content_type, body = self.server.canned
        time.sleep(self.server.delay)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CannedServer(ThreadingHTTPServer):
    daemon_threads = True
    canned: tuple[int, str, bytes] = (500, "text/plain", b"")
    delay: float = 0.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The timeout test hangs up before the answer is written; that broken pipe is expected.
        pass


@pytest.fixture
def canned() -> Iterator[_CannedServer]:
    """Responses moto never gives (namespaced error types, broken bodies), over real HTTP."""
    server = _CannedServer(("127.0.0.1", 0), _CannedHandler)
    # A short poll keeps shutdown() from waiting the default half second per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _url(server: _CannedServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def test_namespaced_error_type(canned: _CannedServer) -> None:
    body = {"__type": "com.amazonaws.secretsmanager#AccessDeniedException", "message": "not authorized"}
    canned.canned = (400, "application/x-amz-json-1.1", json.dumps(body).encode())
    with pytest.raises(SecretsError) as info:
        get_secret_string("farm-erp/jwt", endpoint_url=_url(canned))
    assert info.value.code == "AccessDeniedException"
    assert info.value.status == 400
    assert "not authorized" in str(info.value)


def test_long_error_message_is_capped(canned: _CannedServer) -> None:
    body = {"__type": "ValidationException", "message": "m" * 10_000}
    canned.canned = (400, "application/x-amz-json-1.1", json.dumps(body).encode())
    with pytest.raises(SecretsError, match="ValidationException") as info:
        get_secret_string("farm-erp/jwt", endpoint_url=_url(canned))
    assert len(str(info.value)) < 500


def test_non_json_error_body(canned: _CannedServer) -> None:
    canned.canned = (502, "text/html", b"<html>" + b"x" * 10_000 + b"</html>")
    with pytest.raises(SecretsError) as info:
        get_secret_string("farm-erp/jwt", endpoint_url=_url(canned))
    assert info.value.status == 502
    assert info.value.code is None
    assert len(str(info.value)) < 500


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b'{"SecretString": "leaked-value", truncated', "not JSON"),
        (b'["leaked-value"]', "no SecretString"),
        (b'{"SecretBinary": "bGVha2VkLXZhbHVl", "Name": "leaked-value"}', "no SecretString"),
        (b'{"SecretString": {"k": "leaked-value"}}', "no SecretString"),
    ],
)
def test_malformed_success_never_leaks(canned: _CannedServer, body: bytes, match: str) -> None:
    canned.canned = (200, "application/x-amz-json-1.1", body)
    with pytest.raises(SecretsError, match=match) as info:
        get_secret_string("farm-erp/jwt", endpoint_url=_url(canned))
    assert "leaked-value" not in str(info.value)
    # Not even a suppressed context: JSONDecodeError would carry the whole body in its .doc.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


def test_timeout_raises(canned: _CannedServer) -> None:
    canned.canned = (200, "application/x-amz-json-1.1", b'{"SecretString": "late"}')
    canned.delay = 2.0
    started = time.monotonic()
    with pytest.raises(SecretsError, match="cannot reach"):
        get_secret_string("farm-erp/jwt", endpoint_url=_url(canned), timeout=0.3)
    assert time.monotonic() - started < 1.5


def _set_auth(endpoint: str, free_actions: str) -> None:
    # moto authenticates every request once its counter of unauthenticated actions is exhausted;
    # "inf" restores the default of never authenticating.
    # Not form-encoded (urllib's default): Flask would parse the body as a form and hand moto nothing.
    request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL
        f"{endpoint}/moto-api/reset-auth",
        data=free_actions.encode(),
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a fixed http:// URL
        assert response.status == 200


ALLOW_GET_SECRET = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
    }
)


class TestSignatureEnforced:
    @pytest.fixture
    def principals(self, endpoint: str, secret: tuple[str, str, str]) -> Iterator[tuple[Credentials, Credentials]]:
        """An IAM user's key pair and an assumed role's session credentials, with auth enforced."""
        client = iam(endpoint)
        user = unique("lambda-user")
        client.create_user(UserName=user)
        client.put_user_policy(UserName=user, PolicyName="get-secret", PolicyDocument=ALLOW_GET_SECRET)
        key = client.create_access_key(UserName=user)["AccessKey"]

        role = unique("auth-function-role")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role_arn = client.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        client.put_role_policy(RoleName=role, PolicyName="get-secret", PolicyDocument=ALLOW_GET_SECRET)
        session = sts(endpoint).assume_role(RoleArn=role_arn, RoleSessionName="cold-start")["Credentials"]

        user_creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        role_creds = Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
        _set_auth(endpoint, "0")
        try:
            yield user_creds, role_creds
        finally:
            _set_auth(endpoint, "inf")

    def test_valid_signatures_are_accepted(
        self, endpoint: str, secret: tuple[str, str, str], principals: tuple[Credentials, Credentials]
    ) -> None:
        name, _, value = secret
        user_creds, role_creds = principals
        # The point of this principal: requests must carry (and sign) a real session token.
        assert role_creds.token
        assert get_secret_string(name, endpoint_url=endpoint, credentials=user_creds) == value
        assert get_secret_string(name, endpoint_url=endpoint, credentials=role_creds) == value

    def test_host_is_signed_as_sent(
        self, endpoint: str, secret: tuple[str, str, str], principals: tuple[Credentials, Credentials]
    ) -> None:
        # urllib would send the netloc verbatim ("LOCALHOST:port") while SigV4 signs it lower-cased;
        # moto checks the signature against the Host header it actually received.
        name, _, value = secret
        user_creds, _ = principals
        shouting = endpoint.replace("127.0.0.1", "LOCALHOST")
        assert get_secret_string(name, endpoint_url=shouting, credentials=user_creds) == value

    def test_session_token_from_environment(
        self,
        endpoint: str,
        secret: tuple[str, str, str],
        principals: tuple[Credentials, Credentials],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # The Lambda path: no credentials argument, the role's session credentials in the environment.
        name, _, value = secret
        _, role_creds = principals
        assert role_creds.token is not None
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", role_creds.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", role_creds.secret_key)
        monkeypatch.setenv("AWS_SESSION_TOKEN", role_creds.token)
        assert get_secret_string(name, endpoint_url=endpoint) == value

    def test_wrong_secret_key_is_rejected(
        self, endpoint: str, secret: tuple[str, str, str], principals: tuple[Credentials, Credentials]
    ) -> None:
        name, _, value = secret
        user_creds, _ = principals
        forged = Credentials(user_creds.access_key, user_creds.secret_key[::-1])
        with pytest.raises(SecretsError) as info:
            get_secret_string(name, endpoint_url=endpoint, credentials=forged)
        assert info.value.status == 403
        assert info.value.code == "SignatureDoesNotMatch"
        assert name in str(info.value)
        assert_no_secret(info.value, value)

    def test_wrong_session_token_is_rejected(
        self, endpoint: str, secret: tuple[str, str, str], principals: tuple[Credentials, Credentials]
    ) -> None:
        name, _, value = secret
        _, role_creds = principals
        forged = Credentials(role_creds.access_key, role_creds.secret_key, "forged/token+value==")
        with pytest.raises(SecretsError) as info:
            get_secret_string(name, endpoint_url=endpoint, credentials=forged)
        assert info.value.status == 403
        assert info.value.code == "InvalidClientTokenId"
        assert_no_secret(info.value, value)
