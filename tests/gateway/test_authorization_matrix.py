"""The authorization matrix (docs/rules.md) through the local gateway over HTTP: for every route of every
function and every kind of caller, the status the rule says. Routes come from the template (public ones) and
from each function's OpenAPI; one missing from `authz_matrix.MATRIX` fails the test.

Also: the authorizer's policy decides exactly as the access rule for every route, method and caller; paths that
name one module inside another's are refused by the gateway itself; and every kind of revocation refuses the very
next request while the token's policy is still in the gateway's cache (the template's TTL).
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from farm_erp import clock
from farm_erp.access import GRANTABLE_MODULES, Subject, build_policy, can_access, format_modules, policy_allows
from farm_erp.settings import get_settings
from local.gateway import API_ID, Gateway
from local.invokers import InProcessInvoker
from local.openapi import merged as merged_openapi
from local.template_routes import ApiConfig, match
from tests.gateway.authz_matrix import CROSS_MODULE, MATRIX, PASSWORD_CHANGE_EXEMPT, A, P, R, S, W
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user, live_session, token_for
from tests.support.live import LiveGateway
from tests.support.recording import RecordingInvoker

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


# --- the policy decides as the rule does ---------------------------------------------------------------------------

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")  # what an ANY route passes to the authorizer
STAGE_ARN = f"arn:aws:execute-api:eu-west-1:123456789012:{API_ID}/v1"


def rule(subject: Subject, method: str, path: str, active: frozenset[str]) -> bool:
    """What the access rule says for one request: self-service routes for every signed-in user, a module's own
    routes by can_access (admin and dashboard are modules too).

    One deliberate difference: an admin's policy is the whole stage, disabled modules included, so that the
    function answers them 403 `module_disabled` (test_authorization_matrix's admin_disabled) rather than the
    gateway a bare 403. For admins the module's flag is therefore the function's decision, not the policy's.
    """
    module = path.strip("/").split("/")[0]
    if module == "auth":
        return subject.is_active and (subject.is_admin or MATRIX.get((method, path)) == S)
    return can_access(subject, module, method, subject.is_admin or module in active)


def subjects() -> dict[str, Subject]:
    out = {"inactive": Subject(is_active=False, is_admin=False, grants={"inventory": "write"})}
    out["admin"] = Subject(is_active=True, is_admin=True)
    for inv, bio in itertools.product((None, "read", "write"), repeat=2):
        grants = {k: v for k, v in (("inventory", inv), ("biofloc", bio)) if v}
        out[f"user {grants}"] = Subject(is_active=True, is_admin=False, grants=grants)
    return out


def test_policy_decision_equals_the_access_rule_for_every_route(config: ApiConfig) -> None:
    """Every signed-in route of the template (path parameters filled with ids and with each module key, so paths
    that name another module are in), every method, every kind of caller, each grantable module on or off."""
    protected = sorted(r for r in discovered_routes(config) if MATRIX.get(r) != P)
    paths = {(p.replace("{}", "7"), p) for _, p in protected} | {
        (p.replace("{}", key), p) for _, p in protected for key in ("inventory", "biofloc", "admin", "dashboard")
    }
    disabled_sets = [
        set(c) for n in range(len(GRANTABLE_MODULES) + 1) for c in itertools.combinations(GRANTABLE_MODULES, n)
    ]
    wrong = []
    for disabled in disabled_sets:
        active = frozenset({"dashboard", "inventory", "biofloc", "admin"} - disabled)
        for kind, subject in subjects().items():
            policy = build_policy("7", f"{STAGE_ARN}/GET/auth/me", subject, sorted(active), {})
            for method, (concrete_path, pattern) in itertools.product(METHODS, sorted(paths)):
                allowed = policy_allows(policy, f"{STAGE_ARN}/{method}{concrete_path}")
                if allowed != rule(subject, method, pattern, active):
                    wrong.append(f"{kind:40} off={sorted(disabled)} {method} {concrete_path}: policy says {allowed}")
    assert not wrong, f"{len(wrong)} decisions differ, e.g.\n" + "\n".join(wrong[:20])
    assert len(paths) > 100


@pytest.mark.parametrize(
    ("grants", "method", "path"),
    CROSS_MODULE,
    ids=[f"{format_modules(g) or 'none'} {m} {p}" for g, m, p in CROSS_MODULE],
)
def test_cross_module_paths_are_refused_by_the_gateway(
    grants: dict[str, str], method: str, path: str, sql: Any, config: ApiConfig, in_process: InProcessInvoker
) -> None:
    recorder = RecordingInvoker(in_process)
    api = ApiClient(Gateway(config, recorder))
    token = token_for(sql, create_user(sql, "caller@farm.test", grants=grants))
    r = api.request(method, path, json={} if method in ("PUT", "PATCH") else None, token=token)
    assert (r.status_code, r.json()) == (403, {"detail": "Forbidden", "code": "forbidden"})  # the gateway's own answer
    assert recorder.take() == [config.authorizer.logical_id]  # no module function ran


# --- revocation takes effect on the next request, whatever the cache holds -------------------------------------------


@dataclass
class Parties:
    api: ApiClient
    sql: Any
    admin: str  # an admin's token (another session than the caller's)
    user_id: int
    session_id: int
    token: str


@dataclass
class Revocation:
    caller: dict[str, Any]  # create_user arguments
    warm: tuple[str, str]  # a request the caller makes first: its policy is then in the cache
    change: Callable[[Parties], Response | None]
    refused: list[tuple[str, str, int, str]]  # (method, path, status, code) of the very next requests
    still: list[tuple[str, str]] = field(default_factory=list)  # requests that keep working


WRITER = {"grants": {"inventory": "write", "biofloc": "write"}}
ENDED = [
    ("GET", "/inventory/items", 401, "not_authenticated"),
    ("POST", "/inventory/categories", 401, "not_authenticated"),
    ("GET", "/dashboard/summary", 401, "not_authenticated"),
    ("GET", "/auth/me", 401, "not_authenticated"),
    ("PATCH", "/auth/me", 401, "not_authenticated"),
]


REVOCATIONS: dict[str, Revocation] = {
    "logout": Revocation(
        WRITER, ("GET", "/inventory/items"), lambda p: p.api.post("/auth/logout", token=p.token), ENDED
    ),
    "session revoked by an admin": Revocation(
        WRITER,
        ("GET", "/inventory/items"),
        lambda p: p.api.delete(f"/admin/security/sessions/{p.session_id}", token=p.admin),
        ENDED,
    ),
    "all sessions revoked by an admin": Revocation(
        WRITER,
        ("POST", "/inventory/categories"),
        lambda p: p.api.delete(f"/admin/users/{p.user_id}/sessions", token=p.admin),
        ENDED,
    ),
    "user deactivated": Revocation(
        WRITER,
        ("GET", "/inventory/items"),
        lambda p: p.api.patch(f"/admin/users/{p.user_id}", json={"is_active": False}, token=p.admin),
        ENDED,
    ),
    "role changed admin to user": Revocation(
        {"role": "admin"},
        ("GET", "/admin/users"),
        lambda p: p.api.patch(f"/admin/users/{p.user_id}", json={"role_key": "user"}, token=p.admin),
        [
            ("GET", "/admin/users", 401, "not_authenticated"),
            ("POST", "/admin/users", 401, "not_authenticated"),
            ("GET", "/inventory/items", 401, "not_authenticated"),
        ],
    ),
    # The API ends the sessions of a user whose role changes; the role itself is also read on every request.
    "role changed admin to user, sessions kept": Revocation(
        {"role": "admin"},
        ("GET", "/admin/users"),
        lambda p: (
            p.sql.execute(
                "UPDATE users SET role_id = (SELECT id FROM roles WHERE key = 'user') WHERE id = %s", (p.user_id,)
            )
            and None
        ),
        [
            ("GET", "/admin/users", 403, "module_forbidden"),
            ("PATCH", "/admin/modules/inventory", 403, "module_forbidden"),
            ("GET", "/inventory/items", 403, "module_forbidden"),
        ],
        still=[("GET", "/auth/me"), ("GET", "/dashboard/summary")],
    ),
    "grant lowered from write to read": Revocation(
        WRITER,
        ("POST", "/inventory/categories"),
        lambda p: p.api.put(
            f"/admin/permissions/{p.user_id}",
            json={
                "grants": [{"module_key": "inventory", "access": "read"}, {"module_key": "biofloc", "access": "write"}]
            },
            token=p.admin,
        ),
        [
            ("POST", "/inventory/categories", 403, "module_forbidden"),
            ("PATCH", "/inventory/items/1", 403, "module_forbidden"),
            ("DELETE", "/inventory/units/1", 403, "module_forbidden"),
        ],
        still=[("GET", "/inventory/items"), ("GET", "/biofloc/tanks")],
    ),
    "grant removed": Revocation(
        WRITER,
        ("GET", "/inventory/items"),
        lambda p: p.api.put(
            f"/admin/permissions/{p.user_id}",
            json={"grants": [{"module_key": "biofloc", "access": "write"}]},
            token=p.admin,
        ),
        [
            ("GET", "/inventory/items", 403, "module_forbidden"),
            ("POST", "/inventory/categories", 403, "module_forbidden"),
        ],
        still=[("GET", "/biofloc/tanks"), ("GET", "/dashboard/summary")],
    ),
    "module disabled": Revocation(
        WRITER,
        ("GET", "/inventory/items"),
        lambda p: p.api.patch("/admin/modules/inventory", json={"is_active": False}, token=p.admin),
        [
            ("GET", "/inventory/items", 403, "module_disabled"),
            ("POST", "/inventory/categories", 403, "module_disabled"),
        ],
        still=[("GET", "/biofloc/tanks")],
    ),
    "module disabled, admin caller": Revocation(
        {"role": "admin"},
        ("GET", "/inventory/items"),
        lambda p: p.api.patch("/admin/modules/inventory", json={"is_active": False}, token=p.admin),
        [("GET", "/inventory/items", 403, "module_disabled"), ("DELETE", "/inventory/items/1", 403, "module_disabled")],
        still=[("GET", "/admin/users")],
    ),
}


@pytest.mark.parametrize("case", list(REVOCATIONS), ids=list(REVOCATIONS))
def test_revocation_refuses_the_very_next_request(
    case: str, sql: Any, config: ApiConfig, in_process: InProcessInvoker
) -> None:
    """The change is made while the caller's policy is in the gateway's cache (the template's default TTL): the
    next requests reach the function on that cached policy (no authorizer call) and the function refuses them."""
    rev = REVOCATIONS[case]
    assert config.authorizer_ttl >= 60  # the template's default: the cache is live for the whole test
    recorder = RecordingInvoker(in_process)
    api = ApiClient(Gateway(config, recorder))
    admin = token_for(sql, create_user(sql, "boss@farm.test", role="admin"))
    user_id = create_user(sql, "caller@farm.test", **rev.caller)
    session_id = live_session(sql, user_id)
    token = token_for(sql, user_id, session_id)
    method, path = rev.warm
    warm = api.request(method, path, json={} if method != "GET" else None, token=token)
    assert warm.status_code not in (401, 403), warm
    for m, p in rev.still:  # cached too, before the change
        assert api.request(m, p, token=token).status_code == 200
    changed = rev.change(Parties(api, sql, admin, user_id, session_id, token))
    assert changed is None or changed.status_code < 300, changed
    recorder.take()
    for m, p, status, code in rev.refused:
        r = api.request(m, p, json={} if m in ("POST", "PUT", "PATCH") else None, token=token)
        assert (r.status_code, r.json().get("code")) == (status, code), f"{m} {p}: {r}"
        found = match(config.routes, m, p)
        assert found is not None
        # The policy came from the cache (no authorizer call) and the function refused the request itself.
        assert recorder.take() == [found[0].function.logical_id], f"{m} {p}"
    for m, p in rev.still:
        assert api.request(m, p, token=token).status_code == 200, f"{m} {p}"


def test_dashboard_follows_the_current_grants(sql: Any, config: ApiConfig, in_process: InProcessInvoker) -> None:
    api = ApiClient(Gateway(config, in_process))
    admin = token_for(sql, create_user(sql, "boss@farm.test", role="admin"))
    user_id = create_user(sql, "caller@farm.test", grants={"inventory": "read"})
    token = token_for(sql, user_id)
    assert [m["key"] for m in api.get("/dashboard/modules", token=token).json()["items"]] == ["dashboard", "inventory"]
    assert "inventory" in api.get("/dashboard/summary", token=token).json()
    assert api.put(f"/admin/permissions/{user_id}", json={"grants": []}, token=admin).status_code == 200
    assert [m["key"] for m in api.get("/dashboard/modules", token=token).json()["items"]] == ["dashboard"]
    assert "inventory" not in api.get("/dashboard/summary", token=token).json()
