"""Every answer a test receives is checked against the merged OpenAPI document (docs/openapi.json's source): its
status must be documented for the operation, an error's `code` must be one the operation lists for that status, and
a GET's 200 must carry its documented caching headers. The whole test suite thereby keeps the contract honest: a new
error code or status reached by any test fails until the route declares it (`responses=codes(...)`)."""

from __future__ import annotations

import functools
import re
from typing import Any

from local.openapi import merged

# Answers the gateway makes before or instead of any operation (API Gateway's own limits and failures).
GATEWAY_ONLY = {413, 500, 502, 504}


@functools.cache
def _operations() -> list[tuple[str, re.Pattern[str], dict[str, Any], dict[str, Any]]]:
    doc = merged()
    found = []
    for path, ops in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
        for method, op in ops.items():
            found.append((method.upper(), pattern, op, doc))
    # Static paths before templated ones (/inventory/items/bulk before /inventory/items/{item_id}).
    found.sort(key=lambda entry: entry[1].pattern.count("[^/]+"))
    return found


def load() -> None:
    _operations()


def operation(method: str, path: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for op_method, pattern, op, doc in _operations():
        if op_method == method and pattern.match(path):
            return op, doc
    return None


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return _resolve(doc, target)


def documented_codes(doc: dict[str, Any], response: dict[str, Any]) -> list[str] | None:
    """The `code` values an error response lists (None when it has no ErrorOut body)."""
    schema = _resolve(doc, response).get("content", {}).get("application/json", {}).get("schema", {})
    enum = schema.get("properties", {}).get("code", {}).get("enum")
    return list(enum) if enum is not None else None


def violations(method: str, path: str, status: int, headers: dict[str, str], body: Any) -> list[str]:
    """What is wrong with this answer by the document ([] when it conforms or no operation matches)."""
    found = operation(method, path)
    if found is None or status in GATEWAY_ONLY:
        return []
    op, doc = found
    response = op["responses"].get(str(status))
    where = f"{method} {path} answered {status}"
    if response is None:
        return [f"{where}, which its OpenAPI does not document (add responses=codes({status}, ...) to the route)"]
    problems = []
    allowed = documented_codes(doc, response)
    if allowed is not None:
        code = body.get("code") if isinstance(body, dict) else None
        if code not in allowed:
            problems.append(f"{where} with code {code!r}; documented: {allowed} (add it with responses=codes(...))")
    if method == "GET" and status in (200, 304):
        for header in _resolve(doc, response).get("headers", {}):
            if header.lower() not in headers:
                problems.append(f"{where} without its documented {header} header")
    return problems
