"""Reservations."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from farm_erp.fields import Id, MoneyOut, Notes, OutModel, PositiveQty, QtyOut, StrictModel
from inventory_api.schemas.common import ModuleKey, Text100
from inventory_api.schemas.stock import LotTakeOut

ReservationStatus = Literal["pending", "confirmed", "cancelled", "expired"]


class ReservationIn(StrictModel):
    item_id: Id
    quantity: PositiveQty
    module_key: ModuleKey = "inventory"
    external_ref: Text100 | None = None
    duration_hours: Annotated[int, Field(ge=1, le=720)] = 24
    notes: Notes | None = None


class ReservationOut(OutModel):
    id: int
    item_id: int
    sku: str
    item_name: str
    quantity: QtyOut
    module_key: str
    external_ref: str | None
    status: str
    is_live: bool
    reserved_until: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    expired_at: datetime | None
    operation_id: int | None
    notes: str | None
    created_by: int | None
    created_at: datetime


class ConfirmOut(OutModel):
    reservation: ReservationOut
    operation_id: int
    lines: list[LotTakeOut]
    total_cost: MoneyOut
    on_hand_qty: QtyOut
    available_qty: QtyOut
