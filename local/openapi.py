"""The API's one OpenAPI document: every module function's contract (farm_erp.openapi), merged.

Each function is its own FastAPI app with its own models, and two functions may name different models alike
(`SessionOut` in auth and admin), so every component is renamed `<function>__<Name>` and every `$ref` follows;
only the layer's error models (identical everywhere, checked) keep their plain names. Routes the template makes
public carry `security: []`; the others need the bearer token the authorizer checks.

`python -m local.openapi` (`make openapi`) writes docs/openapi.json; `--check` fails when it is not current. The
local gateway serves the same document at /openapi.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from farm_erp.openapi import SHARED_SCHEMAS
from local.template_routes import ROOT, ApiConfig, Function, api_config

DOCUMENT = ROOT / "docs" / "openapi.json"
REF = "#/components/schemas/"

DESCRIPTION = """\
The Farm ERP API: one document over every module function behind the API Gateway stage.

- **Sign in** with `POST /auth/login`; send `Authorization: Bearer <access_token>`; renew with `POST /auth/refresh`.
- **Errors** are `{"detail": "...", "code": "..."}` (`ErrorOut`); each operation lists its statuses and the `code`
  values it uses. Validation errors (422) are `{"detail": [{"loc", "msg", "type"}]}` (`ValidationErrorOut`).
- **Lists** are `{"items", "total", "page", "limit"}` with `?page>=1&limit=1..200` (default 50).
- **Numbers** with decimals are sent back as strings at a fixed scale (e.g. `"12.500"`); inputs take numbers or
  numeric strings, rounded half-up to that scale.
- **Dates** are `YYYY-MM-DD`; times are ISO 8601 and end in `Z` when UTC. Date ranges include both ends and `from`
  must not be after `to`.
- **Writes** (POST) take an optional `Idempotency-Key`: a retry with the same key replays the first answer.
- **Caching**: GET answers carry a strong `ETag`; send it back in `If-None-Match` to get 304 without a body.
  Per-user data is `Cache-Control: private, no-cache`, reference data `private, max-age=60`, errors `no-store`.
"""


def function_apps(config: ApiConfig) -> list[tuple[str, Any]]:
    """(prefix, FastAPI app) of every function that serves API routes, in template order."""
    apps: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for route in config.routes:
        if route.function.logical_id not in seen:
            seen.add(route.function.logical_id)
            apps.append((prefix_of(route.function), load_app(route.function)))
    return apps


def prefix_of(fn: Function) -> str:
    return fn.module.split(".")[0].removesuffix("_api")


def load_app(fn: Function) -> Any:
    code_dir = str(ROOT / fn.code_uri)
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    return importlib.import_module(fn.module).app


def merged(config: ApiConfig | None = None) -> dict[str, Any]:
    """The merged document (deterministic: the same code gives the same bytes)."""
    from farm_erp import __version__

    config = config or api_config()
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Farm ERP API", "version": __version__, "description": DESCRIPTION},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
    for prefix, app in function_apps(config):
        part = namespaced(app.openapi(), prefix)
        for path, ops in part.get("paths", {}).items():
            clash = set(ops) & set(doc["paths"].get(path, {}))
            if clash:
                raise ValueError(f"{prefix}: {sorted(clash)} {path} is defined by two functions")
            doc["paths"].setdefault(path, {}).update(ops)
        for kind in ("schemas", "responses"):
            into = doc["components"].setdefault(kind, {})
            for name, item in part.get("components", {}).get(kind, {}).items():
                if name in into and into[name] != item:
                    raise ValueError(f"{prefix}: component {kind}/{name} differs between functions")
                into[name] = item
    public = {(r.method, r.path) for r in config.routes if r.public}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if (method.upper(), path) in public:
                op["security"] = []
    for kind in ("schemas", "responses"):
        doc["components"][kind] = dict(sorted(doc["components"][kind].items()))
    return doc


def namespaced(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A copy of `doc` with its component names prefixed (`auth__SessionOut`) and every `$ref` rewritten."""
    names = {n: n if n in SHARED_SCHEMAS else f"{prefix}__{n}" for n in doc.get("components", {}).get("schemas", {})}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v) for k, v in node.items()}
            ref = out.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF):
                out["$ref"] = REF + names[ref.removeprefix(REF)]
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    out: dict[str, Any] = rewrite(doc)
    if "components" in out and "schemas" in out["components"]:
        out["components"]["schemas"] = {names[k]: v for k, v in out["components"]["schemas"].items()}
    return out


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/openapi.json is not current")
    parser.add_argument("--output", type=Path, default=DOCUMENT)
    args = parser.parse_args(argv)
    text = render(merged())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is not current: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
