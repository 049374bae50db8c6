"""The module functions serve no docs of their own: the contract is the merged document of the local gateway
(/docs, /redoc, /openapi.json), and a function's pages would only show its own module (docs/architecture.md)."""

from __future__ import annotations

import importlib

import pytest

from local.template_routes import ApiConfig
from tests.support.client import ApiClient

MODULES = ["auth", "admin", "dashboard", "inventory", "biofloc"]


@pytest.mark.parametrize("module", MODULES)
def test_module_app_has_no_docs_routes(module: str, config: ApiConfig) -> None:
    fn = next(f for f in config.functions.values() if f.module == f"{module}_api.main")
    app = importlib.import_module(fn.module).app
    assert (app.docs_url, app.redoc_url, app.openapi_url) == (None, None, None)
    paths = {getattr(r, "path", "") for r in app.routes}
    assert not {p for p in paths if p.rsplit("/", 1)[-1] in ("docs", "redoc", "openapi.json")}


@pytest.mark.parametrize("module", MODULES)
def test_module_docs_paths_are_404(module: str, api: ApiClient, admin_token: str) -> None:
    for page in ("docs", "redoc", "openapi.json"):
        r = api.get(f"/{module}/{page}", token=admin_token)
        assert r.status_code == 404, (page, r)
