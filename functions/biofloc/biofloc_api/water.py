"""Water-quality bands (docs/rules.md: Water quality): good, warning, danger against three-band thresholds.

Every bound is inclusive and a NULL bound is unbounded (as the threshold table defines it), so a side without a
warning bound has no danger zone on that side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Band = Literal["good", "warning", "danger", "unrated"]

# The twelve measured parameters and their units, in display order.
PARAMETERS: dict[str, str] = {
    "temperature_c": "°C",
    "ph": "pH",
    "dissolved_oxygen_mgl": "mg/L",
    "salinity_ppt": "ppt",
    "ammonia_mgl": "mg/L",
    "nitrite_mgl": "mg/L",
    "nitrate_mgl": "mg/L",
    "alkalinity_mgl": "mg/L",
    "hardness_mgl": "mg/L",
    "turbidity_ntu": "NTU",
    "tds_mgl": "mg/L",
    "floc_volume_mll": "mL/L",
}
_SEVERITY: dict[Band, int] = {"unrated": 0, "good": 1, "warning": 2, "danger": 3}


@dataclass(frozen=True)
class Threshold:
    parameter: str
    good_min: Decimal | None
    good_max: Decimal | None
    warn_min: Decimal | None
    warn_max: Decimal | None
    is_active: bool = True

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Threshold:
        return cls(
            row["parameter"], row["good_min"], row["good_max"], row["warn_min"], row["warn_max"], row["is_active"]
        )


def _within(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def band(value: Decimal, t: Threshold | None) -> Band:
    """Good inside [good_min, good_max], warning inside the warning band, else danger; bounds inclusive."""
    if t is None or not t.is_active:
        return "unrated"
    if _within(value, t.good_min, t.good_max):
        return "good"
    if _within(value, t.warn_min, t.warn_max):
        return "warning"
    return "danger"


def worst(bands: Iterable[Band]) -> Band:
    """The worst rated band; unrated when nothing is rated."""
    return max(bands, key=lambda b: _SEVERITY[b], default="unrated")


def evaluate(test: Mapping[str, Any], thresholds: Mapping[str, Threshold]) -> dict[str, Any]:
    """`{overall, parameters: {p: {value, band}}}` for the measured parameters of one test."""
    params: dict[str, dict[str, Any]] = {}
    for name in PARAMETERS:
        value = test.get(name)
        if value is not None:
            params[name] = {"value": value, "band": band(value, thresholds.get(name))}
    return {"overall": worst(p["band"] for p in params.values()), "parameters": params}


def validate(
    good_min: Decimal | None, good_max: Decimal | None, warn_min: Decimal | None, warn_max: Decimal | None
) -> list[tuple[str, str]]:
    """Problems with a band table row as (field, message); empty when it is consistent."""
    problems: list[tuple[str, str]] = []
    if good_min is not None and good_max is not None and good_min > good_max:
        problems.append(("good_min", "good_min must not exceed good_max"))
    if warn_min is not None and (good_min is None or warn_min > good_min):
        problems.append(("warn_min", "warn_min needs good_min and must not exceed it"))
    if warn_max is not None and (good_max is None or warn_max < good_max):
        problems.append(("warn_max", "warn_max needs good_max and must not be below it"))
    return problems
