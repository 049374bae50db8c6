"""The router every module's routes are declared on: FastAPI's APIRouter, with JSON answers serialised once.

A route declared with a `response_model` and FastAPI's default JSON answer gets its endpoint wrapped: what the
endpoint returns is turned into the JSON response by farm_erp.http.serialize (the rows straight to JSON through the
model's fields) rather than by FastAPI (validate into the model, then serialise). The model still documents the
route, FastAPI still reads the endpoint's own signature (the wrapper carries it), and an endpoint that returns a
Response of its own is answered with it as before.

What stays on FastAPI's path: routes without a response model, with a response class of their own, with
`response_model_include`/`exclude`/`exclude_defaults`/`exclude_none` or `by_alias=False`, and sync endpoints. A
route whose answer needs headers set through an injected `Response` parameter must return its own Response: the
wrapper's answer does not carry them (no route here does that).
"""

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.datastructures import DefaultPlaceholder
from starlette.responses import Response

from farm_erp.http.serialize import OnePass

Endpoint = Callable[..., Coroutine[Any, Any, Any]]
# FastAPI's options that change what the response model prints: with any of them set, FastAPI serialises.
_PRINT_OPTIONS = {
    "response_model_include": None,
    "response_model_exclude": None,
    "response_model_by_alias": True,
    "response_model_exclude_defaults": False,
    "response_model_exclude_none": False,
}


class Router(APIRouter):
    """APIRouter whose JSON routes serialise their answers once (see the module's docstring)."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        model = options.get("response_model")
        if (
            model is not None
            and not isinstance(model, DefaultPlaceholder)
            and isinstance(options.get("response_class", self.default_response_class), DefaultPlaceholder)
            and isinstance(self.default_response_class, DefaultPlaceholder)
            and all(options.get(name, default) == default for name, default in _PRINT_OPTIONS.items())
            and inspect.iscoroutinefunction(endpoint)
        ):
            serializer = OnePass(model, exclude_unset=bool(options.get("response_model_exclude_unset")))
            endpoint = answered_once(endpoint, serializer, options.get("status_code"))
        super().add_api_route(path, endpoint, **options)


def answered_once(endpoint: Endpoint, serializer: OnePass, status_code: int | None) -> Endpoint:
    """`endpoint`, answering with `serializer`'s JSON of what it returns (a Response it returns goes out as is)."""

    @functools.wraps(endpoint)
    async def answer(*args: Any, **kwargs: Any) -> Any:
        content = await endpoint(*args, **kwargs)
        if isinstance(content, Response):
            return content
        return Response(serializer.dump(content), status_code=status_code or 200, media_type="application/json")

    answer.one_pass = serializer  # type: ignore[attr-defined]  # the tests find the wrapped routes by it
    return answer
