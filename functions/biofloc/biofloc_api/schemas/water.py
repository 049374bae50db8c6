"""Water test and threshold models."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, model_validator

from biofloc_api.schemas.common import Bound, Measure, Text20
from biofloc_api.water import PARAMETERS
from farm_erp.fields import Id, Notes, OutModel, QtyOut, StrictModel


class WaterTestCreate(StrictModel):
    tank_id: Id
    tested_at: AwareDatetime | None = None
    temperature_c: Measure | None = None
    ph: Annotated[Measure, Field(le=14)] | None = None
    dissolved_oxygen_mgl: Measure | None = None
    salinity_ppt: Measure | None = None
    ammonia_mgl: Measure | None = None
    nitrite_mgl: Measure | None = None
    nitrate_mgl: Measure | None = None
    alkalinity_mgl: Measure | None = None
    hardness_mgl: Measure | None = None
    turbidity_ntu: Measure | None = None
    tds_mgl: Measure | None = None
    floc_volume_mll: Measure | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _some_value(self) -> Self:
        if all(getattr(self, p) is None for p in PARAMETERS):
            raise ValueError("give at least one measured parameter")
        return self


class ParameterBand(OutModel):
    value: QtyOut
    band: str


class Evaluation(OutModel):
    overall: str
    parameters: dict[str, ParameterBand]


class WaterTestOut(OutModel):
    id: int
    tank_id: int
    tank_code: str
    batch_id: int | None
    batch_code: str | None
    tested_at: datetime
    temperature_c: QtyOut | None
    ph: QtyOut | None
    dissolved_oxygen_mgl: QtyOut | None
    salinity_ppt: QtyOut | None
    ammonia_mgl: QtyOut | None
    nitrite_mgl: QtyOut | None
    nitrate_mgl: QtyOut | None
    alkalinity_mgl: QtyOut | None
    hardness_mgl: QtyOut | None
    turbidity_ntu: QtyOut | None
    tds_mgl: QtyOut | None
    floc_volume_mll: QtyOut | None
    notes: str | None
    created_at: datetime
    evaluation: Evaluation


class WaterTestCreated(OutModel):
    test: WaterTestOut
    evaluation: Evaluation


class WaterStatusOut(OutModel):
    tank_id: int
    tank_code: str
    tank_name: str
    tank_status: str
    batch_id: int | None
    batch_code: str | None
    test_id: int | None
    tested_at: datetime | None
    stale: bool
    evaluation: Evaluation
    values: dict[str, QtyOut]


class ThresholdIn(StrictModel):
    unit: Text20 | None = None
    good_min: Bound | None = None
    good_max: Bound | None = None
    warn_min: Bound | None = None
    warn_max: Bound | None = None
    is_active: bool = True


class ThresholdOut(OutModel):
    parameter: str
    unit: str
    good_min: QtyOut | None
    good_max: QtyOut | None
    warn_min: QtyOut | None
    warn_max: QtyOut | None
    is_active: bool
    is_configured: bool
