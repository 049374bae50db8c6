"""Every date, date-time, time and decimal parameter and body field of every operation of every function, tried
at its type's extremes: the first and last day of the calendar, instants whose UTC value falls outside them, the
smallest positive step at each scale and half of it, and the largest value the field (and its column) takes.

Random fuzzing seldom lands on these (five, or fifteen, examples per operation missed every calendar-edge 500),
so they are enumerated from each function's OpenAPI document: a new route or field is covered without a change
here. Each request starts from a body that is valid apart from the field under test, with ids of a small farm
built through the API, so the value reaches the services and the database, not only the request model.

A longer random run (schemathesis, many examples per operation, bounded time) runs under `make fuzz`."""

from __future__ import annotations

import copy
import importlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import hypothesis
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from farm_erp import clock
from local.template_routes import api_config
from tests.support.client import ApiClient
from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway

pytestmark = [pytest.mark.slow]

CONFIG = api_config()
FUNCTIONS = sorted({r.function.logical_id for r in CONFIG.routes})
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

DATES = ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"]
DATETIMES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",  # before 0001-01-01 in UTC
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-12:00",  # after 9999-12-31 in UTC
]
TIMES = ["00:00:00", "23:59:59.999999", "23:59:59+14:00"]
# The smallest step at each scale in use (2, 3, 4 places), half of it (rounds up to the step, or to zero when just
# under), and numbers around the largest value an input takes (1e12, exclusive) and its columns hold.
DECIMALS = [
    "0",
    "0.0001",
    "0.00005",
    "0.00049",
    "0.0005",
    "0.001",
    "0.0049",
    "0.005",
    "0.01",
    "999999999999.99",
    "999999999999.999",
    "999999999999.9999",
    "999999999999.99999",
    "1000000000000",
    "-999999999999.99",
    "1e-28",
    "9.99999999999999999999999999E+11",
]


# --- the OpenAPI documents -----------------------------------------------------------------------------------


