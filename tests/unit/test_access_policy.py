"""The access rule and the IAM policy the authorizer returns, evaluated as API Gateway does."""

from __future__ import annotations

import pytest

from farm_erp.access import (
    Subject,
    arn_matches,
    build_policy,
    can_access,
    effective_modules,
    format_modules,
    parse_modules,
    policy_allows,
)

ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1"
ALL = ("dashboard", "inventory", "biofloc", "admin")


def arn(method: str, path: str) -> str:
    return f"{ARN}/{method}/{path.lstrip('/')}"


def policy_for(subject: Subject, active: tuple[str, ...] = ALL, first: str = "GET/auth/me") -> dict[str, object]:
    return build_policy("7", f"{ARN}/{first}", subject, active, {"user_id": "7"})


ADMIN = Subject(is_active=True, is_admin=True)
READER = Subject(is_active=True, is_admin=False, grants={"inventory": "read"})
WRITER = Subject(is_active=True, is_admin=False, grants={"inventory": "write", "biofloc": "read"})
NOBODY = Subject(is_active=True, is_admin=False)


@pytest.mark.parametrize(
    ("subject", "module", "method", "active", "expected"),
    [
        (Subject(is_active=False, is_admin=True), "admin", "GET", True, False),  # inactive admin: deny
        (ADMIN, "biofloc", "POST", False, False),  # disabled module denies admins too
        (ADMIN, "admin", "DELETE", True, True),
        (NOBODY, "dashboard", "GET", True, True),
        (NOBODY, "dashboard", "POST", True, False),
        (WRITER, "admin", "GET", True, False),
        (WRITER, "inventory", "DELETE", True, True),
        (WRITER, "biofloc", "GET", True, True),
        (WRITER, "biofloc", "POST", True, False),
        (READER, "inventory", "PATCH", True, False),
        (READER, "biofloc", "GET", True, False),
    ],
)
def test_can_access_first_match_wins(subject: Subject, module: str, method: str, active: bool, expected: bool) -> None:
    assert can_access(subject, module, method, active) is expected


def test_effective_modules_only_active_ones() -> None:
    assert effective_modules(WRITER, ("dashboard", "inventory", "admin")) == {"dashboard": "read", "inventory": "write"}
    assert effective_modules(ADMIN, ("dashboard", "admin")) == {"dashboard": "write", "admin": "write"}


def test_modules_context_round_trip() -> None:
    text = format_modules({"inventory": "write", "dashboard": "read"})
    assert text == "dashboard:read,inventory:write"
    assert parse_modules(text) == {"dashboard": "read", "inventory": "write"}
    assert parse_modules(" , bogus, x:admin,inventory:read") == {"inventory": "read"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "inventory/items", True),
        ("GET", "inventory", True),
        ("GET", "inventory/items/5/lots", True),
        ("POST", "inventory/items", True),
        ("DELETE", "inventory/items/5", True),
        ("GET", "biofloc/tanks", True),
        ("POST", "biofloc/feedings", False),
        ("GET", "admin/users", False),
        ("GET", "dashboard/summary", True),
        ("POST", "dashboard/summary", False),
        ("GET", "auth/me", True),
        ("PATCH", "auth/me", True),
        ("POST", "auth/logout", True),
        ("POST", "auth/change-password", True),
        ("DELETE", "auth/sessions/12", True),
        ("GET", "auth/login-history", True),
        ("POST", "auth/me", False),
        ("GET", "inventoryx/items", False),
    ],
)
def test_writer_policy_covers_every_allowed_route(method: str, path: str, allowed: bool) -> None:
    assert policy_allows(policy_for(WRITER), arn(method, path)) is allowed


def test_cached_policy_is_built_from_grants_not_from_the_first_method_arn() -> None:
    """API Gateway caches the first policy per token: it must allow the user's other routes too."""
    cached = policy_for(READER, first="GET/dashboard/summary")
    assert policy_allows(cached, arn("GET", "inventory/items/9"))
    assert policy_allows(cached, arn("GET", "auth/me"))
    assert not policy_allows(cached, arn("POST", "inventory/items"))
    other_stage = ARN.replace("/v1", "/v2")
    assert not policy_allows(cached, f"{other_stage}/GET/inventory/items")


