"""The SGR's binary-logarithm path gives exactly what the 20-digit Decimal logarithm gives (value and scale)."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from biofloc_api import growth


def reference(w_start: Decimal, w_end: Decimal, n_days: int) -> Decimal | None:
    """The Decimal computation alone (what sgr() always did)."""
    if n_days <= 0 or w_start <= 0 or w_end <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 20
        value = (w_end / w_start).ln() / Decimal(n_days) * 100
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def same(w_start: Decimal, w_end: Decimal, n_days: int) -> None:
    got, expected = growth.sgr(w_start, w_end, n_days), reference(w_start, w_end, n_days)
    assert (str(got), got) == (str(expected), expected), (w_start, w_end, n_days)


grams = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)


@settings(max_examples=3000, deadline=None)
@given(grams, grams, st.integers(min_value=-2, max_value=5000))
def test_float_path_equals_decimal_path(w_start: Decimal, w_end: Decimal, n_days: int) -> None:
    same(w_start, w_end, n_days)


def test_values_next_to_a_rounding_boundary_take_the_decimal_path() -> None:
    """Weights whose SGR lies within a few 1e-10 of x.xxxx5 exist at grams' 3 decimals; both paths agree on them,
    and the float path declines the closest ones rather than guess."""
    rng = random.Random(41)
    declined = 0
    for _ in range(20000):
        w0 = Decimal(rng.randint(1, 200_000)).scaleb(-3)
        n = rng.randint(1, 400)
        boundary = (Decimal(rng.randint(-20_000, 80_000)) + Decimal("0.5")).scaleb(-4)
        ideal = float(w0) * math.exp(float(boundary) * n / 100)
        for step in (-1, 0, 1):
            w_end = Decimal(round(ideal * 1000) + step).scaleb(-3)
            if w_end <= 0:
                continue
            same(w0, w_end, n)
            declined += growth._sgr_by_float(w0, w_end, n) is None
    # no growth is 0, which rounds to a zero whose sign only the Decimal path knows
    same(Decimal("3.000"), Decimal("3.000"), 7)
    assert growth._sgr_by_float(Decimal("3.000"), Decimal("3.000"), 7) is None
    assert declined > 0


def test_a_loss_that_rounds_to_zero_keeps_its_sign() -> None:
    same(Decimal("100.000"), Decimal("99.999"), 365)
    assert str(growth.sgr(Decimal("100.000"), Decimal("99.999"), 365)) == "-0.0000"
