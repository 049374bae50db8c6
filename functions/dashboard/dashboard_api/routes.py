"""Dashboard routes: home page summary, sidebar modules and widgets (any signed-in user, GET only)."""

from typing import Any

from dashboard_api import service
from dashboard_api.schemas import SidebarModule, Summary, Widgets
from farm_erp import clock
from farm_erp.http import Conn, Router, SignedIn
from farm_erp.lists import Page, Paging, page_of

router = Router(tags=["dashboard"])


@router.get("/dashboard/summary", response_model=Summary, response_model_exclude_unset=True)
async def summary(conn: Conn, caller: SignedIn) -> dict[str, Any]:
    """Figures of every module the caller may read."""
    return service.summary(conn, caller.subject, clock.now(), clock.today())


@router.get("/dashboard/modules", response_model=Page[SidebarModule])
async def modules(conn: Conn, caller: SignedIn, paging: Paging) -> dict[str, Any]:
    """The sidebar: modules the caller may read, by display order then key."""
    rows = service.readable_modules(conn, caller.subject)
    return page_of(rows[paging.offset : paging.offset + paging.limit], len(rows), paging)


@router.get("/dashboard/widgets", response_model=Widgets, response_model_exclude_unset=True)
async def widgets(conn: Conn, caller: SignedIn) -> dict[str, Any]:
    """Short alert lists of every module the caller may read."""
    return service.widgets(conn, caller.subject, clock.today())
