"""The OpenAPI contract every module function publishes: every status an operation can answer, with the error model
and the `code` values it uses.

FastAPI documents only an operation's success and (when it has parameters) its 422. Most other answers come from the
shared layer, so they are derived here from what the route depends on, once for every function:

- signed-in routes (they depend on `signed_in`): 401 `not_authenticated`; 403 `forbidden` (the gateway's policy),
  `password_change_required` (except the routes allowed before the change) and, behind `module_guard`,
  `module_disabled` / `module_forbidden`;
- a path parameter: 404 `not_found`;
- a write (not GET): 409 `busy` / `duplicate` / `constraint_violation` (database errors the client can cause);
  a signed-in POST also takes `Idempotency-Key` (409 `idempotency_in_progress`, 422 on a bad or reused key);
- every operation: 429 `throttled` (API Gateway's stage throttling);
- anything that reaches the database: 503 `database_unavailable` / `database_timeout`;
- GET: 200 carries `ETag` and `Cache-Control`, and `If-None-Match` may answer 304 (farm_erp.caching).

A route adds only what is its own, with `responses=codes(409, "duplicate_name") | codes(404, "not_found")`.
"""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.dependencies.models import Dependant

CODES_KEY = "x-codes"
# Component names every function defines identically (the merged document keeps them un-prefixed).
SHARED_SCHEMAS = ("ErrorOut", "FieldError", "ValidationErrorOut")

# Every `code` the API answers with, and what it means to a client.
CODES: dict[str, str] = {
    # platform
    "not_authenticated": "no valid access token, or the session has ended",
    "forbidden": "the caller may not use this route",
    "password_change_required": "the password must be changed first (POST /auth/change-password)",
    "module_disabled": "the module is switched off",
    "module_forbidden": "the caller has no grant (or only read) for this module",
    "not_found": "no such resource",
    "busy": "the record is locked by another change; try again",
    "duplicate": "a unique value is already taken",
    "constraint_violation": "the change breaks a data rule",
    "idempotency_in_progress": "a request with this Idempotency-Key is still running",
    "throttled": "API Gateway's request rate for the stage is exceeded",
    "rate_limited": "too many attempts; wait `retry_after` seconds (also the Retry-After header)",
    "database_unavailable": "the database cannot be reached",
    "database_timeout": "the database took too long to answer",
    # auth
    "invalid_credentials": "wrong email or password, or the account is inactive or locked",
    "invalid_refresh_token": "the refresh token is unknown, expired, already used or its session ended",
    "invalid_current_password": "the current password is wrong",
    # admin
    "duplicate_email": "a user with this email exists",
    "self_change": "admins cannot change their own role or deactivate themselves",
    "last_admin": "at least one active admin must remain",
    "protected_module": "the dashboard and admin modules cannot be disabled",
    "target_is_admin": "admins have every module; grants do not apply",
    # inventory
    "duplicate_name": "the name is already taken (case-insensitive)",
    "duplicate_sku": "the SKU is already taken",
    "duplicate_po_number": "the purchase-order number is already taken",
    "duplicate_line": "the item is already on this purchase order",
    "category_in_use": "items still use this category",
    "unit_in_use": "items use this unit",
    "item_has_lots": "the item has lots: its unit cannot change",
    "item_has_stock": "the item still has stock on hand",
    "item_reserved": "the item has live reservations",
    "item_on_open_po": "the item is on an open purchase order",
    "item_active": "deactivate the item first",
    "item_has_history": "the item has lots, ledger rows or purchase-order lines",
    "insufficient_stock": "not enough available stock (`errors` lists each short line)",
    "insufficient_lot": "the lot does not belong to the item or does not hold that quantity",
    "reserved_stock": "the count is below the reserved quantity",
    "invalid_state": "not possible in the record's current status",
    "invalid_transition": "the purchase order cannot move to that status",
    "last_line": "a purchase order keeps at least one line",
    "over_receipt": "more than ordered would be received (`errors` lists the lines)",
    "no_active_items": "none of the order's items is active",
    "reservation_expired": "the reservation has expired",
    # biofloc
    "duplicate_code": "the tank or batch code is already taken",
    "tank_unavailable": "the tank is not available",
    "tank_in_use": "the tank holds a batch",
    "tank_empty": "the tank holds no batch",
    "batch_closed": "the batch is no longer active",
    "insufficient_fish": "more fish than the batch holds",
    "count_mismatch": "the grading groups do not add up to the batch's fish",
    "duplicate_session": "this feeding session is already recorded",
    "negative_cost_total": "the correction would take the category's total below zero",
}


