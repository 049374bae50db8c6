"""Helpers shared by the inventory services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from farm_erp import audit
from farm_erp.errors import Conflict, NotFound
from farm_erp.http import Caller

MODULE = "inventory"


@contextmanager
def on_duplicate(detail: str, code: str) -> Iterator[None]:
    """A unique-index violation inside the block is the named 409 (the request is rolled back)."""
    try:
        yield
    except psycopg.errors.UniqueViolation:
        raise Conflict(detail, code) from None


def found(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if row is None:
        raise NotFound(f"{what} not found")
    return row


def log(
    conn: psycopg.Connection[Any],
    caller: Caller,
    action: str,
    entity_type: str,
    entity_id: object,
    metadata: dict[str, Any] | None = None,
    description: str | None = None,
) -> None:
    """The request's activity row (`inventory.<entity>.<verb>`)."""
    audit.record(
        conn,
        caller.actor,
        f"{MODULE}.{action}",
        module_key=MODULE,
        entity_type=entity_type,
        entity_id=entity_id,
        metadata=metadata,
        description=description,
    )


def diff(before: dict[str, Any], after: dict[str, Any], fields: Any) -> dict[str, Any]:
    """`{before, after}` audit metadata limited to the fields the request could change."""
    keys = [k for k in fields if k in before or k in after]
    return audit.changes({k: before.get(k) for k in keys}, {k: after.get(k) for k in keys})
