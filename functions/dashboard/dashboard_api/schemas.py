"""Response models of the dashboard: summary figures, sidebar modules, widgets (docs/rules.md: Dashboard and health)."""

from datetime import datetime
from typing import Literal

from farm_erp.fields import DeferredModel, GramsOut, KgOut, MoneyOut
from farm_erp.inventory_figures import ExpiringLotRow, LowStockRow


class InventorySummary(DeferredModel):
    active_items: int
    low_stock_items: int
    expiring_lots_30d: int
    total_stock_value: MoneyOut
    open_pos: int


class BioflocSummary(DeferredModel):
    active_batches: int
    total_fish: int
    total_biomass_kg: KgOut
    tanks_in_use: int


class AdminSummary(DeferredModel):
    total_users: int
    active_users: int
    recent_logins_24h: int
    total_activities_7d: int


class Summary(DeferredModel):
    """Only the modules the caller may read are present."""

    inventory: InventorySummary | None = None
    biofloc: BioflocSummary | None = None
    admin: AdminSummary | None = None


class SidebarModule(DeferredModel):
    key: str
    name: str
    description: str | None
    icon: str | None
    display_order: int
    access: Literal["read", "write"]


class WaterAlert(DeferredModel):
    tank_id: int
    tank_code: str
    tank_name: str
    batch_id: int | None
    batch_code: str | None
    test_id: int
    tested_at: datetime
    overall: str
    out_of_range: list[str]


class HarvestDueBatch(DeferredModel):
    batch_id: int
    batch_code: str
    species: str
    tank_id: int | None
    tank_code: str | None
    days: int
    current_count: int
    current_avg_weight_g: GramsOut
    current_biomass_kg: KgOut


class RecentActivity(DeferredModel):
    id: int
    created_at: datetime
    user_id: int | None
    actor_email: str | None
    action: str
    module_key: str | None
    entity_type: str | None
    entity_id: str | None
    success: bool
    description: str | None


class InventoryWidgets(DeferredModel):
    low_stock: list[LowStockRow]
    expiring: list[ExpiringLotRow]


class BioflocWidgets(DeferredModel):
    water_alerts: list[WaterAlert]
    harvest_due: list[HarvestDueBatch]


class AdminWidgets(DeferredModel):
    recent_activity: list[RecentActivity]


class Widgets(DeferredModel):
    """Keyed like the summary: only the modules the caller may read are present."""

    inventory: InventoryWidgets | None = None
    biofloc: BioflocWidgets | None = None
    admin: AdminWidgets | None = None
