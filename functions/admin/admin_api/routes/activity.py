"""Activity-log search and user statistics."""

from typing import Annotated, Any

from fastapi import Query

from admin_api.routes.deps import GUARD, Admin
from admin_api.schemas.activity import ActivityOut, StatisticsOut
from admin_api.schemas.common import MAX_ID
from admin_api.services import activity as service
from farm_erp.http import Conn, Router
from farm_erp.lists import Dates, Page, Paging, page_of

router = Router(tags=["admin: activity"], dependencies=GUARD)


@router.get("/admin/activity-logs", response_model=Page[ActivityOut])
async def search_activity(
    conn: Conn,
    caller: Admin,
    paging: Paging,
    dates: Dates,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    module_key: Annotated[str | None, Query(max_length=50)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    success: bool | None = None,
) -> dict[str, Any]:
    """Audit rows, newest first: the last 7 days by default, at most 90 days."""
    rows, total = service.search(conn, dates, user_id, module_key, action, success, paging)
    return page_of(rows, total, paging)


@router.get("/admin/statistics", response_model=StatisticsOut)
async def statistics(conn: Conn, caller: Admin) -> dict[str, int]:
    """User, login and activity figures."""
    return service.statistics(conn)
