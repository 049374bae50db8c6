"""API Gateway, as the local stack plays it: route from template.yaml, TOKEN authorizer with a per-token policy
cache, policy evaluation (explicit Deny wins), REST proxy events, gateway responses with CORS headers.

Transport-free: `Gateway.handle()` takes a request and returns a response; the HTTP server (local.server) and
the in-process test client (tests.support) both drive it, with different ways of invoking the functions.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl

from farm_erp.access import policy_allows
from local.template_routes import ApiConfig, Function, match

ACCOUNT = "000000000000"
API_ID = "localapi"
REGION = "local"
CORS_ALLOW_HEADERS = "Authorization,Content-Type,Idempotency-Key,If-None-Match"
CORS_EXPOSE_HEADERS = "Retry-After,Content-Disposition,Idempotent-Replayed,ETag"
CORS_ALLOW_METHODS = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class Invoker(Protocol):
    """Runs one Lambda invocation of a function and returns what the handler returned (or raises)."""

    def invoke(self, function: Function, event: dict[str, Any]) -> dict[str, Any]: ...


class FunctionError(Exception):
    """The function raised instead of returning, or its container died; `message` is the exception's text (e.g.
    "Unauthorized")."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FunctionTimeout(FunctionError):
    """The invocation ran past the function's timeout."""


@dataclass
class Request:
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    source_ip: str = "127.0.0.1"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


