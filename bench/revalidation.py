"""The cost of a revalidated GET: the same list through the gateway logic and the real handler, without and with
an If-None-Match that matches (304, no body). The route still runs (the tag is the hash of its answer), so the
difference is what a 304 saves: serialising nothing back, sending nothing, parsing nothing in the browser."""

from __future__ import annotations

from typing import Any

from bench import warm
from local.gateway import Gateway, Request

PATH = "/inventory/items"
QUERY = "limit=200"


def run(gateway: Gateway, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    first = gateway.handle(Request("GET", PATH, QUERY, headers))
    etag = first.headers.get("etag", "")

    def call(extra: dict[str, str], status: int) -> Any:
        def once() -> bool:
            return gateway.handle(Request("GET", PATH, QUERY, {**headers, **extra})).status == status

        return once

    full = warm.measure(call({}, 200), main=True)
    revalidated = warm.measure(call({"If-None-Match": etag}, 304), main=True)
    return {
        "route": f"GET {PATH}?{QUERY}",
        "body_bytes": len(first.body),
        "p50_ms_200": full.p50_ms,
        "p50_ms_304": revalidated.p50_ms,
        "errors": full.errors + revalidated.errors,
    }


def render(result: dict[str, Any]) -> str:
    return (
        f"Revalidation ({result['route']}, {result['body_bytes']} bytes): p50 {result['p50_ms_200']} ms for 200, "
        f"{result['p50_ms_304']} ms for 304 with a matching If-None-Match (errors: {result['errors']})"
    )
