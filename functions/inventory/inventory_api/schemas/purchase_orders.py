"""Purchase orders, their lines, receipts and history."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from farm_erp.fields import (
    Id,
    MoneyOut,
    Notes,
    OutModel,
    PatchModel,
    PositiveQty,
    QtyOut,
    StrictModel,
    UnitCostIn,
    UnitCostOut,
)
from inventory_api.schemas.common import Ref, Text50, Text100

PoStatus = Literal["pending", "approved", "ordered", "partially_received", "received", "closed", "cancelled"]


class PoLineIn(StrictModel):
    item_id: Id
    ordered_qty: PositiveQty
    unit_cost: UnitCostIn


class PoCreate(StrictModel):
    po_number: Text50 | None = None
    supplier_id: Id
    po_date: date | None = None
    expected_delivery: date | None = None
    notes: Notes | None = None
    lines: Annotated[list[PoLineIn], Field(min_length=1, max_length=100)]


class PoUpdate(PatchModel):
    expected_delivery: date | None = None
    notes: Notes | None = None
    supplier_id: Id | None = None
    po_date: date | None = None


class PoStatusIn(StrictModel):
    status: PoStatus
    note: Notes | None = None


class PoLineUpdate(PatchModel):
    item_id: Id | None = None
    ordered_qty: PositiveQty | None = None
    unit_cost: UnitCostIn | None = None


class ReceiveLineIn(StrictModel):
    po_line_id: Id
    received_qty: PositiveQty
    unit_cost: UnitCostIn | None = None
    lot_number: Text100 | None = None
    expiry_date: date | None = None


class ReceiveIn(StrictModel):
    receipt_date: date | None = None
    notes: Notes | None = None
    close: bool = False
    lines: Annotated[list[ReceiveLineIn], Field(min_length=1, max_length=100)]


class DuplicateIn(StrictModel):
    po_number: Text50 | None = None
    po_date: date | None = None
    expected_delivery: date | None = None
    supplier_id: Id | None = None
    notes: Notes | None = None


class PoListRow(OutModel):
    id: int
    po_number: str
    supplier_id: int
    supplier_name: str
    po_date: date
    expected_delivery: date | None
    status: str
    line_count: int
    total_amount: MoneyOut
    received_value: MoneyOut
    created_at: datetime


class PoLineOut(OutModel):
    id: int
    item_id: int
    sku: str
    item_name: str
    unit: str
    ordered_qty: QtyOut
    received_qty: QtyOut
    remaining_qty: QtyOut
    unit_cost: UnitCostOut
    line_total: MoneyOut


class ReceiptLineOut(OutModel):
    po_line_id: int
    item_id: int
    sku: str
    received_qty: QtyOut
    po_unit_cost: UnitCostOut
    unit_cost: UnitCostOut
    lot_id: int


class ReceiptOut(OutModel):
    id: int
    receipt_date: date
    notes: str | None
    operation_id: int
    created_by: int | None
    created_at: datetime
    lines: list[ReceiptLineOut]


class PoSummary(OutModel):
    ordered_value: MoneyOut
    received_value_po: MoneyOut
    received_value_actual: MoneyOut
    variance: MoneyOut
    lines_complete: int
    lines_partial: int
    lines_open: int


class PoDetail(OutModel):
    id: int
    po_number: str
    supplier: Ref
    po_date: date
    expected_delivery: date | None
    status: str
    notes: str | None
    total_amount: MoneyOut
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    lines: list[PoLineOut]
    receipts: list[ReceiptOut]
    summary: PoSummary


class DuplicateOut(PoDetail):
    skipped_item_ids: list[int]


class ReceivedLineOut(OutModel):
    po_line_id: int
    received_qty: QtyOut
    lot_id: int
    ledger_id: int


class ReceiveOut(OutModel):
    receipt_id: int
    status: str
    lines: list[ReceivedLineOut]
    summary: PoSummary


class HistoryOut(OutModel):
    id: int
    po_id: int
    action: str
    from_status: str | None
    to_status: str | None
    details: dict[str, Any]
    user_id: int | None
    user_email: str | None
    created_at: datetime
