"""SQL statements per request, counted in the bench process by wrapping psycopg's cursor (production code is not
touched). A list route must run the same number of statements for limit=5 and limit=50: no N+1."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

from local.lambda_context import LambdaContext


@dataclass
class Counter:
    statements: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)  # each statement's execute time (fetch excluded)


@contextmanager
def counting() -> Iterator[Counter]:
    """Every statement any psycopg cursor of this process executes while the block runs."""
    counter = Counter()
    cls: Any = psycopg.Cursor
    original_execute, original_many = cls.execute, cls.executemany

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        counter.statements.append(_text(query))
        started = time.perf_counter()
        try:
            return original_execute(self, query, *args, **kwargs)
        finally:
            counter.ms.append(round((time.perf_counter() - started) * 1000, 3))

    def executemany(self: Any, query: Any, params_seq: Any, *args: Any, **kwargs: Any) -> Any:
        rows = list(params_seq)
        counter.statements.extend([_text(query)] * len(rows))
        return original_many(self, query, rows, *args, **kwargs)

    cls.execute, cls.executemany = execute, executemany
    try:
        yield counter
    finally:
        cls.execute, cls.executemany = original_execute, original_many


def _text(query: Any) -> str:
    text = query if isinstance(query, str) else getattr(query, "_obj", None) or str(query)
    return " ".join(str(text).split())[:90]


def with_limit(event: dict[str, Any], limit: int) -> dict[str, Any]:
    out = copy.deepcopy(event)
    out["queryStringParameters"] = {**(out.get("queryStringParameters") or {}), "limit": str(limit)}
    out["multiValueQueryStringParameters"] = {
        **(out.get("multiValueQueryStringParameters") or {}),
        "limit": [str(limit)],
    }
    return out


def count(handler: Callable[..., dict[str, Any]], event: dict[str, Any]) -> tuple[int, list[str], int]:
    """(statements, "ms  text" of each, status) of one warm invocation."""
    handler(event, LambdaContext("bench"))  # warm: the connection is open and checked before counting
    with counting() as counter:
        result = handler(event, LambdaContext("bench"))
    timed = [f"{ms:7.2f} ms  {text}" for ms, text in zip(counter.ms, counter.statements, strict=True)]
    return len(counter.statements), timed, int(result.get("statusCode", 0))
