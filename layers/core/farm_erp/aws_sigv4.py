"""AWS Signature Version 4 with the standard library only.

Importing botocore costs about 300 ms of Lambda cold start, and the request path needs only two signed
things: the RDS IAM auth token (the PostgreSQL password through RDS Proxy) and one Secrets Manager call.
Both functions here mirror botocore's pure-Python signers (``botocore.auth.SigV4Auth`` and
``SigV4QueryAuth``, reached through ``botocore.signers.generate_db_auth_token``) so that
tests/unit/test_aws_sigv4.py can compare their output byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

__all__ = [
    "Credentials",
    "NoCredentialsError",
    "credentials_from_env",
    "generate_db_auth_token",
    "host_header",
    "sign_request",
]

_ALGORITHM = "AWS4-HMAC-SHA256"
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# RFC 3986 unreserved characters: the only ones SigV4 leaves unescaped in query keys and values.
_UNRESERVED = "-._~"
# RDS caps IAM auth tokens at 15 minutes; botocore hard-codes the same value.
_DB_AUTH_TOKEN_EXPIRES = 900
_DEFAULT_PORTS = {"http": 80, "https": 443}
# botocore's SIGNED_HEADERS_BLACKLIST: proxies and tracing agents may add or rewrite these in transit, so
# signing them would break the signature. Kept identical so the signed header list matches botocore's.
_UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)


class NoCredentialsError(Exception):
    """The environment has no AWS access key pair."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """An AWS access key pair, plus the session token that temporary (role) credentials carry."""

    access_key: str
    # Hidden from repr so that logging a Credentials object cannot leak the key material.
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


def credentials_from_env() -> Credentials:
    """The credentials Lambda puts in the environment for the function's execution role.

    Read on every call rather than cached: the values belong to the execution environment, and tests
    (or SnapStart restores) may change them.
    """
    access_key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access_key or not secret_key:
        raise NoCredentialsError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
    # An exported-but-empty AWS_SESSION_TOKEN means "no token", as it does for botocore's env provider.
    token = os.environ.get("AWS_SESSION_TOKEN") or None
    return Credentials(access_key=access_key, secret_key=secret_key, token=token)


def generate_db_auth_token(
    host: str,
    port: int,
    user: str,
    region: str,
    credentials: Credentials,
    now: datetime | None = None,
) -> str:
    """An RDS / RDS Proxy IAM authentication token, identical to botocore's ``generate_db_auth_token``.

    The token is a presigned ``GET https://host:port/?Action=connect&DBUser=...`` URL for the ``rds-db``
    service without its scheme, valid for 15 minutes from ``now``. It is used as the password, so
    generate a fresh one per connection attempt. ``now`` defaults to the current time; a naive value is
    taken as UTC.
    """
    timestamp = _timestamp(now)
    scheme = "https://"
    # The scheme is only there so that urlsplit sees a netloc (RFC 1808); it is stripped again below,
    # exactly as botocore does, because RDS expects a token without one.
    url = urlsplit(f"{scheme}{host}:{port}/")
    signed_headers = "host"

    operation_params = [("Action", "connect"), ("DBUser", user)]
    # Order matters byte for byte: operation params first, then the auth params in botocore's order.
    auth_params: list[tuple[str, str]] = [
        ("X-Amz-Algorithm", _ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key}/{_scope(timestamp, region, 'rds-db')}"),
        ("X-Amz-Date", timestamp),
        ("X-Amz-Expires", str(_DB_AUTH_TOKEN_EXPIRES)),
        ("X-Amz-SignedHeaders", signed_headers),
    ]
    # `is not None`, not truthiness: botocore's query signer sends even an empty token.
    if credentials.token is not None:
        auth_params.append(("X-Amz-Security-Token", credentials.token))
    query = f"{_encode_pairs(operation_params)}&{_encode_pairs(auth_params)}"

    canonical_request = "\n".join(
        [
            "GET",
            _canonical_path(url.path),
            _canonical_query(query),
            f"host:{_trim(_host_from_parts(url))}\n",
            signed_headers,
            _EMPTY_SHA256,
        ]
    )
    signature = _signature(canonical_request, timestamp, region, "rds-db", credentials)
    presigned = urlunsplit((url.scheme, url.netloc, url.path, query, url.fragment))
    return f"{presigned}&X-Amz-Signature={signature}"[len(scheme) :]


def sign_request(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    service: str,
    region: str,
    credentials: Credentials,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send with a SigV4-signed request, as botocore's ``SigV4Auth.add_auth`` sets them.

    Returns a new dict: ``headers`` (minus any stale Authorization, X-Amz-Date or X-Amz-Security-Token)
    plus ``X-Amz-Date``, ``X-Amz-Security-Token`` when the credentials have a token, and
    ``Authorization``. Like botocore, no Host header is added even though ``host`` is signed: the HTTP
    client must send the value ``host_header(url)`` returns (pass it in ``headers`` to pin it).
    A ``Date`` header is rejected: botocore would then sign with it instead of X-Amz-Date, and nothing
    here needs that. The payload is always hashed, which is what botocore does for every service but S3.
    """
    if any(name.lower() == "date" for name in headers):
        raise ValueError("sign_request signs with X-Amz-Date; remove the Date header")
    timestamp = _timestamp(now)

    replaced = {"authorization", "x-amz-date"}
    # Truthiness, not `is not None`: botocore's header signer skips an empty token.
    if credentials.token:
        replaced.add("x-amz-security-token")
    out = {name: value for name, value in headers.items() if name.lower() not in replaced}
    out["X-Amz-Date"] = timestamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token

    parts = urlsplit(url)
    # Repeated names (differing only in case) are joined with commas, as email.message-based HTTPHeaders
    # does in botocore; values keep insertion order.
    to_sign: dict[str, list[str]] = {}
    for name, value in out.items():
        lname = name.lower()
        if lname not in _UNSIGNED_HEADERS:
            to_sign.setdefault(lname, []).append(value)
    if "host" not in to_sign:
        to_sign["host"] = [_host_from_parts(parts)]
    names = sorted(to_sign)
    signed_headers = ";".join(names)
    canonical_headers = "".join(f"{n}:{','.join(_trim(v) for v in to_sign[n])}\n" for n in names)

    content_sha256 = _get_ci(out, "x-amz-content-sha256")
    if content_sha256 is None:
        content_sha256 = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256

    canonical_request = "\n".join(
        [
            method.upper(),
            _canonical_path(parts.path),
            _canonical_query(parts.query),
            canonical_headers,
            signed_headers,
            content_sha256,
        ]
    )
    signature = _signature(canonical_request, timestamp, region, service, credentials)
    out["Authorization"] = (
        f"{_ALGORITHM} Credential={credentials.access_key}/{_scope(timestamp, region, service)}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return out


def host_header(url: str) -> str:
    """The Host value SigV4 signs for ``url``: lower-cased, without userinfo or the scheme's default port."""
    return _host_from_parts(urlsplit(url))


def _timestamp(now: datetime | None) -> str:
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is not None:
        now = now.astimezone(UTC)
    return now.strftime(_TIMESTAMP_FORMAT)


def _scope(timestamp: str, region: str, service: str) -> str:
    return f"{timestamp[:8]}/{region}/{service}/aws4_request"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _signature(canonical_request: str, timestamp: str, region: str, service: str, credentials: Credentials) -> str:
    string_to_sign = "\n".join(
        [
            _ALGORITHM,
            timestamp,
            _scope(timestamp, region, service),
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = _hmac(f"AWS4{credentials.secret_key}".encode(), timestamp[:8])
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _encode_pairs(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe=_UNRESERVED)}={quote(v, safe=_UNRESERVED)}" for k, v in pairs)


def _canonical_query(query: str) -> str:
    # The query is taken as already encoded (as botocore does for a URL's own query string); only the
    # sort is canonical. Sorting (key, value) tuples orders repeated keys by value, as SigV4 requires.
    if not query:
        return ""
    pairs = [(key, value) for key, _, value in (pair.partition("=") for pair in query.split("&"))]
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _canonical_path(path: str) -> str:
    # Non-S3 services expect dot segments and empty segments removed, then the result URI-encoded again
    # (so an already-encoded "%2F" is signed as "%252F").
    return quote(_remove_dot_segments(path) if path else "/", safe="/~")


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment and segment != ".":
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def _host_from_parts(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        # urlsplit drops the brackets of an IPv6 literal; the Host header needs them back.
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    return host


def _trim(value: str) -> str:
    return " ".join(value.split())


def _get_ci(headers: dict[str, str], lname: str) -> str | None:
    for name, value in headers.items():
        if name.lower() == lname:
            return value
    return None
