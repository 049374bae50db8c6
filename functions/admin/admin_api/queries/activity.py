"""Activity-log search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

_ACTIVITY = """SELECT id, created_at, user_id, actor_email, actor_role, session_id, ip, user_agent, action, module_key,
                      entity_type, entity_id, success, description, metadata
                 FROM activity_logs"""


def search(
    conn: Connection,
    since: datetime,
    until: datetime,
    user_id: int | None,
    module_key: str | None,
    action: str | None,
    success: bool | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    """Rows in [since, until), newest first, and how many match."""
    filters = sql.Filters()
    filters.add("created_at >= %(since)s AND created_at < %(until)s", since=since, until=until)
    filters.when(user_id, "user_id = %(user_id)s", "user_id")
    filters.when(module_key, "module_key = %(module_key)s", "module_key")
    filters.when(action, "action = %(action)s", "action")
    filters.when(success, "success = %(success)s", "success")
    return sql.paged(conn, _ACTIVITY, filters, "created_at DESC, id DESC", paging, count_from="activity_logs")
