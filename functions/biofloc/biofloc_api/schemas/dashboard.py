"""Dashboard figures (docs/rules.md: Dashboard and batch report)."""

from farm_erp.fields import KgOut, OutModel, PctOut


class TankFigures(OutModel):
    active: int
    in_use: int
    available: int
    maintenance: int
    decommissioned: int
    utilisation_pct: PctOut | None


class BatchFigures(OutModel):
    active: int
    total_fish: int
    total_biomass_kg: KgOut


class WaterFigures(OutModel):
    tanks_good: int
    tanks_warning: int
    tanks_danger: int
    tanks_untested_72h: int


class DashboardOut(OutModel):
    tanks: TankFigures
    batches: BatchFigures
    water: WaterFigures
    mortality_7d: int
    harvest_due: int
