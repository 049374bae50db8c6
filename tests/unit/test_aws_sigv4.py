"""farm_erp.aws_sigv4 must produce exactly what botocore produces, so botocore is the oracle here.

botocore picks its awscrt-backed signers when awscrt is installed; those order the presigned query
differently (the signature is the same). The byte-for-byte tests pin botocore's pure-Python signers,
which are what Lambda's bundled boto3 uses; a separate test checks the CRT output as a parameter set.
botocore reads the time through ``botocore.auth.get_current_datetime`` (and the same name in
``botocore.crt.auth``), which is the hook the tests freeze.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import botocore.auth
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from farm_erp.aws_sigv4 import (
    Credentials,
    NoCredentialsError,
    credentials_from_env,
    generate_db_auth_token,
    host_header,
    sign_request,
)

ACCESS_KEY = "ASIAQEXAMPLE7KEYID00"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# Real session tokens are base64 and routinely contain "/", "+" and "=", all of which must be escaped.
TOKEN = "IQoJb3JpZ2luX2VjEHwaCWV1LXdlc3QtMSJHMEUCIQD/abc+def/ghi+jkl=="
TIMES = [
    datetime(2024, 3, 9, 23, 59, 59),
    datetime(2025, 12, 31, 0, 0, 0),
    datetime(2026, 2, 1, 7, 5, 3),
]

Freeze = Callable[[datetime], None]


@pytest.fixture
def freeze_botocore(monkeypatch: pytest.MonkeyPatch) -> Freeze:
    """Pin botocore's clock (the reference only) and force its pure-Python SigV4 signers."""
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4", botocore.auth.SigV4Auth)
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4-query", botocore.auth.SigV4QueryAuth)

    def freeze(at: datetime) -> None:
        def fake_now(remove_tzinfo: bool = True) -> datetime:
            aware = at.replace(tzinfo=UTC)
            return aware.replace(tzinfo=None) if remove_tzinfo else aware

        monkeypatch.setattr(botocore.auth, "get_current_datetime", fake_now)
        try:
            import botocore.crt.auth as crt_auth
        except ImportError:  # awscrt not installed: only the pure-Python signers exist
            return
        monkeypatch.setattr(crt_auth, "get_current_datetime", fake_now)

    return freeze


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's profile or config file must not change what the reference client does.
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@functools.cache
def _rds_client(token: str | None) -> Any:
    # Cached because building a client takes ~100 ms; the signer and the clock are looked up per call,
    # so the fixtures' patches still apply to a cached client.
    return botocore.session.get_session().create_client(
        "rds",
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
    )


def botocore_db_token(host: str, port: int, user: str, region: str, token: str | None) -> str:
    result: str = _rds_client(token).generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user, Region=region)
    return result


DB_CASES = [
    ("farm-erp.proxy-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", 5432, "farm_erp_app", "eu-west-1"),
    ("db.cluster-ro-xyz.us-east-1.rds.amazonaws.com", 5432, "reporting", "us-east-1"),
    ("mydb.abcdefghijkl.ap-southeast-2.rds.amazonaws.com", 3306, "admin", "ap-southeast-2"),
    ("farm.proxy-1.cn-north-1.rds.amazonaws.com.cn", 5432, "app", "cn-north-1"),
    # Upper case stays in the URL but is signed lower-cased; 443 stays in the URL but not in the signed host.
    ("Farm-ERP.Proxy.EU-WEST-1.rds.amazonaws.com", 443, "app", "eu-west-1"),
    ("10.0.12.34", 6432, "pgbouncer", "eu-central-1"),
    ("[fd00:ec2::23]", 5432, "v6user", "us-west-2"),
    # Every character class the query encoder treats differently, plus non-ASCII (UTF-8 then escaped).
    ("db.example.com", 5432, "we!rd user@farm/x+y=z&a?b%c~d-e_f.g:h;i'j\"k(l)m*n,o$p#qé漢", "eu-west-1"),
]


