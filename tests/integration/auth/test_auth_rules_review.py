"""Every well-formed login that fails is the same 401, whatever the lengths."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from farm_erp import clock
from tests.integration.auth.auth_helpers import SQL, user_row
from tests.support.client import Response
from tests.support.factories import create_user

Login = Callable[..., Response]
T0 = datetime(2025, 8, 14, 16, 42, 10, tzinfo=UTC)
INVALID = {"detail": "Invalid email or password", "code": "invalid_credentials"}


def test_long_wrong_password_and_long_unknown_email_are_the_same_401(sql: SQL, login: Login) -> None:
    clock.freeze(T0)
    uid = create_user(sql, "carp.keeper@farm.test")
    long_password = "Zq9#" * 100  # 400 characters: never a match (bcrypt reads 72 bytes), yet a plain failure
    long_email = "k" * 290 + "@farm.test"  # longer than any stored email: simply unknown
    responses = [
        login("carp.keeper@farm.test", long_password, ip="192.0.2.61"),
        login(long_email, "Trout&Pond88", ip="192.0.2.62"),
        login("nobody.here@farm.test", "Trout&Pond88", ip="192.0.2.63"),
    ]
    assert [r.status_code for r in responses] == [401, 401, 401], responses
    assert {r.content for r in responses} == {responses[0].content}
    assert responses[0].json() == INVALID
    # The long wrong password counts towards the lockout like any other wrong password.
    assert user_row(sql, uid)["failed_login_attempts"] == 1