def test_admin_gets_the_whole_stage() -> None:
    policy = policy_for(ADMIN)
    for m, p in [("DELETE", "admin/users/3"), ("POST", "biofloc/feedings/bulk"), ("PUT", "admin/permissions/4")]:
        assert policy_allows(policy, arn(m, p))


def test_disabled_module_is_not_in_the_policy() -> None:
    policy = policy_for(WRITER, active=("dashboard", "biofloc", "admin"))
    assert not policy_allows(policy, arn("GET", "inventory/items"))
    assert policy_allows(policy, arn("GET", "biofloc/tanks"))


def test_inactive_subject_gets_an_explicit_deny() -> None:
    policy = policy_for(Subject(is_active=False, is_admin=True))
    assert not policy_allows(policy, arn("GET", "auth/me"))


def test_explicit_deny_wins() -> None:
    policy = {
        "policyDocument": {
            "Statement": [
                {"Effect": "Allow", "Resource": [f"{ARN}/*/*"], "Action": "execute-api:Invoke"},
                {"Effect": "Deny", "Resource": [f"{ARN}/DELETE/*"], "Action": "execute-api:Invoke"},
            ]
        }
    }
    assert policy_allows(policy, arn("GET", "admin/users"))
    assert not policy_allows(policy, arn("DELETE", "admin/users/1"))


def test_context_values_are_strings() -> None:
    policy = build_policy("1", arn("GET", "auth/me"), ADMIN, ALL, {"user_id": "1", "is_admin": "true"})
    assert all(isinstance(v, str) for v in policy["context"].values())


@pytest.mark.parametrize(
    ("pattern", "arn_", "matches"),
    [
        # IAM's `*` matches any run of characters, `/` included: what made `{stage}/*/inventory` match other modules.
        (f"{ARN}/*/inventory", f"{ARN}/PATCH/admin/modules/inventory", True),
        (f"{ARN}/*/inventory/*", f"{ARN}/GET/biofloc/tanks/inventory/x", True),
        (f"{ARN}/GET/inventory/*", f"{ARN}/GET/inventory/items/5/lots", True),
        (f"{ARN}/*/*", f"{ARN}/DELETE/a/b/c", True),
        (f"{ARN}/GET/inventory/*", f"{ARN}/GET/biofloc/inventory/items", False),
        (f"{ARN}/GET/inventory/*", f"{ARN}/GET/inventory", False),
        (f"{ARN}/GET/auth/sessions/?", f"{ARN}/GET/auth/sessions/7", True),  # `?`: exactly one character
        (f"{ARN}/GET/auth/sessions/?", f"{ARN}/GET/auth/sessions/17", False),
        (f"{ARN}/GET/items/[ab]", f"{ARN}/GET/items/a", False),  # `[` is a plain character in IAM
        (f"{ARN}/GET/items/[ab]", f"{ARN}/GET/items/[ab]", True),
    ],
)
def test_arn_matching_keeps_iam_semantics(pattern: str, arn_: str, matches: bool) -> None:
    """The local gateway evaluates policies with this matcher: it must be as loose as IAM, so that a policy too
    wide for production is too wide locally too."""
    assert arn_matches(pattern, arn_) is matches


@pytest.mark.parametrize("subject", [READER, WRITER, NOBODY], ids=["reader", "writer", "nobody"])
def test_no_method_wildcard_below_admin(subject: Subject) -> None:
    statement = policy_for(subject)["policyDocument"]["Statement"][0]  # type: ignore[index]
    methods = {r.removeprefix(ARN + "/").split("/", 1)[0] for r in statement["Resource"]}
    assert "*" not in methods and methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "admin/modules/inventory"),
        ("GET", "admin/modules/inventory/users"),
        ("PUT", "biofloc/water-thresholds/inventory"),
        ("GET", "biofloc/tanks/inventory"),
        ("DELETE", "biofloc/tanks/inventory"),
    ],
)
def test_a_module_grant_opens_only_that_modules_paths(method: str, path: str) -> None:
    writer = Subject(is_active=True, is_admin=False, grants={"inventory": "write"})
    assert not policy_allows(policy_for(writer), arn(method, path))
