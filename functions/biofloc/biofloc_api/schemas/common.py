"""Field types shared by the biofloc request and response models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from farm_erp.fields import MAX_NUMBER, DensityOut, q

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
Litres = Annotated[Decimal, Field(gt=0, lt=MAX_NUMBER, allow_inf_nan=False), AfterValidator(lambda v: q(v, 2))]
# Measured values and band bounds (3 decimals; non-negative measurements are checked per field).
Measure = Annotated[Decimal, Field(ge=0, lt=Decimal(1_000_000), allow_inf_nan=False), AfterValidator(lambda v: q(v, 3))]
Bound = Annotated[Decimal, Field(gt=-1_000_000, lt=1_000_000, allow_inf_nan=False), AfterValidator(lambda v: q(v, 3))]
Length = Annotated[Decimal, Field(gt=0, lt=Decimal(100_000), allow_inf_nan=False), AfterValidator(lambda v: q(v, 3))]
