"""Plain helpers of the auth tests (fixtures are in conftest.py)."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import psycopg

SQL = psycopg.Connection[dict[str, Any]]
NEW_PASSWORD = "Tilapia!Pond42x"


def reset_tokens(outbox: Path) -> list[str]:
    """Tokens from the reset links in the outbox, oldest mail first."""
    out: list[str] = []
    for path in sorted(outbox.glob("*.eml")):
        text = message_from_bytes(path.read_bytes(), policy=default).get_body().get_content()  # type: ignore[union-attr]
        m = re.search(r"/reset-password\?token=([A-Za-z0-9_\-]+)\n", text)
        assert m, text
        out.append(m.group(1))
    return out


def user_row(sql: SQL, user_id: int) -> dict[str, Any]:
    row = sql.execute("SELECT * FROM users WHERE id = %s", (user_id,)).fetchone()
    assert row is not None
    return row


def sessions_of(sql: SQL, user_id: int) -> list[dict[str, Any]]:
    return sql.execute("SELECT * FROM sessions WHERE user_id = %s ORDER BY id", (user_id,)).fetchall()


def actions(sql: SQL, prefix: str = "auth.") -> list[str]:
    rows = sql.execute("SELECT action FROM activity_logs WHERE action LIKE %s ORDER BY id", (prefix + "%",)).fetchall()
    return [r["action"] for r in rows]
