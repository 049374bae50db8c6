"""The bench's environment and what it measures: the embedded database, and every module function that exists
when it runs (read from template.yaml; a function whose package does not import yet is reported, not fatal)."""

from __future__ import annotations

import importlib
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".local" / "bench"
DB_NAME = "farm_bench"

# Set before any farm_erp module reads its settings; the cold-start children inherit it.
ENV = {
    "ENVIRONMENT": "bench",
    "JWT_SECRET": secrets.token_urlsafe(48),
    "JWT_KID": "bench-k1",
    "BCRYPT_ROUNDS": "4",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_SERVICE_NAME": "farm-erp-bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def configure() -> None:
    """Child processes (the gateway server) keep the parent's values, its JWT key above all."""
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    os.environ.pop("JWT_SECRET_ARN", None)
    layer = str(ROOT / "layers" / "core")
    for p in (str(ROOT), layer):
        if p not in sys.path:
            sys.path.insert(0, p)


def start_database() -> tuple[Any, str]:
    """The bench's own embedded server under .local/bench, with a freshly migrated `farm_bench` database."""
    import psycopg

    from farm_erp import migrate
    from local import embedded_db

    server = embedded_db.start(STATE / "pgdata")
    embedded_db.ensure_database(server, "postgres")
    ident = psycopg.sql.Identifier
    with psycopg.connect(embedded_db.url(server, "postgres"), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident(DB_NAME)))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(ident(DB_NAME)))
    url = embedded_db.url(server, DB_NAME)
    with psycopg.connect(url) as conn:
        migrate.apply(conn)
    os.environ["DATABASE_URL"] = url
    from farm_erp import settings

    settings.reset_caches()
    return server, url


@dataclass
class FunctionUnderTest:
    """A module function of template.yaml: its handler, app and OpenAPI, or why it could not be loaded."""

    logical_id: str
    code_uri: str
    module: str
    attr: str
    prefix: str
    app: Any = None
    handler: Any = None
    openapi: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def module_functions() -> tuple[Any, list[FunctionUnderTest]]:
    """(ApiConfig, the functions behind API routes), each imported the way Lambda does."""
    from local.invokers import load_handler
    from local.template_routes import api_config

    config = api_config()
    found: dict[str, FunctionUnderTest] = {}
    for route in config.routes:
        fn = route.function
        if fn.logical_id in found:
            continue
        prefix = "/" + route.path.strip("/").split("/")[0] if route.path.strip("/") else "/"
        fut = FunctionUnderTest(fn.logical_id, fn.code_uri, fn.module, fn.attr, prefix)
        found[fn.logical_id] = fut
        try:
            fut.handler = load_handler(fn)
            fut.app = importlib.import_module(fn.module).app
            fut.openapi = fut.app.openapi()
        except Exception as exc:  # noqa: BLE001 - a function that fails to import is reported, not measured
            fut.error = f"{type(exc).__name__}: {exc}"[:200]
    return config, sorted(found.values(), key=lambda f: f.logical_id)
