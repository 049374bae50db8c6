"""Module grants of one user, read and replaced as a whole."""

from typing import Literal

from pydantic import Field

from admin_api.schemas.common import Key50
from farm_erp.fields import DeferredModel, StrictModel


class GrantIn(StrictModel):
    module_key: Key50
    access: Literal["read", "write"]


class PermissionsReplace(StrictModel):
    grants: list[GrantIn] = Field(max_length=50)


class PermissionOut(DeferredModel):
    module_key: str
    module_name: str
    access: Literal["read", "write"] | None


class PermissionsOut(DeferredModel):
    user_id: int
    grants: list[PermissionOut]