@pytest.mark.parametrize("at", TIMES)
@pytest.mark.parametrize("token", [None, TOKEN, "plain-token-without-specials"])
@pytest.mark.parametrize(("host", "port", "user", "region"), DB_CASES)
def test_db_auth_token_matches_botocore(
    freeze_botocore: Freeze,
    clean_aws_env: None,
    host: str,
    port: int,
    user: str,
    region: str,
    token: str | None,
    at: datetime,
) -> None:
    freeze_botocore(at)
    expected = botocore_db_token(host, port, user, region, token)
    creds = Credentials(ACCESS_KEY, SECRET_KEY, token)
    assert generate_db_auth_token(host, port, user, region, creds, now=at) == expected


def test_db_auth_token_shape(freeze_botocore: Freeze, clean_aws_env: None) -> None:
    # Spelled out so that a wrong expectation in both implementations would still be caught.
    at = datetime(2024, 3, 9, 23, 59, 59)
    token = generate_db_auth_token(
        "h.example.com", 5432, "a/b+c", "eu-west-1", Credentials("AK", "SK", "t/o+k="), now=at
    )
    prefix, _, signature = token.rpartition("&X-Amz-Signature=")
    assert prefix == (
        "h.example.com:5432/?Action=connect&DBUser=a%2Fb%2Bc&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AK%2F20240309%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20240309T235959Z"
        "&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=t%2Fo%2Bk%3D"
    )
    assert len(signature) == 64
    assert set(signature) <= set("0123456789abcdef")


def test_db_auth_token_empty_token_is_sent_like_botocore(freeze_botocore: Freeze, clean_aws_env: None) -> None:
    at = TIMES[0]
    freeze_botocore(at)
    expected = botocore_db_token("db.example.com", 5432, "app", "eu-west-1", "")
    ours = generate_db_auth_token(
        "db.example.com", 5432, "app", "eu-west-1", Credentials(ACCESS_KEY, SECRET_KEY, ""), at
    )
    assert ours == expected
    assert "X-Amz-Security-Token=&" in ours


def test_db_auth_token_converts_aware_now_to_utc(freeze_botocore: Freeze, clean_aws_env: None) -> None:
    utc = datetime(2025, 12, 31, 23, 30, 0)
    freeze_botocore(utc)
    expected = botocore_db_token("db.example.com", 5432, "app", "eu-west-1", TOKEN)
    # 01:30 the next day in UTC+2 is the same instant; the date in the scope must still be 20251231.
    local = datetime(2026, 1, 1, 1, 30, 0, tzinfo=timezone(timedelta(hours=2)))
    ours = generate_db_auth_token(
        "db.example.com", 5432, "app", "eu-west-1", Credentials(ACCESS_KEY, SECRET_KEY, TOKEN), local
    )
    assert ours == expected


def test_db_auth_token_defaults_to_current_time() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    token = generate_db_auth_token("db.example.com", 5432, "app", "eu-west-1", Credentials(ACCESS_KEY, SECRET_KEY))
    after = datetime.now(UTC)
    stamp = dict(parse_qsl(token.partition("?")[2]))["X-Amz-Date"]
    signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= signed_at <= after
    assert "X-Amz-Security-Token" not in token


def test_db_auth_token_depends_on_every_input() -> None:
    creds = Credentials(ACCESS_KEY, SECRET_KEY, TOKEN)
    at = TIMES[0]
    base = generate_db_auth_token("db.example.com", 5432, "app", "eu-west-1", creds, at)
    variants = [
        generate_db_auth_token("db2.example.com", 5432, "app", "eu-west-1", creds, at),
        generate_db_auth_token("db.example.com", 5433, "app", "eu-west-1", creds, at),
        generate_db_auth_token("db.example.com", 5432, "app2", "eu-west-1", creds, at),
        generate_db_auth_token("db.example.com", 5432, "app", "eu-west-2", creds, at),
        generate_db_auth_token(
            "db.example.com", 5432, "app", "eu-west-1", Credentials(ACCESS_KEY, SECRET_KEY + "x", TOKEN), at
        ),
        generate_db_auth_token("db.example.com", 5432, "app", "eu-west-1", creds, at + timedelta(seconds=1)),
    ]
    signatures = {t.rpartition("X-Amz-Signature=")[2] for t in [base, *variants]}
    assert len(signatures) == len(variants) + 1


