"""The HTTP plumbing every module function shares, one job per module: `deps` (what a route depends on: the caller,
where the request comes from, the connection), `errors` (the error contract), `cycle` (one transaction per request,
Idempotency-Key), `routing` and `serialize` (the router of every module, whose JSON answers are serialised once) and
`app` (the app factory and the Lambda handler). Functions import from here."""

from farm_erp.http.app import CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, LambdaHandler, create_app, lambda_handler
from farm_erp.http.deps import (
    Caller,
    Conn,
    Info,
    RequestInfo,
    SignedIn,
    aws_event,
    get_conn,
    module_guard,
    request_info,
    secret_fields,
    signed_in,
)
from farm_erp.http.routing import Router

__all__ = [
    "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS",
    "Caller",
    "Conn",
    "Info",
    "LambdaHandler",
    "RequestInfo",
    "Router",
    "SignedIn",
    "aws_event",
    "create_app",
    "get_conn",
    "lambda_handler",
    "module_guard",
    "request_info",
    "secret_fields",
    "signed_in",
]
