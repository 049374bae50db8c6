"""Activity-log search and the user statistics."""

from __future__ import annotations

from typing import Any

from admin_api.queries import activity as activity_queries
from farm_erp import admin_figures, clock
from farm_erp.db import Connection
from farm_erp.errors import invalid
from farm_erp.lists import DateRange, PageParams

DEFAULT_DAYS = 7
MAX_SPAN_DAYS = 90


def window(dates: DateRange) -> DateRange:
    """The inclusive date window: the last 7 days by default (to `from` when only a later `from` is given), at
    most 90 days long."""
    filled = dates.filled(DEFAULT_DAYS, to_follows_from=True)
    assert filled.from_ is not None and filled.to is not None
    if (filled.to - filled.from_).days + 1 > MAX_SPAN_DAYS:
        raise invalid("to", f"the window may span at most {MAX_SPAN_DAYS} days", where="query")
    return filled


def search(
    conn: Connection,
    dates: DateRange,
    user_id: int | None,
    module_key: str | None,
    action: str | None,
    success: bool | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    span = window(dates)
    assert span.since is not None and span.until is not None
    return activity_queries.search(conn, span.since, span.until, user_id, module_key, action, success, paging)


def statistics(conn: Connection) -> dict[str, int]:
    return admin_figures.user_statistics(conn, clock.now())
