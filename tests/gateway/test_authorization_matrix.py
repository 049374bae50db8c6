"""The authorization matrix (docs/rules.md) through the local gateway over HTTP: for every route of every
function and every kind of caller, the status the rule says. Routes come from the template (public ones) and
from each function's OpenAPI; one missing from `authz_matrix.MATRIX` fails the test."""

from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from farm_erp import clock
from farm_erp.settings import get_settings
from local.server import merged_openapi
from local.template_routes import ApiConfig
from tests.gateway.authz_matrix import MATRIX, PASSWORD_CHANGE_EXEMPT, A, P, R, S, W
from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway

pytestmark = pytest.mark.gateway
ALLOWED = "allowed"
SESSION_ENDING = {("POST", "/auth/logout"), ("DELETE", "/auth/sessions"), ("DELETE", "/admin/users/{}/sessions")}


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def discovered_routes(config: ApiConfig) -> set[tuple[str, str]]:
    routes = {(r.method, r.path) for r in config.routes if r.public}
    for path, ops in merged_openapi(config)["paths"].items():
        routes |= {(m.upper(), _norm(path)) for m in ops if m.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}}
    return routes


def concrete(method: str, path: str, config: ApiConfig) -> str:
    """Fill path parameters with values that exist in no table (ids) or are valid keys."""
    templates = [p for p in merged_openapi(config)["paths"] if _norm(p) == path] or [path]
    out = str(templates[0])
    for name in re.findall(r"\{([^}]+)\}", out):
        value = "inventory" if ("key" in name or name == "module") else "ph" if name == "parameter" else "999999"
        out = out.replace("{" + name + "}", value)
    return out


def expected(kind: str, method: str, path: str, perm: str) -> tuple[int, str | None] | str:
    """(status, code) the caller must get, or ALLOWED (anything but 401/403/5xx)."""
    if perm == P:
        return ALLOWED
    if kind in ("none", "forged", "expired", "revoked"):
        return (401, None)
    if kind == "must_change":
        if (method, path) in PASSWORD_CHANGE_EXEMPT:
            return ALLOWED
        if perm == A:
            return (403, None)  # not an admin: the policy denies before the function sees it
        return (403, "password_change_required")
    if perm == S:
        return ALLOWED
    if perm == A:
        return ALLOWED if kind in ("admin", "admin_disabled") else (403, None)
    # module routes (R and W)
    if kind == "admin":
        return ALLOWED
    if kind == "admin_disabled":
        return (403, "module_disabled")
    if kind in ("no_grant", "disabled"):
        return (403, None)
    if kind == "read":
        return ALLOWED if perm == R else (403, None)
    return ALLOWED  # write


def check(http: httpx.Client, kind: str, method: str, path: str, url: str, token: str | None) -> str | None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    r = http.request(method, url, json=body, headers=headers)
    want = expected(kind, method, path, MATRIX[(method, path)])
    if r.status_code >= 500:
        return f"{kind:14} {method} {url}: {r.status_code} {r.text[:120]}"
    if isinstance(want, str):  # ALLOWED
        if r.status_code in (401, 403):
            return f"{kind:14} {method} {url}: expected access, got {r.status_code} {r.text[:120]}"
        return None
    status, code = want
    got_code = r.json().get("code") if r.headers.get("content-type", "").startswith("application/json") else None
    if r.status_code != status or (code is not None and got_code != code):
        return f"{kind:14} {method} {url}: expected {status} {code or ''}, got {r.status_code} {r.text[:120]}"
    if "detail" not in r.json():
        return f"{kind:14} {method} {url}: error without detail"
    return None


def test_every_route_has_a_matrix_entry(config: ApiConfig) -> None:
    missing = sorted(discovered_routes(config) - set(MATRIX))
    assert not missing, f"routes without an authorization decision: {missing}"


def test_authorization_matrix(live_gateway: LiveGateway, sql: Any, config: ApiConfig) -> None:
    routes = sorted(discovered_routes(config) & set(MATRIX))
    users = {
        "no_grant": create_user(sql, "nogrant@farm.test"),
        "read": create_user(sql, "reader@farm.test", grants={"inventory": "read", "biofloc": "read"}),
        "write": create_user(sql, "writer@farm.test", grants={"inventory": "write", "biofloc": "write"}),
        "admin": create_user(sql, "admin@farm.test", role="admin"),
        "must_change": create_user(
            sql, "new@farm.test", grants={"inventory": "write", "biofloc": "write"}, must_change=True
        ),
    }
    users["disabled"] = users["write"]
    users["admin_disabled"] = users["admin"]
    revoked = token_for(sql, users["write"])
    sql.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE user_id = %s", (users["write"],)
    )
    forged = jwt.encode(
        {**jwt.decode(token_for(sql, users["admin"]), options={"verify_signature": False})},
        secrets.token_urlsafe(48),
        algorithm="HS256",
        headers={"kid": get_settings().jwt_kid},
    )
    clock.freeze(clock.now() - timedelta(hours=1))
    expired = token_for(sql, users["admin"])
    clock.freeze(None)

    def token(kind: str) -> str | None:
        fixed = {"none": None, "forged": forged, "expired": expired, "revoked": revoked}
        if kind in fixed:
            return fixed[kind]
        return token_for(sql, users[kind])  # a fresh session per request: logout or revoke-all cannot leak

    def run(kinds: list[str]) -> list[str]:
        # Routes that end sessions run last, one at a time, so they cannot revoke another request's session.
        ordinary = [(m, p) for (m, p) in routes if (m, p) not in SESSION_ENDING]
        ending = [(m, p) for (m, p) in routes if (m, p) in SESSION_ENDING]
        prepared = [(k, m, p, concrete(m, p, config), token(k)) for k in kinds for (m, p) in ordinary]
        with httpx.Client(base_url=live_gateway.base_url, timeout=30) as http:
            with ThreadPoolExecutor(4) as pool:
                failures = [r for r in pool.map(lambda job: check(http, *job), prepared) if r]
            for k in kinds:
                for m, p in ending:
                    failures += [r for r in [check(http, k, m, p, concrete(m, p, config), token(k))] if r]
            return failures

    failures = run(["none", "forged", "expired", "revoked", "no_grant", "read", "write", "admin", "must_change"])
    sql.execute("UPDATE modules SET is_active = false WHERE key IN ('inventory', 'biofloc')")
    module_routes = [(m, p) for (m, p) in routes if MATRIX[(m, p)] in (R, W)]
    routes = module_routes
    failures += run(["disabled", "admin_disabled"])
    assert not failures, "\n" + "\n".join(failures)
    assert module_routes, "no module routes discovered"
    assert S in {MATRIX[r] for r in discovered_routes(config)}