def function_doc(logical_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(importlib.import_module(CONFIG.functions[logical_id].module).app.openapi())
    return doc


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def alternatives(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = resolve(doc, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [schema]
    return [resolve(doc, o) for o in options if resolve(doc, o).get("type") != "null"]


def kind(doc: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """date, date-time, time or decimal (FastAPI documents a Decimal input as number-or-numeric-string)."""
    options = alternatives(doc, schema)
    formats = {o.get("format") for o in options}
    for name in ("date-time", "date", "time"):
        if name in formats:
            return name
    types = {o.get("type") for o in options}
    if "number" in types and "string" in types:
        return "decimal"
    return None


EXTREMES = {"date": DATES, "date-time": DATETIMES, "time": TIMES, "decimal": DECIMALS}

Path = tuple[str | int, ...]


def targets(doc: dict[str, Any], schema: dict[str, Any], path: Path = ()) -> Iterator[tuple[Path, str]]:
    """(path in the body, kind) of every date/time/decimal field, nested objects and arrays included."""
    found = kind(doc, schema)
    if found:
        yield path, found
        return
    for option in alternatives(doc, schema):
        if option.get("type") == "object":
            for name, sub in option.get("properties", {}).items():
                yield from targets(doc, sub, (*path, name))
        elif option.get("type") == "array" and "items" in option:
            yield from targets(doc, option["items"], (*path, 0))


# --- a valid body around the field under test -----------------------------------------------------------------


class World:
    """A small farm built through the API; its ids fill path parameters and id fields by name."""

    def __init__(self, api: ApiClient, sql: psycopg.Connection[dict[str, Any]], admin_id: int) -> None:
        self.api, self.sql, self.admin_id = api, sql, admin_id
        self.counter = 0
        token = token_for(sql, admin_id)
        kg = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
        assert kg is not None

        def ok(method: str, path: str, **kw: Any) -> Any:
            r = api.request(method, path, token=token, **kw)
            assert r.status_code in (200, 201), r
            return r.json()

        sup = ok("POST", "/inventory/suppliers", json={"name": "Feed Co"})["id"]
        cat = ok("POST", "/inventory/categories", json={"name": "Feed"})["id"]
        item = ok("POST", "/inventory/items", json={"sku": "FEED", "name": "Feed", "unit_id": kg["id"]})["id"]
        ok("PUT", f"/inventory/items/{item}/modules/biofloc", json={"is_primary": True})
        lot = ok("POST", "/inventory/stock/add", json={"item_id": item, "quantity": "1000", "unit_cost": "2"})
        po_body = {"supplier_id": sup, "lines": [{"item_id": item, "ordered_qty": "10", "unit_cost": "2"}]}
        po = ok("POST", "/inventory/purchase-orders", json=po_body)
        for status in ("approved", "ordered"):
            ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": status})
        res = ok("POST", "/inventory/reservations", json={"item_id": item, "quantity": "1"})["id"]
        tank = ok("POST", "/biofloc/tanks", json={"code": "T1", "name": "T1", "capacity_liters": "1000"})["id"]
        spare = ok("POST", "/biofloc/tanks", json={"code": "T2", "name": "T2", "capacity_liters": "1000"})["id"]
        batch_body = {
            "code": "B1",
            "species": "Tilapia",
            "stocking_date": "2025-03-01",
            "initial_count": 1000,
            "initial_avg_weight_g": "5",
            "tank_id": tank,
        }
        batch = ok("POST", "/biofloc/batches", json=batch_body)["id"]
        session = sql.execute("SELECT max(id) AS id FROM sessions").fetchone()
        assert session is not None
        self.ids: dict[str, Any] = {
            "supplier_id": sup,
            "category_id": cat,
            "unit_id": kg["id"],
            "item_id": item,
            "lot_id": lot["lot_id"],
            "po_id": po["id"],
            "line_id": po["lines"][0]["id"],
            "po_line_id": po["lines"][0]["id"],
            "reservation_id": res,
            "tank_id": tank,
            "to_tank_id": spare,
            "batch_id": batch,
            "user_id": admin_id,
            "session_id": session["id"],
            "module_key": "biofloc",
            "key": "biofloc",
            "parameter": "ph",
        }

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def example(self, doc: dict[str, Any], schema: dict[str, Any], name: str = "") -> Any:
        """A value the field accepts: required properties (and any id this world knows), ids by name."""
        if name in self.ids and kind(doc, schema) is None:
            return self.ids[name]
        found = kind(doc, schema)
        if found == "decimal":
            return "1"
        if found == "date":
            return NOW.date().isoformat()
        if found == "date-time":
            return NOW.isoformat()
        if found == "time":
            return "08:00:00"
        option = alternatives(doc, schema)[0]
        if "enum" in option:
            return option["enum"][0]
        if "const" in option:
            return option["const"]
        typ = option.get("type")
        if typ == "object":
            props = option.get("properties", {})
            wanted = [k for k in props if k in option.get("required", []) or k in self.ids]
            return {k: self.example(doc, props[k], k) for k in wanted}
        if typ == "array":
            return [self.example(doc, option.get("items", {}), name)] * max(1, option.get("minItems", 1))
        if typ == "integer":
            return max(int(option.get("minimum", 1)), 1)
        if typ == "boolean":
            return False
        if typ == "number":
            return 1
        if option.get("format") == "email":
            return f"{self.unique('fuzz')}@farm.test"
        if "pattern" in option or name in ("code", "sku", "po_number", "label", "name", "abbreviation"):
            return self.unique("FZ")
        return "x" * max(1, int(option.get("minLength", 1)))


def with_value(body: Any, path: Path, value: Any) -> Any:
    """`body` with `value` at `path` (creating the objects and the one-element arrays on the way)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{}]
        items[0] = with_value(items[0], rest, value)
        return items
    out = dict(body) if isinstance(body, dict) else {}
    out[head] = with_value(out.get(head), rest, value)
    return out


def fill_path(path: str, ids: dict[str, Any]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path.replace("{proxy+}", "x")


# --- the test ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_extremes_of_every_date_and_decimal_field(
    api: ApiClient, sql: psycopg.Connection[dict[str, Any]], function: str
) -> None:
    clock.freeze(NOW)
    admin_id = create_user(sql, "fuzz-admin@farm.test", role="admin")
    world = World(api, sql, admin_id)
    doc = function_doc(function)
    tried, failures = 0, []
    # Deletions last: they would take away the world the other operations work on.
    operations = sorted(
        ((path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()),
        key=lambda o: o[1] == "delete",
    )
    for path, method, op in operations:
        params = [p for p in op.get("parameters", []) if p["in"] == "query"]
        body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        cases: list[tuple[str, dict[str, Any], Any]] = []
        for p in params:
            found = kind(doc, p["schema"])
            for value in EXTREMES.get(found or "", []):
                cases.append((f"?{p['name']}={value}", {p["name"]: value}, None))
        if body_schema is not None:
            for field, found in targets(doc, body_schema):
                for value in EXTREMES[found]:
                    base = world.example(doc, body_schema)
                    cases.append((f"{'.'.join(map(str, field))}={value}", {}, with_value(base, field, value)))
        url = fill_path(path, world.ids)
        for label, query, body in cases:
            tried += 1
            # A fresh session per request: a logout or password change must not end the others.
            r = api.request(method.upper(), url, params=query, json=body, token=token_for(sql, admin_id))
            # A 409 constraint_violation is the database refusing a value the request model let through.
            refused_late = r.status_code == 409 and b'"constraint_violation"' in r.content
            if r.status_code >= 500 or refused_late:
                failures.append(f"{method.upper()} {url} {label} -> {r.status_code} {r.content[:200]!r}")
    if function in ("InventoryFunction", "BioflocFunction", "AdminFunction"):
        assert tried > 0, f"{function}: no date or decimal field found"
    assert not failures, f"{len(failures)} of {tried} requests failed:\n" + "\n".join(failures)


# --- the longer random run (make fuzz) ----------------------------------------------------------------------------

LONG = os.environ.get("FUZZ_LONG") == "1"
LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
LONG_BUDGET_S = float(os.environ.get("FUZZ_OPERATION_SECONDS", "20"))


def _long_run(operation: Any, base_url: str, token: str) -> str | None:
    """Up to LONG_EXAMPLES examples of one operation within LONG_BUDGET_S seconds; the first 5xx, if any."""
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + LONG_BUDGET_S

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=LONG_EXAMPLES,
        deadline=None,
        derandomize=False,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if failures or time.monotonic() > deadline:
            return
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=[not_a_server_error], timeout=30)
        except (Exception, FailureGroup) as exc:  # noqa: BLE001 - reported with the request that caused it
            curl = case.as_curl_command(headers=headers, base_url=base_url)
            failures.append(f"{operation.label}: {' '.join(str(exc).split())[:400]}\n  reproduce: {curl[:600]}")

    run()
    return failures[0] if failures else None


@pytest.mark.gateway
@pytest.mark.skipif(not LONG, reason="the long random run is `make fuzz`")
@pytest.mark.parametrize("function", FUNCTIONS)
def test_long_random_run(live_gateway: LiveGateway, sql: psycopg.Connection[dict[str, Any]], function: str) -> None:
    doc = function_doc(function)
    doc.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    doc["security"] = [{"bearer": []}]
    admin_id = create_user(sql, "fuzz-long@farm.test", role="admin")
    failures = []
    schema: Any = schemathesis.openapi.from_dict(doc)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        failure = _long_run(operation, live_gateway.base_url, token_for(sql, admin_id))
        if failure:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)
