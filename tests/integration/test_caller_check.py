"""The caller check (farm_erp.callers.live_caller, the database function `live_caller`): for sessions and users in
every state, it answers exactly what a plain statement over farm_erp.sessions.LIVE_SQL answers, row for row, at
the edges of the idle and expiry cut-offs too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from farm_erp import clock
from farm_erp.callers import live_caller
from farm_erp.sessions import LIVE_SQL, live_params
from tests.conftest import UserFactory
from tests.support.factories import live_session

# The check as a statement sent with every request, the way it was written before it became a function: the
# reference the function must match.
REFERENCE = f"""
SELECT u.id AS user_id, u.email, u.must_change_password, r.key AS role, r.is_admin,
       COALESCE((SELECT json_object_agg(g.module_key, g.access) FROM user_module_grants g WHERE g.user_id = u.id),
                '{{}}'::json) AS grants,
       ARRAY(SELECT m.key FROM modules m WHERE m.is_active ORDER BY m.key) AS active_modules
  FROM sessions s
  JOIN users u ON u.id = s.user_id
  JOIN roles r ON r.id = u.role_id
 WHERE s.id = %(sid)s AND s.user_id = %(uid)s AND u.is_active AND {LIVE_SQL}"""

# Each change leaves the session (or its user) in one state; the session's id is %(sid)s, its user's %(uid)s.
STATES = {
    "live": None,
    "revoked": "UPDATE sessions SET revoked_at = %(now)s, revoked_reason = 'logout' WHERE id = %(sid)s",
    "expired now": "UPDATE sessions SET expires_at = %(now)s WHERE id = %(sid)s",
    "expires in a microsecond": (
        "UPDATE sessions SET expires_at = %(now)s + interval '1 microsecond' WHERE id = %(sid)s"
    ),
    "idle exactly at the cut-off": "UPDATE sessions SET last_activity_at = %(idle_since)s WHERE id = %(sid)s",
    "active just after the cut-off": (
        "UPDATE sessions SET last_activity_at = %(idle_since)s + interval '1 microsecond' WHERE id = %(sid)s"
    ),
    "user deactivated": "UPDATE users SET is_active = false WHERE id = %(uid)s",
    "user made admin": "UPDATE users SET role_id = (SELECT id FROM roles WHERE key = 'admin') WHERE id = %(uid)s",
    "must change password": "UPDATE users SET must_change_password = true WHERE id = %(uid)s",
    "grant removed": "DELETE FROM user_module_grants WHERE user_id = %(uid)s AND module_key = 'biofloc'",
    "module disabled": "UPDATE modules SET is_active = false WHERE key = 'biofloc'",
}

NOT_LIVE = {"revoked", "expired now", "idle exactly at the cut-off", "user deactivated"}


@pytest.mark.parametrize("state", list(STATES))
def test_the_function_answers_what_the_statement_answers(state: str, make_user: UserFactory, sql: Any) -> None:
    user_id, _ = make_user(grants={"inventory": "write", "biofloc": "read"})
    session_id = live_session(sql, user_id)
    now = clock.now()
    params = {**live_params(now), "sid": session_id, "uid": user_id}
    change = STATES[state]
    if change is not None:
        sql.execute(change, params)
    expected = sql.execute(REFERENCE, params).fetchone()
    assert live_caller(sql, user_id, session_id, now) == expected
    assert (expected is None) == (
        state in {"revoked", "expired now", "idle exactly at the cut-off", "user deactivated"}
    )


def test_a_session_of_another_user_or_none_at_all_is_no_caller(make_user: UserFactory, sql: Any) -> None:
    user_id, _ = make_user()
    other_id, _ = make_user()
    session_id = live_session(sql, user_id)
    now = clock.now()
    assert live_caller(sql, other_id, session_id, now) is None
    assert live_caller(sql, user_id, session_id + 1_000_000, now) is None
    assert live_caller(sql, user_id, session_id, now) is not None
    assert live_caller(sql, user_id, session_id, now + timedelta(days=8)) is None  # past its 7-day expiry
