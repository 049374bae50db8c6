"""Bad input on every admin route is a 4xx with a detail, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import UserFactory
from tests.support.client import ApiClient

HUGE = "x" * 10_000
BIG_ID = "99999999999999999999"

# (method, path with {uid} for an existing user, request keyword arguments)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # users
    ("GET", "/admin/users", {"params": {"page": 0}}),
    ("GET", "/admin/users", {"params": {"limit": 201}}),
    ("GET", "/admin/users", {"params": {"is_active": "maybe"}}),
    ("GET", "/admin/users", {"params": {"q": HUGE}}),
    ("GET", "/admin/users", {"params": {"role": HUGE}}),
    ("POST", "/admin/users", {}),
    ("POST", "/admin/users", {"json": {}}),
    ("POST", "/admin/users", {"data": b"{not json"}),
    ("POST", "/admin/users", {"json": []}),
    ("POST", "/admin/users", {"json": {"email": "a@farm.test", "full_name": "A", "extra": 1}}),
    ("POST", "/admin/users", {"json": {"email": "not-an-email", "full_name": "A"}}),
    ("POST", "/admin/users", {"json": {"email": HUGE + "@farm.test", "full_name": "A"}}),
    ("POST", "/admin/users", {"json": {"email": "a@farm.test", "full_name": HUGE}}),
    ("POST", "/admin/users", {"json": {"email": "a@farm.test", "full_name": "   "}}),
    ("POST", "/admin/users", {"json": {"email": "a@farm.test", "full_name": 5}}),
    ("POST", "/admin/users", {"json": {"email": "a@farm.test", "full_name": "A", "role_key": HUGE}}),
    ("POST", "/admin/users", {"json": {"email": "a@farm.test", "full_name": "A", "role_key": None}}),
    ("GET", "/admin/users/abc", {}),
    ("GET", "/admin/users/0", {}),
    ("GET", f"/admin/users/{BIG_ID}", {}),
    ("GET", "/admin/users/999999", {}),
    ("PATCH", "/admin/users/{uid}", {"json": {}}),
    ("PATCH", "/admin/users/{uid}", {}),
    ("PATCH", "/admin/users/{uid}", {"json": {"is_active": "yes"}}),
    ("PATCH", "/admin/users/{uid}", {"json": {"is_active": None}}),
    ("PATCH", "/admin/users/{uid}", {"json": {"full_name": None}}),
    ("PATCH", "/admin/users/{uid}", {"json": {"full_name": HUGE}}),
    ("PATCH", "/admin/users/{uid}", {"json": {"role_key": "owner"}}),
    ("PATCH", "/admin/users/{uid}", {"json": {"email": "x@farm.test"}}),
    ("PATCH", "/admin/users/999999", {"json": {"full_name": "X"}}),
    ("PATCH", "/admin/users/abc", {"json": {"full_name": "X"}}),
    ("DELETE", "/admin/users/999999", {}),
    ("DELETE", f"/admin/users/{BIG_ID}", {}),
    ("POST", "/admin/users/999999/unlock", {}),
    ("POST", "/admin/users/abc/unlock", {}),
    ("POST", "/admin/users/999999/reset-password", {}),
    ("POST", "/admin/users/-1/reset-password", {}),
    ("DELETE", "/admin/users/999999/sessions", {}),
    ("DELETE", "/admin/users/abc/sessions", {}),
    # roles and modules
    ("GET", "/admin/roles", {"params": {"limit": 0}}),
    ("GET", "/admin/modules", {"params": {"page": "x"}}),
    ("PATCH", "/admin/modules/inventory", {"json": {}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"key": "x"}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"name": None}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"name": HUGE}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"description": HUGE}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"display_order": -1}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"display_order": "1"}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"display_order": 10**30}}),
    ("PATCH", "/admin/modules/inventory", {"json": {"is_active": "false"}}),
    ("PATCH", "/admin/modules/nope", {"json": {"icon": "x"}}),
    ("PATCH", f"/admin/modules/{HUGE}", {"json": {"icon": "x"}}),
    ("GET", "/admin/modules/nope/users", {}),
    ("GET", "/admin/modules/inventory/users", {"params": {"limit": 1000}}),
    # permissions
    ("GET", "/admin/permissions/999999", {}),
    ("GET", "/admin/permissions/abc", {}),
    ("PUT", "/admin/permissions/{uid}", {}),
    ("PUT", "/admin/permissions/{uid}", {"json": {}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": None}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": "inventory"}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": [{"module_key": "inventory"}]}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": [{"module_key": HUGE, "access": "read"}]}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": [{"module_key": "inventory", "access": "read", "x": 1}]}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": [{"module_key": "x", "access": "read"}] * 51}}),
    ("PUT", "/admin/permissions/{uid}", {"json": {"grants": [], "extra": True}}),
    ("PUT", "/admin/permissions/999999", {"json": {"grants": []}}),
    # activity and statistics
    ("GET", "/admin/activity-logs", {"params": {"from": "yesterday"}}),
    ("GET", "/admin/activity-logs", {"params": {"from": "2025-02-30"}}),
    ("GET", "/admin/activity-logs", {"params": {"user_id": "abc"}}),
    ("GET", "/admin/activity-logs", {"params": {"user_id": BIG_ID}}),
    ("GET", "/admin/activity-logs", {"params": {"success": "perhaps"}}),
    ("GET", "/admin/activity-logs", {"params": {"action": HUGE}}),
    ("GET", "/admin/activity-logs", {"params": {"module_key": HUGE}}),
    ("GET", "/admin/activity-logs", {"params": {"from": "2000-01-01", "to": "2030-01-01"}}),
    # security
    ("GET", "/admin/security/sessions", {"params": {"live_only": "sometimes"}}),
    ("GET", "/admin/security/sessions", {"params": {"user_id": "-5"}}),
    ("DELETE", "/admin/security/sessions/999999", {}),
    ("DELETE", "/admin/security/sessions/abc", {}),
    ("DELETE", f"/admin/security/sessions/{BIG_ID}", {}),
    ("GET", "/admin/security/login-history", {"params": {"status": "maybe"}}),
    ("GET", "/admin/security/login-history", {"params": {"email": HUGE}}),
    ("GET", "/admin/security/login-history", {"params": {"from": "2025-03-02", "to": "2025-03-01"}}),
    ("GET", "/admin/security/login-history", {"params": {"to": "31/03/2025"}}),
    ("GET", "/admin/nope", {}),
    ("POST", "/admin/statistics", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), CASES)
def test_bad_input_is_4xx_with_detail(
    api: ApiClient, admin_token: str, make_user: UserFactory, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    uid, _ = make_user("target@farm.test", grants={"inventory": "read"})
    r = api.request(method, path.replace("{uid}", str(uid)), token=admin_token, **kwargs)
    assert 400 <= r.status_code < 500, r
    assert "detail" in r.json()


def test_every_admin_route_is_refused_to_non_admins(api: ApiClient, make_user: UserFactory) -> None:
    uid, tok = make_user("u@farm.test", grants={"inventory": "write", "biofloc": "write"})
    seen = set()
    for method, path, _ in CASES:
        key = (method, path)
        if key in seen:
            continue
        seen.add(key)
        r = api.request(method, path.replace("{uid}", str(uid)), token=tok, json={})
        assert r.status_code == 403, (method, path, r)
