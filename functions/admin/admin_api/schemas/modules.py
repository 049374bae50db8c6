"""Roles and modules catalogues, module edits, and who can use a module."""

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StrictBool, StrictInt, StringConstraints

from admin_api.schemas.common import NoNullPatch
from farm_erp.fields import DeferredModel, Name100

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Icon = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]


class RoleOut(DeferredModel):
    id: int
    key: str
    name: str
    is_admin: bool
    max_sessions: int


class ModuleOut(DeferredModel):
    key: str
    name: str
    description: str | None
    icon: str | None
    display_order: int
    is_active: bool
    grantable: bool
    created_at: datetime
    updated_at: datetime


class ModuleUpdate(NoNullPatch):
    not_nullable: ClassVar[tuple[str, ...]] = ("name", "display_order", "is_active")

    name: Name100 | None = None
    description: Description | None = None
    icon: Icon | None = None
    display_order: Annotated[StrictInt, Field(ge=0, le=1_000_000)] | None = None
    is_active: StrictBool | None = None


class ModuleUserOut(DeferredModel):
    user_id: int
    email: str
    full_name: str
    role: str
    is_admin: bool
    access: Literal["read", "write"]
