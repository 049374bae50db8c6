"""One real flow through the built functions, as a deploy and a first session would run it.

migrate (CloudFormation custom resource) → login → change the first password → the authorizer's TOKEN policy →
an inventory write (item, stock) → the stock export (xlsx, base64) → a biofloc read → the expiry job.
Every step goes through `local.gateway.Gateway` (routes of the built template, REST proxy events, the TOKEN
authorizer and its context) or is invoked with the event Lambda would get. A failed step raises `FlowError`
with the step, the answer, the functions' errors and the error lines of their logs.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import openpyxl
import psycopg

from local.gateway import FunctionError, Gateway
from local.rie import RieInvoker
from local.template_routes import ApiConfig
from tests.support.client import ApiClient, Response

EVENTS = Path(__file__).resolve().parents[2] / "events"
ADMIN_EMAIL = "admin@farm.build"
FIRST_PASSWORD = "Harvest#2025pond"
NEW_PASSWORD = "Tilapia!Pond-2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FlowError(AssertionError):
    """A step of the flow failed; the message says which and why."""


class Flow:
    def __init__(self, config: ApiConfig, invoker: RieInvoker, database_url: str) -> None:
        self.config = config
        self.invoker = invoker
        self.database_url = database_url
        self.api = ApiClient(Gateway(config, invoker, authorizer_ttl=0))
        self.done: list[str] = []

    def fail(self, step: str, answer: object) -> FlowError:
        errors = "\n".join(self.invoker.errors) or "(none)"
        logs = "\n".join(self.invoker.error_lines()[-20:]) or "(none)"
        return FlowError(
            f"step {step!r} failed after {self.done}: {answer!r}\nfunction errors:\n{errors}\nlog errors:\n{logs}"
        )

    def expect(self, step: str, r: Response, status: int) -> Any:
        if r.status_code != status:
            raise self.fail(step, r)
        self.done.append(step)
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.content

    def invoke(self, step: str, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        try:
            result = self.invoker.invoke(self.config.functions[logical_id], event)
        except FunctionError as exc:
            raise self.fail(step, exc.message) from None
        self.done.append(step)
        return result

    # --- the steps ----------------------------------------------------------------------------------------------

    def migrate(self) -> None:
        event = json.loads((EVENTS / "migrate_custom_resource_create.json").read_text())
        with cloudformation_response_url() as (url, replies):
            event["ResponseURL"] = url
            result = self.invoke("migrate", "MigrateFunction", event)
        if result.get("status") != "ok" or [r["Status"] for r in replies] != ["SUCCESS"]:
            raise self.fail("migrate", {"result": result, "replies": replies})
        if not replies[0]["Data"]["Applied"]:
            raise self.fail("migrate", "no migration applied to an empty database")

    def login(self) -> str:
        body = {"email": ADMIN_EMAIL, "password": FIRST_PASSWORD}
        pair = self.expect("login", self.api.post("/auth/login", json=body), 200)
        if pair.get("must_change_password") is not True:
            raise self.fail("login", pair)
        body = {"current_password": FIRST_PASSWORD, "new_password": NEW_PASSWORD}
        changed = self.expect(
            "change password", self.api.post("/auth/change-password", json=body, token=pair["access_token"]), 200
        )
        return str(changed["access_token"])

    def authorizer(self, token: str) -> int:
        arn = f"arn:aws:execute-api:local:000000000000:localapi/{self.config.stage}/POST/inventory/items"
        event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": arn}
        policy = self.invoke("authorizer", self.config.authorizer.logical_id, event)
        statements = policy.get("policyDocument", {}).get("Statement", [])
        if not statements or statements[0].get("Effect") != "Allow" or "user_id" not in policy.get("context", {}):
            raise self.fail("authorizer", policy)
        return int(policy["context"]["user_id"])

    def inventory_write(self, token: str, admin_id: int) -> str:
        units = self.expect("list units", self.api.get("/inventory/units", token=token), 200)
        kg = next(u["id"] for u in units["items"] if u["abbreviation"] == "kg")
        sku = "BUILD-FEED-1"
        body = {"sku": sku, "name": "Feed 32% (build check)", "unit_id": kg}
        item = self.expect("create item", self.api.post("/inventory/items", json=body, token=token), 201)
        stock = {"item_id": item["id"], "quantity": "25", "unit_cost": "41.5000"}
        self.expect("add stock", self.api.post("/inventory/stock/add", json=stock, token=token), 201)
        # The write is attributed to the user the authorizer put into the event's requestContext.
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(
                "SELECT user_id FROM activity_logs WHERE entity_type = 'item' AND entity_id = %s ORDER BY id LIMIT 1",
                (str(item["id"]),),
            ).fetchone()
        if row is None or row[0] != admin_id:
            raise self.fail("inventory audit", row)
        return sku

    def export(self, token: str, sku: str) -> None:
        r = self.api.get("/inventory/exports/stock.xlsx", token=token, headers={"Accept": XLSX})
        content = self.expect("export", r, 200)
        if not self.invoker.results["InventoryFunction"].get("isBase64Encoded"):
            raise self.fail("export", "the xlsx answer is not base64-encoded for API Gateway")
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        if sku not in {str(c) for row in sheet.iter_rows(values_only=True) for c in row}:
            raise self.fail("export", f"{sku} not in the workbook")

    def biofloc_read(self, token: str) -> None:
        tanks = self.expect("biofloc read", self.api.get("/biofloc/tanks", token=token), 200)
        if not {"items", "total", "page", "limit"} <= set(tanks):
            raise self.fail("biofloc read", tanks)

    def expiry_job(self) -> None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        scheduled = now.replace(minute=now.minute - now.minute % 15).isoformat().replace("+00:00", "Z")
        result = self.invoke("expiry job", "ReservationExpiryFunction", {"scheduled_time": scheduled})
        if result.get("status") != "succeeded":
            raise self.fail("expiry job", result)

    def run(self) -> list[str]:
        self.migrate()
        token = self.login()
        admin_id = self.authorizer(token)
        sku = self.inventory_write(token, admin_id)
        self.export(token, sku)
        self.biofloc_read(token)
        self.expiry_job()
        if self.invoker.errors:
            raise self.fail("no function errors", self.invoker.errors)
        return self.done


@contextmanager
def cloudformation_response_url() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local stand-in for CloudFormation's presigned response URL: records what the custom resource PUTs."""
    replies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            replies.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/cfn-response", replies
    finally:
        server.shutdown()
        server.server_close()
