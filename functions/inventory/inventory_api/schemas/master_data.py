"""Categories, suppliers and units of measure."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from farm_erp.fields import MAX_NUMBER, Name100, Name200, Notes, OutModel, PatchModel, StrictModel
from inventory_api.schemas.common import FactorOut, Text20, Text50, Text200, Text255

UnitCategory = Literal["weight", "volume", "count", "length", "area"]
Factor = Annotated[Decimal, Field(gt=0, lt=MAX_NUMBER, allow_inf_nan=False, decimal_places=12)]


class CategoryCreate(StrictModel):
    name: Name100
    description: Notes | None = None


class CategoryUpdate(PatchModel):
    name: Name100 | None = None
    description: Notes | None = None


class CategoryOut(OutModel):
    id: int
    name: str
    description: str | None
    item_count: int
    created_at: datetime
    updated_at: datetime


class SupplierCreate(StrictModel):
    name: Name200
    contact_person: Text200 | None = None
    phone: Text50 | None = None
    email: Text255 | None = None
    address: Notes | None = None
    notes: Notes | None = None
    is_active: bool = True


class SupplierUpdate(PatchModel):
    name: Name200 | None = None
    contact_person: Text200 | None = None
    phone: Text50 | None = None
    email: Text255 | None = None
    address: Notes | None = None
    notes: Notes | None = None
    is_active: bool | None = None


class SupplierOut(OutModel):
    id: int
    name: str
    contact_person: str | None
    phone: str | None
    email: str | None
    address: str | None
    notes: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UnitCreate(StrictModel):
    name: Text50
    abbreviation: Text20
    category: UnitCategory
    base_factor: Factor | None = None
    is_active: bool = True


class UnitUpdate(PatchModel):
    name: Text50 | None = None
    abbreviation: Text20 | None = None
    category: UnitCategory | None = None
    base_factor: Factor | None = None
    is_active: bool | None = None


class UnitOut(OutModel):
    id: int
    name: str
    abbreviation: str
    category: str
    base_factor: FactorOut
    is_active: bool
    item_count: int
    created_at: datetime
    updated_at: datetime
