"""Activity-log search and the user statistics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from admin_api.queries import activity as q
from farm_erp import admin_figures, clock
from farm_erp.db import Connection
from farm_erp.errors import invalid

DEFAULT_DAYS = 7
MAX_SPAN_DAYS = 90


def window(from_: date | None, to: date | None) -> tuple[date, date]:
    """The inclusive date window: the last 7 days by default, at most 90 days long."""
    today = clock.today()
    if to is None:
        to = max(today, from_) if from_ is not None else today
    if from_ is None:
        from_ = to - timedelta(days=DEFAULT_DAYS - 1)
    if (to - from_).days + 1 > MAX_SPAN_DAYS:
        raise invalid("to", f"the window may span at most {MAX_SPAN_DAYS} days", where="query")
    return from_, to


def search(
    conn: Connection,
    from_: date | None,
    to: date | None,
    user_id: int | None,
    module_key: str | None,
    action: str | None,
    success: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    first, last = window(from_, to)
    return q.search(
        conn, clock.day_start(first), clock.day_end(last), user_id, module_key, action, success, limit, offset
    )


def statistics(conn: Connection) -> dict[str, int]:
    return admin_figures.user_statistics(conn, clock.now())
