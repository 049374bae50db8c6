"""Helpers for composing filtered list queries from fixed fragments."""

from __future__ import annotations


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's wildcards escaped (backslash is PostgreSQL's default escape)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where(conditions: list[str]) -> str:
    """`WHERE a AND b` from fixed SQL fragments (values always travel as parameters)."""
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""
