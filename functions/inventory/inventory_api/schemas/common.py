"""Types shared by the inventory schemas."""

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, PlainSerializer, StringConstraints

from farm_erp.fields import OutModel
from farm_erp.stock import normalise_sku

MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
ModuleKey = Literal["inventory", "biofloc"]
SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,63}$")


def _sku(value: str) -> str:
    sku = normalise_sku(value)
    if not SKU_PATTERN.fullmatch(sku):
        raise ValueError("SKU must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return sku


Text20 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Text50 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]

# A SKU for a new or renamed item: normalised (trimmed, upper-case), then checked.
SkuIn = Annotated[str, StringConstraints(max_length=100), AfterValidator(_sku)]
# A SKU used to look an item up: normalised by the ledger, bounded here.
SkuRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _factor(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


# Unit conversion factors: exact, without trailing zeros.
FactorOut = Annotated[Decimal | None, PlainSerializer(_factor, return_type=str | None)]


class Ref(OutModel):
    id: int
    name: str


class UnitRef(OutModel):
    id: int
    abbreviation: str


class NoContent(OutModel):
    """Placeholder response model of 204 routes."""


def ref(id_: Any, name: Any) -> dict[str, Any] | None:
    return None if id_ is None else {"id": id_, "name": name}
