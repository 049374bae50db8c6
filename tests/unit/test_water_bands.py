"""Water bands (docs/rules.md: Water quality): inclusive bounds, missing bounds, unrated parameters, the worst band."""

from __future__ import annotations

from decimal import Decimal

from biofloc_api.water import Threshold, band, evaluate, validate, worst

SEEDS = {
    "dissolved_oxygen_mgl": Threshold("dissolved_oxygen_mgl", Decimal("5"), None, Decimal("4"), None),
    "ph": Threshold("ph", Decimal("7.5"), Decimal("8.2"), Decimal("7.0"), Decimal("8.5")),
    "ammonia_mgl": Threshold("ammonia_mgl", None, Decimal("0.2"), None, Decimal("0.5")),
    "floc_volume_mll": Threshold("floc_volume_mll", Decimal("10"), Decimal("40"), Decimal("5"), Decimal("50")),
}


def test_scenario_bands() -> None:
    ev = evaluate(
        {
            "dissolved_oxygen_mgl": Decimal("4.5"),
            "ph": Decimal("8.6"),
            "ammonia_mgl": Decimal("0.2"),
            "floc_volume_mll": Decimal("12"),
        },
        SEEDS,
    )
    assert {p: v["band"] for p, v in ev["parameters"].items()} == {
        "dissolved_oxygen_mgl": "warning",
        "ph": "danger",
        "ammonia_mgl": "good",
        "floc_volume_mll": "good",
    }
    assert ev["overall"] == "danger"


def test_bounds_are_inclusive() -> None:
    do = SEEDS["dissolved_oxygen_mgl"]
    assert [band(Decimal(v), do) for v in ("5.0", "4.0", "3.99", "100")] == ["good", "warning", "danger", "good"]
    ph = SEEDS["ph"]
    assert [band(Decimal(v), ph) for v in ("7.5", "8.2", "7.0", "8.5", "6.99", "8.51")] == [
        "good",
        "good",
        "warning",
        "warning",
        "danger",
        "danger",
    ]
    nh3 = SEEDS["ammonia_mgl"]
    assert [band(Decimal(v), nh3) for v in ("0", "0.2", "0.5", "0.51")] == ["good", "good", "warning", "danger"]


def test_missing_warning_bound_is_unbounded() -> None:
    """NULL means unbounded: without warn_max, everything above the good band is a warning, never danger."""
    t = Threshold("temperature_c", Decimal("28"), Decimal("30"), Decimal("26"), None)
    assert [band(Decimal(v), t) for v in ("27", "30", "30.1", "99", "26", "25.9")] == [
        "warning",
        "good",
        "warning",
        "warning",
        "warning",
        "danger",
    ]


def test_unrated_and_overall() -> None:
    assert band(Decimal("1"), None) == "unrated"
    assert band(Decimal("1"), Threshold("ph", Decimal("7"), Decimal("8"), None, None, is_active=False)) == "unrated"
    assert evaluate({"salinity_ppt": Decimal("3")}, SEEDS)["overall"] == "unrated"
    assert evaluate({}, SEEDS) == {"overall": "unrated", "parameters": {}}
    assert worst(["good", "unrated", "warning"]) == "warning"


def test_threshold_validation() -> None:
    assert validate(Decimal("7"), Decimal("8"), Decimal("6.5"), Decimal("9")) == []
    assert validate(None, None, None, None) == []
    assert [f for f, _ in validate(Decimal("7"), Decimal("8"), Decimal("7.1"), None)] == ["warn_min"]
    assert [f for f, _ in validate(None, Decimal("8"), Decimal("1"), None)] == ["warn_min"]
    assert [f for f, _ in validate(Decimal("7"), Decimal("8"), None, Decimal("7.9"))] == ["warn_max"]
    assert [f for f, _ in validate(Decimal("9"), Decimal("8"), None, None)] == ["good_min"]
