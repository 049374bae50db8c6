"""Who is calling, as the database says now: the one query the authorizer and every function's signed-in
dependency run for a (user, session) pair.

It is the only definition of a confirmed caller: a live session (the condition of farm_erp.sessions.LIVE_SQL), an
active user, the user's role, grants and the modules that are active. The authorizer builds its cached policy from
it; each function runs it again as the first statement of every signed-in request, so a logout, a revoked session,
a deactivated user, a changed role or grant and a disabled module refuse the very next request, whatever the
authorizer cache holds.

The statement lives in the database function `live_caller` (migration 0045): a statement inside a PL/pgSQL function
keeps its plan for the server session, where a statement sent as text is planned at every request (statements are
never prepared: that pins an RDS Proxy connection). Every lookup is by primary key (sessions.id, users.id, roles.id,
user_module_grants (user_id, module_key)); the modules table has four rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from farm_erp.db import Connection
from farm_erp.sessions import live_params

CALLER_SQL = "SELECT * FROM live_caller(%(sid)s, %(uid)s, %(now)s, %(idle_since)s)"


def live_caller(conn: Connection, user_id: int, session_id: int, now: datetime) -> dict[str, Any] | None:
    """The caller if the session is live and belongs to this active user, else None.

    Row: user_id, email, must_change_password, role, is_admin, grants ({module: access}), active_modules.
    """
    return conn.execute(CALLER_SQL, {**live_params(now), "sid": session_id, "uid": user_id}).fetchone()
