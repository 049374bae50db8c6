"""A route's answer serialised once: the rows the route returns go straight to JSON through its response model's
fields, without being validated into model instances first.

FastAPI validates what a route returns into the `response_model` and then serialises the instances. Our routes
return rows the database has already typed (psycopg gives Decimal, date, datetime, int), so that validation only
copies them into objects, and on a 50-row page it costs as much as the serialisation itself. Here the response
model is mirrored as a `TypedDict` with the same field types, fixed-scale serialisers and aliases, whose pydantic
serializer reads the dicts directly. Keys the model does not declare are left out, as validation left them out.

Exactness: the serializer runs with `warnings="error"`, so a value whose type the model would have converted (an
int column sent as Decimal, a float, a str for a date) stops it. That answer is then built the old way (validate,
then serialise), which gives what FastAPI gave, or the same 500 when the value is invalid. Two things it cannot
see, a key that is missing and a field whose type needs converting to print the same, are what `VERIFY` is for:
the test suite turns it on, and every answer of every test is compared with the validated one.

A model the mirror cannot express exactly (a computed field, a serializer method, a field default without
`response_model_exclude_unset`) is not mirrored: its route's answers are validated, then serialised, as FastAPI
does it.
"""

import json
import logging
import types
from functools import cache
from typing import Annotated, Any, NotRequired, TypedDict, Union, get_args, get_origin

from fastapi.exceptions import ResponseValidationError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

log = logging.getLogger(__name__)

# Set by the test suite: every one-pass answer is compared with the validated one, and a difference is an error.
VERIFY = False


class NotMirrored(TypeError):
    """The model uses something the TypedDict mirror cannot reproduce exactly."""


def _model_row(model: type[BaseModel], optional: bool) -> Any:
    """The TypedDict mirror of `model`; `optional`: every key may be missing (the route excludes unset fields)."""
    decorators = model.__pydantic_decorators__
    if decorators.computed_fields or decorators.field_serializers or decorators.model_serializers:
        raise NotMirrored(f"{model.__name__} computes or serialises in methods")
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.exclude or (info.alias not in (None, name) and info.serialization_alias is None):
            raise NotMirrored(f"{model.__name__}.{name} is excluded or aliased for validation only")
        if not info.is_required() and not optional:
            raise NotMirrored(f"{model.__name__}.{name} has a default: a row without it would print differently")
        annotation = _mirror(info.annotation, optional)
        extras: list[Any] = list(info.metadata)
        if info.serialization_alias is not None:
            extras.append(Field(serialization_alias=info.serialization_alias))
        if extras:
            annotation = Annotated[annotation, *extras]
        fields[name] = NotRequired[annotation] if optional else annotation
    return TypedDict(f"{model.__name__}Row", fields)  # type: ignore[operator]


def _mirror(annotation: Any, optional: bool) -> Any:
    """`annotation` with every pydantic model in it replaced by its TypedDict mirror."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _row_type(annotation, optional)
    origin = get_origin(annotation)
    if origin is None:
        return annotation
    args = get_args(annotation)
    if origin is Annotated:
        return Annotated[_mirror(args[0], optional), *annotation.__metadata__]
    mirrored = tuple(_mirror(arg, optional) for arg in args)
    if origin in (Union, types.UnionType):
        return Union[mirrored]  # noqa: UP007 (a tuple of types: the `|` form cannot take it)
    if origin in (list, dict, tuple, set, frozenset):
        return origin[mirrored]
    if mirrored != args:
        raise NotMirrored(f"cannot mirror the models inside {annotation!r}")
    return annotation


@cache
def _row_type(model: type[BaseModel], optional: bool) -> Any:
    return _model_row(model, optional)


class OnePass:
    """The JSON of one route's answers: the mirror's serializer, built at the route's first answer (a cold start
    builds only what its first request uses), with the validated path as its fallback."""

    def __init__(self, response_model: Any, exclude_unset: bool = False) -> None:
        self._model = response_model
        self._exclude_unset = exclude_unset
        self._rows: TypeAdapter[Any] | None = None
        self._validated: TypeAdapter[Any] | None = None
        self.mirrored: bool | None = None  # None until the first answer tries

    def rows(self) -> TypeAdapter[Any] | None:
        """The mirror's adapter, or None when the model cannot be mirrored exactly."""
        if self.mirrored is None:
            try:
                self._rows = TypeAdapter(_mirror(self._model, self._exclude_unset))
                self.mirrored = True
            except NotMirrored as exc:
                log.debug("not mirrored, answers are validated: %s", exc)
                self.mirrored = False
        return self._rows

    def validated(self) -> TypeAdapter[Any]:
        if self._validated is None:
            self._validated = TypeAdapter(self._model)
        return self._validated

    def dump(self, content: Any) -> bytes:
        """`content` as JSON, exactly as validating it into the response model and serialising that would give."""
        rows = self.rows()
        if rows is None:
            return self.dump_validated(content)
        try:
            body = rows.dump_json(content, by_alias=True, warnings="error")
        except PydanticSerializationError as exc:
            if VERIFY:
                self.dump_validated(content)  # an invalid row is the 500 it is in production
                raise AssertionError(f"{self._model!r}: the rows do not fit the model's types: {exc}") from exc
            log.warning("response rows do not fit %r; validating them", self._model)
            return self.dump_validated(content)
        if VERIFY:
            expected = self.dump_validated(content)
            if _as_written(body) != _as_written(expected):
                raise AssertionError(f"{self._model!r}: one pass gave {body!r}, validation gives {expected!r}")
        return body

    def dump_validated(self, content: Any) -> bytes:
        """FastAPI's own path: validate into the model (a 500 when invalid), then serialise."""
        adapter = self.validated()
        try:
            value = adapter.validate_python(content, from_attributes=True)
        except ValidationError as exc:
            raise ResponseValidationError(errors=exc.errors(include_url=False), body=content) from None
        return adapter.dump_json(value, by_alias=True, exclude_unset=self._exclude_unset)


def _as_written(body: bytes) -> Any:
    """A JSON document for comparison: each number as written ("1" is not "1.0"), objects whatever their key order
    (the mirror writes a row's keys in the row's order, the model in its fields' order)."""
    return json.loads(
        body,
        object_pairs_hook=lambda pairs: tuple(sorted(pairs, key=lambda pair: pair[0])),
        parse_int=lambda text: ("int", text),
        parse_float=lambda text: ("float", text),
    )
