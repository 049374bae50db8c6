"""Small helpers for composing parameterised SQL from fixed fragments."""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection


class Where:
    """AND-ed conditions (fixed SQL text) with their named parameters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: dict[str, Any] = {}

    def add(self, sql: str, **params: Any) -> None:
        self.parts.append(sql)
        self.params.update(params)

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "true"


def count(conn: Connection, sql: str, params: dict[str, Any]) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row["n"]) if row else 0


def update_row(conn: Connection, table: str, row_id: int, changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """UPDATE one row's whitelisted columns (column names come from `allowed`, never from the client)."""
    cols = [c for c in allowed if c in changes]
    if not cols:
        return
    assignments = ", ".join(f"{c} = %({c})s" for c in cols)
    conn.execute(f"UPDATE {table} SET {assignments} WHERE id = %(id)s", {**{c: changes[c] for c in cols}, "id": row_id})
