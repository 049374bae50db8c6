"""Paging is honoured or refused, never ignored: every GET that answers a list (`items` array) takes `page` and
`limit` and echoes them in the envelope; a route that answers one lookup refuses them with 422."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from local.template_routes import api_config
from tests.support.client import ApiClient

CONFIG = api_config()
FUNCTIONS = sorted({r.function.logical_id for r in CONFIG.routes if not r.public})
# Lookups by key that return `items` but are not lists: paging does not apply and is 422 (docs/decisions.md).
NOT_PAGED = {"/inventory/items/bulk"}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def list_routes() -> list[tuple[str, str, set[str]]]:
    """(function, path, query parameter names) of every GET whose 200 answer has an `items` array."""
    out = []
    for fn in FUNCTIONS:
        doc = copy.deepcopy(importlib.import_module(CONFIG.functions[fn].module).app.openapi())
        for path, ops in doc["paths"].items():
            op = ops.get("get")
            schema = (op or {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            if not schema.get("schema"):
                continue
            if _resolve(doc, schema["schema"]).get("properties", {}).get("items", {}).get("type") == "array":
                out.append((fn, path, {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}))
    return out


LISTS = list_routes()


def test_every_list_declares_page_and_limit() -> None:
    assert len(LISTS) > 20
    undeclared = [path for _, path, params in LISTS if not {"page", "limit"} <= params and path not in NOT_PAGED]
    assert not undeclared, f"lists without page/limit: {undeclared}"


@pytest.mark.parametrize("path", sorted(p for _, p, _ in LISTS if "{" not in p and p not in NOT_PAGED))
def test_every_list_honours_page_and_limit(api: ApiClient, admin_token: str, path: str) -> None:
    first = api.get(path, params={"limit": 1}, token=admin_token)
    assert first.status_code == 200, first
    body = first.json()
    assert (body["page"], body["limit"]) == (1, 1) and len(body["items"]) <= 1, body
    second = api.get(path, params={"page": 2, "limit": 1}, token=admin_token).json()
    assert (second["page"], second["limit"], second["total"]) == (2, 1, body["total"]), second
    assert len(second["items"]) == (1 if body["total"] >= 2 else 0)
    if body["total"] >= 2:
        assert second["items"] != body["items"]
    assert api.get(path, params={"limit": 201}, token=admin_token).status_code == 422


def test_thresholds_are_paged_like_every_list(api: ApiClient, admin_token: str) -> None:
    whole = api.get("/biofloc/water-thresholds", token=admin_token).json()
    assert (whole["total"], whole["page"], whole["limit"], len(whole["items"])) == (12, 1, 50, 12)
    parts = [
        api.get("/biofloc/water-thresholds", params={"page": n, "limit": 5}, token=admin_token).json()
        for n in (1, 2, 3)
    ]
    assert [len(p["items"]) for p in parts] == [5, 5, 2] and all(p["total"] == 12 for p in parts)
    assert [i["parameter"] for p in parts for i in p["items"]] == [i["parameter"] for i in whole["items"]]


@pytest.mark.parametrize("path", sorted(NOT_PAGED))
def test_lookups_refuse_paging(api: ApiClient, admin_token: str, path: str) -> None:
    assert api.get(path, params={"ids": "1"}, token=admin_token).status_code == 200
    for params in ({"page": 1}, {"limit": 10}, {"page": 2, "limit": 1}):
        r = api.get(path, params={"ids": "1", **params}, token=admin_token)
        assert r.status_code == 422, r
        assert r.json()["detail"][0]["loc"][0] == "query"
