"""Change-password (scenario 7), forgot-password (outbox, SES via moto, 500 ms floor), reset (scenario 8)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.policy import default
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from farm_erp import clock, settings
from farm_erp.passwords import verify_password
from tests.integration.auth.auth_helpers import NEW_PASSWORD, SQL, actions, reset_tokens, sessions_of, user_row
from tests.support.client import ApiClient, Response
from tests.support.factories import DEFAULT_PASSWORD, create_user, token_for

Login = Callable[..., Response]
T0 = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)
FORGOT_BODY = {"detail": "If the account exists, a reset link has been sent"}


def change(api: ApiClient, token: str, current: str, new: str) -> Response:
    return api.post("/auth/change-password", json={"current_password": current, "new_password": new}, token=token)


def forgot(api: ApiClient, email: str, ip: str | None = None) -> Response:
    return api.post("/auth/forgot-password", json={"email": email}, ip=ip)


def reset(api: ApiClient, token: str, new: str = NEW_PASSWORD, ip: str | None = None) -> Response:
    return api.post("/auth/reset-password", json={"token": token, "new_password": new}, ip=ip)


def fields(r: Response) -> list[list[Any]]:
    return [e["loc"] for e in r.json()["detail"]]


# --- change-password ----------------------------------------------------------------------------------------------


def test_scenario_7_must_change(api: ApiClient, sql: SQL, login: Login) -> None:
    uid = create_user(sql, "new@farm.test", must_change=True, grants={"inventory": "write"})
    pair = login("new@farm.test").json()
    assert pair["must_change_password"] is True
    token = pair["access_token"]
    blocked = api.patch("/auth/me", json={"full_name": "New Name"}, token=token)
    assert blocked.status_code == 403 and blocked.json()["code"] == "password_change_required"
    assert api.get("/auth/sessions", token=token).json()["code"] == "password_change_required"
    assert api.get("/auth/me", token=token).status_code == 200
    r = change(api, token, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert r.status_code == 200, r
    assert r.json()["must_change_password"] is False
    new_token = r.json()["access_token"]
    ok = api.patch("/auth/me", json={"full_name": "New Name"}, token=new_token)
    assert ok.status_code == 200 and ok.json()["full_name"] == "New Name"
    row = user_row(sql, uid)
    assert row["must_change_password"] is False and verify_password(NEW_PASSWORD, row["password_hash"])


def test_change_password_revokes_other_sessions_and_rotates(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "boss@farm.test", role="admin")
    here = login("boss@farm.test", ip="203.0.113.1").json()
    there = login("boss@farm.test", ip="203.0.113.2").json()
    clock.advance(timedelta(minutes=3))
    r = change(api, here["access_token"], DEFAULT_PASSWORD, NEW_PASSWORD)
    assert r.status_code == 200, r
    new = r.json()
    current, other = sessions_of(sql, uid)
    assert current["revoked_at"] is None and other["revoked_reason"] == "password_change"
    assert current["last_activity_at"] == T0 + timedelta(minutes=3)
    assert api.get("/auth/me", token=there["access_token"]).status_code == 401
    assert api.get("/auth/me", token=new["access_token"]).status_code == 200
    # The refresh token from before the change stops (without counting as reuse); the new one works.
    assert api.post("/auth/refresh", json={"refresh_token": here["refresh_token"]}).status_code == 401
    assert api.post("/auth/refresh", json={"refresh_token": new["refresh_token"]}).status_code == 200
    assert sessions_of(sql, uid)[0]["revoked_at"] is None
    assert user_row(sql, uid)["last_password_change"] == T0 + timedelta(minutes=3)
    assert login("boss@farm.test", NEW_PASSWORD, ip="203.0.113.3").status_code == 200
    assert "auth.password.change" in actions(sql)


def test_wrong_current_password_counts_and_fifth_locks(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "boss@farm.test", role="admin")
    token = login("boss@farm.test", ip="203.0.113.1").json()["access_token"]
    other = login("boss@farm.test", ip="203.0.113.2").json()["access_token"]
    for i in range(4):
        r = change(api, token, "Wrong#pass123", NEW_PASSWORD)
        assert r.status_code == 403 and r.json() == {
            "detail": "Current password is incorrect",
            "code": "invalid_current_password",
        }
        assert user_row(sql, uid)["failed_login_attempts"] == i + 1
    assert api.get("/auth/me", token=token).status_code == 200
    clock.advance(timedelta(minutes=5))  # a new rate-limit window (5 per 300 s)
    assert change(api, token, "Wrong#pass123", NEW_PASSWORD).status_code == 403
    row = user_row(sql, uid)
    assert row["failed_login_attempts"] == 5 and row["locked_until"] == T0 + timedelta(minutes=20)
    assert all(s["revoked_reason"] == "password_change" for s in sessions_of(sql, uid))
    assert api.get("/auth/me", token=token).status_code == 401
    assert api.get("/auth/me", token=other).status_code == 401
    assert "auth.lockout" in actions(sql)


def test_locked_account_cannot_change_password(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid, token = create_user(sql, "u@farm.test"), None
    token = login("u@farm.test").json()["access_token"]
    sql.execute(
        "UPDATE users SET locked_until = %s, failed_login_attempts = 5 WHERE id = %s", (T0 + timedelta(minutes=9), uid)
    )
    assert change(api, token, DEFAULT_PASSWORD, NEW_PASSWORD).status_code == 403
    assert verify_password(DEFAULT_PASSWORD, user_row(sql, uid)["password_hash"])
    assert user_row(sql, uid)["locked_until"] == T0 + timedelta(minutes=9)


def test_unchanged_and_weak_passwords_are_422(api: ApiClient, sql: SQL, login: Login) -> None:
    uid = create_user(sql, "pond.keeper@farm.test")
    token = login("pond.keeper@farm.test").json()["access_token"]
    same = change(api, token, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    assert same.status_code == 422 and fields(same) == [["body", "new_password"]]
    weak = change(api, token, DEFAULT_PASSWORD, "short")
    assert weak.status_code == 422 and {tuple(loc) for loc in fields(weak)} == {("body", "new_password")}
    assert len(weak.json()["detail"]) >= 3  # every broken rule is listed
    local_part = change(api, token, DEFAULT_PASSWORD, "Pond.Keeper")
    assert local_part.status_code == 422
    assert verify_password(DEFAULT_PASSWORD, user_row(sql, uid)["password_hash"])
    assert user_row(sql, uid)["failed_login_attempts"] == 0


def test_change_password_rate_limit_per_user(api: ApiClient, sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    create_user(sql, "u@farm.test")
    token = login("u@farm.test").json()["access_token"]
    for _ in range(5):
        assert change(api, token, DEFAULT_PASSWORD, "x").status_code == 422
    limited = change(api, token, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


# --- forgot-password ------------------------------------------------------------------------------------------------


def test_forgot_password_mails_link_to_outbox(api: ApiClient, sql: SQL, outbox: Path) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "u@farm.test")
    r = forgot(api, "  U@Farm.Test ")
    assert r.status_code == 202 and r.json() == FORGOT_BODY
    [mail] = list(outbox.glob("*.eml"))
    text = mail.read_text()
    assert "To: u@farm.test" in text and "From: no-reply@farm.example" in text
    assert "http://localhost:5173/reset-password?token=" in text
    [token] = reset_tokens(outbox)
    row = sql.execute("SELECT * FROM password_reset_tokens").fetchone()
    assert row is not None
    assert row["user_id"] == uid and row["token_hash"] != token and row["expires_at"] == T0 + timedelta(hours=1)
    act = sql.execute("SELECT * FROM activity_logs WHERE action = 'auth.password.forgot'").fetchone()
    assert act is not None and act["user_id"] == uid and act["metadata"]["mail_sent"] is True


def test_forgot_password_same_answer_for_unknown_and_inactive(api: ApiClient, sql: SQL, outbox: Path) -> None:
    create_user(sql, "gone@farm.test", active=False)
    create_user(sql, "u@farm.test")
    answers = [forgot(api, "nobody@farm.test"), forgot(api, "gone@farm.test"), forgot(api, "u@farm.test")]
    assert {a.status_code for a in answers} == {202}
    assert {a.content for a in answers} == {answers[0].content}
    assert len(list(outbox.glob("*.eml"))) == 1
    assert sql.execute("SELECT count(*) AS n FROM password_reset_tokens").fetchone() == {"n": 1}
    assert actions(sql) == ["auth.password.forgot"] * 3


def test_forgot_password_answers_no_sooner_than_500_ms(api: ApiClient, sql: SQL, outbox: Path) -> None:
    create_user(sql, "u@farm.test")
    for email in ("nobody@farm.test", "u@farm.test"):
        started = time.monotonic()
        assert forgot(api, email).status_code == 202
        assert time.monotonic() - started >= 0.5


def test_new_reset_token_lapses_the_earlier_one(api: ApiClient, sql: SQL, outbox: Path) -> None:
    create_user(sql, "u@farm.test")
    forgot(api, "u@farm.test")
    forgot(api, "u@farm.test")
    first, second = reset_tokens(outbox)
    assert reset(api, first).status_code == 422
    assert reset(api, second).status_code == 204


def test_forgot_password_sends_through_ses(api: ApiClient, sql: SQL, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAIL_OUTBOX_DIR", raising=False)
    monkeypatch.setenv("FRONTEND_URL", "https://farm.example.com/")
    monkeypatch.setenv("SES_FROM_ADDRESS", "security@farm.example.com")
    settings.reset_caches()
    create_user(sql, "u@farm.test")
    with mock_aws():
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        boto3.client("ses", region_name="eu-west-1").verify_email_identity(EmailAddress="security@farm.example.com")
        r = forgot(api, "u@farm.test")
        assert r.status_code == 202 and r.json() == FORGOT_BODY
        [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    settings.reset_caches()
    # The raw MIME message (SendRawEmail): the same builder writes the local outbox.
    message = message_from_string(sent.raw_data, policy=default)
    assert sent.source == "security@farm.example.com"
    assert sent.destinations == ["u@farm.test"]
    assert message["Subject"] == "Reset your Farm ERP password"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://farm.example.com/reset-password?token=" in body
    token = body.split("token=", 1)[1].split()[0]
    assert reset(api, token).status_code == 204


def test_ses_failure_still_answers_202(api: ApiClient, sql: SQL, monkeypatch: pytest.MonkeyPatch) -> None:
    # An unverified sender makes SES refuse the message: the client still sees the usual answer.
    monkeypatch.delenv("MAIL_OUTBOX_DIR", raising=False)
    settings.reset_caches()
    create_user(sql, "u@farm.test")
    with mock_aws():
        r = forgot(api, "u@farm.test")
    assert r.status_code == 202 and r.json() == FORGOT_BODY
    act = sql.execute("SELECT metadata FROM activity_logs WHERE action = 'auth.password.forgot'").fetchone()
    assert act is not None and act["metadata"] == {"account_found": True, "mail_sent": False}


def test_forgot_password_rate_limits(api: ApiClient, sql: SQL, outbox: Path) -> None:
    clock.freeze(T0)
    for i in range(3):
        assert forgot(api, f"a{i}@farm.test", ip="203.0.113.1").status_code == 202
    per_ip = forgot(api, "other@farm.test", ip="203.0.113.1")
    assert per_ip.status_code == 429 and per_ip.json()["retry_after"] >= 1
    for i in range(3):
        assert forgot(api, "same@farm.test", ip=f"203.0.113.{10 + i}").status_code == 202
    per_email = forgot(api, "SAME@farm.test", ip="203.0.113.50")
    assert per_email.status_code == 429 and int(per_email.headers["retry-after"]) >= 1


# --- reset-password -------------------------------------------------------------------------------------------------


def test_scenario_8_reset(api: ApiClient, sql: SQL, login: Login, outbox: Path) -> None:
    clock.freeze(datetime(2025, 1, 5, 10, 0, tzinfo=UTC))
    uid = create_user(sql, "u@farm.test", role="admin")
    tokens = [token_for(sql, uid) for _ in range(2)]
    for _ in range(5):
        login("u@farm.test", "Wrong#pass123", ip="203.0.113.9")
    assert user_row(sql, uid)["locked_until"] is not None
    assert forgot(api, "u@farm.test").status_code == 202
    [t] = reset_tokens(outbox)

    clock.freeze(datetime(2025, 1, 5, 10, 30, tzinfo=UTC))
    r = reset(api, t)
    assert r.status_code == 204 and r.content == b""
    row = user_row(sql, uid)
    assert row["failed_login_attempts"] == 0 and row["locked_until"] is None and row["must_change_password"] is False
    assert verify_password(NEW_PASSWORD, row["password_hash"])
    assert row["last_password_change"] == datetime(2025, 1, 5, 10, 30, tzinfo=UTC)
    assert all(s["revoked_reason"] == "password_reset" for s in sessions_of(sql, uid))
    assert all(api.get("/auth/me", token=tok).status_code == 401 for tok in tokens)
    assert "auth.password.reset" in actions(sql)

    again = reset(api, t, "Another#Pass99")
    assert again.status_code == 422 and fields(again) == [["body", "token"]]

    assert forgot(api, "u@farm.test").status_code == 202
    late = reset_tokens(outbox)[-1]
    clock.advance(timedelta(minutes=61))
    expired = reset(api, late, "Another#Pass99")
    assert expired.status_code == 422 and fields(expired) == [["body", "token"]]
    assert login("u@farm.test", NEW_PASSWORD).status_code == 200


def test_weak_password_does_not_spend_the_token(api: ApiClient, sql: SQL, outbox: Path) -> None:
    create_user(sql, "pond.keeper@farm.test")
    forgot(api, "pond.keeper@farm.test")
    [t] = reset_tokens(outbox)
    weak = reset(api, t, "weak")
    assert weak.status_code == 422 and {tuple(loc) for loc in fields(weak)} == {("body", "new_password")}
    # The email rule needs the account: checked after the lookup, and still does not spend the token.
    local = reset(api, t, "Pond.Keeper")
    assert local.status_code == 422 and fields(local) == [["body", "new_password"]]
    assert sql.execute("SELECT used_at FROM password_reset_tokens").fetchone() == {"used_at": None}
    assert reset(api, t).status_code == 204


def test_unknown_reset_token_and_deactivated_user(api: ApiClient, sql: SQL, outbox: Path) -> None:
    assert fields(reset(api, "nope")) == [["body", "token"]]
    uid = create_user(sql, "u@farm.test")
    forgot(api, "u@farm.test")
    [t] = reset_tokens(outbox)
    sql.execute("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert reset(api, t).status_code == 422


def test_reset_password_rate_limit(api: ApiClient, sql: SQL) -> None:
    clock.freeze(T0)
    for _ in range(5):
        assert reset(api, "nope", ip="203.0.113.1").status_code == 422
    limited = reset(api, "nope", ip="203.0.113.1")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert reset(api, "nope", ip="203.0.113.2").status_code == 422
