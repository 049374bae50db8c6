"""Secrets Manager GetSecretValue over urllib, so cold starts that read the JWT key skip importing botocore.

Only what the auth and authorizer functions need: one signed JSON 1.1 POST, no retries (a failed cold
start fails the init and Lambda starts a fresh one on the next request) and no caching (callers keep
the value for the life of the container).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from farm_erp.aws_sigv4 import Credentials, NoCredentialsError, credentials_from_env, host_header, sign_request

__all__ = ["SecretsError", "get_secret_string"]

_TARGET = "secretsmanager.GetSecretValue"
_CONTENT_TYPE = "application/x-amz-json-1.1"
# AWS error messages are short; the cap only keeps a misbehaving proxy's page out of the logs.
_MAX_MESSAGE = 300
_XML_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


class SecretsError(Exception):
    """Reading a secret failed. The message names the secret but never carries any secret material."""

    def __init__(self, secret_id: str, reason: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(f"cannot read secret {secret_id!r}: {reason}")
        self.secret_id = secret_id
        self.code = code
        self.status = status


def get_secret_string(
    secret_id: str,
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: Credentials | None = None,
    timeout: float = 3.0,
) -> str:
    """The SecretString of the current version (AWSCURRENT) of ``secret_id`` (a name or an ARN).

    Region: the argument, else AWS_REGION, else AWS_DEFAULT_REGION. Endpoint: the argument, else
    AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS_ENDPOINT_URL (the SDKs' own variables, so local stacks
    and moto work unchanged), else the public regional endpoint. Credentials default to the
    environment's. ``timeout`` bounds each socket operation, in seconds.
    """
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SecretsError(secret_id, "no region: pass region= or set AWS_REGION")
    endpoint = (
        endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        or os.environ.get("AWS_ENDPOINT_URL")
        or _default_endpoint(region)
    )
    parts = urlsplit(endpoint)
    # urllib would also open file:// and ftp:// URLs; an endpoint is only ever HTTP(S).
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SecretsError(secret_id, f"invalid Secrets Manager endpoint {endpoint!r}")
    url = parts._replace(path=parts.path or "/", query="", fragment="").geturl()

    if credentials is None:
        try:
            credentials = credentials_from_env()
        except NoCredentialsError as exc:
            raise SecretsError(secret_id, str(exc)) from None

    body = json.dumps({"SecretId": secret_id}).encode()
    # Host is pinned to the signed value: urllib would otherwise send the netloc verbatim, which differs
    # from the signed host when the URL spells out the default port or upper-case letters.
    headers = {"Host": host_header(url), "Content-Type": _CONTENT_TYPE, "X-Amz-Target": _TARGET}
    signed = sign_request("POST", url, headers, body, "secretsmanager", region, credentials)
    request = urllib.request.Request(url, data=body, headers=signed, method="POST")  # noqa: S310 - scheme checked above

    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            raw: bytes = response.read()
    except urllib.error.HTTPError as exc:
        code, message = _aws_error(exc)
        reason = f"HTTP {exc.code} {code}: {message}" if code else f"HTTP {exc.code}: {message}"
        raise SecretsError(secret_id, reason, code=code, status=exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        # URLError wraps connection failures; a read timeout surfaces as a bare TimeoutError (an OSError).
        cause = getattr(exc, "reason", exc)
        raise SecretsError(secret_id, f"cannot reach {parts.scheme}://{parts.netloc}: {cause}") from None

    # The response holds the secret, so no exception raised below may chain to one that carries it:
    # JSONDecodeError keeps the whole document in .doc, and `from None` would still leave it reachable
    # as __context__ for error reporters that walk the chain. Hence raising outside the except block.
    payload: Any
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if payload is None:
        raise SecretsError(secret_id, "response is not JSON")
    value = payload.get("SecretString") if isinstance(payload, dict) else None
    if not isinstance(value, str):
        raise SecretsError(secret_id, "response has no SecretString (binary secret?)")
    return value


def _default_endpoint(region: str) -> str:
    # The China partition is the one commercial partition outside amazonaws.com.
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://secretsmanager.{region}.{suffix}"


def _aws_error(exc: urllib.error.HTTPError) -> tuple[str | None, str]:
    """(error code, message) from an AWS JSON error body, falling back to the HTTP reason phrase."""
    try:
        raw = exc.read()
    except OSError:
        raw = b""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # Emulators (moto's IAM checks, for one) answer auth failures in the XML error format.
        text = raw.decode("utf-8", "replace")
        code_match = _XML_CODE.search(text)
        message_match = _XML_MESSAGE.search(text)
        message = message_match.group(1) if message_match else str(exc.reason)
        return (code_match.group(1) if code_match else None), message[:_MAX_MESSAGE]
    code = data.get("__type")
    # __type may be namespaced ("com.amazonaws.secretsmanager#ResourceNotFoundException").
    code = code.rpartition("#")[2] if isinstance(code, str) and code else None
    message = data.get("message") or data.get("Message") or exc.reason
    return code, str(message)[:_MAX_MESSAGE]
