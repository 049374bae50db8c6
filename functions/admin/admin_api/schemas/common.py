"""Types shared by the admin schemas: path and query parameters, nullability of PATCH fields."""

from typing import Annotated, ClassVar, Self

from fastapi import Path
from pydantic import StringConstraints, model_validator

from farm_erp.fields import DeferredModel, PatchModel

MAX_ID = 2**63 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="User id")]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="Session id")]
ModuleKey = Annotated[str, Path(min_length=1, max_length=50, description="Module key")]
Key50 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Revoked(DeferredModel):
    revoked: int


class NoNullPatch(PatchModel):
    """A PATCH whose `not_nullable` fields may be omitted but never sent as null."""

    not_nullable: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.not_nullable:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self
