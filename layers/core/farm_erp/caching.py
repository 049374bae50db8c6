"""HTTP caching of GET answers: a strong ETag, If-None-Match → 304, and a Cache-Control per kind of data.

- A GET's 200 carries `ETag: "<hash of the body bytes>"` (strong: the same bytes give the same tag) and
  `Cache-Control: private, no-cache` (per-user data: a browser may keep it but must revalidate every time) or, for
  reference data that changes rarely (units, categories, modules, roles, water thresholds),
  `private, max-age=60`. `Vary: Authorization` keeps one user's stored answer from serving another's request.
- `If-None-Match` naming the current tag (in a list, weak or strong: RFC 9110 compares weakly for GET) or `*`
  answers 304 with no body and the same ETag, Cache-Control and Vary.
- Everything else (errors, writes) says `Cache-Control: no-store`: a 404 or a 401 is heuristically cacheable by
  default, and a stored error would outlive its cause.

The route still runs: a 304 saves the transfer and the client's parsing, not the database work (the tag is the
hash of the answer, so the answer must exist to be compared).
"""

# No `from __future__ import annotations`: FastAPI inspects reference_data's annotations at import.
import hashlib
import re
from collections.abc import Set
from typing import Any

from fastapi import Depends, Request
from starlette.types import Scope

PER_USER = "private, no-cache"
REFERENCE = "private, max-age=60"
NO_STORE = "no-store"
VARY = "Authorization"

Triplet = tuple[int, list[tuple[bytes, bytes]], list[bytes]]

# One element of an If-None-Match list: an optional weak prefix, an opaque tag, or an empty element.
_ELEMENT = re.compile(r'[ \t]*(?:(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")[ \t]*)?(?:,|$)')


async def reference_data(request: Request) -> None:
    """Route dependency: the answer is reference data (`private, max-age=60`)."""
    request.state.cache_control = REFERENCE


REFERENCE_DATA = [Depends(reference_data)]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def if_none_match(header: str, etag: str) -> bool:
    """Whether an If-None-Match value matches `etag` by weak comparison; a malformed value matches nothing."""
    value = header.strip()
    if value == "*":
        return True
    pos = 0
    while pos < len(value):
        element = _ELEMENT.match(value, pos)
        if element is None or element.end() == pos:
            return False
        if element.group(1) == etag:
            return True
        pos = element.end()
    return False


def finish(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> Triplet:
    """The response with its caching headers, or the 304 that replaces it."""
    if any(name.lower() == b"cache-control" for name, _ in headers):
        return status, headers, chunks  # the route decided
    if scope["method"] != "GET" or status != 200:
        return status, [*headers, (b"cache-control", NO_STORE.encode())], chunks
    body = b"".join(chunks)
    etag = etag_of(body)
    state = scope.get("state") or {}
    policy = [
        (b"etag", etag.encode()),
        (b"cache-control", str(state.get("cache_control", PER_USER)).encode()),
        (b"vary", VARY.encode()),
    ]
    conditions = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"if-none-match"]
    if conditions and if_none_match(",".join(conditions), etag):
        kept = [(k, v) for k, v in headers if not k.lower().startswith(b"content-") and k.lower() != b"vary"]
        return 304, [*kept, *policy], []
    return status, [*headers, *policy], [body]


# --- the contract (farm_erp.openapi) ----------------------------------------------------------------------------


def document(op: dict[str, Any], route: Any, calls: Set[Any]) -> None:
    """A GET operation's ETag, Cache-Control, If-None-Match and 304."""
    cache = REFERENCE if reference_data in calls else PER_USER
    headers = {
        "ETag": {"description": "Strong tag of the body bytes", "schema": {"type": "string"}},
        "Cache-Control": {"description": f"`{cache}`", "schema": {"type": "string", "enum": [cache]}},
    }
    op.setdefault("parameters", []).append(
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "The ETag of a stored answer: 304 without a body while it is still current",
        }
    )
    responses = op["responses"]
    if "200" in responses:
        responses["200"]["headers"] = headers
        responses["304"] = {"description": "Not Modified: the stored answer is current (no body)", "headers": headers}
