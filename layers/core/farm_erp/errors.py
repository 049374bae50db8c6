"""Typed errors raised by services; the API maps them to `{"detail", "code"}` responses (routes carry no try/except)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class AppError(Exception):
    """An expected failure with an HTTP status, a human detail and a machine code."""

    status_code = 400
    code = "bad_request"
    #: Commit the request's transaction despite the error (e.g. a failed login must record its attempt).
    commit = False

    def __init__(
        self,
        detail: str,
        code: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        commit: bool | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = errors
        self.headers = headers or {}
        if commit is not None:
            self.commit = commit
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.errors is not None:
            out["errors"] = self.errors
        out.update(self.extra)
        return out


class Unauthorized(AppError):
    status_code = 401
    code = "not_authenticated"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


class ValidationFailed(AppError):
    """A 422 in FastAPI's shape: `{"detail": [{"loc", "msg", "type"}]}` (bad reference, chronology, rule)."""

    status_code = 422
    code = "validation_error"

    def __init__(self, loc: tuple[str | int, ...] | list[str | int], msg: str, type_: str = "value_error") -> None:
        super().__init__(msg)
        self.items = [{"loc": list(loc), "msg": msg, "type": type_}]

    def body(self) -> dict[str, Any]:
        return {"detail": self.items}


def invalid(field: str, msg: str, type_: str = "value_error", where: str = "body") -> ValidationFailed:
    """Shorthand for a 422 on one body (or query) field."""
    return ValidationFailed([where, *field.split(".")], msg, type_)


def reject_nulls(changes: Mapping[str, Any], fields: Iterable[str]) -> None:
    """A PATCH may omit a field but not null one whose column is NOT NULL: 422 on the first such field."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise invalid(field, "must not be null")


# A retry may come as soon as the first attempt ends; one request takes a few seconds at most (29 s timeout).
IN_PROGRESS_RETRY_AFTER = 1


def idempotency_in_progress() -> Conflict:
    """The transient 409 while another attempt with the same Idempotency-Key is running (never stored)."""
    return Conflict(
        "A request with this Idempotency-Key is in progress",
        "idempotency_in_progress",
        headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER)},
    )
