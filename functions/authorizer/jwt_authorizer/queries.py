"""The authorizer's one query: live session, active user, role, grants and the active modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from farm_erp.db import Connection
from farm_erp.sessions import LIVE_SQL, live_params

_PRINCIPAL = (
    """
SELECT u.id AS user_id, u.email, u.must_change_password, r.key AS role, r.is_admin,
       COALESCE((SELECT json_object_agg(g.module_key, g.access) FROM user_module_grants g WHERE g.user_id = u.id),
                '{}'::json) AS grants,
       ARRAY(SELECT m.key FROM modules m WHERE m.is_active ORDER BY m.key) AS active_modules
  FROM sessions s
  JOIN users u ON u.id = s.user_id
  JOIN roles r ON r.id = u.role_id
 WHERE s.id = %(sid)s AND s.user_id = %(uid)s
   AND u.is_active AND """
    + LIVE_SQL
)


def live_principal(conn: Connection, user_id: int, session_id: int, now: datetime) -> dict[str, Any] | None:
    """The caller if their session is live and they are active, else None."""
    return conn.execute(_PRINCIPAL, {**live_params(now), "sid": session_id, "uid": user_id}).fetchone()
