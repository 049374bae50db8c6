"""Feeding session models: several feed items per session, each paid from the stock ledger."""

from datetime import date, datetime, time
from typing import Annotated, Self

from pydantic import Field, model_validator

from biofloc_api.schemas.common import SessionNumber, Sku
from farm_erp.fields import Id, KgOut, MoneyOut, Notes, OutModel, PositiveKg, QtyOut, StrictModel, UnitCostOut


class FeedLineIn(StrictModel):
    item_id: Id | None = None
    sku: Sku | None = None
    quantity_kg: PositiveKg

    @model_validator(mode="after")
    def _one_item(self) -> Self:
        if (self.item_id is None) == (self.sku is None):
            raise ValueError("give exactly one of item_id or sku")
        return self


class FeedingCreate(StrictModel):
    tank_id: Id
    feeding_date: date
    session_number: SessionNumber
    feed_time: time | None = None
    lines: Annotated[list[FeedLineIn], Field(min_length=1, max_length=10)]
    notes: Notes | None = None


class FeedingBulk(StrictModel):
    sessions: Annotated[list[FeedingCreate], Field(min_length=1, max_length=50)]


class LotOut(OutModel):
    ledger_id: int
    lot_id: int
    lot_number: str
    quantity: QtyOut
    unit_cost: UnitCostOut
    cost: MoneyOut


class FeedingLineOut(OutModel):
    id: int
    item_id: int
    sku: str
    item_name: str
    unit: str
    quantity_kg: KgOut
    item_qty: QtyOut
    cost: MoneyOut
    lots: list[LotOut]


class FeedingOut(OutModel):
    id: int
    tank_id: int
    tank_code: str
    batch_id: int
    batch_code: str
    feeding_date: date
    session_number: int
    feed_time: time | None
    total_feed_kg: KgOut
    total_cost: MoneyOut
    operation_id: int | None
    notes: str | None
    created_at: datetime
    lines: list[FeedingLineOut]


class FeedingBulkOut(OutModel):
    items: list[FeedingOut]
