"""Grading models: one parent split into two or three child batches."""

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from biofloc_api.schemas.batches import BatchOut
from biofloc_api.schemas.common import FishCount, GroupLabel
from farm_erp.fields import GramsOut, Id, KgOut, MoneyOut, Notes, OutModel, PositiveGrams, StrictModel


class GroupIn(StrictModel):
    label: GroupLabel
    fish_count: FishCount
    avg_weight_g: PositiveGrams
    destination_tank_id: Id


class GradingCreate(StrictModel):
    source_batch_id: Id
    grading_date: date
    groups: Annotated[list[GroupIn], Field(min_length=2, max_length=3)]
    notes: Notes | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        labels = [g.label for g in self.groups]
        if len(set(labels)) != len(labels):
            raise ValueError("group labels must be distinct")
        tanks = [g.destination_tank_id for g in self.groups]
        if len(set(tanks)) != len(tanks):
            raise ValueError("destination tanks must be distinct")
        return self


class GroupOut(OutModel):
    id: int
    label: str
    child_batch_id: int
    child_batch_code: str
    destination_tank_id: int
    destination_tank_code: str
    fish_count: int
    avg_weight_g: GramsOut
    biomass_kg: KgOut
    transfer_in_cost: MoneyOut


class GradingOut(OutModel):
    id: int
    source_batch_id: int
    source_batch_code: str
    source_tank_id: int
    source_tank_code: str
    grading_date: date
    total_fish: int
    group_count: int
    notes: str | None
    created_at: datetime
    groups: list[GroupOut]


class GradingCreated(OutModel):
    grading: GradingOut
    parent: BatchOut
    children: list[BatchOut]
