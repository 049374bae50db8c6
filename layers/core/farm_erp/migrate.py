"""Apply the ordered SQL migrations, one transaction each, recorded with checksums in schema_migrations."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import tuple_row

log = logging.getLogger(__name__)

# Serialises concurrent runners (two deploys, or make dev next to a test run) on one database.
_LOCK_ID = 7_246_001


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def available() -> list[Migration]:
    """Every bundled migration in version order."""
    folder = resources.files("farm_erp").joinpath("migrations")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name.removesuffix(".sql").partition("_")
            out.append(Migration(version, name, entry.read_text(encoding="utf-8")))
    return sorted(out, key=lambda m: m.version)


def apply(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply what is missing; refuse if an applied migration's file has changed. Returns applied versions."""
    conn.commit()
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
    try:
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        conn.commit()
        with conn.cursor(row_factory=tuple_row) as cur:
            done: dict[str, str] = {
                str(v): str(c) for v, c in cur.execute("SELECT version, checksum FROM schema_migrations")
            }
        applied: list[str] = []
        for m in available():
            if m.version in done:
                if done[m.version] != m.checksum:
                    raise RuntimeError(f"migration {m.version}_{m.name} changed after it was applied")
                continue
            with conn.transaction():
                conn.execute(m.sql.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (m.version, m.name, m.checksum),
                )
            log.info("applied migration %s_%s", m.version, m.name)
            applied.append(m.version)
        conn.commit()
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
        conn.commit()
