"""The merged OpenAPI document: committed and current, no model lost to a name collision, every operation with
its error answers, and every error code described."""

from __future__ import annotations

import json
from typing import Any

import pytest

from farm_erp.openapi import CODES, SHARED_SCHEMAS
from local.openapi import DOCUMENT, function_apps, merged, render
from local.template_routes import api_config
from tests.support.contract import documented_codes


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return merged(api_config())


def test_committed_document_is_current(doc: dict[str, Any]) -> None:
    committed = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    assert committed == render(doc), "docs/openapi.json differs from the code's OpenAPI: run `make openapi`"


def test_same_named_models_of_two_functions_both_survive(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    auth, admin = schemas["auth__SessionOut"], schemas["admin__SessionOut"]
    assert auth != admin
    assert "is_current" in auth["properties"] and "email" in admin["properties"]


def test_every_reference_resolves_and_every_function_model_is_namespaced(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    for kind in ("schemas", "responses"):
        for name in doc["components"][kind]:
            assert f'"#/components/{kind}/{name}"' in text, f"unused {kind}/{name}"
    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    for ref in refs:
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in doc["components"][kind], ref
    prefixes = {prefix for prefix, _ in function_apps(api_config())}
    for name in doc["components"]["schemas"]:
        assert name in SHARED_SCHEMAS or name.split("__")[0] in prefixes, name


def test_every_operation_documents_its_errors(doc: dict[str, Any]) -> None:
    public = {(r.method, r.path) for r in api_config().routes if r.public}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            statuses = set(op["responses"])
            where = f"{method.upper()} {path}"
            assert "429" in statuses, where
            if (method.upper(), path) not in public:
                assert {"401", "403", "503"} <= statuses, where
                assert op.get("security") is None, where
            else:
                assert op["security"] == [], where
            if "{" in path:
                assert "404" in statuses, where
            if method != "get":
                assert "409" in statuses, where
            else:
                assert {"200", "304"} <= statuses, where
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")) and status != "422":
                    codes = documented_codes(doc, response)
                    if path != "/health":
                        assert codes, f"{where} {status} lists no code"
                    assert set(codes or ()) <= set(CODES), f"{where} {status}: {codes}"


def test_reference_data_is_cached_for_a_minute_and_the_rest_revalidated(doc: dict[str, Any]) -> None:
    reference = {
        "/inventory/units",
        "/inventory/categories",
        "/admin/modules",
        "/admin/roles",
        "/biofloc/water-thresholds",
    }
    for path, ops in doc["paths"].items():
        if "get" in ops and "200" in ops["get"]["responses"]:
            header = ops["get"]["responses"]["200"]["headers"]["Cache-Control"]["schema"]["enum"]
            assert header == (["private, max-age=60"] if path in reference else ["private, no-cache"]), path
