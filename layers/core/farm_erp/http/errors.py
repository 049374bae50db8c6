"""The error contract: every failure becomes `{"detail", "code"}` (or FastAPI's 422 list shape), an unexpected one a
bare 500 whose traceback stays in the log. The exception handlers serve errors raised inside the app; the raw
responses serve the request cycle, which answers outside it (idempotency, the commit, an escaped exception)."""

import json
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from farm_erp.errors import AppError
from farm_erp.observability import logger

INTERNAL_ERROR = {"detail": "Internal server error"}
# A 503 tells the client when to try again; the gateway's answer when the authorizer fails says the same.
UNAVAILABLE_HEADERS = {"Retry-After": "5"}
DATABASE_UNAVAILABLE = {"detail": "Database unavailable", "code": "database_unavailable"}

# An answer as the ASGI cycle sends it: status, raw headers, body chunks.
RawResponse = tuple[int, list[tuple[bytes, bytes]], list[bytes]]


def install(app: FastAPI) -> None:
    """Map the errors routes raise to the contract's answers."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(psycopg.Error, _db_error)


# --- exception handlers ----------------------------------------------------------------------------------------


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.commit:
        request.state.commit = True
    return _json(exc.status_code, exc.body(), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only loc/msg/type: echoing `input` would send passwords and huge strings back.
    items = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    return _json(422, {"detail": items})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI's "error parsing the body": JSON it could not decode as JSON (invalid UTF-8, nesting deeper than
        # the parser's recursion limit). Malformed JSON is a validation error, as when the decoder names its
        # position: 422 in the same shape.
        body_error = {"loc": ["body"], "msg": "The body is not valid JSON", "type": "json_invalid"}
        return _json(422, {"detail": [body_error]})
    codes = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated", 403: "forbidden"}
    return _json(exc.status_code, {"detail": str(exc.detail), "code": codes.get(exc.status_code, "http_error")})


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    """Database errors a client can cause map to 409/422; an unreachable or slow database is 503."""
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return _json(409, {"detail": "Duplicate value", "code": "duplicate"})
    if isinstance(exc, psycopg.errors.ForeignKeyViolation):
        return _json(422, {"detail": [{"loc": ["body"], "msg": "Unknown reference", "type": "reference_error"}]})
    if isinstance(exc, psycopg.errors.CheckViolation | psycopg.errors.NotNullViolation):
        return _json(409, {"detail": "The change breaks a data rule", "code": "constraint_violation"})
    if isinstance(exc, psycopg.errors.NumericValueOutOfRange | psycopg.errors.DatetimeFieldOverflow):
        return _json(422, {"detail": [{"loc": ["body"], "msg": "Value out of range", "type": "value_error"}]})
    if isinstance(exc, psycopg.errors.QueryCanceled):
        logger.warning("statement timeout", extra={"path": request.url.path})
        body = {"detail": "The database took too long to answer", "code": "database_timeout"}
        return _json(503, body, UNAVAILABLE_HEADERS)
    if isinstance(exc, psycopg.DataError):
        # Class 22 (data exception): a value the database cannot take, e.g. a NUL byte in text.
        return _json(422, {"detail": [{"loc": ["body"], "msg": "Invalid value", "type": "value_error"}]})
    if isinstance(
        exc, psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure
    ):
        return _json(409, {"detail": "The record is busy; try again", "code": "busy"})
    if isinstance(exc, psycopg.OperationalError):
        logger.warning("database unavailable", extra={"error": type(exc).__name__})
        return _json(503, DATABASE_UNAVAILABLE, UNAVAILABLE_HEADERS)
    logger.exception("database error")
    return _json(500, INTERNAL_ERROR)


# --- raw responses for the request cycle -----------------------------------------------------------------------


def raw_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def plain(status: int, body: Any) -> RawResponse:
    """A JSON answer."""
    return status, [(b"content-type", b"application/json")], [json.dumps(body).encode()]


def database_failure(exc: psycopg.Error) -> RawResponse:
    """A database error outside the app (claiming a key, committing): 503 when the database is unreachable, else a
    bare 500 with the traceback in the log."""
    if isinstance(exc, psycopg.OperationalError):
        status, headers, body = plain(503, DATABASE_UNAVAILABLE)
        return status, headers + raw_headers(UNAVAILABLE_HEADERS), body
    logger.exception("database error")
    return plain(500, INTERNAL_ERROR)
