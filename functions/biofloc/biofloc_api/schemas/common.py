"""Field types shared by the biofloc request and response models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from farm_erp.fields import MAX_NUMBER, DensityOut, bounded, number_doc

# Tank and batch codes are stored upper-case; child batches append "-{label}", so inputs stay shorter.
TankCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    AfterValidator(str.upper),
]
BatchCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    AfterValidator(str.upper),
]
GroupLabel = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=10, pattern=r"^[A-Za-z0-9]+$"),
    AfterValidator(str.upper),
]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
FishCount = Annotated[int, Field(ge=1, le=100_000_000)]
SessionNumber = Annotated[int, Field(ge=1, le=10)]
# Litres and densities have two decimals.
LitresOut = DensityOut


Text20 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
_FINITE: dict[str, Any] = {"allow_inf_nan": False}
_ZERO = Decimal(0)
_MILLION = Decimal(1_000_000)
_LENGTH = Decimal(100_000)
# The bounds hold for the rounded value too (farm_erp.fields.bounded): "0.001" litres is not a capacity.
Litres = Annotated[
    Decimal,
    Field(gt=0, lt=MAX_NUMBER, **_FINITE),
    bounded(2, _ZERO, None, MAX_NUMBER),
    number_doc(2, _ZERO, None, MAX_NUMBER),
]
# Measured values and band bounds (3 decimals; non-negative measurements are checked per field).
Measure = Annotated[
    Decimal,
    Field(ge=0, lt=_MILLION, **_FINITE),
    bounded(3, None, _ZERO, _MILLION),
    number_doc(3, None, _ZERO, _MILLION),
]
Bound = Annotated[
    Decimal,
    Field(gt=-_MILLION, lt=_MILLION, **_FINITE),
    bounded(3, -_MILLION, None, _MILLION),
    number_doc(3, -_MILLION, None, _MILLION),
]
Length = Annotated[
    Decimal,
    Field(gt=0, lt=_LENGTH, **_FINITE),
    bounded(3, _ZERO, None, _LENGTH),
    number_doc(3, _ZERO, None, _LENGTH),
]
