"""Sampling, mortality and harvest models."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Self

from pydantic import model_validator

from biofloc_api.schemas.batches import BatchOut
from biofloc_api.schemas.common import FishCount, Length, Text100, Text200
from farm_erp.fields import (
    GramsOut,
    Id,
    KgOut,
    MoneyIn,
    MoneyOut,
    NonNegativeQty,
    Notes,
    OutModel,
    PositiveGrams,
    PositiveKg,
    StrictModel,
)


def _ordered(low: Decimal | None, mid: Decimal | None, high: Decimal | None, what: str) -> None:
    if (low is not None or high is not None) and mid is None:
        raise ValueError(f"min and max {what} need the average {what}")
    values = [v for v in (low, mid, high) if v is not None]
    if values != sorted(values):
        raise ValueError(f"{what}: min must not exceed avg, and avg must not exceed max")


class SamplingCreate(StrictModel):
    batch_id: Id
    sample_date: date
    sample_size: FishCount
    avg_weight_g: PositiveGrams
    min_weight_g: PositiveGrams | None = None
    max_weight_g: PositiveGrams | None = None
    avg_length_cm: Length | None = None
    min_length_cm: Length | None = None
    max_length_cm: Length | None = None
    std_dev_g: NonNegativeQty | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        _ordered(self.min_weight_g, self.avg_weight_g, self.max_weight_g, "weight")
        _ordered(self.min_length_cm, self.avg_length_cm, self.max_length_cm, "length")
        return self


class SamplingOut(OutModel):
    id: int
    batch_id: int
    batch_code: str
    tank_id: int | None
    tank_code: str | None
    sample_date: date
    sample_size: int
    avg_weight_g: GramsOut
    min_weight_g: GramsOut | None
    max_weight_g: GramsOut | None
    avg_length_cm: GramsOut | None
    min_length_cm: GramsOut | None
    max_length_cm: GramsOut | None
    std_dev_g: GramsOut | None
    condition_factor: GramsOut | None
    notes: str | None
    created_at: datetime


class SamplingCreated(SamplingOut):
    """The new sampling with its batch added (a sampling changes the batch, so the client gets both)."""

    batch: BatchOut


class MortalityCreate(StrictModel):
    batch_id: Id
    mortality_date: date
    count: FishCount
    cause: Text100 | None = None
    avg_weight_g: PositiveGrams | None = None
    notes: Notes | None = None


class MortalityOut(OutModel):
    id: int
    batch_id: int
    batch_code: str
    tank_id: int | None
    tank_code: str | None
    mortality_date: date
    count: int
    cause: str | None
    avg_weight_g: GramsOut
    biomass_loss_kg: KgOut
    notes: str | None
    created_at: datetime


class HarvestCreate(StrictModel):
    batch_id: Id
    harvest_date: date
    harvest_type: Literal["partial", "complete"]
    fish_count: FishCount
    total_weight_kg: PositiveKg
    grade_a_kg: NonNegativeQty = Decimal(0)
    grade_b_kg: NonNegativeQty = Decimal(0)
    grade_c_kg: NonNegativeQty = Decimal(0)
    reject_kg: NonNegativeQty = Decimal(0)
    buyer_name: Text200 | None = None
    price_per_kg: MoneyIn | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _grades(self) -> Self:
        if self.grade_a_kg + self.grade_b_kg + self.grade_c_kg + self.reject_kg > self.total_weight_kg:
            raise ValueError("the grades must not add up to more than total_weight_kg")
        return self


class HarvestOut(OutModel):
    id: int
    batch_id: int
    batch_code: str
    tank_id: int | None
    tank_code: str | None
    harvest_date: date
    harvest_type: str
    fish_count: int
    total_weight_kg: KgOut
    avg_weight_g: GramsOut
    grade_a_kg: KgOut
    grade_b_kg: KgOut
    grade_c_kg: KgOut
    reject_kg: KgOut
    buyer_name: str | None
    price_per_kg: MoneyOut | None
    revenue: MoneyOut
    notes: str | None
    created_at: datetime


class HarvestCreated(HarvestOut):
    """The new harvest with its batch added (a harvest changes the batch, so the client gets both)."""

    batch: BatchOut
