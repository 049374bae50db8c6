"""Which routes to measure, read from each function's OpenAPI: every GET route whose path parameters can be filled
from a list route of the same path prefix (the first row's id), and whose query parameters are optional. Real
API Gateway events for them come from the local gateway logic itself (real authorizer, real policy)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.env import FunctionUnderTest
from local.gateway import Gateway, Request

PARAM = re.compile(r"{([^}]+)}")
# Skipped: binary exports (openpyxl over the whole table), and routes that are not reads of business data.
SKIP = re.compile(r"/export|\.xlsx|/download")
# The list route that is "the main one" of a module, when it exists; otherwise the first list route.
KEYS = {"module_key": "inventory", "key": "inventory", "module": "inventory"}
MAIN_LISTS = (
    "/inventory/items",
    "/biofloc/batches",
    "/admin/users",
    "/admin/activity",
    "/auth/sessions",
    "/dashboard/widgets",
)
# Dashboards and reports (the 10 ms target, lists or not): a module's or every module's figures on one screen. A list
# among them is still paged, and still counted at two page sizes.
REPORTS = re.compile(r"/dashboard(/summary|/widgets)?$|/modules/{[^}]+}/consumption$|/statistics$|/security/stats$")


@dataclass
class RouteCase:
    function: str
    template: str  # the OpenAPI path
    path: str  # with ids filled in
    query: dict[str, Any] = field(default_factory=dict)
    kind: str = "read"  # list | detail | report | read
    main: bool = False
    event: dict[str, Any] | None = None
    status: int = 0
    rows: int | None = None
    total: int | None = None
    note: str = ""

    @property
    def label(self) -> str:
        q = ("?" + urlencode(self.query)) if self.query else ""
        return f"GET {self.path}{q}"


class Recorder:
    """An invoker that keeps the last event each function received, around the real in-process invoker."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.events: dict[str, dict[str, Any]] = {}

    def invoke(self, function: Any, event: dict[str, Any]) -> dict[str, Any]:
        self.events[function.logical_id] = event
        result: dict[str, Any] = self.inner.invoke(function, event)
        return result


def _is_list(op: dict[str, Any]) -> bool:
    return any(p.get("in") == "query" and p.get("name") == "limit" for p in op.get("parameters", []))


def _required_query(op: dict[str, Any]) -> list[str]:
    return [p["name"] for p in op.get("parameters", []) if p.get("in") == "query" and p.get("required")]


def get_routes(fut: FunctionUnderTest) -> list[tuple[str, dict[str, Any]]]:
    paths: dict[str, Any] = fut.openapi.get("paths", {})
    return sorted((path, ops["get"]) for path, ops in paths.items() if "get" in ops and not SKIP.search(path))


def build_cases(fut: FunctionUnderTest, gateway: Gateway, recorder: Recorder, token: str) -> list[RouteCase]:
    """Every measurable GET route of the function, with a recorded event that answers 200."""
    routes = get_routes(fut)
    lists = [path for path, op in routes if _is_list(op) and not PARAM.search(path)]
    main_list = next((p for p in MAIN_LISTS if p in lists), lists[0] if lists else None)
    first_ids: dict[str, Any] = {}
    cases: list[RouteCase] = []
    # Lists and plain reads first, so their first rows can fill the detail routes' ids.
    for path, op in sorted(routes, key=lambda r: (PARAM.search(r[0]) is not None, r[0])):
        case = RouteCase(fut.logical_id, path, path, kind="list" if _is_list(op) else "read")
        if _required_query(op):
            case.note = "skipped: required query " + ",".join(_required_query(op))
            cases.append(case)
            continue
        if PARAM.search(path):
            filled = _fill(path, first_ids)
            if filled is None:
                case.note = "skipped: no list route gives its id"
                cases.append(case)
                continue
            case.path = filled
            case.kind = "list" if _is_list(op) else "detail"
        if case.kind == "list":
            case.query = {"limit": 50}
        if REPORTS.search(path):
            case.kind = "report"
        case.main = path == main_list
        body = record(case, gateway, recorder, token)
        items = body.get("items") if isinstance(body, dict) else None
        if isinstance(items, list) and items and isinstance(items[0], dict):
            row = items[len(items) // 2]
            if "id" in row or "key" in row:
                first_ids[path] = row.get("id", row.get("key"))
        cases.append(case)
    # The main read-by-id is the detail route of the main list.
    for case in cases:
        if (
            case.kind == "detail"
            and main_list
            and case.template.startswith(main_list + "/{")
            and case.template.count("{") == 1
        ):
            case.main = True
            break
    return cases


def _fill(path: str, first_ids: dict[str, Any]) -> str | None:
    """/biofloc/batches/{batch_id}/feedings → /biofloc/batches/17/feedings using the list /biofloc/batches;
    else a list named after the parameter (user_id → …/users); else a known key value (module_key)."""
    out = path
    for m in PARAM.finditer(path):
        name = m.group(1)
        prefix = path[: m.start()].rstrip("/")
        base = name.removesuffix("_id")
        by_name = [v for k, v in first_ids.items() if k.endswith((f"/{base}s", f"/{base}es"))]
        if prefix in first_ids:
            value = first_ids[prefix]
        elif by_name:
            value = by_name[0]
        elif name in KEYS:
            value = KEYS[name]
        else:
            return None
        out = out.replace(m.group(0), str(value), 1)
    return out


def record(case: RouteCase, gateway: Gateway, recorder: Recorder, token: str) -> Any:
    """Send the request once through the gateway (as the client would), keep the function's event, return the
    response body."""
    query = urlencode(case.query)
    resp = gateway.handle(
        Request(
            "GET",
            case.path,
            query,
            {"Authorization": f"Bearer {token}", "User-Agent": "farm-erp-bench"},
            b"",
            "198.51.100.7",
        )
    )
    case.status = resp.status
    body: Any = None
    if resp.status == 200:
        case.event = recorder.events.get(case.function)
        try:
            body = resp.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            case.rows = len(body["items"])
            case.total = body.get("total")
    else:
        case.note = f"status {resp.status}: {resp.body[:120].decode(errors='replace')}"
    return body
