import math

import pytest
from conftest import T0
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.market.cashflows import effective_annual_cost


def _npv(rate: float, flows) -> float:
    """PV of (days, amount) flows at an effective annual rate, Actual/365 Fixed."""
    return sum(amount / (1.0 + rate) ** (days / 365.0) for days, amount in flows)


def _irr(received: float, flows, lo: float = -0.99, hi: float = 10.0) -> float:
    """Solve received = PV(flows) by bisection (PV falls as the rate rises)."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _npv(mid, flows) > received:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_two_period_loan_by_bisection():
    # Receive 99 at t0, pay 1 at day 181 and 101 at day 365:
    # 99 = 1 / (1 + r)^(181/365) + 101 / (1 + r), r = 3.0457%.
    flows = [(181, 1.0), (365, 101.0)]
    expected = _irr(99.0, flows)
    assert expected == pytest.approx(0.030456963940878917, abs=1e-12)
    assert effective_annual_cost(T0, 99.0, flows) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("received", "paid", "days"),
    [
        (100.0, 105.0, 365),  # 5% over exactly a year
        (99.0, 101.0, 365),
        (100.0, 101.0, 91),  # a quarter: (1.01)^(365/91) - 1
        (98.5, 103.0, 730),  # two years
        (105.0, 100.0, 100),  # pays back less than it got: negative rate
    ],
)
def test_single_payment_has_a_closed_form(received, paid, days):
    expected = (paid / received) ** (365.0 / days) - 1.0
    assert effective_annual_cost(T0, received, [(days, paid)]) == pytest.approx(expected, abs=1e-9)


def test_quarterly_coupons_against_bisection():
    # 100 raised net of a 1 fee; 1.25 a quarter and 100 back at the end.
    flows = [(90, 1.25), (181, 1.25), (273, 1.25), (365, 101.25)]
    got = effective_annual_cost(T0, 99.0, flows)
    assert got == pytest.approx(_irr(99.0, flows), abs=1e-9)
    # Above the nominal 5%: quarterly payment plus the fee.
    assert got > 0.05


@pytest.mark.parametrize(
    ("received", "payments"),
    [
        (0.0, [(365, 100.0)]),  # nothing raised
        (-5.0, [(365, 100.0)]),
        (100.0, []),  # nothing paid
        (100.0, [(365, 0.0)]),  # only zero flows: nothing paid
        (100.0, [(0, 50.0), (365, 60.0)]),  # a payment on day 0
        (100.0, [(-10, 50.0), (365, 60.0)]),  # a payment before t0
    ],
)
def test_nan_cases(received, payments):
    assert math.isnan(effective_annual_cost(T0, received, payments))


def test_zero_amount_flows_are_ignored():
    base = effective_annual_cost(T0, 99.0, [(365, 101.0)])
    assert base == pytest.approx(101.0 / 99.0 - 1.0, abs=1e-12)
    with_zeros = effective_annual_cost(T0, 99.0, [(0, 0.0), (181, 0.0), (365, 101.0), (500, 0.0)])
    assert with_zeros == pytest.approx(base, abs=1e-12)
    # A zero flow on a negative day does not make the flows invalid either.
    assert effective_annual_cost(T0, 99.0, [(-3, 0.0), (365, 101.0)]) == pytest.approx(
        base, abs=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(
    rate=st.floats(-0.2, 0.5),
    flows=st.lists(st.tuples(st.integers(1, 1500), st.floats(0.01, 100.0)), min_size=1, max_size=6),
)
def test_recovers_the_rate_the_flows_were_priced_at(rate, flows):
    # Price the flows at a known rate; the IRR of (that price, the flows) is the rate.
    flows = sorted(flows)
    received = _npv(rate, flows)
    got = effective_annual_cost(T0, received, flows)
    assert got == pytest.approx(rate, abs=1e-7)
    assert got == pytest.approx(_irr(received, flows), abs=1e-7)


def test_order_of_the_payments_does_not_matter():
    flows = [(365, 101.0), (181, 1.0)]
    expected = _irr(99.0, sorted(flows))
    assert effective_annual_cost(T0, 99.0, flows) == pytest.approx(expected, abs=1e-9)
