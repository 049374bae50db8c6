"""The growth and cost figures: exact Decimal results at the fixed scales, x/0 → None."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from biofloc_api import growth


def test_worked_cycle_final_figures() -> None:
    assert growth.days(date(2025, 1, 1), date(2025, 5, 1)) == 120
    out = growth.output_kg(Decimal("330.000"), Decimal("0"), Decimal("0"))
    gain = growth.gain_kg(out, Decimal("10.000"))
    assert (out, gain) == (Decimal("330.000"), Decimal("320.000"))
    assert growth.fcr(Decimal("416"), gain) == Decimal("1.300")
    assert growth.survival_pct(0, 900, 0, 1000) == Decimal("90.00")
    assert growth.mortality_pct(100, 1000) == Decimal("10.00")
    assert growth.sgr(Decimal("10"), Decimal("400"), 120) == Decimal("3.0741")
    assert growth.adg(Decimal("10"), Decimal("400"), 120) == Decimal("3.250")
    assert growth.biomass_gain_per_day(gain, 120) == Decimal("2.667")
    assert growth.per_kg(Decimal("31000"), out) == Decimal("93.94")
    assert growth.per_kg(Decimal("39800"), out) == Decimal("120.61")
    assert growth.roi_pct(Decimal("39800"), Decimal("31000")) == Decimal("128.39")


def test_running_figures_and_density() -> None:
    assert growth.sgr(Decimal("10"), Decimal("300"), 90) == Decimal("3.7791")
    assert growth.fcr(Decimal("325"), Decimal("260")) == Decimal("1.250")
    assert growth.density(Decimal("180"), Decimal("10000")) == Decimal("18.00")
    assert growth.density(600, Decimal("10000")) == Decimal("60.00")
    assert growth.sgr(Decimal("5"), Decimal("50.526"), 42) == Decimal("5.5073")


def test_division_by_zero_is_none() -> None:
    assert growth.fcr(Decimal("10"), Decimal("0")) is None
    assert growth.fcr(Decimal("10"), Decimal("-1")) is None
    assert growth.sgr(Decimal("10"), Decimal("20"), 0) is None
    assert growth.adg(Decimal("10"), Decimal("20"), 0) is None
    assert growth.biomass_gain_per_day(Decimal("1"), 0) is None
    assert growth.per_kg(Decimal("1"), Decimal("0")) is None
    assert growth.roi_pct(Decimal("1"), Decimal("0")) is None
    assert growth.survival_pct(0, 0, 0, 0) is None
    assert growth.mortality_pct(0, 0) is None
    assert growth.density(Decimal("1"), Decimal("0")) is None


def test_figures_of_a_batch_row() -> None:
    batch = {
        "status": "harvested",
        "stocking_date": date(2025, 1, 1),
        "end_date": date(2025, 5, 1),
        "harvested_kg": Decimal("330"),
        "graded_out_kg": Decimal("0"),
        "current_biomass_kg": Decimal("0"),
        "initial_biomass_kg": Decimal("10"),
        "initial_avg_weight_g": Decimal("10"),
        "current_avg_weight_g": Decimal("300"),
        "end_avg_weight_g": Decimal("400"),
        "total_feed_kg": Decimal("416"),
        "current_count": 0,
        "harvested_count": 900,
        "graded_out_count": 0,
        "initial_count": 1000,
        "total_mortality": 100,
    }
    costs = {"total_cost": Decimal("31000"), "gross_profit": Decimal("39800"), "net_cost": Decimal("31000")}
    f = growth.figures(batch, costs, date(2030, 1, 1), None)
    assert f["days"] == 120 and f["w_end_g"] == Decimal("400") and f["fcr"] == Decimal("1.300")
    assert f["sgr"] == Decimal("3.0741") and f["is_final"] and f["density_kg_per_m3"] is None
    running = growth.figures({**batch, "status": "active", "end_date": None}, costs, date(2025, 4, 1), Decimal(5000))
    assert running["days"] == 90 and running["w_end_g"] == Decimal("300") and not running["is_final"]
    # 0 kg and 0 fish still swimming in 5 m³
    assert running["density_kg_per_m3"] == Decimal("0.00") and running["density_fish_per_m3"] == Decimal("0.00")
