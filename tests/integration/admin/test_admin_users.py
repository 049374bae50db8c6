"""Admin users: create, edit, deactivate, unlock, reset password, force sign-out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from admin_api.schemas.users import UserUpdate
from admin_api.services import users as users_service
from farm_erp import clock
from farm_erp.audit import Actor
from farm_erp.errors import Conflict
from farm_erp.passwords import policy_errors
from local.gateway import Gateway
from local.invokers import InProcessInvoker
from local.template_routes import ApiConfig
from tests.conftest import UserFactory
from tests.support.client import ApiClient

Sql = psycopg.Connection[dict[str, Any]]


def _activity(sql: Sql, action: str) -> list[dict[str, Any]]:
    return sql.execute("SELECT * FROM activity_logs WHERE action = %s ORDER BY id", (action,)).fetchall()


def _live_sessions(sql: Sql, user_id: int) -> int:
    row = sql.execute("SELECT count(*) AS n FROM sessions WHERE user_id = %s AND revoked_at IS NULL", (user_id,))
    return int(row.fetchone()["n"])  # type: ignore[index]


def test_create_user_returns_temporary_password_and_audits(api: ApiClient, admin_token: str, sql: Sql) -> None:
    r = api.post(
        "/admin/users",
        json={"email": "  New.Person@Farm.TEST ", "full_name": " New Person ", "role_key": "user"},
        token=admin_token,
    )
    assert r.status_code == 201, r
    body = r.json()
    user, password = body["user"], body["temporary_password"]
    assert user["email"] == "new.person@farm.test"
    assert user["full_name"] == "New Person"
    assert user["role"] == "user" and user["is_admin"] is False and user["is_active"] is True
    assert user["must_change_password"] is True
    assert len(password) == 16 and policy_errors(password) == []
    stored = sql.execute("SELECT password_hash FROM users WHERE id = %s", (user["id"],)).fetchone()
    assert stored is not None and stored["password_hash"].startswith("$2") and password not in stored["password_hash"]
    (row,) = _activity(sql, "admin.user.create")
    assert row["entity_id"] == str(user["id"]) and row["actor_email"] == "admin@farm.test"
    assert password not in str(row["metadata"])


def test_duplicate_email_is_409_even_for_inactive_users(
    api: ApiClient, admin_token: str, make_user: UserFactory
) -> None:
    make_user("gone@farm.test", active=False)
    r = api.post("/admin/users", json={"email": "GONE@farm.test", "full_name": "X"}, token=admin_token)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_email"


def test_unknown_role_is_422(api: ApiClient, admin_token: str) -> None:
    r = api.post(
        "/admin/users", json={"email": "a@farm.test", "full_name": "A", "role_key": "owner"}, token=admin_token
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "role_key"]


@pytest.fixture
def four_users(admin_token: str, make_user: UserFactory) -> int:
    """The signed-in admin, another admin, an inactive user and Zoe Fish; Zoe's id."""
    zoe, _ = make_user("zoe@farm.test", full_name="Zoe Fish")
    make_user("old@farm.test", active=False, full_name="Old Timer")
    make_user("boss@farm.test", role="admin", full_name="Boss")
    return zoe


