"""Alerts, the dashboard and module consumption."""

from datetime import date, datetime

from pydantic import Field

from farm_erp.fields import MoneyOut, OutModel, QtyOut


class DashboardOut(OutModel):
    total_items: int
    active_items: int
    total_stock_value: MoneyOut
    low_stock_items: int
    expiring_lots_30d: int
    expired_lots: int
    open_pos: int
    pos_awaiting_approval: int
    transactions_7d: int


class ConsumptionRow(OutModel):
    item_id: int
    sku: str
    name: str
    unit: str
    quantity: QtyOut
    cost: MoneyOut
    operations: int
    last_used_at: datetime


class ConsumptionPage(OutModel):
    items: list[ConsumptionRow]
    total: int
    page: int
    limit: int
    module_key: str
    from_: date = Field(serialization_alias="from")
    to: date
    total_cost: MoneyOut
