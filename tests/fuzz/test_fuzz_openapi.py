"""Schemathesis over HTTP through the local gateway: every operation of the merged OpenAPI document (what
docs/openapi.json holds), as an admin and as a read-only user, with a few derandomized examples each. No answer may
be a 5xx, every status must be one the operation documents, and every body must match the schema documented for
its status (an error's `code` included: the documented enums list the codes each operation uses)."""

from __future__ import annotations

import copy
import functools
import importlib
from typing import Any

import hypothesis
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from local.openapi import merged
from local.template_routes import api_config
from tests.support.factories import create_user, token_for
from tests.support.live import LiveGateway

pytestmark = [pytest.mark.slow, pytest.mark.gateway]

MAX_EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
CONFIG = api_config()
FUNCTIONS = sorted({r.function.logical_id for r in CONFIG.routes})
ROLES: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "reader": {"role": "user", "grants": {"inventory": "read", "biofloc": "read"}},
}


@functools.cache
def _merged() -> dict[str, Any]:
    return merged(CONFIG)


def function_schema(logical_id: str) -> Any:
    """The merged document (as the gateway serves it) narrowed to this function's operations."""
    fn = CONFIG.functions[logical_id]
    own = set(importlib.import_module(fn.module).app.openapi()["paths"])
    doc = copy.deepcopy(_merged())
    doc["paths"] = {path: ops for path, ops in doc["paths"].items() if path in own}
    return schemathesis.openapi.from_dict(doc)


def _fuzz_operation(operation: Any, base_url: str, token: str) -> str | None:
    """The first failure of this operation, as a readable report with a curl command; None when all pass."""
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if failures:
            return
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
        except (Exception, FailureGroup) as exc:  # noqa: BLE001 - every failure is reported with its request
            failures.append(_describe(operation.label, exc, case.as_curl_command(headers=headers, base_url=base_url)))

    run()
    return failures[0] if failures else None


def _describe(label: str, exc: BaseException, curl: str) -> str:
    parts = getattr(exc, "exceptions", None) or [exc]
    lines = [f"{label}"]
    for part in parts:
        title = getattr(part, "title", type(part).__name__)
        message = " ".join(str(getattr(part, "message", part)).split())
        lines.append(f"  - {title}: {message[:400]}")
    lines.append(f"  reproduce: {curl[:600]}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("function", FUNCTIONS)
def test_fuzz_no_server_error_and_schema_conformance(
    live_gateway: LiveGateway, sql: psycopg.Connection[dict[str, Any]], function: str, role: str
) -> None:
    user_id = create_user(sql, f"fuzz-{role}@farm.test", **ROLES[role])
    operations = [result.ok() for result in function_schema(function).get_all_operations()]
    assert operations, f"{function} has no operation"
    failures = []
    for operation in operations:
        # A fresh session per operation: logout, password change or self-deactivation end the previous one.
        failure = _fuzz_operation(operation, live_gateway.base_url, token_for(sql, user_id))
        if failure:
            failures.append(failure)
    assert not failures, f"{len(failures)} of {len(operations)} operations failed:\n\n" + "\n\n".join(failures)