# The gateway's own answers, as API Gateway names them: default status and message ($context.error.messageString).
GATEWAY_ERRORS: dict[str, tuple[int, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource with an explicit deny"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "AUTHORIZER_FAILURE": (500, "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error"),
    "INTEGRATION_FAILURE": (502, "Internal server error"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
}


# API Gateway's own body for a gateway response that sets no template.
BUILT_IN_TEMPLATE = '{"message":$context.error.messageString}'


class Gateway:
    def __init__(
        self,
        config: ApiConfig,
        invoker: Invoker,
        authorizer_ttl: int | None = None,
        allowed_origins: str | None = None,
    ) -> None:
        self.config = config
        self.invoker = invoker
        self.ttl = config.authorizer_ttl if authorizer_ttl is None else authorizer_ttl
        # The AllowedOrigins parameter, from ALLOWED_ORIGINS as the functions read it (else the template default).
        self.allowed_origins = allowed_origins or os.environ.get("ALLOWED_ORIGINS") or config.allowed_origins
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    # --- responses the gateway makes itself (GatewayResponses in the template) ---------------------------------

    def _origin(self, request_origin: str | None) -> str:
        """API Gateway sends the AllowedOrigins value as it is ('*' or one origin). For a comma-separated list (which
        the functions accept) the request's origin is echoed when listed, else the first."""
        listed = [o.strip() for o in self.allowed_origins.split(",") if o.strip()] or ["*"]
        return request_origin if request_origin in listed else listed[0]

    def _cors(self, request_origin: str | None) -> dict[str, str]:
        return {
            "Access-Control-Allow-Origin": self._origin(request_origin),
            "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
            "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS,
        }

    def gateway_response(self, kind: str, origin: str | None = None, status: int | None = None) -> Response:
        """The answer API Gateway makes for `kind`: the template's GatewayResponse of that type, else its DEFAULT_4XX
        or DEFAULT_5XX, else API Gateway's built-in `{"message": ...}` without CORS headers."""
        default_status, message = GATEWAY_ERRORS[kind]
        status = status or default_status
        fallback = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        configured = self.config.gateway_responses.get(kind) or self.config.gateway_responses.get(fallback)
        if configured is None:
            return Response(status, {"Content-Type": "application/json"}, json.dumps({"message": message}).encode())
        params = {"AllowedOrigins": self._origin(origin)}
        headers = {name: _substitute(value, params) for name, value in configured.headers.items()}
        template = configured.template if configured.template is not None else BUILT_IN_TEMPLATE
        body = template.replace("$context.error.messageString", json.dumps(message))
        return Response(configured.status or status, headers, body.encode())

    # --- the request path -----------------------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        headers = {k.lower(): v for k, v in req.headers.items()}
        origin = headers.get("origin")
        if len(req.body) > MAX_BODY_BYTES:
            return self.gateway_response("REQUEST_TOO_LARGE", origin)
        if req.method == "OPTIONS":
            return Response(
                200,
                {
                    **self._cors(origin),
                    "Access-Control-Allow-Methods": CORS_ALLOW_METHODS,
                    "Access-Control-Max-Age": "600",
                },
                b"",
            )
        found = match(self.config.routes, req.method, req.path)
        if found is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", origin)
        route, path_params = found
        method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{self.config.stage}/{req.method}{req.path}"
        authorizer_ctx: dict[str, Any] | None = None
        if not route.public:
            token = headers.get("authorization")
            if not token:
                return self.gateway_response("UNAUTHORIZED", origin)
            try:
                policy = self._policy(token, method_arn)
            except FunctionError as exc:
                if exc.message == "Unauthorized":
                    return self.gateway_response("UNAUTHORIZED", origin)
                return self.gateway_response("AUTHORIZER_FAILURE", origin)
            if not _is_policy(policy):
                return self.gateway_response("AUTHORIZER_CONFIGURATION_ERROR", origin)
            if not policy_allows(policy, method_arn):
                return self.gateway_response("ACCESS_DENIED", origin)
            authorizer_ctx = {
                **{k: str(v) for k, v in (policy.get("context") or {}).items()},
                "principalId": str(policy.get("principalId", "")),
            }
        event = self._event(req, headers, route.path, path_params, authorizer_ctx)
        try:
            result = self.invoker.invoke(route.function, event)
        except FunctionTimeout:
            return self.gateway_response("INTEGRATION_TIMEOUT", origin)
        except FunctionError:
            return self.gateway_response("INTEGRATION_FAILURE", origin)
        return self._response(result, origin)

    def _policy(self, token: str, method_arn: str) -> dict[str, Any]:
        now = time.monotonic()
        if self.ttl > 0:
            with self._lock:
                hit = self._cache.get(token)
            if hit and hit[0] > now:
                return hit[1]
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        policy = self.invoker.invoke(self.config.authorizer, event)
        if self.ttl > 0:
            with self._lock:
                self._cache[token] = (now + self.ttl, policy)
        return policy

    def _event(
        self,
        req: Request,
        headers: dict[str, str],
        resource: str,
        path_params: dict[str, str],
        authorizer: dict[str, Any] | None,
    ) -> dict[str, Any]:
        multi_query: dict[str, list[str]] = {}
        for k, v in parse_qsl(req.query, keep_blank_values=True):
            multi_query.setdefault(k, []).append(v)
        original = {k.title(): v for k, v in req.headers.items()}
        is_text = _is_text(headers.get("content-type", "")) and _is_utf8(req.body)
        now = datetime.now(UTC)
        return {
            "resource": resource,
            "path": req.path,
            "httpMethod": req.method,
            "headers": original or None,
            "multiValueHeaders": {k: [v] for k, v in original.items()} or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": "local",
                "resourcePath": resource,
                "httpMethod": req.method,
                "extendedRequestId": uuid.uuid4().hex,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "path": f"/{self.config.stage}{req.path}",
                "accountId": ACCOUNT,
                "protocol": "HTTP/1.1",
                "stage": self.config.stage,
                "domainPrefix": API_ID,
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "requestId": str(uuid.uuid4()),
                "identity": {"sourceIp": req.source_ip, "userAgent": headers.get("user-agent")},
                "domainName": "localhost",
                "apiId": API_ID,
                **({"authorizer": authorizer} if authorizer is not None else {}),
            },
            "body": (req.body.decode("utf-8") if is_text else base64.b64encode(req.body).decode())
            if req.body
            else None,
            "isBase64Encoded": bool(req.body) and not is_text,
        }

    def _response(self, result: dict[str, Any], origin: str | None) -> Response:
        if not isinstance(result, dict) or "statusCode" not in result:
            return self.gateway_response("INTEGRATION_FAILURE", origin)
        headers: dict[str, str] = {}
        for k, values in (result.get("multiValueHeaders") or {}).items():
            headers[k] = ", ".join(str(v) for v in values)
        for k, v in (result.get("headers") or {}).items():
            headers[k] = str(v)
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
        status = int(result["statusCode"])
        if status >= 500 and not body:
            return self.gateway_response("INTEGRATION_FAILURE", origin, status)
        return Response(status, headers, body)


def _is_policy(policy: Any) -> bool:
    """What API Gateway needs from a TOKEN authorizer: a principal and a policy document."""
    return isinstance(policy, dict) and "principalId" in policy and isinstance(policy.get("policyDocument"), dict)


def _substitute(value: str, params: Mapping[str, str]) -> str:
    """Fn::Sub over the template parameters the gateway responses use."""
    for name, param in params.items():
        value = value.replace("${" + name + "}", param)
    return value


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_text(content_type: str) -> bool:
    ct = content_type.lower()
    return not ct or ct.startswith("text/") or "json" in ct or "x-www-form-urlencoded" in ct or "xml" in ct
