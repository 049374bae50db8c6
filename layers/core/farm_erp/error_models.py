"""The error models of the OpenAPI document (farm_erp.openapi). A module of their own, imported only when the
document is built: defining pydantic models costs milliseconds that a Lambda cold start should not pay."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorOut(BaseModel):
    """Every error but 422: a sentence for people (`detail`) and a stable value for programs (`code`)."""

    model_config = ConfigDict(extra="allow", title="ErrorOut", defer_build=True)

    detail: str
    code: str = Field(description="One of the values the operation lists for this status")
    errors: list[dict[str, Any]] | None = Field(None, description="Per-line details (insufficient_stock, over_receipt)")
    retry_after: int | None = Field(None, description="Seconds to wait (rate_limited)")


class FieldError(BaseModel):
    model_config = ConfigDict(title="FieldError", defer_build=True)

    loc: list[str | int] = Field(description='Where: ["body", field, ...], ["query", name], ["path", name], ...')
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    """422: the request is malformed or breaks a rule; one entry per problem."""

    model_config = ConfigDict(title="ValidationErrorOut", defer_build=True)

    detail: list[FieldError]
