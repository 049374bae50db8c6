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

# Serialises concurrent runners on one database (held per transaction, see apply).
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
    """Apply what is missing; refuse if an applied migration's file has changed. Returns applied versions.

    Each step is one transaction that first takes a transaction-level advisory lock, so concurrent runners (two
    deploys, make dev next to a test run) take turns, and the lock ends with its transaction whatever happens to
    the session: through a transaction-mode pooler a session lock could be taken on one server connection and
    "released" on another, and stay held on the first.
    """
    conn.commit()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
    applied: list[str] = []
    for m in available():
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            # Read under the lock: another runner may have applied it meanwhile.
            row = cur.execute("SELECT checksum FROM schema_migrations WHERE version = %s", (m.version,)).fetchone()
            if row is not None:
                if str(row[0]) != m.checksum:
                    raise RuntimeError(f"migration {m.version}_{m.name} changed after it was applied")
                continue
            cur.execute(m.sql.encode("utf-8"))
            cur.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (m.version, m.name, m.checksum),
            )
        log.info("applied migration %s_%s", m.version, m.name)
        applied.append(m.version)
    return applied
