"""Pydantic building blocks shared by every module: strict request models, bounded text, and Decimal
numbers at the fixed scales of docs/rules.md, Conventions (rounded half-up, sent as JSON strings)."""

import warnings
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.warnings import UnsupportedFieldAttributeWarning

# FastAPI wraps each body or response type as Annotated[Model, Field(alias=<parameter>)] for a TypeAdapter, where
# pydantic says the alias has no effect; FastAPI silences that while it builds the adapter. A deferred model's
# adapter is built at its first use instead (see DeferredModel), outside that silencing: the warning would be
# printed then, about FastAPI's wrapping, not about anything in our models.
warnings.filterwarnings("ignore", category=UnsupportedFieldAttributeWarning, module=r"pydantic\._internal")

# Places per kind of number (docs/rules.md: Conventions).
QTY, UNIT_COST, MONEY, GRAMS, KG, PCT, FCR, SGR, DENSITY = 3, 4, 2, 3, 3, 2, 3, 4, 2
# Upper bound for any number a client sends: keeps values inside NUMERIC(18, x) columns (422, not 500).
MAX_NUMBER = Decimal("1e12")


# Quantization exponents by number of places (a list page serialises thousands of numbers: build them once).
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(9)}


def quantize(value: Decimal | int | float | str, places: int) -> Decimal:
    """Round half-up to `places` decimals."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    return d.quantize(_QUANTA[places], ROUND_HALF_UP)  # positional: a keyword costs this call 150 ns, 1,000s a page


def _out(places: int) -> Any:
    quantum = _QUANTA[places]
    dot = -places - 1

    def fixed(v: Decimal | None) -> str | None:
        if v is None:
            return None
        # Most values come from NUMERIC columns at exactly this scale: then str() is already the answer, and a
        # list page formats hundreds to thousands of them (quantize + format cost three times as much). The point
        # `places` characters from the end means exactly that: an exponent form ("1.5E+3", "1E-7") never has its
        # point there.
        text = str(v)
        if text[dot : dot + 1] == "." and (text[0] != "-" or v):
            return text
        # format "f" never switches to exponent notation; the quantum fixes the number of places. A negative value
        # that rounds to zero is zero, not "-0.00".
        rounded = v.quantize(quantum, rounding=ROUND_HALF_UP)
        return format(rounded if rounded else rounded.copy_abs(), "f")

    return PlainSerializer(fixed, return_type=str)


def bounded(places: int, gt: Decimal | None, ge: Decimal | None, lt: Decimal | None) -> Any:
    """Round half-up to `places`, then check the bounds again on the value that will be stored.

    The Field bounds (also the OpenAPI document's) see the value as sent: "0.0004" passes `gt=0` but is 0.000
    at three places, which the column's CHECK refused as a 409 (or a service read as "not given"). Checked
    after rounding it is a 422 like any other bound.
    """
    step = _QUANTA[places]

    def check(v: Decimal) -> Decimal:
        r = quantize(v, places)
        if gt is not None and r <= gt:
            raise ValueError(f"must be greater than {gt} at {places} decimal places (at least {gt + step})")
        if ge is not None and r < ge:
            raise ValueError(f"must be at least {ge} at {places} decimal places")
        if lt is not None and r >= lt:
            raise ValueError(f"must be less than {lt} at {places} decimal places")
        return r

    return AfterValidator(check)


def number_doc(places: int, gt: Decimal | None, ge: Decimal | None, lt: Decimal | None) -> Any:
    """The documented schema of a bounded decimal input: a plain number with the bounds of the rounded value.

    A numeric string is accepted too, but JSON Schema cannot bound a string's value, so the document does not offer
    it (pydantic's own schema would add an unbounded string pattern: a schema that accepts what the API refuses).
    """
    schema: dict[str, Any] = {"type": "number"}
    if gt is not None:
        schema["minimum"] = float(gt + _QUANTA[places])  # the least value still above `gt` once rounded
    elif ge is not None:
        schema["minimum"] = float(ge)
    if lt is not None:
        schema["exclusiveMaximum"] = float(lt)
    schema["description"] = f"Rounded half-up to {places} decimals (a numeric string is accepted too)"
    return WithJsonSchema(schema)


# Output types: Decimal in Python, fixed-scale string in JSON.
QtyOut = Annotated[Decimal, _out(QTY)]
UnitCostOut = Annotated[Decimal, _out(UNIT_COST)]
MoneyOut = Annotated[Decimal, _out(MONEY)]
GramsOut = Annotated[Decimal, _out(GRAMS)]
KgOut = Annotated[Decimal, _out(KG)]
PctOut = Annotated[Decimal, _out(PCT)]
FcrOut = Annotated[Decimal, _out(FCR)]
SgrOut = Annotated[Decimal, _out(SGR)]
DensityOut = Annotated[Decimal, _out(DENSITY)]


def decimal_in(
    places: int,
    *,
    gt: int | Decimal | None = None,
    ge: int | Decimal | None = 0,
    lt: int | Decimal | None = MAX_NUMBER,
) -> Any:
    """Input Decimal: finite, bounded, rounded half-up to `places` (e.g. `decimal_in(QTY, gt=0)`); the bounds hold
    for the rounded value. `gt` replaces the default `ge=0`."""
    low = Decimal(gt) if gt is not None else None
    floor = Decimal(ge) if ge is not None and gt is None else None
    top = Decimal(lt) if lt is not None else None
    return Annotated[
        Decimal,
        Field(gt=low, ge=floor, lt=top, allow_inf_nan=False),
        bounded(places, low, floor, top),
        number_doc(places, low, floor, top),
    ]


_ZERO = Decimal(0)
_FINITE: dict[str, Any] = {"allow_inf_nan": False}
PositiveQty = Annotated[
    Decimal,
    Field(gt=0, lt=MAX_NUMBER, **_FINITE),
    bounded(QTY, _ZERO, None, MAX_NUMBER),
    number_doc(QTY, _ZERO, None, MAX_NUMBER),
]
NonNegativeQty = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_NUMBER, **_FINITE),
    bounded(QTY, None, _ZERO, MAX_NUMBER),
    number_doc(QTY, None, _ZERO, MAX_NUMBER),
]
UnitCostIn = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_NUMBER, **_FINITE),
    bounded(UNIT_COST, None, _ZERO, MAX_NUMBER),
    number_doc(UNIT_COST, None, _ZERO, MAX_NUMBER),
]
MoneyIn = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_NUMBER, **_FINITE),
    bounded(MONEY, None, _ZERO, MAX_NUMBER),
    number_doc(MONEY, None, _ZERO, MAX_NUMBER),
]
SignedMoneyIn = Annotated[
    Decimal,
    Field(gt=-MAX_NUMBER, lt=MAX_NUMBER, **_FINITE),
    bounded(MONEY, -MAX_NUMBER, None, MAX_NUMBER),
    number_doc(MONEY, -MAX_NUMBER, None, MAX_NUMBER),
]
PositiveGrams = Annotated[
    Decimal,
    Field(gt=0, lt=MAX_NUMBER, **_FINITE),
    bounded(GRAMS, _ZERO, None, MAX_NUMBER),
    number_doc(GRAMS, _ZERO, None, MAX_NUMBER),
]
PositiveKg = Annotated[
    Decimal,
    Field(gt=0, lt=MAX_NUMBER, **_FINITE),
    bounded(KG, _ZERO, None, MAX_NUMBER),
    number_doc(KG, _ZERO, None, MAX_NUMBER),
]


def text(max_length: int, min_length: int = 1) -> Any:
    """Trimmed text with bounds (huge strings are 422)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)]


Name100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Name200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class DeferredModel(BaseModel):
    """The base of every model: pydantic builds a model's validator and serializer when it is first used, not when
    its class is created. FastAPI's adapters for a route's body and response then defer too, so a cold start builds
    only what its first request uses, and the rest as other routes are first called (and a model is no longer built
    both on its own and again inside each adapter). tests/unit/test_cold_start_shape.py keeps every model deferred.
    """

    model_config = ConfigDict(defer_build=True)


class StrictModel(DeferredModel):
    """Request bodies: unknown fields are 422."""

    model_config = ConfigDict(extra="forbid")


class PatchModel(StrictModel):
    """PATCH bodies: partial, but an empty body is 422 (docs/rules.md: Conventions); the schema says so
    (minProperties)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    def changes(self) -> dict[str, Any]:
        """The fields the client actually sent."""
        return self.model_dump(exclude_unset=True)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("at least one field is required")
        return self


class OutModel(DeferredModel):
    """Response models (read from dict rows)."""

    model_config = ConfigDict(from_attributes=True)
