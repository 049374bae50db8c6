"""Alerts, the inventory dashboard, module mappings and module consumption."""

from typing import Annotated, Any

from fastapi import Query, Response

from farm_erp import clock, consumption_window, inventory_figures
from farm_erp.http import Conn, Router
from farm_erp.inventory_figures import ExpiringLotRow, LowStockRow
from farm_erp.lists import Dates, Page, Paging, page_of
from inventory_api.queries import alerts as alert_queries
from inventory_api.queries import items as item_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.alerts import ConsumptionPage, DashboardOut
from inventory_api.schemas.common import ModuleKey, PathId
from inventory_api.schemas.items import MappingIn, MappingOut, ModuleItemOut
from inventory_api.services import items as item_service

router = Router(tags=["inventory: alerts and mappings"])


@router.get("/inventory/alerts/low-stock", response_model=Page[LowStockRow])
async def low_stock(conn: Conn, caller: Inventory, paging: Paging) -> dict[str, Any]:
    """Active items at or below their reorder threshold, largest deficit first."""
    rows, total = inventory_figures.low_stock(conn, paging.limit, paging.offset)
    return page_of(rows, total, paging)


@router.get("/inventory/alerts/expiry", response_model=Page[ExpiringLotRow])
async def expiry(
    conn: Conn, caller: Inventory, paging: Paging, days: Annotated[int, Query(ge=0, le=365)] = 30
) -> dict[str, Any]:
    """Lots with stock that expire within `days` (expired ones included), soonest first."""
    rows, total = inventory_figures.expiring_lots(conn, clock.today(), days, paging.limit, paging.offset)
    return page_of(rows, total, paging)


@router.get("/inventory/dashboard", response_model=DashboardOut)
async def dashboard(conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Inventory figures: items, stock value, alerts, open purchase orders, recent transactions."""
    return inventory_figures.dashboard_figures(conn, clock.today())


@router.get("/inventory/items/{item_id}/modules", response_model=Page[MappingOut])
async def list_mappings(item_id: PathId, conn: Conn, caller: Inventory, paging: Paging) -> dict[str, Any]:
    """The modules an item is mapped to."""
    rows, total = item_service.list_mappings(conn, item_id, paging)
    return page_of(rows, total, paging)


@router.put("/inventory/items/{item_id}/modules/{module_key}", response_model=MappingOut)
async def set_mapping(
    item_id: PathId, module_key: ModuleKey, body: MappingIn, conn: Conn, caller: Inventory
) -> dict[str, Any]:
    """Map an item to a grantable module (or update the mapping)."""
    return item_service.set_mapping(conn, caller, item_id, module_key, body.is_primary, body.settings)


@router.delete("/inventory/items/{item_id}/modules/{module_key}", status_code=204, response_class=Response)
async def delete_mapping(item_id: PathId, module_key: ModuleKey, conn: Conn, caller: Inventory) -> Response:
    """Remove an item's mapping to a module."""
    item_service.delete_mapping(conn, caller, item_id, module_key)
    return Response(status_code=204)


@router.get("/inventory/modules/{module_key}/items", response_model=Page[ModuleItemOut])
async def module_items(module_key: ModuleKey, conn: Conn, caller: Inventory, paging: Paging) -> dict[str, Any]:
    """The active items mapped to a module, primary first, then by name."""
    rows, total = item_queries.module_items(conn, module_key, paging)
    return page_of(rows, total, paging)


@router.get("/inventory/modules/{module_key}/consumption", response_model=ConsumptionPage)
async def module_consumption(
    module_key: ModuleKey, conn: Conn, caller: Inventory, paging: Paging, dates: Dates
) -> dict[str, Any]:
    """Per-item use by a module in [from, to] (default: the last 30 days), highest cost first."""
    span = dates.filled(consumption_window.WINDOW_DAYS)
    assert span.from_ is not None and span.to is not None
    rows, total, cost = alert_queries.consumption(conn, module_key, span, paging)
    return {
        **page_of(rows, total, paging),
        "module_key": module_key,
        "from_": span.from_,
        "to": span.to,
        "total_cost": cost,
    }
