"""Row locks in the fixed lock order of docs/rules.md: tanks first (in id order), then fish batches (in id order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from farm_erp.db import Connection


def lock_tanks(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Tanks FOR UPDATE in id order (the first step of the lock order)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute("SELECT * FROM tanks WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (wanted,)).fetchall()
    return {int(r["id"]): dict(r) for r in rows}


def lock_batches(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Fish batches FOR UPDATE in id order (after the tanks)."""
    wanted = sorted(set(ids))
    rows = conn.execute("SELECT * FROM batches WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (wanted,)).fetchall()
    return {int(r["id"]): dict(r) for r in rows}
