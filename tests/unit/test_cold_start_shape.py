"""What keeps a module function's cold start near the framework floor, checked on the real apps: every pydantic model
of the project defers its build (then so do FastAPI's adapters, and a cold start builds only what its first request
uses); the modules FastAPI and pydantic inspect at import keep real annotations, not strings they would have to
evaluate one by one; every app serves its routes directly, not through included routers whose routes FastAPI would
analyse again at the first request; the libraries only one route needs are not imported by loading the function;
and every handler module builds its function with the cyclic garbage collector paused, then freezes what it
built."""

from __future__ import annotations
import __future__

import importlib
import json
import subprocess
import sys
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel

from tests.conftest import ROOT
from tests.template.routes import functions

MODULES = ("auth", "admin", "dashboard", "inventory", "biofloc")
OWN_PACKAGES = ("farm_erp", *(f"{m}_api" for m in MODULES))
# Imported inside the routes that use them: a container that never serves those routes never pays for them.
# (Powertools imports the botocore package itself, a few ms, for its user agent: the SDK clients are what costs.
# bcrypt, ≈ 1 ms, and pyjwt's urllib.request, ≈ 8 ms, are not worth a lazy import.)
LAZY = ("openpyxl", "botocore.client", "boto3")


def _subclasses(cls: type[BaseModel]) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_model_of_the_project_defers_its_build() -> None:
    for module in MODULES:
        importlib.import_module(f"{module}_api.main")
    ours = [m for m in _subclasses(BaseModel) if m.__module__.partition(".")[0] in OWN_PACKAGES]
    assert len(ours) > 100  # the walk found the functions' models, not just the layer's
    eager = sorted(f"{m.__module__}.{m.__qualname__}" for m in ours if not m.model_config.get("defer_build"))
    assert eager == []


def _api_routes(routes: list[Any]) -> Any:
    """Every APIRoute, inside included routers too (FastAPI keeps an included router as one entry)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _api_routes(route.original_router.routes)


def _calls(dependant: Any) -> Any:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def test_routes_dependencies_and_models_are_annotated_with_objects_not_strings() -> None:
    """With `from __future__ import annotations` every annotation is a string: FastAPI evaluates those of each
    endpoint and of each of its dependencies (again for every route that uses a shared one), pydantic those of each
    model field, with eval, at import: ≈ 8 % of the inventory function's own import time."""
    inspected: set[str] = set()
    for module in MODULES:
        app = importlib.import_module(f"{module}_api.main").app
        for route in _api_routes(app.routes):
            inspected |= {getattr(c, "__module__", "") for c in _calls(route.dependant)}
    inspected |= {m.__module__ for m in _subclasses(BaseModel)}
    ours = sorted(m for m in inspected if m.partition(".")[0] in OWN_PACKAGES)
    assert "farm_erp.http.deps" in ours and "inventory_api.routes.items" in ours
    stringly = [m for m in ours if getattr(sys.modules[m], "annotations", None) is __future__.annotations]
    assert stringly == []


@pytest.mark.parametrize("module", MODULES)
def test_every_app_serves_its_routes_directly(module: str) -> None:
    """An included router is analysed again (every route's signature and dependencies) when a request first searches
    it: the cold start's first request paid ≈ 25 ms for that in the inventory function."""
    app = importlib.import_module(f"{module}_api.main").app
    kinds = {type(route).__name__ for route in app.routes}
    assert "APIRoute" in kinds
    assert not [route for route in app.routes if getattr(route, "original_router", None) is not None]


@pytest.mark.parametrize("module", MODULES)
def test_loading_a_function_imports_no_library_that_only_one_route_needs(module: str) -> None:
    """In a fresh interpreter, as Lambda loads it: CodeUri and the layer on sys.path, then the handler."""
    code = (
        "import importlib, json, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'functions' / module)!r}, {str(ROOT / 'layers' / 'core')!r}]\n"
        f"importlib.import_module('{module}_api.main')\n"
        f"print(json.dumps([name for name in {LAZY!r} if name in sys.modules]))\n"
    )
    env = {"JWT_SECRET": "x" * 48, "POWERTOOLS_METRICS_DISABLED": "true", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


HANDLERS = sorted((str(p["CodeUri"]), str(p["Handler"]).rpartition(".")[0]) for p in functions().values())
# What any function's init imports: the collector must already be paused when these are loaded.
HEAVY = ("fastapi", "pydantic", "psycopg", "aws_lambda_powertools")


@pytest.mark.parametrize(("code_uri", "module"), HANDLERS, ids=[h[1] for h in HANDLERS])
def test_every_handler_builds_its_function_with_the_collector_paused_then_frozen(code_uri: str, module: str) -> None:
    """In a fresh interpreter, as Lambda loads it. sys.modules keeps the order modules were first imported in."""
    code = (
        "import gc, importlib, json, sys\n"
        f"sys.path[:0] = [{str(ROOT / code_uri)!r}, {str(ROOT / 'layers' / 'core')!r}]\n"
        f"importlib.import_module({module!r})\n"
        "order = list(sys.modules)\n"
        f"heavy = [order.index(m) for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps({'paused_first': order.index('farm_erp.coldstart') < min(heavy),"
        " 'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count()}))\n"
    )
    env = {"JWT_SECRET": "x" * 48, "POWERTOOLS_METRICS_DISABLED": "true", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (seen["paused_first"], seen["enabled"]) == (True, True)
    assert seen["frozen"] > 10_000  # what init built is in the permanent generation
