"""A batch cycle's growth and cost figures (docs/rules.md: Growth and cost figures): FCR, SGR, survival, biomass,
density; pure Decimal functions, rounded half-up to fixed scales.

A division by zero (or a logarithm of nothing) gives None, which the API sends as null.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from farm_erp.fields import DENSITY, FCR, GRAMS, KG, MONEY, PCT, SGR, quantize

HUNDRED = Decimal(100)
LITRES_PER_M3 = Decimal(1000)


def _ratio(a: Decimal, b: Decimal | int, places: int) -> Decimal | None:
    """a / b rounded half-up to `places`, or None when b is zero. A Decimal divided by an int takes the int exactly."""
    return None if b == 0 else quantize(a / b, places)


def days(stocking_date: date, as_of: date) -> int:
    """Days of the cycle so far (or in all, for a closed batch)."""
    return (as_of - stocking_date).days


def output_kg(harvested_kg: Decimal, graded_out_kg: Decimal, current_biomass_kg: Decimal) -> Decimal:
    """Everything the cycle produced: sold, graded out and still swimming."""
    return quantize(harvested_kg + graded_out_kg + current_biomass_kg, KG)


def gain_kg(output: Decimal, initial_biomass_kg: Decimal) -> Decimal:
    return quantize(output - initial_biomass_kg, KG)


def fcr(total_feed_kg: Decimal, gain: Decimal) -> Decimal | None:
    """Feed conversion ratio; undefined without a gain."""
    return None if gain <= 0 else _ratio(total_feed_kg, gain, FCR)


def survival_pct(current: int, harvested: int, graded_out: int, initial: int) -> Decimal | None:
    return _ratio(Decimal((current + harvested + graded_out) * 100), initial, PCT)


def mortality_pct(total_mortality: int, initial: int) -> Decimal | None:
    return _ratio(Decimal(total_mortality * 100), initial, PCT)


def sgr(w_start: Decimal, w_end: Decimal, n_days: int) -> Decimal | None:
    """Specific growth rate in %/day: (ln W_end - ln W0) / days * 100."""
    if n_days <= 0 or w_start <= 0 or w_end <= 0:
        return None
    fast = _sgr_by_float(w_start, w_end, n_days)
    if fast is not None:
        return fast
    # ln(W_end / W0) is one logarithm instead of two; 20 significant digits leave the 4th decimal exact.
    with localcontext() as ctx:
        ctx.prec = 20
        value = (w_end / w_start).ln() / Decimal(n_days) * HUNDRED
    return quantize(value, SGR)


# Every list row has an SGR, and the Decimal logarithm was half of a batch page's figures. A binary logarithm is
# within 1e-11 of the true value for |SGR| < 10^4 (a few units in the last place of each step), so wherever it lies
# more than SGR_MARGIN (1e-10) away from a rounding boundary (a half of the last kept decimal), the true value and
# the 20-digit Decimal value round to the same 4 decimals; the rare value near a boundary, a huge one, or one that
# would round to a signed zero takes the Decimal path. tests/unit/test_biofloc_growth_sgr.py compares both paths.
SGR_SCALE = 10**SGR
SGR_MARGIN = 1e-10 * SGR_SCALE
SGR_FLOAT_LIMIT = 1e4


def _sgr_by_float(w_start: Decimal, w_end: Decimal, n_days: int) -> Decimal | None:
    ratio = float(w_end) / float(w_start)
    if not 0 < ratio < math.inf:
        return None
    value = math.log(ratio) / n_days * 100
    if not abs(value) < SGR_FLOAT_LIMIT:
        return None
    scaled = value * SGR_SCALE
    nearest = round(scaled)
    if nearest == 0 or abs(abs(scaled - math.floor(scaled)) - 0.5) <= SGR_MARGIN:
        return None
    return Decimal(nearest).scaleb(-SGR)


def adg(w_start: Decimal, w_end: Decimal, n_days: int) -> Decimal | None:
    """Average daily gain in g per fish per day."""
    return _ratio(w_end - w_start, n_days, GRAMS)


def biomass_gain_per_day(gain: Decimal, n_days: int) -> Decimal | None:
    return _ratio(gain, n_days, KG)


def per_kg(amount: Decimal, output: Decimal) -> Decimal | None:
    """Money per kg of output (cost_per_kg, profit_per_kg)."""
    return _ratio(amount, output, MONEY)


def roi_pct(gross_profit: Decimal, net_cost: Decimal) -> Decimal | None:
    return _ratio(gross_profit * HUNDRED, net_cost, PCT)


def density(amount: Decimal | int, capacity_liters: Decimal) -> Decimal | None:
    """Per cubic metre of tank volume (kg/m³ or fish/m³)."""
    return _ratio(amount * LITRES_PER_M3, capacity_liters, DENSITY)


def figures(
    batch: dict[str, Any], costs: dict[str, Any], today: date, capacity_liters: Decimal | None
) -> dict[str, Any]:
    """All growth and cost figures of one batch row (with its cycle_costs row), running if active, final if closed,
    and the density in its current tank's volume (None without a tank): the keys of the API's batch metrics.

    A dict built in one go: a batch page computes this for each of its rows.
    """
    active = batch["status"] == "active"
    as_of = today if active or batch["end_date"] is None else batch["end_date"]
    n = days(batch["stocking_date"], as_of)
    out = output_kg(batch["harvested_kg"], batch["graded_out_kg"], batch["current_biomass_kg"])
    gain = gain_kg(out, batch["initial_biomass_kg"])
    w0 = batch["initial_avg_weight_g"]
    w_end = batch["current_avg_weight_g"] if active else (batch["end_avg_weight_g"] or batch["current_avg_weight_g"])
    return {
        "days": n,
        "output_kg": out,
        "gain_kg": gain,
        "fcr": fcr(batch["total_feed_kg"], gain),
        "survival_pct": survival_pct(
            batch["current_count"], batch["harvested_count"], batch["graded_out_count"], batch["initial_count"]
        ),
        "mortality_pct": mortality_pct(batch["total_mortality"], batch["initial_count"]),
        "w_end_g": w_end,
        "sgr": sgr(w0, w_end, n),
        "adg_g": adg(w0, w_end, n),
        "biomass_gain_kg_per_day": biomass_gain_per_day(gain, n),
        "cost_per_kg": per_kg(costs["total_cost"], out),
        "profit_per_kg": per_kg(costs["gross_profit"], out),
        "roi_pct": roi_pct(costs["gross_profit"], costs["net_cost"]),
        "density_kg_per_m3": density(batch["current_biomass_kg"], capacity_liters) if capacity_liters else None,
        "density_fish_per_m3": density(batch["current_count"], capacity_liters) if capacity_liters else None,
        "is_final": not active,
    }
