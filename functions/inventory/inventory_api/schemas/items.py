"""Items (the item view of docs/rules.md: Item view), lots, bulk fetch and module mappings."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from farm_erp.fields import Id as IdIn
from farm_erp.fields import (
    MoneyOut,
    Name200,
    NonNegativeQty,
    Notes,
    OutModel,
    PatchModel,
    QtyOut,
    StrictModel,
    UnitCostIn,
    UnitCostOut,
)
from inventory_api.schemas.common import Ref, SkuIn, UnitRef


class ItemCreate(StrictModel):
    sku: SkuIn
    name: Name200
    description: Notes | None = None
    category_id: IdIn | None = None
    unit_id: IdIn
    default_supplier_id: IdIn | None = None
    default_price: UnitCostIn = Decimal(0)
    reorder_threshold: NonNegativeQty = Decimal(0)
    min_stock_level: NonNegativeQty = Decimal(0)
    is_active: bool = True


class ItemUpdate(PatchModel):
    sku: SkuIn | None = None
    name: Name200 | None = None
    description: Notes | None = None
    category_id: IdIn | None = None
    unit_id: IdIn | None = None
    default_supplier_id: IdIn | None = None
    default_price: UnitCostIn | None = None
    reorder_threshold: NonNegativeQty | None = None
    min_stock_level: NonNegativeQty | None = None
    is_active: bool | None = None


class ItemOut(OutModel):
    id: int
    sku: str
    name: str
    description: str | None
    category: Ref | None
    unit: UnitRef
    default_supplier: Ref | None
    default_price: UnitCostOut
    reorder_threshold: QtyOut
    min_stock_level: QtyOut
    on_hand_qty: QtyOut
    reserved_qty: QtyOut
    available_qty: QtyOut
    stock_value: MoneyOut
    last_purchase_price: UnitCostOut | None
    is_low_stock: bool
    has_history: bool
    is_active: bool


class LotOut(OutModel):
    id: int
    item_id: int
    lot_number: str
    source: str
    received_date: date
    expiry_date: date | None
    is_expired: bool
    quantity_received: QtyOut
    remaining_qty: QtyOut
    unit_cost: UnitCostOut
    value: MoneyOut
    supplier: Ref | None
    po_id: int | None
    po_line_id: int | None
    notes: str | None
    created_at: datetime


class ItemWithLots(ItemOut):
    lots: list[LotOut] | None = None


class NotFoundKeys(OutModel):
    ids: list[int]
    skus: list[str]


class BulkOut(OutModel):
    items: list[ItemWithLots]
    total: int
    page: int
    limit: int
    not_found: NotFoundKeys


class MappingIn(StrictModel):
    is_primary: bool = False
    settings: dict[str, Any] = {}


class MappingOut(OutModel):
    item_id: int
    module_key: str
    is_primary: bool
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ModuleItemOut(ItemOut):
    is_primary: bool
    settings: dict[str, Any]
