"""Administration figures: the one definition behind GET /admin/statistics, GET /admin/security/stats and the
dashboard's admin summary and widget (docs/rules.md: Identity and access; Dashboard and health)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from farm_erp.db import Connection
from farm_erp.sessions import LIVE_SQL, live_params

DAY = timedelta(hours=24)
WEEK = timedelta(days=7)
DASHBOARD_KEYS = ("total_users", "active_users", "recent_logins_24h", "total_activities_7d")

# "Failed" logins are every unsuccessful attempt: wrong credentials and attempts on a locked account.
_USER_STATISTICS = """
SELECT count(*) AS total_users,
       count(*) FILTER (WHERE u.is_active) AS active_users,
       count(*) FILTER (WHERE NOT u.is_active) AS inactive_users,
       count(*) FILTER (WHERE r.is_admin) AS total_admins,
       count(*) FILTER (WHERE NOT r.is_admin) AS total_regular_users,
       (SELECT count(*) FROM login_history h
         WHERE h.status = 'success' AND h.created_at > %(day_ago)s AND h.created_at <= %(now)s) AS recent_logins_24h,
       (SELECT count(*) FROM login_history h
         WHERE h.status <> 'success' AND h.created_at > %(day_ago)s AND h.created_at <= %(now)s) AS failed_logins_24h,
       (SELECT count(*) FROM activity_logs a
         WHERE a.created_at > %(week_ago)s AND a.created_at <= %(now)s) AS total_activities_7d
  FROM users u JOIN roles r ON r.id = u.role_id
"""

_SECURITY_STATISTICS = f"""
SELECT (SELECT count(*) FROM sessions s WHERE {LIVE_SQL}) AS active_sessions,
       (SELECT count(DISTINCT s.user_id) FROM sessions s WHERE {LIVE_SQL}) AS users_with_sessions,
       (SELECT count(*) FROM login_history h
         WHERE h.status = 'success' AND h.created_at > %(day_ago)s AND h.created_at <= %(now)s) AS logins_24h,
       (SELECT count(*) FROM login_history h
         WHERE h.status <> 'success' AND h.created_at > %(day_ago)s AND h.created_at <= %(now)s) AS failed_logins_24h,
       (SELECT count(*) FROM activity_logs a
         WHERE a.action = 'auth.lockout' AND a.created_at > %(day_ago)s AND a.created_at <= %(now)s) AS lockouts_24h
"""

_RECENT_ACTIVITY = """
SELECT id, created_at, user_id, actor_email, action, module_key, entity_type, entity_id, success, description
  FROM activity_logs ORDER BY created_at DESC, id DESC LIMIT %s
"""


def user_statistics(conn: Connection, now: datetime) -> dict[str, int]:
    """`{total_users, active_users, inactive_users, total_admins, total_regular_users, recent_logins_24h,
    failed_logins_24h, total_activities_7d}`: 24 h and 7 d are rolling windows ending at `now`."""
    row = conn.execute(_USER_STATISTICS, {"now": now, "day_ago": now - DAY, "week_ago": now - WEEK}).fetchone()
    assert row is not None
    return {k: int(v) for k, v in row.items()}


def security_statistics(conn: Connection, now: datetime) -> dict[str, int]:
    """`{active_sessions, logins_24h, failed_logins_24h, lockouts_24h, users_with_sessions}` (live sessions only)."""
    row = conn.execute(_SECURITY_STATISTICS, {**live_params(now), "day_ago": now - DAY}).fetchone()
    assert row is not None
    return {k: int(v) for k, v in row.items()}


def dashboard_figures(conn: Connection, now: datetime) -> dict[str, int]:
    """The dashboard summary's admin part: a subset of user_statistics, never a second definition."""
    stats = user_statistics(conn, now)
    return {k: stats[k] for k in DASHBOARD_KEYS}


def recent_activity(conn: Connection, limit: int = 5) -> list[dict[str, Any]]:
    """The newest activity rows (the dashboard's admin widget)."""
    return conn.execute(_RECENT_ACTIVITY, (limit,)).fetchall()
