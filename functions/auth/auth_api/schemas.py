"""Request and response models of /auth."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import StrictBool, StringConstraints, field_validator

from farm_erp.fields import DeferredModel, Name255, PatchModel, StrictModel

# Emails are compared trimmed and lower-case everywhere; 255 is the column's bound.
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=255)]
# Generous bound on what a client may send as a password: the policy (72 UTF-8 bytes) decides validity,
# this only keeps huge bodies out of bcrypt and the logs.
PasswordIn = Annotated[str, StringConstraints(min_length=1, max_length=256)]
OpaqueToken = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
# Sign-in bounds are wider: a well-formed attempt with a long email or password is a plain failure, the same 401 as
# any other (docs/rules.md: Sign-in and passwords); only huge bodies are refused (bcrypt reads 72 bytes).
LoginEmail = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=320)]
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class LoginIn(StrictModel):
    email: LoginEmail
    password: LoginPassword


class RefreshIn(StrictModel):
    refresh_token: OpaqueToken


class ForgotPasswordIn(StrictModel):
    email: Email


class ResetPasswordIn(StrictModel):
    token: OpaqueToken
    new_password: PasswordIn


class ChangePasswordIn(StrictModel):
    current_password: PasswordIn
    new_password: PasswordIn


class MeUpdate(PatchModel):
    full_name: Name255 | None = None
    # The morning digest by mail (on by default); null is refused like any NOT NULL field.
    daily_digest: StrictBool | None = None

    @field_validator("full_name")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("full_name may not be null")
        return value


class UserBrief(DeferredModel):
    id: int
    email: str
    full_name: str
    role: str
    is_admin: bool


class TokenPair(DeferredModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    must_change_password: bool
    user: UserBrief


class ModuleAccess(DeferredModel):
    key: str
    access: Literal["read", "write"]


class MeOut(UserBrief):
    is_active: bool
    must_change_password: bool
    last_login_at: datetime | None
    last_password_change: datetime | None
    created_at: datetime
    daily_digest: bool
    modules: list[ModuleAccess]


class SessionOut(DeferredModel):
    id: int
    created_at: datetime
    last_activity_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    status: Literal["live", "revoked", "expired", "idle"]
    is_current: bool


class LoginAttemptOut(DeferredModel):
    id: int
    created_at: datetime
    email_attempted: str
    ip: str | None
    user_agent: str | None
    status: Literal["success", "failed", "locked"]
    failure_reason: str | None
    is_new_device: bool
    is_new_ip: bool


class Revoked(DeferredModel):
    revoked: int


class Accepted(DeferredModel):
    detail: str
