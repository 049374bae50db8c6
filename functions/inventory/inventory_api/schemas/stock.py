"""Stock add, use, use-multi, adjustments and the ledger."""

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from farm_erp.fields import (
    Id,
    MoneyOut,
    Name255,
    NonNegativeQty,
    Notes,
    OutModel,
    PositiveQty,
    QtyOut,
    StrictModel,
    UnitCostIn,
    UnitCostOut,
)
from inventory_api.schemas.common import ModuleKey, SkuRef, Text100, Text200


class StockAddIn(StrictModel):
    item_id: Id
    quantity: PositiveQty
    unit_cost: UnitCostIn | None = None
    received_date: date | None = None
    expiry_date: date | None = None
    supplier_id: Id | None = None
    lot_number: Text100 | None = None
    notes: Notes | None = None


class StockAddOut(OutModel):
    operation_id: int
    lot_id: int
    lot_number: str
    ledger_id: int
    on_hand_qty: QtyOut


class _ItemChoice(StrictModel):
    item_id: Id | None = None
    sku: SkuRef | None = None

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.item_id is None) == (self.sku is None):
            raise ValueError("give exactly one of item_id or sku")
        return self


class StockUseIn(_ItemChoice):
    quantity: PositiveQty
    purpose: Text200
    module_key: ModuleKey = "inventory"
    notes: Notes | None = None


class UseLineIn(_ItemChoice):
    quantity: PositiveQty
    notes: Notes | None = None


class UseMultiIn(StrictModel):
    lines: Annotated[list[UseLineIn], Field(min_length=1, max_length=50)]
    purpose: Text200
    module_key: ModuleKey = "inventory"
    notes: Notes | None = None


class LotTakeOut(OutModel):
    lot_id: int
    lot_number: str
    quantity: QtyOut
    unit_cost: UnitCostOut
    cost: MoneyOut
    ledger_id: int


class ConsumptionOut(OutModel):
    item_id: int
    sku: str
    quantity: QtyOut
    lines: list[LotTakeOut]
    total_cost: MoneyOut
    avg_unit_cost: UnitCostOut
    on_hand_qty: QtyOut
    available_qty: QtyOut


class StockUseOut(ConsumptionOut):
    operation_id: int


class UseMultiOut(OutModel):
    operation_id: int
    results: list[ConsumptionOut]
    total_cost: MoneyOut


AdjustmentType = Literal["increase", "decrease", "recount"]


class AdjustmentIn(StrictModel):
    item_id: Id
    type: AdjustmentType
    quantity: NonNegativeQty
    unit_cost: UnitCostIn | None = None
    lot_id: Id | None = None
    expiry_date: date | None = None
    reason: Name255
    notes: Notes | None = None


LedgerType = Literal["add", "purchase", "use", "adjust_in", "adjust_out"]


class LedgerOut(OutModel):
    id: int
    occurred_at: datetime
    item_id: int
    sku: str
    item_name: str
    type: str
    lot_id: int
    lot_number: str
    qty_change: QtyOut
    unit_cost: UnitCostOut
    cost: MoneyOut
    balance_after: QtyOut
    module_key: str
    operation_id: int
    ref_line_id: int | None
    tank_id: int | None
    fish_batch_id: int | None
    notes: str | None
    user_id: int | None
    user_email: str | None


class AdjustmentOut(OutModel):
    id: int
    item_id: int
    sku: str
    item_name: str
    type: str
    quantity: QtyOut
    qty_change: QtyOut
    previous_qty: QtyOut
    new_qty: QtyOut
    unit_cost: UnitCostOut | None
    lot_id: int | None
    reason: str
    notes: str | None
    operation_id: int
    created_by: int | None
    created_at: datetime


class AdjustmentResult(AdjustmentOut):
    ledger: list[LedgerOut]
