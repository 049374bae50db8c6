"""Tank request and response models."""

from datetime import date, datetime
from typing import Literal

from biofloc_api.schemas.common import Litres, LitresOut, TankCode, Text200
from farm_erp.fields import (
    DensityOut,
    GramsOut,
    KgOut,
    Name100,
    Notes,
    OutModel,
    PatchModel,
    StrictModel,
)

TankType = Literal["circular", "rectangular", "raceway"]
Capacity = Litres


class TankCreate(StrictModel):
    code: TankCode
    name: Name100
    capacity_liters: Capacity
    location: Text200 | None = None
    tank_type: TankType = "circular"
    status: Literal["available", "maintenance", "decommissioned"] = "available"
    notes: Notes | None = None


class TankUpdate(PatchModel):
    name: Name100 | None = None
    capacity_liters: Capacity | None = None
    location: Text200 | None = None
    tank_type: TankType | None = None
    status: Literal["available", "maintenance", "decommissioned"] | None = None
    is_active: bool | None = None
    notes: Notes | None = None


class CurrentBatch(OutModel):
    id: int
    code: str
    species: str
    current_count: int
    current_avg_weight_g: GramsOut
    current_biomass_kg: KgOut
    stocking_date: date
    assigned_since: date


class Density(OutModel):
    kg_per_m3: DensityOut | None
    fish_per_m3: DensityOut | None


class WaterStatus(OutModel):
    test_id: int
    tested_at: datetime
    overall: str
    stale: bool


class TankOut(OutModel):
    id: int
    code: str
    name: str
    capacity_liters: LitresOut
    location: str | None
    tank_type: str
    status: str
    is_active: bool
    notes: str | None
    created_at: datetime
    updated_at: datetime
    current_batch: CurrentBatch | None
    batch_id: int | None
    batch_code: str | None
    density: Density | None
    water_status: WaterStatus | None


class AssignmentOut(OutModel):
    id: int
    tank_id: int
    tank_code: str
    batch_id: int
    batch_code: str
    species: str
    start_date: date
    end_date: date | None
    start_reason: str
    end_reason: str | None
    fish_count_at_start: int
    avg_weight_at_start_g: GramsOut
    reason: str | None
    days: int