def _users(api: ApiClient, token: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    r = api.get("/admin/users", params=params or {}, token=token)
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def test_list_users_by_email_in_the_page_envelope(api: ApiClient, admin_token: str, four_users: int) -> None:
    body = _users(api, admin_token)
    assert (body["total"], body["page"], body["limit"]) == (4, 1, 50)
    assert [u["email"] for u in body["items"]] == [
        "admin@farm.test",
        "boss@farm.test",
        "old@farm.test",
        "zoe@farm.test",
    ]


def test_list_users_filters_by_active_flag(api: ApiClient, admin_token: str, four_users: int) -> None:
    inactive = _users(api, admin_token, {"is_active": "false"})
    assert [u["email"] for u in inactive["items"]] == ["old@farm.test"] and inactive["total"] == 1


def test_list_users_filters_by_role(api: ApiClient, admin_token: str, four_users: int) -> None:
    admins = _users(api, admin_token, {"role": "admin"})
    assert {u["email"] for u in admins["items"]} == {"admin@farm.test", "boss@farm.test"}


def test_list_users_search_ignores_case(api: ApiClient, admin_token: str, four_users: int) -> None:
    found = _users(api, admin_token, {"q": "FISH"})
    assert [u["email"] for u in found["items"]] == ["zoe@farm.test"] and found["total"] == 1


def test_list_users_search_takes_wildcards_literally(api: ApiClient, admin_token: str, four_users: int) -> None:
    assert _users(api, admin_token, {"q": "%"})["total"] == 0


def test_list_users_page_counts_every_match(api: ApiClient, admin_token: str, four_users: int) -> None:
    page = _users(api, admin_token, {"page": 2, "limit": 3})
    assert page["total"] == 4 and [u["email"] for u in page["items"]] == ["zoe@farm.test"]


def test_get_user(api: ApiClient, admin_token: str, four_users: int) -> None:
    one = api.get(f"/admin/users/{four_users}", token=admin_token)
    assert one.status_code == 200 and one.json()["full_name"] == "Zoe Fish"


def test_get_unknown_user_is_404(api: ApiClient, admin_token: str) -> None:
    assert api.get("/admin/users/999999", token=admin_token).status_code == 404


def test_patch_name_audits_before_and_after(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    uid, _ = make_user("u@farm.test", full_name="Old Name")
    r = api.patch(f"/admin/users/{uid}", json={"full_name": "New Name"}, token=admin_token)
    assert r.status_code == 200 and r.json()["full_name"] == "New Name"
    (row,) = _activity(sql, "admin.user.update")
    assert row["metadata"] == {"before": {"full_name": "Old Name"}, "after": {"full_name": "New Name"}}


def test_role_change_and_deactivation_revoke_sessions(
    api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql
) -> None:
    uid, tok = make_user("u@farm.test")
    r = api.patch(f"/admin/users/{uid}", json={"role_key": "admin"}, token=admin_token)
    assert r.status_code == 200 and r.json()["is_admin"] is True
    reasons = sql.execute("SELECT revoked_reason FROM sessions WHERE user_id = %s", (uid,)).fetchall()
    assert [x["revoked_reason"] for x in reasons] == ["role_changed"]
    assert api.get("/dashboard/modules", token=tok).status_code == 401

    vid, _ = make_user("v@farm.test")
    r = api.delete(f"/admin/users/{vid}", token=admin_token)
    assert r.status_code == 204 and r.content == b""
    user = sql.execute("SELECT is_active FROM users WHERE id = %s", (vid,)).fetchone()
    assert user is not None and user["is_active"] is False
    reasons = sql.execute("SELECT revoked_reason FROM sessions WHERE user_id = %s", (vid,)).fetchall()
    assert [x["revoked_reason"] for x in reasons] == ["user_deactivated"]
    (row,) = _activity(sql, "admin.user.deactivate")
    assert row["metadata"]["before"] == {"is_active": True} and row["metadata"]["sessions_revoked"] == 1


def test_scenario_6_admins(api: ApiClient, make_user: UserFactory) -> None:
    a_id, a_tok = make_user("a@farm.test", role="admin")
    # The sole admin A demoting themselves is 409.
    r = api.patch(f"/admin/users/{a_id}", json={"role_key": "user"}, token=a_tok)
    assert r.status_code == 409 and r.json()["code"] == "self_change"
    # With admins A and B, A deactivates B (200), then A deactivating A is 409.
    b_id, _ = make_user("b@farm.test", role="admin")
    r = api.patch(f"/admin/users/{b_id}", json={"is_active": False}, token=a_tok)
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = api.patch(f"/admin/users/{a_id}", json={"is_active": False}, token=a_tok)
    assert r.status_code == 409 and r.json()["code"] == "self_change"
    r = api.delete(f"/admin/users/{a_id}", token=a_tok)
    assert r.status_code == 409 and r.json()["code"] == "self_change"


def test_a_demoted_admin_with_a_cached_policy_can_no_longer_demote(
    make_user: UserFactory, config: ApiConfig, in_process: InProcessInvoker, sql: Sql
) -> None:
    """A was demoted by B, but A's cached policy still says admin: A's next admin request is refused, so A cannot
    demote, deactivate or delete B (which would also leave no admin)."""
    cached = ApiClient(Gateway(config, in_process, authorizer_ttl=120))
    a_id, a_tok = make_user("a@farm.test", role="admin")
    b_id, b_tok = make_user("b@farm.test", role="admin")
    assert cached.get("/admin/users", token=a_tok).status_code == 200  # A's admin policy is now cached
    assert cached.patch(f"/admin/users/{a_id}", json={"role_key": "user"}, token=b_tok).status_code == 200
    r = cached.patch(f"/admin/users/{b_id}", json={"role_key": "user"}, token=a_tok)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"  # the role change ended A's sessions
    r = cached.patch(f"/admin/users/{b_id}", json={"is_active": False}, token=a_tok)
    assert r.status_code == 401
    assert cached.delete(f"/admin/users/{b_id}", token=a_tok).status_code == 401
    b = sql.execute("SELECT is_active, role_id FROM users WHERE id = %s", (b_id,)).fetchone()
    admin_role = sql.execute("SELECT id FROM roles WHERE key = 'admin'").fetchone()
    assert b is not None and admin_role is not None and b == {"is_active": True, "role_id": admin_role["id"]}


def test_concurrent_demotions_leave_one_admin(db_url: str, make_user: UserFactory) -> None:
    """Two admins demote each other at the same time: the second waits for the first and gets last_admin."""
    a_id, _ = make_user("a@farm.test", role="admin")
    b_id, _ = make_user("b@farm.test", role="admin")
    actor_a = Actor(a_id, "a@farm.test", "admin")
    actor_b = Actor(b_id, "b@farm.test", "admin")
    outcome: dict[str, Any] = {}
    with (
        psycopg.connect(db_url, prepare_threshold=None, row_factory=dict_row) as first,
        psycopg.connect(db_url, prepare_threshold=None, row_factory=dict_row) as second,
    ):
        # the first demotion holds the admin locks until it commits
        users_service.update_user(first, actor_a, b_id, UserUpdate(role_key="user"), clock.now())

        def other() -> None:
            try:
                users_service.update_user(second, actor_b, a_id, UserUpdate(role_key="user"), clock.now())
                outcome["result"] = "demoted"
            except Conflict as exc:
                outcome["result"] = exc.code
            finally:
                second.rollback()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second demotion must wait for the first one's locks"
        first.commit()
        thread.join(timeout=10)
    assert outcome["result"] == "last_admin"


def test_unlock_clears_lockout(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    clock.freeze(datetime(2025, 1, 5, 9, 0, tzinfo=UTC))
    uid, _ = make_user("u@farm.test")
    sql.execute(
        "UPDATE users SET failed_login_attempts = 5, locked_until = %s WHERE id = %s",
        (clock.now() + timedelta(minutes=15), uid),
    )
    before = api.get(f"/admin/users/{uid}", token=admin_token).json()
    assert before["is_locked"] is True and before["failed_login_attempts"] == 5
    r = api.post(f"/admin/users/{uid}/unlock", token=admin_token)
    assert r.status_code == 200
    assert (
        r.json()["is_locked"] is False and r.json()["failed_login_attempts"] == 0 and r.json()["locked_until"] is None
    )
    (row,) = _activity(sql, "admin.user.unlock")
    assert row["metadata"]["before"]["failed_login_attempts"] == 5
    assert api.post("/admin/users/999999/unlock", token=admin_token).status_code == 404


def test_reset_password(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    uid, tok = make_user("u@farm.test")
    sql.execute("UPDATE users SET failed_login_attempts = 3 WHERE id = %s", (uid,))
    r = api.post(f"/admin/users/{uid}/reset-password", token=admin_token)
    assert r.status_code == 200
    password = r.json()["temporary_password"]
    assert policy_errors(password) == [] and set(r.json()) == {"temporary_password"}
    user = sql.execute("SELECT must_change_password, failed_login_attempts FROM users WHERE id = %s", (uid,)).fetchone()
    assert user == {"must_change_password": True, "failed_login_attempts": 0}
    reasons = sql.execute("SELECT revoked_reason FROM sessions WHERE user_id = %s", (uid,)).fetchall()
    assert [x["revoked_reason"] for x in reasons] == ["password_reset"]
    assert api.get("/dashboard/modules", token=tok).status_code == 401
    (row,) = _activity(sql, "admin.user.reset_password")
    assert password not in str(row["metadata"]) and row["metadata"]["sessions_revoked"] == 1
    assert api.post("/admin/users/999999/reset-password", token=admin_token).status_code == 404


def test_force_sign_out(api: ApiClient, admin_token: str, make_user: UserFactory, sql: Sql) -> None:
    uid, tok = make_user("u@farm.test")
    from tests.support.factories import token_for

    token_for(sql, uid)
    r = api.delete(f"/admin/users/{uid}/sessions", token=admin_token)
    assert r.status_code == 200 and r.json() == {"revoked": 2}
    assert _live_sessions(sql, uid) == 0
    reasons = {
        x["revoked_reason"] for x in sql.execute("SELECT revoked_reason FROM sessions WHERE user_id = %s", (uid,))
    }
    assert reasons == {"admin_revoked"}
    assert api.get("/dashboard/summary", token=tok).status_code == 401
    assert api.delete(f"/admin/users/{uid}/sessions", token=admin_token).json() == {"revoked": 0}
    assert len(_activity(sql, "admin.user.revoke_sessions")) == 2
    assert api.delete("/admin/users/999999/sessions", token=admin_token).status_code == 404


def test_non_admin_is_refused(api: ApiClient, make_user: UserFactory) -> None:
    _, tok = make_user("u@farm.test", grants={"inventory": "write", "biofloc": "write"})
    assert api.get("/admin/users", token=tok).status_code == 403
    assert api.post("/admin/users", json={"email": "x@farm.test", "full_name": "X"}, token=tok).status_code == 403


def test_idempotent_create(api: ApiClient, admin_token: str, sql: Sql) -> None:
    """Scenario 11 on an admin POST: same key and body twice give one user and the same 201 body, except that the
    one-time temporary password is not kept for replays (it is stored as null, never in clear text)."""
    body = {"email": "idem@farm.test", "full_name": "Idem Potent"}
    first = api.post("/admin/users", json=body, token=admin_token, headers={"Idempotency-Key": "k1"})
    second = api.post("/admin/users", json=body, token=admin_token, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["temporary_password"]
    assert second.json() == {**first.json(), "temporary_password": None}
    stored = sql.execute("SELECT response FROM idempotency_keys WHERE key = 'k1'").fetchone()
    assert stored is not None and first.json()["temporary_password"] not in stored["response"]
    assert second.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    count = sql.execute("SELECT count(*) AS n FROM users WHERE email = 'idem@farm.test'").fetchone()
    assert count is not None and count["n"] == 1
    other = api.post(
        "/admin/users", json={**body, "full_name": "Other"}, token=admin_token, headers={"Idempotency-Key": "k1"}
    )
    assert other.status_code == 422
    # A 409 is replayed too: the same key again gives the same conflict.
    dup = api.post("/admin/users", json=body, token=admin_token, headers={"Idempotency-Key": "k2"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_email"