def codes(status: int, *names: str) -> dict[int | str, dict[str, Any]]:
    """A route's own error codes for `status` (combine with `|`), on top of those every route gets."""
    unknown = [n for n in names if n not in CODES]
    if unknown:
        raise ValueError(f"undocumented error codes {unknown}: describe them in farm_erp.openapi.CODES")
    return {status: {CODES_KEY: list(names)}}


def install(app: FastAPI) -> None:
    """`app.openapi()` builds the complete contract (once, on demand: never on a Lambda cold start)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def document(app: FastAPI) -> dict[str, Any]:
    from fastapi import routing
    from fastapi.openapi.utils import _get_api_route_for_openapi, get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    # The routes as get_openapi sees them: included routers flattened, their dependencies and responses combined.
    for context in routing.iter_route_contexts(app.routes):
        route = _get_api_route_for_openapi(context)
        if route is not None and route.include_in_schema:
            for method in sorted(route.methods):
                _complete(doc["paths"][route.path_format][method.lower()], route, method)
    from farm_erp.error_models import ErrorOut, ValidationErrorOut

    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, ValidationErrorOut):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    # FastAPI's own 422 models are replaced by ValidationErrorOut everywhere.
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    _share_error_responses(doc)
    return doc


def _share_error_responses(doc: dict[str, Any]) -> None:
    """Error answers are the same for many operations: one `components.responses` entry per (status, codes)."""
    shared: dict[str, Any] = {}
    for ops in doc["paths"].values():
        for op in ops.values():
            for status, response in op["responses"].items():
                enum = response.get("x-error-codes")
                if enum is None:
                    continue
                name = f"Error{status}_" + "_".join(enum)
                response.pop("x-error-codes")
                shared[name] = response
                op["responses"][status] = {"$ref": f"#/components/responses/{name}"}
    if shared:
        doc["components"]["responses"] = dict(sorted(shared.items()))


# --- one operation ---------------------------------------------------------------------------------------------


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _complete(op: dict[str, Any], route: Any, method: str) -> None:
    from farm_erp import caching
    from farm_erp.access import PASSWORD_CHANGE_ROUTES
    from farm_erp.http import deps

    calls = set(_calls(route.dependant))
    signed = deps.signed_in in calls
    guarded = any(getattr(c, "__qualname__", "") == "module_guard.<locals>.guard" for c in calls)
    uses_db = signed or deps.get_conn in calls
    wanted: dict[int, set[str]] = {429: {"throttled"}}
    if signed:
        wanted[401] = {"not_authenticated"}
        wanted[403] = {"forbidden"}
        if (method, route.path_format) not in PASSWORD_CHANGE_ROUTES:
            wanted[403].add("password_change_required")
        if guarded:
            wanted[403] |= {"module_disabled", "module_forbidden"}
    if route.dependant.path_params:
        wanted[404] = {"not_found"}
    if method != "GET":
        wanted[409] = {"busy", "duplicate", "constraint_violation"}
    idempotent = signed and method == "POST"
    if idempotent:
        wanted[409].add("idempotency_in_progress")
    if uses_db:
        wanted[503] = {"database_unavailable", "database_timeout"}
    responses: dict[str, Any] = op.setdefault("responses", {})
    for status, extra in route.responses.items():
        declared = extra.get(CODES_KEY)
        if declared is not None:
            wanted.setdefault(int(status), set()).update(declared)
            responses.get(str(status), {}).pop(CODES_KEY, None)
        elif str(status) in responses:
            wanted.pop(int(status), None)  # the route documents this status with a model of its own
    for status, names in sorted(wanted.items()):
        responses[str(status)] = _error_response(status, names)
    if idempotent:
        op.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        responses.setdefault("422", {})
    if "422" in responses:
        responses["422"] = {
            "description": "Validation error: the request is malformed or breaks a rule (one entry per problem)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorOut"}}},
        }
    if method == "GET":
        caching.document(op, route, calls)
    op["responses"] = dict(sorted(responses.items()))


IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retrying with the same key within 24 h replays the first answer (header Idempotent-Replayed: "
    "true) instead of doing the work twice; the same key with a different request is 422.",
}


def _error_response(status: int, names: set[str]) -> dict[str, Any]:
    ordered = sorted(names)
    lines = "\n".join(f"- `{n}`: {CODES[n]}" for n in ordered)
    return {
        "x-error-codes": ordered,
        "description": f"{http.HTTPStatus(status).phrase}. `code` is one of:\n{lines}",
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/ErrorOut"}],
                    "properties": {"code": {"type": "string", "enum": ordered}},
                    "required": ["detail", "code"],
                }
            }
        },
    }
