"""Helpers shared by the inventory services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from farm_erp.errors import Conflict, NotFound

MODULE = "inventory"  # the module of every activity row and stock operation this function writes


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
