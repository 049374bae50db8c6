"""A route's answer serialised once (farm_erp.http.serialize, farm_erp.http.routing): the rows go straight to JSON
through the response model's mirror, and what comes out is what validating them into the model would have given:
the fixed-scale numbers, the aliases, nothing the model does not declare; a row the mirror cannot print exactly
is validated instead (a 500 when it is invalid, as before); and every JSON route of every module is answered so."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from pydantic import Field, computed_field, field_serializer

from farm_erp.fields import MoneyOut, OutModel, QtyOut, UnitCostOut
from farm_erp.http import serialize
from farm_erp.http.serialize import OnePass
from farm_erp.lists import Page

MODULES = ("auth", "admin", "dashboard", "inventory", "biofloc")


class Ref(OutModel):
    id: int
    name: str


class Line(OutModel):
    id: int
    qty: QtyOut
    unit_cost: UnitCostOut | None
    value: MoneyOut
    received: date | None
    at: datetime
    category: Ref | None
    tags: list[str]
    from_: date = Field(serialization_alias="from")


class Defaulted(OutModel):
    id: int
    note: str | None = None


class Computed(OutModel):
    id: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def twice(self) -> int:
        return self.id * 2


class Serialised(OutModel):
    id: int

    @field_serializer("id")
    def _id(self, value: int) -> str:
        return str(value)


def _row(n: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": n,
        "qty": Decimal("1.5"),  # printed at three places
        "unit_cost": None,
        "value": Decimal("2.345"),  # rounded half-up to two
        "received": date(1, 1, 1),
        "at": datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        "category": {"id": 3, "name": "Feed", "secret": "not declared"},
        "tags": ["a"],
        "from_": date(2026, 1, 2),
        "password_hash": "not declared either",
    }
    return {**row, **changes}


def _validated(model: Any, content: Any, exclude_unset: bool = False) -> bytes:
    return OnePass(model, exclude_unset).dump_validated(content)


def test_a_page_of_rows_prints_as_its_validated_model_does() -> None:
    content = {"items": [_row(1), _row(2, unit_cost=Decimal("0.00005"))], "total": 2, "page": 1, "limit": 50}
    one = OnePass(Page[Line])
    body = one.dump(content)  # VERIFY is on in the suite: a difference from the validated answer raises
    assert one.mirrored is True
    assert json.loads(body) == json.loads(_validated(Page[Line], content))
    first, second = json.loads(body)["items"]
    assert (first["qty"], first["value"], first["from"]) == ("1.500", "2.35", "2026-01-02")
    assert second["unit_cost"] == "0.0001"


def test_keys_the_model_does_not_declare_are_left_out_at_every_level() -> None:
    body = json.loads(OnePass(list[Line]).dump([_row(1)]))
    assert "password_hash" not in body[0] and "from_" not in body[0]
    assert body[0]["category"] == {"id": 3, "name": "Feed"}


@pytest.mark.parametrize(
    "changes",
    [
        {"id": Decimal("7")},  # a numeric column in an int field: validation made it 7, not "7"
        {"qty": 1.5},  # a float where a Decimal is declared
        {"received": "2026-01-02"},  # a date as text
        {"category": {"id": "3", "name": "Feed"}},  # nested
    ],
)
def test_a_row_whose_types_the_model_would_convert_is_validated_instead(
    changes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serialize, "VERIFY", False)
    content = [_row(1, **changes)]
    assert OnePass(list[Line]).dump(content) == _validated(list[Line], content)


def test_verify_refuses_a_row_that_the_mirror_would_print_differently() -> None:
    with pytest.raises(AssertionError, match="do not fit"):
        OnePass(list[Line]).dump([_row(1, id=Decimal("7"))])


def test_an_invalid_row_is_still_the_500_it_was() -> None:
    with pytest.raises(ResponseValidationError):
        OnePass(list[Line]).dump([_row(1, id="seven")])
    missing = _row(1)
    del missing["qty"]
    with pytest.raises(ResponseValidationError):  # the mirror alone would have left the field out
        OnePass(list[Line]).dump([missing])


@pytest.mark.parametrize("model", [Defaulted, Computed, Serialised])
def test_a_model_the_mirror_cannot_reproduce_is_validated(model: Any) -> None:
    one = OnePass(model)
    body = one.dump({"id": 4})
    assert one.mirrored is False
    assert body == _validated(model, {"id": 4})


def test_with_exclude_unset_a_default_is_mirrored_and_a_missing_key_stays_out() -> None:
    one = OnePass(Defaulted, exclude_unset=True)
    assert json.loads(one.dump({"id": 4})) == {"id": 4}
    assert json.loads(one.dump({"id": 4, "note": None})) == {"id": 4, "note": None}
    assert one.mirrored is True


def _json_routes(routes: list[Any]) -> Any:
    for route in routes:
        if isinstance(route, APIRoute):
            if route.response_model is not None and isinstance(route.response_class, DefaultPlaceholder):
                yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _json_routes(route.original_router.routes)


def test_every_json_route_of_every_module_is_answered_once_and_its_model_mirrored() -> None:
    """A route left on FastAPI's path, or a model the mirror cannot reproduce, is named here: either is a choice
    to make on purpose. These models declare defaults: `lots` of the bulk item fetch (null unless asked for), the
    token pair's `token_type`, the health answer's optional parts. None of them is a list page."""
    unwrapped, unmirrored, seen = [], set(), 0
    for module in MODULES:
        app = importlib.import_module(f"{module}_api.main").app
        for route in _json_routes(app.routes):
            seen += 1
            one = getattr(route.endpoint, "one_pass", None)
            if one is None:
                unwrapped.append(f"{module}: {sorted(route.methods)} {route.path}")
            elif one.rows() is None:
                unmirrored.add(f"{route.path}")
    assert seen > 80
    assert unwrapped == []
    assert unmirrored == {"/inventory/items/bulk", "/auth/login", "/auth/refresh", "/auth/change-password", "/health"}


@pytest.mark.parametrize(
    ("value", "qty", "money"),
    [
        ("1.5", "1.500", "1.50"),
        ("-1.500", "-1.500", "-1.50"),
        ("0", "0.000", "0.00"),
        ("0E-7", "0.000", "0.00"),
        ("1E+3", "1000.000", "1000.00"),
        ("1.000E+3", "1000.000", "1000.00"),
        ("1.23E-5", "0.000", "0.00"),
        ("-0.0005", "-0.001", "0.00"),
        ("-0.000", "0.000", "0.00"),
        ("-0E-9", "0.000", "0.00"),
        ("2.345", "2.345", "2.35"),
        ("9999999999999.9995", "10000000000000.000", "10000000000000.00"),
    ],
)
def test_a_fixed_scale_number_prints_rounded_half_up_at_its_places_whatever_its_form(
    value: str, qty: str, money: str
) -> None:
    """The shortcut for a value already at its scale must not take an exponent form or another scale for one, and
    a negative value that rounds to zero prints as zero."""
    row = {"qty": Decimal(value), "money": Decimal(value)}

    class Numbers(OutModel):
        qty: QtyOut
        money: MoneyOut

    assert json.loads(OnePass(Numbers).dump(row)) == {"qty": qty, "money": money}
