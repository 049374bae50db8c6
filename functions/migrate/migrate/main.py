"""Run on every deploy as a CloudFormation custom resource, or by hand (`{"action": "migrate"}`).

It connects to the cluster as the master user (the application role cannot create tables or roles), so it
reads the master secret; the API functions never can. Advisory locks and role changes are fine here: this
connection does not go through RDS Proxy.
"""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
import json
import urllib.request
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from farm_erp import migrate as migrations
from farm_erp.bootstrap import ensure_admin
from farm_erp.observability import logger
from farm_erp.secrets import get_secret_string
from farm_erp.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

STATEMENT_TIMEOUT = "15s"  # on the role, so no request ever sets session state through the proxy


def _secret_json(arn: str | None) -> dict[str, Any]:
    if not arn:
        return {}
    data: dict[str, Any] = json.loads(get_secret_string(arn))
    return data


def _master_connection() -> psycopg.Connection[dict[str, Any]]:
    """Master credentials in AWS; DATABASE_URL when run locally."""
    settings = get_settings()
    master = _secret_json(settings.db_master_secret_arn)
    if not master:
        # DATABASE_URL may be a pooler (make test-pooler): no server-side prepared statements.
        return psycopg.connect(settings.database_url or "", prepare_threshold=None, row_factory=dict_row)
    return psycopg.connect(
        host=settings.db_master_host,
        port=settings.db_port,
        dbname=settings.db_name,
        user=master["username"],
        password=master["password"],
        sslmode="require",
        row_factory=dict_row,
        connect_timeout=10,
    )


def prepare_app_role(conn: psycopg.Connection[dict[str, Any]], role: str, password: str | None) -> None:
    """The login role the functions use through RDS Proxy: IAM-enabled, with a statement timeout."""
    ident = sql.Identifier(role)
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
    if password:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
    conn.execute(sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(ident, sql.Literal(STATEMENT_TIMEOUT)))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
    conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident))
    conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident))
    conn.commit()


def run() -> dict[str, Any]:
    """Apply migrations, then make sure the app role and an active admin exist."""
    settings = get_settings()
    with _master_connection() as conn:
        applied = migrations.apply(conn)
        app = _secret_json(settings.db_app_secret_arn)
        if app:
            prepare_app_role(conn, str(app.get("username") or settings.db_user), app.get("password"))
        admin_secret = _secret_json(settings.farm_admin_password_secret_arn)
        admin_password = admin_secret.get("password") or settings.farm_admin_password
        generated = ensure_admin(conn, settings.farm_admin_email, admin_password)
        conn.commit()
    logger.info("migrations done", extra={"applied": applied})
    # A generated password is returned once to whoever invoked the function by hand; it is never logged.
    return {"applied": applied, **({"admin_password": generated} if generated else {})}


def _respond(event: dict[str, Any], status: str, reason: str = "", data: dict[str, Any] | None = None) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500],
            "PhysicalResourceId": event.get("PhysicalResourceId") or "farm-erp-migrations",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": True,
            "Data": data or {},
        }
    ).encode()
    url = str(event["ResponseURL"])
    if not url.startswith(("https://", "http://")):
        raise ValueError("ResponseURL must be an HTTP(S) URL")
    req = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - CloudFormation's presigned S3 URL
        resp.read()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Custom resource (Create/Update migrate; Delete does nothing) or manual invocation."""
    if "RequestType" not in event:
        return run()
    if event["RequestType"] == "Delete":
        _respond(event, "SUCCESS")
        return {"status": "deleted"}
    try:
        result = run()
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about a failure, or the stack waits for an hour
        logger.exception("migration failed")
        _respond(event, "FAILED", f"{type(exc).__name__}: see the function's log")
        return {"status": "failed"}
    _respond(event, "SUCCESS", data={"Applied": ",".join(result["applied"])})
    return {"status": "ok", "applied": result["applied"]}


init_done()
