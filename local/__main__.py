"""`python -m local` (what `make dev` runs): embedded PostgreSQL, migrations, first admin, and the local API.

`python -m local digest` (what `make digest` runs): the same setup, then one run of the morning digest now.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import psycopg
from psycopg.rows import dict_row

from local.template_routes import ROOT, api_config

# Local state (data directory, signing key, mail outbox); LOCAL_STATE_DIR moves it (tests run a second stack).
STATE = Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local")


def _exit_on_sigterm() -> None:
    """SIGTERM (a process manager, `kill`) ends the stack as Ctrl-C does: the servers stop, the containers exit
    and the embedded PostgreSQL is stopped by its exit hook. Python's default for SIGTERM is to die at once, which
    skips the hook and leaves PostgreSQL running. uvicorn re-raises the signal after its own shutdown, which lands
    here."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _jwt_secret() -> str:
    """A per-checkout signing key, generated once and kept under .local/ (never committed)."""
    path = STATE / "jwt_secret"
    if not path.exists():
        STATE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def prepare_database() -> str:
    """DATABASE_URL if given, else the embedded server under .local/pgdata; migrated either way."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        from local import embedded_db

        server = embedded_db.start(STATE / "pgdata")
        url = embedded_db.ensure_database(server, "farm")
        prepare_database.server = server  # type: ignore[attr-defined]  # keep it alive while we run
    from farm_erp import migrate

    with psycopg.connect(url, prepare_threshold=None) as conn:
        applied = migrate.apply(conn)
    if applied:
        logging.info("applied migrations: %s", ", ".join(applied))
    return url


def bootstrap_admin(url: str) -> None:
    from farm_erp.bootstrap import ensure_admin
    from farm_erp.settings import get_settings

    s = get_settings()  # the same FARM_ADMIN_EMAIL / FARM_ADMIN_PASSWORD, and default, as the migrate function's
    with psycopg.connect(url, prepare_threshold=None, row_factory=dict_row) as conn:
        generated = ensure_admin(conn, s.farm_admin_email, s.farm_admin_password)
        conn.commit()
    if generated:
        print(f"\n  First admin: {s.farm_admin_email}\n  Temporary password (shown once): {generated}\n", flush=True)


def _environment() -> str:
    """Local defaults for the functions' environment; the migrated database's URL."""
    os.environ.setdefault("JWT_SECRET", _jwt_secret())
    os.environ.setdefault("ENVIRONMENT", "local")
    os.environ.setdefault("MAIL_OUTBOX_DIR", str(STATE / "outbox"))
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    url = prepare_database()
    os.environ["DATABASE_URL"] = url
    bootstrap_admin(url)
    return url


def run_digest() -> int:
    """Run the morning digest once, now, as its schedule would (the same handler, a scheduled time of now)."""
    _environment()
    from local.invokers import load_handler
    from local.lambda_context import LambdaContext

    config = api_config()
    fn = config.schedules["DigestFunction"]
    outbox = ROOT / os.environ["MAIL_OUTBOX_DIR"]  # an absolute path stays as it is
    before = set(outbox.glob("*.eml"))
    scheduled = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    try:
        result = load_handler(fn)({"scheduled_time": scheduled}, LambdaContext(fn.logical_id))
        code = 0
    except Exception as exc:  # noqa: BLE001 - reported, and the exit status says it
        result, code = {"status": "failed", "error": str(exc)}, 1
    print(json.dumps(result, indent=2))
    for path in sorted(set(outbox.glob("*.eml")) - before):
        print(f"  written: {path}")
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Farm ERP API locally (no Docker), or run one job.")
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "digest"],
        default="serve",
        help="serve the API (default), or run the morning digest once now (mails go to .local/outbox/)",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--containers", type=int, default=int(os.environ.get("LOCAL_CONTAINERS", "4")))
    args = parser.parse_args()
    _exit_on_sigterm()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.command == "digest":
        raise SystemExit(run_digest())

    _environment()
    ttl_env = os.environ.get("AUTHORIZER_TTL")
    config = api_config()
    env = {k: v for k, v in os.environ.items() if k.isupper()}
    print(f"  Farm ERP API on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)", flush=True)
    from local.server import serve

    serve(
        config,
        args.port,
        env,
        host=args.host,
        authorizer_ttl=int(ttl_env) if ttl_env else None,
        max_containers=args.containers,
    )


if __name__ == "__main__":
    main()
