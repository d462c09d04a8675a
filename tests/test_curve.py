"""Tests of the discount curve (finance/curve.py).

Pillar dates are listed by hand (24 Nov 2026 advanced by each tenor on the China calendar,
modified following); expected discount factors are exp(-r t), t = days / 365.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import QuantLib as ql

from finance.market.curve import DAYS_PER_YEAR, DiscountTable, build_discount_table, tenor_days

T0 = dt.date(2026, 11, 24)

CURVE = {
    "1M": 0.014,
    "3M": 0.0145,
    "6M": 0.015,
    "1Y": 0.016,
    "2Y": 0.017,
    "3Y": 0.0178,
    "5Y": 0.019,
}
# Pillar dates from T0 = Tue 24 Nov 2026; only 3Y falls on a weekend (Sat 24 Nov 2029).
PILLARS = {
    "1M": dt.date(2026, 12, 24),  # Thu
    "3M": dt.date(2027, 2, 24),  # Wed
    "6M": dt.date(2027, 5, 24),  # Mon
    "1Y": dt.date(2027, 11, 24),  # Wed
    "2Y": dt.date(2028, 11, 24),  # Fri
    "3Y": dt.date(2029, 11, 26),  # Sat 24 -> Mon 26
    "5Y": dt.date(2031, 11, 24),  # Mon
}
PILLAR_DAYS = {k: (d - T0).days for k, d in PILLARS.items()}
MAX_DAYS = 2600  # beyond the 5Y pillar (day 1826)


@pytest.fixture(scope="module")
def table() -> DiscountTable:
    return build_discount_table(T0, CURVE, MAX_DAYS)


def expected_rate(day: int) -> float:
    """Zero rate by hand: flat before the first and after the last pillar, linear between."""
    days = [PILLAR_DAYS[k] for k in CURVE]
    rates = list(CURVE.values())
    if day <= days[0]:
        return rates[0]
    if day >= days[-1]:
        return rates[-1]
    i = next(j for j in range(1, len(days)) if day <= days[j])
    w = (day - days[i - 1]) / (days[i] - days[i - 1])
    return rates[i - 1] + w * (rates[i] - rates[i - 1])


def test_pillar_days_by_hand():
    assert PILLAR_DAYS == {
        "1M": 30,
        "3M": 92,
        "6M": 181,
        "1Y": 365,
        "2Y": 731,  # 2028 is a leap year
        "3Y": 1098,
        "5Y": 1826,
    }


def test_table_shape(table):
    assert table.valuation_date == T0
    assert table.factors.shape == (MAX_DAYS + 1,)
    assert table.factors[0] == 1.0
    assert np.all(np.diff(table.factors) < 0)  # positive rates: factors fall every day


@pytest.mark.parametrize("tenor", list(CURVE))
def test_discount_factor_at_pillar(table, tenor):
    day = PILLAR_DAYS[tenor]
    assert table.factors[day] == pytest.approx(math.exp(-CURVE[tenor] * day / 365), rel=1e-13)
    assert float(table.zero_rate(day)) == pytest.approx(CURVE[tenor], rel=1e-11)


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        # halfway between 1Y (365, 1.6%) and 2Y (731, 1.7%): day 548 -> w = 183/366 = 0.5
        (548, 0.0165),
        # 1M (30, 1.4%) to 3M (92, 1.45%): day 61 -> w = 31/62 = 0.5
        (61, 0.01425),
        # 3Y (1098, 1.78%) to 5Y (1826, 1.9%): day 1280 -> w = 182/728 = 0.25 -> 1.81%
        (1280, 0.0181),
    ],
)
def test_linear_in_zero_rate_between_pillars(table, day, rate):
    assert expected_rate(day) == pytest.approx(rate, rel=1e-12)
    assert table.factors[day] == pytest.approx(math.exp(-rate * day / 365), rel=1e-13)


def test_every_day_matches_the_hand_formula(table):
    days = np.arange(1, MAX_DAYS + 1)
    expected = np.exp(-np.array([expected_rate(int(d)) for d in days]) * days / 365.0)
    np.testing.assert_allclose(table.factors[1:], expected, rtol=1e-13)


@pytest.mark.parametrize("day", [1, 7, 15, 29, 30])
def test_flat_before_first_pillar(table, day):
    assert float(table.zero_rate(day)) == pytest.approx(0.014, rel=1e-11)


@pytest.mark.parametrize("day", [1826, 1900, 2500, MAX_DAYS])
def test_flat_beyond_last_pillar_in_table(table, day):
    assert float(table.zero_rate(day)) == pytest.approx(0.019, rel=1e-11)


@pytest.mark.parametrize("day", [MAX_DAYS + 1, 5000, 36500])
def test_flat_beyond_the_table(table, day):
    assert float(table.discount(day)) == pytest.approx(math.exp(-0.019 * day / 365), rel=1e-11)


def test_negative_days_discount_as_day_zero(table):
    assert float(table.discount(-5)) == 1.0


def test_discount_is_vectorised(table):
    days = np.array([0, 30, 365, 5000])
    np.testing.assert_array_equal(table.discount(days)[:3], table.factors[[0, 30, 365]])
    assert table.discount(days).shape == (4,)


def test_matches_a_quantlib_zero_curve_built_by_hand(table):
    # Our own ql.ZeroCurve with explicit dates: T0 at the first rate, the hand-listed
    # pillars, and a far date at the last rate for flat extrapolation.
    ql_t0 = ql.Date(T0.day, T0.month, T0.year)

    def qd(d: dt.date) -> ql.Date:
        return ql.Date(d.day, d.month, d.year)

    dates = [ql_t0, *(qd(PILLARS[k]) for k in CURVE), qd(dt.date(2080, 1, 1))]
    rates = [CURVE["1M"], *CURVE.values(), CURVE["5Y"]]
    settings = ql.Settings.instance()
    saved = settings.evaluationDate
    try:
        settings.evaluationDate = ql_t0
        curve = ql.ZeroCurve(
            dates, rates, ql.Actual365Fixed(), ql.NullCalendar(), ql.Linear(), ql.Continuous
        )
        reference = np.array([curve.discount(ql_t0 + d) for d in range(MAX_DAYS + 1)])
    finally:
        settings.evaluationDate = saved
    np.testing.assert_allclose(table.factors, reference, rtol=1e-13)


def test_pillar_on_a_holiday_moves_to_the_next_business_day():
    # 1 Sep 2026 + 1M = Thu 1 Oct 2026, National Day; the week is closed until Thu 8 Oct.
    t0 = dt.date(2026, 9, 1)
    table = build_discount_table(t0, {"1M": 0.02, "1Y": 0.03}, 400)
    pillar = (dt.date(2026, 10, 8) - t0).days  # 37
    assert float(table.zero_rate(pillar)) == pytest.approx(0.02, rel=1e-11)
    # day 30 (1 Oct) is before the pillar: still the flat first rate
    assert float(table.zero_rate(30)) == pytest.approx(0.02, rel=1e-11)
    # day 38 is past it: the rate starts rising towards 3%
    assert float(table.zero_rate(38)) > 0.02


@pytest.mark.parametrize("shift", [0.01, -0.005, 0.0])
def test_shift_moves_every_zero_rate(table, shift):
    shifted = build_discount_table(T0, CURVE, MAX_DAYS, shift=shift)
    days = np.arange(1, MAX_DAYS + 1)
    np.testing.assert_allclose(
        shifted.zero_rate(days) - table.zero_rate(days), shift, rtol=0, atol=1e-12
    )
    # and beyond the table
    assert float(shifted.zero_rate(4000)) == pytest.approx(0.019 + shift, abs=1e-12)


def test_tenor_order_in_the_mapping_does_not_matter(table):
    reversed_curve = dict(reversed(list(CURVE.items())))
    other = build_discount_table(T0, reversed_curve, MAX_DAYS)
    np.testing.assert_array_equal(other.factors, table.factors)


def test_single_pillar_curve_is_flat():
    table = build_discount_table(T0, {"1Y": 0.03}, 800)
    days = np.arange(1, 801)
    np.testing.assert_allclose(table.factors[1:], np.exp(-0.03 * days / DAYS_PER_YEAR), rtol=1e-13)


@pytest.mark.parametrize(
    ("tenor", "days"),
    [
        ("1M", 30),  # 365/12 = 30.4
        ("3M", 91),  # 91.25
        ("6M", 182),  # 182.5 -> 182 (round half to even)
        ("18M", 548),  # 547.5 -> 548 (round half to even)
        ("1Y", 365),
        ("5Y", 1825),
        ("2W", 14),
        ("7D", 7),
        (" 1y ", 365),
    ],
)
def test_tenor_days(tenor, days):
    assert tenor_days(tenor) == days


@pytest.mark.parametrize(
    "tenor",
    [
        "0M",
        "abc",
        "-1Y",
        "",
        "1.5Y",
    ],
)
def test_tenor_days_rejects_bad_tenors(tenor):
    # The docstring promises ValueError; QuantLib's parser raises RuntimeError for text it
    # cannot read, which callers (assumptions) also catch.
    with pytest.raises((ValueError, RuntimeError)):
        tenor_days(tenor)


@pytest.mark.parametrize(
    ("rate", "days", "expected"),
    # (1 + r)^(-days / 365): 1 / 1.08 and 1 / 1.05^2, worked by hand.
    [
        (0.08, 365, 1 / 1.08),
        (0.08, 0, 1.0),
        (0.05, 730, 1 / 1.05**2),
        (0.08, 182, 1.08**-0.4986301369863014),
    ],
)
def test_flat_discount_is_effective_annual_actual_365(rate, days, expected):
    from finance.market.curve import flat_discount

    assert float(flat_discount(rate, days)) == pytest.approx(expected, rel=1e-15)
