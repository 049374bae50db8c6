"""Batch, transfer, termination, metrics, performance and cost models."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import field_validator

from biofloc_api.schemas.common import BatchCode, FishCount, LitresOut, Text200, Text255
from farm_erp.fields import (
    DensityOut,
    FcrOut,
    GramsOut,
    Id,
    KgOut,
    MoneyIn,
    MoneyOut,
    Name100,
    Notes,
    OutModel,
    PatchModel,
    PctOut,
    PositiveGrams,
    SgrOut,
    SignedMoneyIn,
    StrictModel,
)


class BatchCreate(StrictModel):
    code: BatchCode
    species: Name100
    source: Text200 | None = None
    stocking_date: date
    initial_count: FishCount
    initial_avg_weight_g: PositiveGrams
    tank_id: Id
    fingerling_cost: MoneyIn = Decimal(0)
    notes: Notes | None = None


class BatchUpdate(PatchModel):
    species: Name100 | None = None
    source: Text200 | None = None
    notes: Notes | None = None


class TransferIn(StrictModel):
    to_tank_id: Id
    transfer_date: date
    reason: Text200 | None = None


class TerminateIn(StrictModel):
    end_date: date
    reason: Text200


class CurrentTank(OutModel):
    id: int
    code: str
    name: str
    capacity_liters: LitresOut
    assigned_since: date


class MetricsOut(OutModel):
    days: int
    output_kg: KgOut
    gain_kg: KgOut
    fcr: FcrOut | None
    survival_pct: PctOut | None
    mortality_pct: PctOut | None
    w_end_g: GramsOut
    sgr: SgrOut | None
    adg_g: GramsOut | None
    biomass_gain_kg_per_day: KgOut | None
    cost_per_kg: MoneyOut | None
    profit_per_kg: MoneyOut | None
    roi_pct: PctOut | None
    density_kg_per_m3: DensityOut | None
    density_fish_per_m3: DensityOut | None
    is_final: bool


class CostBreakdown(OutModel):
    fingerling: MoneyOut
    feed: MoneyOut
    chemical: MoneyOut
    labour: MoneyOut
    utilities: MoneyOut
    other: MoneyOut
    transfer_in: MoneyOut
    transfer_out: MoneyOut
    total_cost: MoneyOut
    net_cost: MoneyOut
    total_revenue: MoneyOut
    gross_profit: MoneyOut


class BatchOut(OutModel):
    id: int
    code: str
    species: str
    source: str | None
    stocking_date: date
    origin_stocking_date: date
    initial_count: int
    initial_avg_weight_g: GramsOut
    initial_biomass_kg: KgOut
    current_count: int
    current_avg_weight_g: GramsOut
    current_biomass_kg: KgOut
    last_sample_date: date | None
    total_mortality: int
    harvested_count: int
    graded_out_count: int
    harvested_kg: KgOut
    graded_out_kg: KgOut
    total_feed_kg: KgOut
    status: str
    end_date: date | None
    end_avg_weight_g: GramsOut | None
    parent_batch_id: int | None
    parent_batch_code: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    tank_id: int | None
    tank_code: str | None
    current_tank: CurrentTank | None
    metrics: MetricsOut
    costs: CostBreakdown


class PerformanceOut(MetricsOut):
    batch_id: int
    batch_code: str
    species: str
    status: str
    tank_id: int | None
    tank_code: str | None
    stocking_date: date
    origin_stocking_date: date
    end_date: date | None
    initial_count: int
    current_count: int
    total_mortality: int
    harvested_count: int
    graded_out_count: int
    initial_avg_weight_g: GramsOut
    current_avg_weight_g: GramsOut
    initial_biomass_kg: KgOut
    current_biomass_kg: KgOut
    harvested_kg: KgOut
    graded_out_kg: KgOut
    total_feed_kg: KgOut
    costs: CostBreakdown
    total_cost: MoneyOut
    revenue: MoneyOut
    gross_profit: MoneyOut


class CostEntryIn(StrictModel):
    category: Literal["fingerling", "labour", "utilities", "other"]
    amount: SignedMoneyIn
    entry_date: date | None = None
    description: Text255 | None = None

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, v: Decimal) -> Decimal:
        if v == 0:
            raise ValueError("amount must not be zero")
        return v


class CostEntryOut(OutModel):
    id: int
    batch_id: int
    batch_code: str
    category: str
    amount: MoneyOut
    entry_date: date
    description: str | None
    created_at: datetime


class CostEntryCreated(CostEntryOut):
    breakdown: CostBreakdown


class CostList(OutModel):
    items: list[CostEntryOut]
    total: int
    page: int
    limit: int
    breakdown: CostBreakdown