@pytest.mark.parametrize("token", [None, TOKEN])
def test_db_auth_token_matches_crt_signer(
    freeze_botocore: Freeze, clean_aws_env: None, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    """awscrt is an independent (C) SigV4 implementation: same parameters and signature, other order."""
    pytest.importorskip("awscrt")
    import botocore.crt.auth as crt_auth

    at = TIMES[2]
    freeze_botocore(at)
    # Undo the fixture's pure-Python pinning for this one test.
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4-query", crt_auth.CrtSigV4QueryAuth)
    expected = botocore_db_token("farm.proxy.eu-west-1.rds.amazonaws.com", 5432, "a/b+c d", "eu-west-1", token)
    ours = generate_db_auth_token(
        "farm.proxy.eu-west-1.rds.amazonaws.com",
        5432,
        "a/b+c d",
        "eu-west-1",
        Credentials(ACCESS_KEY, SECRET_KEY, token),
        at,
    )
    exp_base, _, exp_query = expected.partition("?")
    our_base, _, our_query = ours.partition("?")
    assert our_base == exp_base
    assert sorted(parse_qsl(our_query, keep_blank_values=True)) == sorted(parse_qsl(exp_query, keep_blank_values=True))


def botocore_sign(
    method: str, url: str, headers: dict[str, str], body: bytes, service: str, region: str, token: str | None
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    botocore.auth.SigV4Auth(BotoCredentials(ACCESS_KEY, SECRET_KEY, token), service, region).add_auth(request)
    return dict(request.headers.items())


SM_HEADERS = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"}
SM_BODY = b'{"SecretId": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:farm-erp/jwt-AbCdEf"}'

SIGN_CASES = [
    ("POST", "https://secretsmanager.eu-west-1.amazonaws.com/", SM_HEADERS, SM_BODY, "secretsmanager", "eu-west-1"),
    # moto / LocalStack style: plain HTTP with a non-default port, which then belongs in the signed host.
    ("POST", "http://127.0.0.1:5123/", SM_HEADERS, SM_BODY, "secretsmanager", "us-east-1"),
    ("POST", "https://Secretsmanager.EU-West-1.amazonaws.com:443/", SM_HEADERS, SM_BODY, "secretsmanager", "eu-west-1"),
    ("POST", "https://secretsmanager.eu-west-1.amazonaws.com", SM_HEADERS, b"", "secretsmanager", "eu-west-1"),
    # Headers botocore never signs, whitespace to trim, stale auth headers to replace, a pinned Host.
    (
        "POST",
        "https://secretsmanager.eu-west-1.amazonaws.com/",
        {
            **SM_HEADERS,
            "Host": "secretsmanager.eu-west-1.amazonaws.com",
            "User-Agent": "farm-erp/1.0",
            "X-Amzn-Trace-Id": "Root=1-abc",
            "X-Custom": "  several   spaces\there  ",
            "Authorization": "stale",
            "x-amz-date": "19700101T000000Z",
            "X-Amz-Security-Token": "stale-token",
        },
        SM_BODY,
        "secretsmanager",
        "eu-west-1",
    ),
    # Dot segments, double slashes, already-encoded characters and an unsorted query string.
    (
        "get",
        "https://example.execute-api.eu-west-1.amazonaws.com/a/./b//../c%2Fd e/?z=1&a=2&a=1&m",
        {},
        b"",
        "execute-api",
        "eu-west-1",
    ),
    (
        "PUT",
        "https://api.example.com/items/42",
        {"Content-Type": "application/json"},
        b'{"x": "\xc3\xa9"}',
        "execute-api",
        "ap-south-1",
    ),
]


@pytest.mark.parametrize("token", [None, TOKEN])
@pytest.mark.parametrize(("method", "url", "headers", "body", "service", "region"), SIGN_CASES)
def test_sign_request_matches_botocore(
    freeze_botocore: Freeze,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    service: str,
    region: str,
    token: str | None,
) -> None:
    at = TIMES[1]
    freeze_botocore(at)
    expected = botocore_sign(method, url, headers, body, service, region, token)
    original = dict(headers)
    ours = sign_request(method, url, headers, body, service, region, Credentials(ACCESS_KEY, SECRET_KEY, token), now=at)
    assert ours == expected
    assert headers == original, "the caller's dict must not be modified"


def test_sign_request_with_x_amz_content_sha256_header(freeze_botocore: Freeze) -> None:
    at = TIMES[0]
    freeze_botocore(at)
    headers = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    expected = botocore_sign("POST", "https://svc.eu-west-1.amazonaws.com/", headers, b"body", "svc", "eu-west-1", None)
    ours = sign_request(
        "POST",
        "https://svc.eu-west-1.amazonaws.com/",
        headers,
        b"body",
        "svc",
        "eu-west-1",
        Credentials(ACCESS_KEY, SECRET_KEY),
        at,
    )
    assert ours == expected


def test_sign_request_empty_token_is_omitted_like_botocore(freeze_botocore: Freeze) -> None:
    at = TIMES[0]
    freeze_botocore(at)
    expected = botocore_sign(
        "POST", "https://svc.eu-west-1.amazonaws.com/", SM_HEADERS, SM_BODY, "svc", "eu-west-1", ""
    )
    ours = sign_request(
        "POST",
        "https://svc.eu-west-1.amazonaws.com/",
        SM_HEADERS,
        SM_BODY,
        "svc",
        "eu-west-1",
        Credentials(ACCESS_KEY, SECRET_KEY, ""),
        at,
    )
    assert ours == expected
    assert "X-Amz-Security-Token" not in ours


def test_sign_request_aws_documented_example() -> None:
    """The worked GET example of the AWS SigV4 documentation: an oracle that is not botocore."""
    headers = sign_request(
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        b"",
        "iam",
        "us-east-1",
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        now=datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC),
    )
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def test_sign_request_rejects_date_header() -> None:
    with pytest.raises(ValueError, match="Date"):
        sign_request("GET", "https://x.amazonaws.com/", {"date": "now"}, b"", "x", "eu-west-1", Credentials("a", "b"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Secretsmanager.EU-West-1.amazonaws.com:443/", "secretsmanager.eu-west-1.amazonaws.com"),
        ("http://127.0.0.1:80/", "127.0.0.1"),
        ("http://127.0.0.1:5000/", "127.0.0.1:5000"),
        ("https://user:pw@host.example.com:8443/x", "host.example.com:8443"),
        ("http://[::1]:5000/", "[::1]:5000"),
    ],
)
def test_host_header(url: str, expected: str) -> None:
    assert host_header(url) == expected


def test_credentials_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    assert credentials_from_env() == Credentials("AKID", "SECRET", TOKEN)

    monkeypatch.setenv("AWS_SESSION_TOKEN", "")
    assert credentials_from_env().token is None
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert credentials_from_env().token is None


@pytest.mark.parametrize("missing", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_credentials_from_env_requires_key_pair(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
    monkeypatch.delenv(missing)
    with pytest.raises(NoCredentialsError):
        credentials_from_env()


def test_credentials_repr_hides_secrets() -> None:
    text = repr(Credentials("AKIDVISIBLE", "very-secret-key", "very-secret-token"))
    assert "AKIDVISIBLE" in text
    assert "very-secret" not in text
