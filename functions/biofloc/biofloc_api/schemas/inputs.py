"""Tank input and item picker models."""

from datetime import date, datetime, time
from typing import Literal, Self

from pydantic import model_validator

from biofloc_api.schemas.common import Sku, Text20, Text200
from biofloc_api.schemas.feedings import LotOut
from farm_erp.fields import Id, MoneyOut, Notes, OutModel, PositiveQty, QtyOut, StrictModel, UnitCostIn, UnitCostOut

InputType = Literal["chemical", "probiotic", "carbon_source", "mineral", "other"]


class TankInputCreate(StrictModel):
    tank_id: Id
    input_date: date
    input_time: time | None = None
    input_type: InputType
    item_id: Id | None = None
    sku: Sku | None = None
    item_name: Text200 | None = None
    quantity: PositiveQty
    unit: Text20 | None = None
    unit_cost: UnitCostIn | None = None
    reason: Text200 | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _item_or_name(self) -> Self:
        if self.item_id is not None and self.sku is not None:
            raise ValueError("give item_id or sku, not both")
        if self.item_id is None and self.sku is None:
            if self.item_name is None or self.unit is None:
                raise ValueError("without an item, item_name and unit are required")
        elif self.unit_cost is not None:
            raise ValueError("unit_cost comes from the stock lots when an item is used")
        return self


class TankInputOut(OutModel):
    id: int
    tank_id: int
    tank_code: str
    batch_id: int | None
    batch_code: str | None
    input_date: date
    input_time: time | None
    input_type: str
    item_id: int | None
    sku: str | None
    item_name: str
    quantity: QtyOut
    unit: str
    unit_cost: UnitCostOut
    total_cost: MoneyOut
    reason: str | None
    operation_id: int | None
    notes: str | None
    created_at: datetime
    lots: list[LotOut]


class BioflocItemOut(OutModel):
    id: int
    sku: str
    name: str
    unit_id: int
    unit: str
    unit_category: str
    is_weight: bool
    is_primary: bool
    on_hand_qty: QtyOut
    reserved_qty: QtyOut
    available_qty: QtyOut
