"""Who may do what: the single access rule (docs/rules.md: The access rule) and the IAM policy built from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

MODULE_KEYS = ("dashboard", "inventory", "biofloc", "admin")
GRANTABLE_MODULES = ("inventory", "biofloc")
Access = Literal["read", "write"]
# A read grant allows GET only; a write grant allows any method, i.e. each method an ANY route hands to the
# authorizer (OPTIONS is the CORS preflight, which skips it). No function serves HEAD: it gets their 405.
READ_METHODS = ("GET",)
ANY_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

# Routes every signed-in user may call, whatever their grants (method, path below the stage).
SELF_SERVICE_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "auth/me"),
    ("PATCH", "auth/me"),
    ("POST", "auth/logout"),
    ("POST", "auth/change-password"),
    ("GET", "auth/sessions"),
    ("DELETE", "auth/sessions"),
    ("DELETE", "auth/sessions/*"),
    ("GET", "auth/login-history"),
    ("GET", "dashboard"),
    ("GET", "dashboard/*"),
)
# While must_change_password is set only these pass (docs/rules.md: Sign-in and passwords).
PASSWORD_CHANGE_ROUTES = {("GET", "/auth/me"), ("POST", "/auth/change-password"), ("POST", "/auth/logout")}


@dataclass(frozen=True)
class Subject:
    """What the access rule needs to know about a caller."""

    is_active: bool
    is_admin: bool
    grants: Mapping[str, str] = field(default_factory=dict)


def can_access(subject: Subject, module: str, method: str, module_active: bool) -> bool:
    """The access decision (first match wins): used by the authorizer, principal(), sidebar, widgets, summary."""
    if not subject.is_active or not module_active:
        return False
    if subject.is_admin:
        return True
    is_read = method.upper() in READ_METHODS
    if module == "dashboard" and is_read:
        return True
    if module == "admin":
        return False
    grant = subject.grants.get(module)
    if grant == "write":
        return True
    return grant == "read" and is_read


def effective_modules(subject: Subject, active_modules: Iterable[str]) -> dict[str, Access]:
    """Active modules the subject may use, with the strongest access the rule gives."""
    out: dict[str, Access] = {}
    for module in active_modules:
        if can_access(subject, module, "POST", True):
            out[module] = "write"
        elif can_access(subject, module, "GET", True):
            out[module] = "read"
    return out


def format_modules(modules: Mapping[str, str]) -> str:
    """Authorizer context value, e.g. "dashboard:read,inventory:write" (context values must be strings)."""
    return ",".join(f"{k}:{v}" for k, v in sorted(modules.items()))


def parse_modules(value: str | None) -> dict[str, str]:
    """Inverse of format_modules; tolerant of blanks."""
    out: dict[str, str] = {}
    for part in (value or "").split(","):
        key, _, access = part.strip().partition(":")
        if key and access in ("read", "write"):
            out[key] = access
    return out


def api_prefix(method_arn: str) -> tuple[str, str]:
    """Split `arn:aws:execute-api:region:acct:apiId/stage/METHOD/path` into (arn up to the api id, stage)."""
    arn_head, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0] if rest else "*"
    return arn_head, stage


def build_policy(
    principal_id: str,
    method_arn: str,
    subject: Subject,
    active_modules: Iterable[str],
    context: Mapping[str, str],
) -> dict[str, Any]:
    """The IAM policy for every route the user may call, never only the incoming methodArn.

    API Gateway caches the policy per token, so a policy that named only the first route would deny
    the user's other routes until the cache expires.

    Each method is named: in IAM resource matching `*` matches any characters, `/` included, so a method
    wildcard (`{stage}/*/inventory/*`) would also match `PATCH /admin/modules/inventory` or
    `GET /biofloc/tanks/inventory`. Only an admin, who may call every route, gets `{stage}/*/*`.
    """
    head, stage = api_prefix(method_arn)
    resources: list[str] = []
    if subject.is_active and subject.is_admin:
        resources.append(f"{head}/{stage}/*/*")
    elif subject.is_active:
        resources.extend(f"{head}/{stage}/{m}/{p}" for m, p in SELF_SERVICE_ROUTES)
        for module, access in sorted(effective_modules(subject, active_modules).items()):
            if module == "dashboard":
                continue  # already listed: GET only
            for verb in ANY_METHODS if access == "write" else READ_METHODS:
                resources.append(f"{head}/{stage}/{verb}/{module}")
                resources.append(f"{head}/{stage}/{verb}/{module}/*")
    statement: dict[str, Any]
    if resources:
        statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resources}
    else:
        statement = {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [f"{head}/{stage}/*/*"]}
    return {
        "principalId": principal_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": dict(context),
    }


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching as API Gateway applies it: `*` matches any run of characters (including `/`)."""
    import fnmatch

    return fnmatch.fnmatchcase(arn, pattern.replace("[", "[[]"))


def policy_allows(policy: Mapping[str, Any], method_arn: str) -> bool:
    """Evaluate a policy document for one methodArn: an explicit Deny wins, otherwise an Allow is needed."""
    allowed = False
    for st in policy.get("policyDocument", {}).get("Statement", []):
        resources = st.get("Resource", [])
        if isinstance(resources, str):
            resources = [resources]
        if any(arn_matches(r, method_arn) for r in resources):
            if st.get("Effect") == "Deny":
                return False
            if st.get("Effect") == "Allow":
                allowed = True
    return allowed
