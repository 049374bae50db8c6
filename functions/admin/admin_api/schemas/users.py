"""Users: create, edit, read."""

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import StrictBool, StringConstraints

from admin_api.schemas.common import Key50, NoNullPatch
from farm_erp.fields import DeferredModel, Name255, StrictModel

# Stored trimmed and lower-case (docs/rules.md: Sign-in and passwords); one @, no spaces, a dot in the domain.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]


class UserCreate(StrictModel):
    email: Email
    full_name: Name255
    role_key: Key50 = "user"


class UserUpdate(NoNullPatch):
    not_nullable: ClassVar[tuple[str, ...]] = ("full_name", "role_key", "is_active")

    full_name: Name255 | None = None
    role_key: Key50 | None = None
    is_active: StrictBool | None = None


class UserOut(DeferredModel):
    id: int
    email: str
    full_name: str
    role: str
    is_admin: bool
    is_active: bool
    must_change_password: bool
    failed_login_attempts: int
    locked_until: datetime | None
    is_locked: bool
    last_login_at: datetime | None
    last_password_change: datetime | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class UserCreated(DeferredModel):
    user: UserOut
    temporary_password: str


class TemporaryPassword(DeferredModel):
    temporary_password: str
