"""Every free-text search matches what the user typed, literally: `%`, `_` and `\\` are characters, not LIKE
wildcards (docs/rules.md: Conventions). The searches are found in each function's OpenAPI document: every GET query
parameter that takes free text (a string without enum, format or pattern) is either a search with its case below or
a key matched exactly (NOT_SEARCH). A new free-text parameter fails here until it is one or the other, so a search
added later is tested too.
"""

from __future__ import annotations

import copy
import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook

from farm_erp import clock
from local.template_routes import api_config
from tests.conftest import UserFactory
from tests.support.client import ApiClient, Response

CONFIG = api_config()
FUNCTIONS = sorted({r.function.logical_id for r in CONFIG.routes if not r.public})

# Free-text query parameters matched whole (=), not searched, and why.
NOT_SEARCH: dict[tuple[str, str], str] = {
    ("/admin/users", "role"): "a role key",
    ("/admin/activity-logs", "module_key"): "a module key",
    ("/admin/activity-logs", "action"): "an action name",
    ("/biofloc/batches", "species"): "a species name, case-insensitive but whole",
    ("/inventory/items/bulk", "ids"): "a comma-separated list of ids",
    ("/inventory/items/bulk", "skus"): "a comma-separated list of SKUs",
}

# Each searched text exists once with the character and once without it.
TEXTS = ["Mix 100% pure", "Mix 100 pure", "Salt a_b", "Salt axb", "Path c\\d", "Path cd"]
# What a search for the character alone must find: the one text that holds it (a wildcard would find them all).
RULES = {"percent": ("%", ["Mix 100% pure"]), "underscore": ("_", ["Salt a_b"]), "backslash": ("\\", ["Path c\\d"])}


def _is_free_text(schema: dict[str, Any]) -> bool:
    variants = schema.get("anyOf", [schema])
    strings = [v for v in variants if v.get("type") == "string"]
    return bool(strings) and not any({"enum", "format", "pattern"} & set(v) for v in strings)


def free_text_parameters() -> list[tuple[str, str]]:
    """(path, parameter) of every GET query parameter of every function that takes free text."""
    found = []
    for function in FUNCTIONS:
        doc = copy.deepcopy(importlib.import_module(CONFIG.functions[function].module).app.openapi())
        for path, operations in doc["paths"].items():
            for parameter in operations.get("get", {}).get("parameters", []):
                if parameter["in"] == "query" and _is_free_text(parameter["schema"]):
                    found.append((path, parameter["name"]))
    return sorted(found)


FREE_TEXT = free_text_parameters()
SEARCHES = [entry for entry in FREE_TEXT if entry not in NOT_SEARCH]


@dataclass
class Setup:
    api: ApiClient
    token: str
    sql: psycopg.Connection[dict[str, Any]]
    make_user: UserFactory

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Response:
        response = self.api.request(method, path, token=self.token, **kw)
        assert response.status_code == status, response
        return response

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.ok("POST", path, 201, json=body).json())

    def unit_id(self) -> int:
        row = self.sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
        assert row is not None
        return int(row["id"])


def _items(setup: Setup, texts: list[str]) -> None:
    unit = setup.unit_id()
    for n, text in enumerate(texts):
        setup.create("/inventory/items", {"sku": f"SEARCH-{n}", "name": text, "unit_id": unit})


def _named(path: str) -> Callable[[Setup, list[str]], None]:
    def seed(setup: Setup, texts: list[str]) -> None:
        for text in texts:
            setup.create(path, {"name": text})

    return seed


def _purchase_orders(setup: Setup, texts: list[str]) -> None:
    supplier = setup.create("/inventory/suppliers", {"name": "Acme"})["id"]
    item = setup.create("/inventory/items", {"sku": "PO-ITEM", "name": "Feed", "unit_id": setup.unit_id()})["id"]
    for text in texts:
        line = {"item_id": item, "ordered_qty": "1", "unit_cost": "1"}
        setup.create("/inventory/purchase-orders", {"po_number": text, "supplier_id": supplier, "lines": [line]})


def _tanks(setup: Setup, texts: list[str]) -> None:
    for n, text in enumerate(texts):
        setup.create("/biofloc/tanks", {"code": f"S{n}", "name": text, "capacity_liters": "1000"})


def _users(setup: Setup, texts: list[str]) -> None:
    for n, text in enumerate(texts):
        setup.make_user(f"search-{n}@farm.test", full_name=text)


def _login_attempts(setup: Setup, texts: list[str]) -> None:
    for text in texts:
        setup.sql.execute(
            "INSERT INTO login_history (email_attempted, status, created_at) VALUES (%s, 'failed', %s)",
            (text, clock.now()),
        )


def _field(name: str) -> Callable[[Response], list[str]]:
    return lambda response: [str(row[name]) for row in response.json()["items"]]


def _column(sheet: str, column: int) -> Callable[[Response], list[str]]:
    def read(response: Response) -> list[str]:
        rows = load_workbook(io.BytesIO(response.content))[sheet].iter_rows(min_row=2, values_only=True)
        return [str(row[column]) for row in rows]

    return read


@dataclass(frozen=True)
class Case:
    seed: Callable[[Setup, list[str]], None]  # rows whose searched text is each of the texts
    found: Callable[[Response], list[str]]  # the searched texts of the rows an answer holds


CASES: dict[tuple[str, str], Case] = {
    ("/inventory/items", "q"): Case(_items, _field("name")),
    ("/inventory/categories", "q"): Case(_named("/inventory/categories"), _field("name")),
    ("/inventory/suppliers", "q"): Case(_named("/inventory/suppliers"), _field("name")),
    ("/inventory/purchase-orders", "q"): Case(_purchase_orders, _field("po_number")),
    ("/inventory/exports/stock.xlsx", "q"): Case(_items, _column("Stock", 1)),
    ("/inventory/exports/purchase-orders.xlsx", "q"): Case(_purchase_orders, _column("Purchase orders", 0)),
    ("/biofloc/tanks", "q"): Case(_tanks, _field("name")),
    ("/admin/users", "q"): Case(_users, _field("full_name")),
    ("/admin/security/login-history", "email"): Case(_login_attempts, _field("email_attempted")),
}


def test_the_lists_are_current() -> None:
    """Every case and every exact key names a free-text parameter the functions still have."""
    stale = sorted((set(CASES) | set(NOT_SEARCH)) - set(FREE_TEXT))
    assert not stale, f"no such free-text query parameter any more: {stale}"


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize(("path", "parameter"), SEARCHES, ids=[f"{p}?{n}" for p, n in SEARCHES])
def test_search_matches_literally(
    api: ApiClient,
    admin_token: str,
    sql: psycopg.Connection[dict[str, Any]],
    make_user: UserFactory,
    path: str,
    parameter: str,
    rule: str,
) -> None:
    case = CASES.get((path, parameter))
    if case is None:
        pytest.fail(f"{path}?{parameter} takes free text: add its case to CASES, or to NOT_SEARCH if matched whole")
    setup = Setup(api, admin_token, sql, make_user)
    case.seed(setup, TEXTS)
    term, expected = RULES[rule]
    answer = setup.ok("GET", path, params={parameter: term})
    assert sorted(case.found(answer)) == expected
