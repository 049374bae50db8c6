"""Activity-log search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from admin_api.queries.common import where
from farm_erp.db import Connection


def search(
    conn: Connection,
    since: datetime,
    until: datetime,
    user_id: int | None,
    module_key: str | None,
    action: str | None,
    success: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Rows in [since, until), newest first, and how many match."""
    params: dict[str, Any] = {
        "since": since,
        "until": until,
        "user_id": user_id,
        "module_key": module_key,
        "action": action,
        "success": success,
        "limit": limit,
        "offset": offset,
    }
    conditions = ["created_at >= %(since)s", "created_at < %(until)s"]
    if user_id is not None:
        conditions.append("user_id = %(user_id)s")
    if module_key is not None:
        conditions.append("module_key = %(module_key)s")
    if action is not None:
        conditions.append("action = %(action)s")
    if success is not None:
        conditions.append("success = %(success)s")
    filters = where(conditions)
    rows = conn.execute(
        f"""SELECT id, created_at, user_id, actor_email, actor_role, session_id, ip, user_agent, action, module_key,
                   entity_type, entity_id, success, description, metadata
              FROM activity_logs {filters}
             ORDER BY created_at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    ).fetchall()
    count = conn.execute(f"SELECT count(*) AS n FROM activity_logs {filters}", params).fetchone()
    return rows, int(count["n"]) if count else 0
