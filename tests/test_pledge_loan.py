import calendar
import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from conftest import T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from finance import evaluate
from finance.collateral.dynamics import markdown_counts
from finance.collateral.eligibility import liquidation_days
from finance.collateral.lots import prepare_lots
from finance.inputs.assumptions import PledgeLoanTerms
from finance.market.calendar import adjust, is_business_day, month_offsets
from finance.market.closed_forms import BGK_BETA
from finance.market.curve import DiscountTable
from finance.market.scenarios import simulate_brownian
from finance.routes.pledge_loan import (
    LoanDates,
    PledgedPool,
    SingleGroupPool,
    loan_dates,
    pledge_loan,
    pledge_loan_route,
    pledged_pool,
)

D = dt.date

TERMS = PledgeLoanTerms(
    requested=0.0,
    tenor_months=12,
    rate=0.05,
    upfront_fee=0.01,
    monitoring_fee=0.003,
    warning_line=1.3,
    top_up_line=1.2,
    forced_sale_line=1.1,
    borrower_pd=0.02,
    interest_period_months=3,
)
# Lines so low that no margin is ever called: the lender's loss is then the whole story.
NO_CALLS = dataclasses.replace(TERMS, warning_line=0.3, top_up_line=0.2, forced_sale_line=0.1)
CURVE = DiscountTable(T0, np.exp(-0.02 * np.arange(800) / 365))
HORIZON = 44  # liquidation horizon of the hand-built pools: 14 + 30 days


def _df(days):
    return np.exp(-0.02 * np.asarray(days, dtype=float) / 365)


def _dates(payment_days, monitoring_days) -> LoanDates:
    return LoanDates(
        payment_dates=tuple(T0 + dt.timedelta(days=int(d)) for d in payment_days),
        payment_days=np.asarray(payment_days, dtype=np.int64),
        monitoring_days=np.asarray(monitoring_days, dtype=np.int64),
    )


# Quarterly payments (accruals 91, 91, 91, 92 days), a revaluation every 30 days.
DATES = _dates([0, 91, 182, 273, 365], np.arange(30, 361, 30))
TOP_UP_DATES = _dates([0, 120], [30, 60, 90])


def _step(events, share, days):
    """Share outstanding on ``days``: the one after the last event on or before each day."""
    return np.asarray(share, dtype=float)[np.searchsorted(events, days, side="right") - 1]


def _pool(
    dates=DATES,
    *,
    collateral=140.0,
    events=None,
    share=None,
    expected=None,
    paths=None,
    proceeds=None,
    n=4,
):
    """A PledgedPool by hand; by default a bullet loan against a constant collateral.

    ``paths`` (S, J) is the value left on each monitoring day (default ``collateral``
    scaled by the share outstanding); ``proceeds`` (S, J + 1) what a sale fetches.
    """
    events = dates.payment_days if events is None else np.asarray(events, dtype=np.int64)
    share = np.ones(len(events)) if share is None else np.asarray(share, dtype=float)
    expected = collateral * share if expected is None else np.asarray(expected, dtype=float)
    monitoring = dates.monitoring_days
    monitoring_share = _step(events, share, monitoring)
    if paths is None:
        paths = np.full((n, len(monitoring)), collateral) * monitoring_share
    paths = np.asarray(paths, dtype=float).reshape(-1, len(monitoring))
    default_days = np.concatenate([monitoring, [dates.maturity_day]]).astype(np.int64)
    default_share = np.concatenate([monitoring_share, [share[-1]]])
    if proceeds is None:
        proceeds = np.full((len(paths), len(default_days)), collateral) * default_share
    return PledgedPool(
        collateral_value=float(collateral),
        event_days=events,
        outstanding_share=share,
        expected_value=expected,
        monitoring_days=monitoring,
        paths=paths,
        monitoring_share=monitoring_share,
        default_days=default_days,
        default_share=default_share,
        proceeds=np.asarray(proceeds, dtype=float),
        proceeds_day=default_days + HORIZON,
    )


def _run(terms=TERMS, *, dates=DATES, borrowing_base=100.0, single_group=None, **pool):
    return pledge_loan(terms, T0, dates, borrowing_base, _pool(dates, **pool), CURVE, single_group)


def _irr(received, flows, lo=-0.9, hi=5.0):
    """Bisection on received = sum(amount / (1 + r)^(days / 365))."""

    def pv(r):
        return sum(a / (1 + r) ** (d / 365) for d, a in flows)

    while pv(hi) > received:  # a loan repaid within days can cost a huge annual rate
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if pv(mid) > received else (lo, mid)
    return 0.5 * (lo + hi)


def _first_passage(spot, barrier, sigma, erosion, days):
    """Continuous first-passage probability of a GBM below a barrier (see test_closed_forms)."""
    t = days / 365
    mu = -erosion - 0.5 * sigma**2
    b = math.log(barrier / spot)
    s = sigma * math.sqrt(t)
    return norm.cdf((b - mu * t) / s) + math.exp(2 * mu * b / sigma**2) * norm.cdf((b + mu * t) / s)


# ---------------------------------------------------------------------------- calendar


def _add_months(day: dt.date, months: int) -> dt.date:
    """Same day of month ``months`` later, the month's last day when it has none."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_payment_dates_from_t0_quarterly():
    dates = loan_dates(T0, TERMS, 20)
    assert dates.payment_dates == (
        T0,
        D(2027, 2, 24),
        D(2027, 5, 24),
        D(2027, 8, 24),
        D(2027, 11, 24),
    )
    assert dates.payment_days.tolist() == [0, 92, 181, 273, 365]
    assert dates.maturity_day == 365


@pytest.mark.parametrize(
    ("t0", "tenor", "period"),
    [
        (T0, 12, 3),
        (T0, 12, 5),  # short last period
        (D(2026, 7, 1), 12, 3),  # 2026-10-01 is National Day: rolled forward
        (D(2026, 1, 31), 6, 1),  # month ends: 28 Feb 2026 is a Saturday, rolled back
        (D(2026, 12, 31), 12, 2),
    ],
)
def test_payment_dates_are_modified_following_on_the_china_calendar(t0, tenor, period):
    terms = dataclasses.replace(TERMS, tenor_months=tenor, interest_period_months=period)
    dates = loan_dates(t0, terms, 20)
    months = [*range(period, tenor, period), tenor]
    expected = [adjust(_add_months(t0, m)) for m in months]
    assert list(dates.payment_dates) == [t0, *expected]
    for day in expected:
        assert is_business_day(day)
    assert dates.payment_days.tolist() == [(d - t0).days for d in dates.payment_dates]


def test_rolled_payment_dates_by_hand():
    dates = loan_dates(D(2026, 7, 1), TERMS, 20)
    # 1 Oct 2026 (National Day week) -> 8 Oct; 1 Jan 2027 (Friday, holiday) -> 4 Jan.
    assert dates.payment_dates[1:3] == (D(2026, 10, 8), D(2027, 1, 4))
    month_end = loan_dates(
        D(2026, 1, 31), dataclasses.replace(TERMS, tenor_months=2, interest_period_months=1), 20
    )
    # 28 Feb 2026 is a Saturday; modified following stays in February: Friday 27 Feb.
    assert month_end.payment_dates[1] == D(2026, 2, 27)


@pytest.mark.parametrize("every", [20, 10, 7])
def test_monitoring_days_inside_the_tenor_every_n_business_days(every):
    dates = loan_dates(T0, TERMS, every)
    maturity = dates.payment_dates[-1]
    monitoring = [T0 + dt.timedelta(days=int(d)) for d in dates.monitoring_days]
    assert monitoring, "a one-year loan is revalued"
    assert all(0 < d < dates.maturity_day for d in dates.monitoring_days)
    assert np.all(np.diff(dates.monitoring_days) > 0)
    # Count business days one by one: the j-th revaluation is the (j * every)-th
    # business day after t0, and the next one would not fall before maturity.
    business = []
    day = T0
    while len(business) < (len(monitoring) + 1) * every:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            business.append(day)
    assert monitoring == [business[j * every - 1] for j in range(1, len(monitoring) + 1)]
    assert business[(len(monitoring) + 1) * every - 1] >= maturity


def test_twenty_business_day_monitoring_by_hand():
    dates = loan_dates(T0, TERMS, 20)
    # The Spring Festival (5-12 Feb 2027) pushes the third revaluation to 25 Feb.
    assert dates.monitoring_days[:3].tolist() == [28, 57, 93]
    assert len(dates.monitoring_days) == 12
    assert dates.monitoring_days[-1] == 360  # 2027-11-19


# ---------------------------------------------------------------------------- schedule


def test_bullet_schedule_interest_fees_and_principal():
    # Nothing sells: the whole loan is repaid at maturity; the fee is on the value at
    # each period's start.
    expected = np.array([140.0, 138.0, 135.0, 132.0, 130.0])
    result = _run(expected=expected)
    s = result.schedule
    days = np.array([0, 91, 182, 273, 365])
    accrual = np.array([0, 91, 91, 91, 92]) / 365
    interest = 100 * 0.05 * accrual
    fee = 0.003 * accrual * np.array([0, 140, 138, 135, 132])
    principal = np.array([-100, 0, 0, 0, 100])
    payment = interest + fee + principal
    factors = _df(days)
    assert s["date"].tolist() == list(DATES.payment_dates)
    np.testing.assert_array_equal(s["days"], days)
    np.testing.assert_allclose(s["accrual_years"], accrual, rtol=1e-15)
    np.testing.assert_allclose(s["outstanding"], [100, 100, 100, 100, 100])
    np.testing.assert_allclose(s["interest"], interest, rtol=1e-14)
    np.testing.assert_allclose(s["monitoring_fee"], fee, rtol=1e-14)
    np.testing.assert_allclose(s["principal"], principal, rtol=1e-15)
    np.testing.assert_allclose(s["payment"], payment, rtol=1e-14)
    np.testing.assert_allclose(s["discount_factor"], factors, rtol=1e-14)
    np.testing.assert_allclose(s["pv"], np.r_[-100, (payment * factors)[1:]], rtol=1e-14)
    np.testing.assert_allclose(s["expected_coverage"], expected / 100, rtol=1e-15)

    assert result.loan == 100.0
    assert result.upfront_fee == pytest.approx(1.0)
    assert result.margin_at_drawdown == 0.0
    assert result.cash_now == pytest.approx(99.0)
    assert result.coverage == pytest.approx(1.4)
    assert result.costs_pv == pytest.approx(1.0 + ((interest + fee) * factors).sum(), rel=1e-14)
    assert result.funding_value == pytest.approx(100 * (1 - _df(365)), rel=1e-12)
    np.testing.assert_allclose(result.repayments, [[0, 0], [91, 0], [182, 0], [273, 0], [365, 100]])


# A loan of CNY 1,000,000 repaid as the goods sell: month-end sales on days 30, 61 and
# 150, a quarter of the goods each, then 15% on day 273; 10% is left for maturity.
AMORTISING = {
    "events": [0, 30, 61, 91, 150, 182, 273, 365],
    "share": [1.0, 0.75, 0.5, 0.5, 0.25, 0.25, 0.1, 0.1],
}


def _amortising(terms=TERMS):
    share = np.array(AMORTISING["share"])
    return _run(
        terms,
        borrowing_base=1_000_000.0,
        collateral=1_400_000.0,
        events=AMORTISING["events"],
        share=share,
        expected=1_400_000.0 * share,
    )


def test_amortising_schedule_by_hand_to_the_cent():
    s = _amortising().schedule.set_index("days")
    # Outstanding by event interval (days x CNY), grouped into the quarters:
    #   (0, 91]:    1,000,000 x 30 + 750,000 x 31 + 500,000 x 30 = 68,250,000
    #   (91, 182]:  500,000 x 59 + 250,000 x 32                  = 37,500,000
    #   (182, 273]: 250,000 x 91                                  = 22,750,000
    #   (273, 365]: 100,000 x 92                                  =  9,200,000
    # interest = 5% x sum / 365; monitoring fee = 0.3% x 1.4 x sum / 365 (value left is
    # 1.4 x outstanding).
    interest = [9349.32, 5136.99, 3116.44, 1260.27]
    fee = [785.34, 431.51, 261.78, 105.86]
    principal = [500_000.00, 250_000.00, 150_000.00, 100_000.00]
    outstanding = [1_000_000.00, 1_000_000.00, 500_000.00, 250_000.00, 100_000.00]
    days = [91, 182, 273, 365]
    assert s.loc[days, "interest"].round(2).tolist() == interest
    assert s.loc[days, "monitoring_fee"].round(2).tolist() == fee
    assert s.loc[days, "principal"].round(2).tolist() == principal
    assert s["outstanding"].round(2).tolist() == outstanding
    payment = np.add(np.add(interest, fee), principal)
    np.testing.assert_allclose(s.loc[days, "payment"], payment, atol=0.01)
    np.testing.assert_allclose(
        s["expected_collateral"], [1_400_000, 700_000, 350_000, 140_000, 140_000]
    )
    np.testing.assert_allclose(s["expected_coverage"], 1.4)


def test_amortising_repayments_flows_and_irr_by_hand():
    result = _amortising()
    repaid = {30: 250_000.0, 61: 250_000.0, 150: 250_000.0, 273: 150_000.0, 365: 100_000.0}
    np.testing.assert_allclose(
        result.repayments[:, 1], [repaid.get(d, 0.0) for d in AMORTISING["events"]], atol=1e-6
    )
    np.testing.assert_array_equal(result.repayments[:, 0], AMORTISING["events"])
    charges = {
        91: 9349.315068 + 785.342466,
        182: 5136.986301 + 431.506849,
        273: 3116.438356 + 261.780822,
        365: 1260.273973 + 105.863014,
    }
    # Flows per day: +990,000 at drawdown (1% upfront), principal on the sale days,
    # interest and fee on the payment days.
    expected = np.zeros(800)
    expected[0] = 990_000.0
    for day, amount in [*repaid.items(), *charges.items()]:
        expected[day] -= amount
    np.testing.assert_allclose(result.flows, expected, atol=1e-5)
    flows = sorted([*repaid.items(), *charges.items()])
    assert result.all_in_cost == pytest.approx(_irr(990_000.0, flows), abs=1e-9)
    # the principal comes back early, so the 1% upfront fee weighs more than on a bullet
    bullet = _run(borrowing_base=1_000_000.0, collateral=1_400_000.0)
    assert result.all_in_cost > bullet.all_in_cost > TERMS.rate
    # funding: the loan less the curve value of its repayments
    funding = 1_000_000.0 - sum(a * _df(d) for d, a in repaid.items())
    assert result.funding_value == pytest.approx(funding, rel=1e-12)
    costs = 10_000.0 + sum(a * _df(d) for d, a in charges.items())
    assert result.costs_pv == pytest.approx(costs, rel=1e-9)


def test_all_in_cost_is_the_irr_of_the_schedule():
    result = _run(expected=[140.0, 138.0, 135.0, 132.0, 130.0])
    s = result.schedule.iloc[1:]
    flows = list(zip(s["days"], s["payment"], strict=True))
    irr = _irr(99.0, flows)
    assert result.all_in_cost == pytest.approx(irr, abs=1e-9)
    # about 5% quarterly (5.09% effective) + 0.3% x 1.4 monitoring + 1% upfront
    assert 0.065 < result.all_in_cost < 0.068


@st.composite
def _amortising_pools(draw):
    """Sale days inside the tenor and a falling share outstanding on them."""
    sales = draw(st.lists(st.integers(1, 364), min_size=0, max_size=8, unique=True))
    events = np.unique(np.concatenate([[0], sales, DATES.payment_days])).astype(np.int64)
    drops = draw(st.lists(st.floats(0.0, 1.0), min_size=len(events) - 1, max_size=len(events) - 1))
    share = np.concatenate([[1.0], np.cumprod(drops)])
    return events, share


@settings(max_examples=60, deadline=None)
@given(
    pool=_amortising_pools(),
    rate=st.floats(0.0, 0.2),
    upfront=st.floats(0.0, 0.05),
    monitoring=st.floats(0.0, 0.02),
    cover=st.floats(1.0, 3.0),
)
def test_all_in_cost_is_never_below_the_nominal_rate(pool, rate, upfront, monitoring, cover):
    if upfront == 0 and monitoring == 0:
        monitoring = 1e-4  # fees > 0
    events, share = pool
    terms = dataclasses.replace(TERMS, rate=rate, upfront_fee=upfront, monitoring_fee=monitoring)
    result = _run(terms, collateral=100.0 * cover, events=events, share=share)
    # Within the IRR solver's accuracy: with fees of 1e-102 the two are equal in exact
    # arithmetic (hypothesis found 9.997e-13 against a 1e-12 rate).
    assert result.all_in_cost >= rate - 1e-10
    s = result.schedule.iloc[1:]
    flows = [(int(d), a) for d, a in result.repayments[1:]]
    flows += list(zip(s["days"], s["interest"] + s["monitoring_fee"], strict=True))
    irr = _irr(100.0 * (1 - upfront), flows)
    assert result.all_in_cost == pytest.approx(irr, rel=1e-8, abs=1e-8)


@pytest.mark.parametrize("period", [1, 3, 6, 12])
def test_all_in_cost_above_nominal_on_the_real_calendar(period):
    terms = dataclasses.replace(TERMS, interest_period_months=period)
    result = _run(terms, dates=loan_dates(T0, terms, 20))
    assert result.all_in_cost > terms.rate


# ---------------------------------------------------------------------------- money


@settings(max_examples=80, deadline=None)
@given(
    pool=_amortising_pools(),
    loan=st.floats(1.0, 1e7),
    cover=st.floats(0.5, 3.0),
    dips=st.lists(st.floats(0.3, 2.0), min_size=12, max_size=12),
)
def test_money_is_conserved(pool, loan, cover, dips):
    events, share = pool
    collateral = loan * cover
    # Paths anywhere from deep below the top-up line to far above it.
    paths = collateral * _step(events, share, DATES.monitoring_days) * np.array(dips)
    result = _run(
        borrowing_base=loan, collateral=collateral, events=events, share=share, paths=paths
    )
    s = result.schedule
    assert result.repayments[:, 1].sum() == pytest.approx(loan, rel=1e-12)
    assert s["principal"].iloc[1:].sum() == pytest.approx(loan, rel=1e-12)
    assert (result.repayments[:, 1] >= -1e-9 * loan).all()
    charges = s["interest"].sum() + s["monitoring_fee"].sum() + result.upfront_fee
    # Margin posted comes back at maturity: only interest and fees leave for good.
    assert result.flows.sum() == pytest.approx(-charges, rel=1e-9, abs=1e-9 * loan)
    assert result.flows[0] == pytest.approx(result.cash_now, rel=1e-12)
    # interest = rate x sum of outstanding x days / 365, on the hand step function
    days = np.arange(365)
    owed = loan * _step(events, share, days)
    assert s["interest"].sum() == pytest.approx(0.05 * owed.sum() / 365, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(pool=_amortising_pools(), cover=st.floats(1.3, 3.0))
def test_flows_sum_to_the_charges_without_margin_calls(pool, cover):
    events, share = pool
    result = _run(collateral=100.0 * cover, events=events, share=share)
    assert result.margin_call_probability == 0.0
    s = result.schedule
    charges = s["interest"].sum() + s["monitoring_fee"].sum() + result.upfront_fee
    assert result.flows.sum() == pytest.approx(-charges, rel=1e-12)
    assert result.flows[0] == pytest.approx(100.0 - result.upfront_fee)


# ---------------------------------------------------------------------------- sizing


@pytest.mark.parametrize(
    ("requested", "base", "loan"),
    [
        (0.0, 100.0, 100.0),  # 0: the whole borrowing base
        (60.0, 100.0, 60.0),
        (100.0, 100.0, 100.0),
        (150.0, 100.0, 100.0),  # capped at the base
        (1e9, 100.0, 100.0),
    ],
)
def test_loan_is_the_lesser_of_requested_and_base(requested, base, loan):
    result = _run(dataclasses.replace(TERMS, requested=requested), borrowing_base=base)
    assert result.loan == loan
    assert result.requested == (requested or base)
    assert result.borrowing_base == base
    assert result.cash_now == pytest.approx(loan * (1 - TERMS.upfront_fee))
    assert result.coverage == pytest.approx(140.0 / loan)
    assert result.schedule["principal"].iloc[-1] == loan


@pytest.mark.parametrize("requested", [0.0, 50.0])
def test_zero_borrowing_base_lends_nothing(requested):
    result = _run(
        dataclasses.replace(TERMS, requested=requested),
        borrowing_base=0.0,
        collateral=10.0,
        proceeds=np.zeros((3, 13)),
        n=3,
    )
    assert result.loan == 0.0
    assert result.cash_now == 0.0
    assert result.upfront_fee == 0.0
    assert result.margin_at_drawdown == 0.0
    assert result.coverage == math.inf
    assert math.isnan(result.all_in_cost)
    assert result.margin_call_probability == 0.0
    assert result.expected_top_up == 0.0
    assert result.lender_expected_loss == 0.0
    assert math.isnan(result.regulatory_lgd)
    assert (result.triggers["probability"] == 0.0).all()
    assert np.allclose(result.schedule[["interest", "principal"]], 0.0)


def test_zero_loan_pays_no_monitoring_fee():
    result = _run(borrowing_base=0.0)
    assert np.allclose(result.schedule[["monitoring_fee", "payment", "pv"]], 0.0)
    assert result.costs_pv == 0.0
    assert result.funding_value == 0.0
    assert not result.flows.any()


# ---------------------------------------------------------------------------- triggers


def test_trigger_probability_is_the_share_of_paths_below_each_line():
    # Loan 100 against 140; each path sits at 150 except one dip to its minimum.
    minima = [135.0, 125.0, 115.0, 105.0, 145.0, 130.0, 121.0, 111.0]
    paths = np.full((len(minima), 12), 150.0)
    for i, low in enumerate(minima):
        paths[i, 3 + i % 8] = low
    result = _run(paths=paths)
    t = result.triggers.set_index("line")
    # below 1.3: 125, 115, 105, 121, 111 (130 is on the line, not below it)
    # below 1.2: 115, 105, 111; below 1.1: 105.
    expected = {"warning_line": 5 / 8, "top_up_line": 3 / 8, "forced_sale_line": 1 / 8}
    for line, p in expected.items():
        assert t.loc[line, "probability"] == pytest.approx(p)
        assert t.loc[line, "std_error"] == pytest.approx(math.sqrt(p * (1 - p) / 8))
        assert math.isnan(t.loc[line, "probability_closed_form"])
    assert t["coverage"].tolist() == [1.3, 1.2, 1.1]
    np.testing.assert_allclose(t["collateral_at_line"], [130.0, 120.0, 110.0])


def test_trigger_probability_counts_any_monitoring_date():
    # Same minimum, reached on different dates: each counts once.
    paths = np.full((4, 12), 150.0)
    paths[0, 0] = 119.0
    paths[1, 11] = 119.0
    paths[2, [2, 5, 8]] = 119.0
    result = _run(paths=paths)
    assert result.triggers.set_index("line").loc["top_up_line", "probability"] == 0.75


def test_trigger_coverage_is_on_what_is_outstanding():
    # Half the loan is repaid on day 50: from the revaluation of day 60 on, 50 is owed.
    # Path 0 holds 62 then (coverage 1.24: only the warning line); path 1 holds 57 (1.14:
    # the top-up line); path 2 holds 100 and owes nothing after day 200.
    events, share = [0, 50, 91, 182, 200, 273, 365], [1, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0]
    paths = np.array(
        [
            [140.0] + [62.0] * 11,
            [140.0] + [57.0] * 11,
            [140.0] + [100.0] * 5 + [1.0] * 6,  # nothing owed from day 210: no coverage
        ]
    )
    result = _run(events=events, share=share, paths=paths)
    p = result.triggers.set_index("line")["probability"]
    assert p["warning_line"] == pytest.approx(2 / 3)
    assert p["top_up_line"] == pytest.approx(1 / 3)
    assert p["forced_sale_line"] == 0.0


def test_coverage_already_below_a_line_at_drawdown_is_certain():
    # 125 / 100 = 1.25 < 1.3 at drawdown; the paths recover to 1.5 at once.
    result = _run(collateral=125.0, paths=np.full((5, 12), 150.0))
    t = result.triggers.set_index("line")
    assert t.loc["warning_line", "probability"] == 1.0
    assert t.loc["warning_line", "std_error"] == 0.0
    assert t.loc["top_up_line", "probability"] == 0.0
    assert t.loc["forced_sale_line", "probability"] == 0.0
    assert result.margin_at_drawdown == 0.0  # 1.25 is above the top-up line


def test_closed_form_column_uses_the_bgk_barrier_formula():
    # sigma 0.22, erosion 0.05, coverage 1.4, last revaluation day 360, every 30 days.
    result = _run(single_group=SingleGroupPool(0.22, 0.05))
    shift = math.exp(-BGK_BETA * 0.22 * math.sqrt(30 / 365))
    for _, row in result.triggers.iterrows():
        expected = _first_passage(1.4, row["coverage"] * shift, 0.22, 0.05, 360)
        assert row["probability_closed_form"] == pytest.approx(expected, abs=1e-9)


def test_closed_form_stops_when_the_loan_is_repaid():
    # The goods are sold out on day 100: revaluations on days 30, 60 and 90 are the only
    # ones with a loan outstanding, so the barrier runs to day 90, every 30 days.
    events, share = [0, 91, 100, 182, 273, 365], [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    result = _run(events=events, share=share, single_group=SingleGroupPool(0.22, 0.0))
    shift = math.exp(-BGK_BETA * 0.22 * math.sqrt(30 / 365))
    for _, row in result.triggers.iterrows():
        expected = _first_passage(1.4, row["coverage"] * shift, 0.22, 0.0, 90)
        assert row["probability_closed_form"] == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------------------- margin


def test_top_up_restores_the_warning_line():
    # Loan 100: top up below 120 to 130. Path A: 125, 115 (post 15), 118 + 15 = 133.
    result = _run(dates=TOP_UP_DATES, paths=[[125.0, 115.0, 118.0]], n=1)
    assert result.margin_call_probability == 1.0
    assert result.margin_at_drawdown == 0.0
    assert result.expected_top_up == pytest.approx(15.0 * _df(60), rel=1e-14)
    # coverage after the call: (115 + 15) / 100 = the warning line
    assert (115.0 + 15.0) / result.loan == pytest.approx(TERMS.warning_line)
    # posted on day 60, back at maturity (day 120); the funding value loses its time value
    assert result.flows[60] == pytest.approx(-15.0)
    assert result.flows[120] == pytest.approx(15.0 - result.schedule["payment"].iloc[1])
    funding = 100 * (1 - _df(120)) - 15.0 * (_df(60) - _df(120))
    assert result.funding_value == pytest.approx(funding, rel=1e-12)


def test_posted_cash_counts_at_later_revaluations():
    # Path B: 115 (post 15), 100 + 15 = 115 (post 15 more), 125 + 30.
    # Path C never falls below 120.
    paths = [[125.0, 115.0, 118.0], [115.0, 100.0, 125.0], [140.0, 121.0, 150.0]]
    result = _run(dates=TOP_UP_DATES, paths=paths, n=3)
    assert result.margin_call_probability == pytest.approx(2 / 3)
    expected = (15 * _df(60) + 15 * _df(30) + 15 * _df(60)) / 3
    assert result.expected_top_up == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(result.flows[[30, 60, 90]], [-5.0, -10.0, 0.0])


def test_top_up_line_follows_the_outstanding_loan():
    # Half repaid on day 45: on day 60 the goods left are worth 58 against 50 owed, 1.16:
    # the company posts 1.3 x 50 - 58 = 7, not the 72 a bullet loan would need.
    events, share = [0, 45, 120], [1.0, 0.5, 0.5]
    result = _run(dates=TOP_UP_DATES, events=events, share=share, paths=[[140.0, 58.0, 70.0]])
    assert result.expected_top_up == pytest.approx(7.0 * _df(60), rel=1e-14)


@pytest.mark.parametrize(
    ("collateral", "margin"),
    [
        (110.0, 20.0),  # 1.1: below the 1.2 top-up line, back to 1.3 x 100
        (100.0, 30.0),
        (119.0, 11.0),
        (120.0, 0.0),  # on the line is not below it
        (125.0, 0.0),  # below the warning line only: no cash
        (140.0, 0.0),
    ],
)
def test_margin_at_drawdown_comes_out_of_cash_now(collateral, margin):
    result = _run(dates=TOP_UP_DATES, collateral=collateral, paths=[[collateral] * 3] * 2)
    assert result.margin_at_drawdown == pytest.approx(margin, abs=1e-12)
    assert result.cash_now == pytest.approx(100.0 - 1.0 - margin, abs=1e-12)
    assert result.flows[0] == pytest.approx(result.cash_now, abs=1e-12)
    # no further call: the posted margin keeps (collateral + margin) at or above 1.2
    assert result.expected_top_up == 0.0
    assert result.margin_call_probability == (1.0 if margin else 0.0)
    # back at maturity with the principal; its time value counts against funding
    assert result.flows[120] == pytest.approx(margin - result.schedule["payment"].iloc[1])
    funding = 100 * (1 - _df(120)) - margin * (1 - _df(120))
    assert result.funding_value == pytest.approx(funding, rel=1e-12, abs=1e-12)


def test_drawdown_margin_is_in_the_route_notes():
    # Advances of 90% on cost and 95% on NOLV: the whole base is lent at a coverage
    # below the top-up line.
    a = make_assumptions(
        scenarios=500,
        nolv_advance=0.95,
        categories={"copper": {"cost_advance": 0.9, "sigma": 0.05}},
    )
    result = evaluate(lot_frame(*_copper_rows()), a)
    loan = result.pledge_loan
    assert loan.loan == pytest.approx(result.summary["borrowing_base"])
    assert loan.coverage < TERMS.top_up_line
    margin = 1.3 * loan.loan - 500.0
    assert loan.margin_at_drawdown == pytest.approx(margin, rel=1e-12)
    assert loan.cash_now == pytest.approx(loan.loan * (1 - 0.005) - margin, rel=1e-12)
    row = result.options.set_index("option").loc["pledge_loan"]
    assert row["cash_now"] == pytest.approx(loan.cash_now, rel=1e-12)
    assert f"margin of CNY {margin:,.0f} posted at drawdown" in row["notes"]


def test_no_call_without_a_dip():
    result = _run(dates=TOP_UP_DATES, paths=np.full((3, 3), 125.0))
    assert result.margin_call_probability == 0.0
    assert result.expected_top_up == 0.0


# ---------------------------------------------------------------------------- lender


def _hazard(pd_, days):
    """Default probability in each interval (t_{j-1}, t_j], t_0 = 0, constant hazard."""
    survival = (1 - pd_) ** (np.concatenate([[0], days]) / 365)
    return survival[:-1] - survival[1:]


@pytest.mark.parametrize(
    ("dates", "years"), [(DATES, 1.0), (TOP_UP_DATES, 120 / 365)], ids=["1y", "120d"]
)
def test_lender_expected_loss_by_hand(dates, years):
    # Proceeds per scenario, the same on every assessment day: shortfalls 20, 0, 0, 5.
    days = np.concatenate([dates.monitoring_days, [dates.maturity_day]])
    proceeds = np.repeat([[80.0], [100.0], [120.0], [95.0]], len(days), axis=1)
    result = _run(NO_CALLS, dates=dates, proceeds=proceeds)
    tenor_pd = 1 - (1 - 0.02) ** years
    assert result.tenor_pd == pytest.approx(tenor_pd, rel=1e-14)
    expected = (_hazard(0.02, days) * 25 / 4 * _df(days + HORIZON)).sum()
    assert result.lender_expected_loss == pytest.approx(expected, rel=1e-12)
    assert _hazard(0.02, days).sum() == pytest.approx(tenor_pd, rel=1e-12)


def test_lender_loss_counts_what_is_outstanding_and_the_margin_posted():
    # 120 days, revaluations on days 30, 60, 90; half the loan repaid on day 45.
    # One scenario: proceeds 70 throughout; the goods dip to 55 on day 60 (owed 50:
    # coverage 1.1, so 1.3 x 50 - 55 = 10 is posted).
    events, share = [0, 45, 120], [1.0, 0.5, 0.5]
    result = _run(
        dates=TOP_UP_DATES,
        events=events,
        share=share,
        paths=[[140.0, 55.0, 70.0]],
        proceeds=[[70.0, 70.0, 70.0, 70.0]],
    )
    # shortfall: day 30: 100 - 70 = 30; day 60: 50 - 10 - 70 < 0; days 90, 120: 0.
    days = np.array([30, 60, 90, 120])
    shortfall = np.array([30.0, 0.0, 0.0, 0.0])
    expected = (_hazard(0.02, days) * shortfall * _df(days + HORIZON)).sum()
    assert result.lender_expected_loss == pytest.approx(expected, rel=1e-12)
    assert result.expected_top_up == pytest.approx(10.0 * _df(60), rel=1e-14)


# ---------------------------------------------------------------------------- pool from lots


def _lot_inputs(rows, *, horizon_months=24, category=None, scenarios=100, seed=1):
    """Lots, counts, month ends, loan dates, liquidation horizons and scenarios, as the
    evaluation builds them, for a few copper lots (no price risk unless ``category`` says).
    """
    a = make_assumptions(
        scenarios=scenarios,
        seed=seed,
        horizon_months=horizon_months,
        categories={"copper": {"sigma": 0.0, "erosion": 0.0, **(category or {})}},
    )
    lots = prepare_lots(lot_frame(*rows), a.categories, T0)
    month_days = month_offsets(T0, horizon_months)
    dates = loan_dates(T0, TERMS, 20)
    liquidation = liquidation_days(lots, a.margin_period_days)
    assessed = np.concatenate([dates.monitoring_days, [dates.maturity_day]])
    grid = np.concatenate(
        [
            month_days,
            liquidation,
            assessed,
            (assessed[:, None] + np.unique(liquidation)[None, :]).ravel(),
        ]
    )
    counts = markdown_counts(lots.categories, T0, 800)
    sims = simulate_brownian(len(lots.categories), a.correlation, grid, scenarios, seed)
    shocks = sims.shocks(lots.group_category, lots.group_sigma)
    return lots, counts, month_days, dates, liquidation, sims, shocks


def _copper_lot(quantity, monthly_sales, **extra):
    return {
        "category": "copper",
        "quantity": quantity,
        "unit_cost": 10.0,
        "unit_price": 10.0,
        "monthly_sales": monthly_sales,
        **extra,
    }


# Month ends from t0 = 2026-11-24: 24 Dec (30), 24 Jan (61), 24 Feb (92), 24 Mar (120),
# 24 Apr (151), ...; payment days 92, 181, 273, 365.
@pytest.mark.parametrize(
    ("rows", "weights", "lendable", "horizon", "repaid"),
    [
        # One lot selling 1/4 a month: a quarter of its loan each month end.
        ([_copper_lot(40, 10)], [1.0], [320.0], 24, {30: 80, 61: 80, 92: 80, 120: 80}),
        # With a lot that never sells: its part (lendable 80 of 400) waits for maturity.
        (
            [_copper_lot(40, 10), _copper_lot(10, 0)],
            [1.0, 1.0],
            [320.0, 80.0],
            24,
            {30: 80, 61: 80, 92: 80, 120: 80, 365: 80},
        ),
        # Half the selling lot pledged: loan 160 + 80, the pledged half sells pro rata.
        (
            [_copper_lot(40, 10), _copper_lot(10, 0)],
            [0.5, 1.0],
            [320.0, 80.0],
            24,
            {30: 40, 61: 40, 92: 40, 120: 40, 365: 80},
        ),
        # 30 units at 10 a month: sold out on day 92, nothing left for maturity.
        ([_copper_lot(30, 10)], [1.0], [240.0], 24, {30: 80, 61: 80, 92: 80}),
        # A two-month holding horizon: what is left goes in the horizon sale on day 61.
        ([_copper_lot(40, 10)], [1.0], [320.0], 2, {30: 80, 61: 240}),
        # Expiry on 2027-04-15 (day 142): the forced sale 7 days before, day 135, repays
        # the whole lot's part on that day.
        (
            [_copper_lot(40, 0, expiry_date="2027-04-15")],
            [1.0],
            [320.0],
            24,
            {135: 320},
        ),
    ],
    ids=["quarter-a-month", "with-a-stayer", "half-pledged", "sold-out", "horizon", "forced"],
)
def test_pledged_goods_repay_their_part_as_they_sell(rows, weights, lendable, horizon, repaid):
    lots, counts, month_days, dates, liquidation, sims, shocks = _lot_inputs(
        rows, horizon_months=horizon
    )
    weights, lendable = np.array(weights), np.array(lendable)
    pool = pledged_pool(
        lots, counts, month_days, dates, weights, lendable, liquidation, sims, shocks
    )
    base = float((weights * lendable).sum())
    result = pledge_loan(TERMS, T0, dates, base, pool, CURVE)
    got = {int(d): a for d, a in result.repayments if abs(a) > 1e-9}
    assert got.keys() == repaid.keys()
    for day, amount in repaid.items():
        assert got[day] == pytest.approx(amount, rel=1e-12)
    assert set(month_days[(month_days > 0) & (month_days < 365)]) <= set(pool.event_days)
    assert set(dates.payment_days) <= set(pool.event_days)
    # principal per quarter is the sum of the repayments inside it
    quarters = np.searchsorted(dates.payment_days, list(repaid), side="left")
    per_quarter = np.bincount(quarters, weights=list(repaid.values()), minlength=5)[1:]
    np.testing.assert_allclose(result.schedule["principal"].iloc[1:], per_quarter, atol=1e-9)
    # no price risk: the expected value left is the market value of the units left
    value = weights * lots.market_value
    assert pool.collateral_value == pytest.approx(value.sum())
    assert pool.expected_value[0] == pytest.approx(value.sum())
    # the share outstanding on each revaluation day follows the repayments
    paid = np.array([sum(a for d, a in repaid.items() if d <= m) for m in pool.monitoring_days])
    np.testing.assert_allclose(pool.monitoring_share * base, base - paid, atol=1e-9)
    # sigma 0: every path is the value left, 1.25 x what is owed (lendable is 80% of MV)
    np.testing.assert_allclose(pool.paths, np.tile((base - paid) / 0.8, (len(pool.paths), 1)))


def test_interest_runs_on_the_amortising_lot_by_hand():
    # Loan 320 on one lot selling a quarter a month (days 30, 61, 92, 120): interest for
    # the first quarter is 5% x (320 x 30 + 240 x 31 + 160 x 31) / 365, the second
    # 5% x 80 x 28 / 365, nothing after; the fee is 0.3% on the value left (400 x share).
    lots, counts, month_days, dates, liquidation, sims, shocks = _lot_inputs([_copper_lot(40, 10)])
    pool = pledged_pool(
        lots, counts, month_days, dates, np.ones(1), np.array([320.0]), liquidation, sims, shocks
    )
    result = pledge_loan(TERMS, T0, dates, 320.0, pool, CURVE)
    s = result.schedule
    first, second = 320 * 30 + 240 * 31 + 160 * 31, 80 * 28
    np.testing.assert_allclose(
        s["interest"].iloc[1:], 0.05 / 365 * np.array([first, second, 0, 0]), rtol=1e-14
    )
    np.testing.assert_allclose(
        s["monitoring_fee"].iloc[1:],
        0.003 / 365 * 400 / 320 * np.array([first, second, 0, 0]),
        rtol=1e-14,
    )


@pytest.mark.parametrize("monthly_sales", [0.0, 10.0])
def test_lender_loss_with_default_at_any_time_deterministic_prices(monthly_sales):
    # One copper lot, MV 500 (50 units at 10), sigma 0, erosion 20% a year, orderly
    # discount 3% over 14 + 30 days, lendable 480 (coverage 1.04). A default in the
    # interval ending on day t sells the units left on day t + 44 for
    #   left(t) x 500 x exp(-0.2 (t + 44) / 365) x 0.97
    # against 480 x left(t) owed, discounted on the curve at t + 44.
    category = {"erosion": 0.2, "orderly_discount": 0.03, "orderly_days": 30}
    lots, counts, month_days, dates, liquidation, sims, shocks = _lot_inputs(
        [_copper_lot(50, monthly_sales)], category=category
    )
    assert liquidation.tolist() == [44]
    pool = pledged_pool(
        lots, counts, month_days, dates, np.ones(1), np.array([480.0]), liquidation, sims, shocks
    )
    result = pledge_loan(NO_CALLS, T0, dates, 480.0, pool, CURVE)
    assert result.margin_call_probability == 0.0

    days = np.concatenate([dates.monitoring_days, [dates.maturity_day]])
    # units left: sales at month ends 30, 61, 92, 120, 151; at maturity, those before it
    ends = np.array([30, 61, 92, 120, 151, 181, 212, 242, 273, 304, 334, 365])
    sold = np.searchsorted(ends, np.minimum(days, 364), side="right") * monthly_sales
    left = np.maximum(50 - sold, 0) / 50
    proceeds = left * 500 * np.exp(-0.2 * (days + 44) / 365) * 0.97
    shortfall = np.maximum(480 * left - proceeds, 0.0)
    expected = (_hazard(0.02, days) * shortfall * _df(days + 44)).sum()
    assert result.lender_expected_loss == pytest.approx(expected, rel=1e-12)
    assert expected > 0

    # The old figure: default today, tenor PD times the shortfall of a sale now.
    today = max(480 - 500 * math.exp(-0.2 * 44 / 365) * 0.97, 0.0)
    old = result.tenor_pd * today
    if monthly_sales == 0:
        # thin coverage and eroding goods: a later default loses more
        assert result.lender_expected_loss > old
    else:
        # the goods sell out in five months and repay the loan with them
        assert result.lender_expected_loss < old


def test_pledge_loan_route_ledger_is_the_loan_spread_by_category():
    rows = [_copper_lot(40, 10), {**_copper_lot(10, 0), "category": "steel"}]
    lots, counts, month_days, dates, liquidation, sims, shocks = _lot_inputs(rows)
    lendable = np.array([320.0, 80.0])
    loan, ledger = pledge_loan_route(
        TERMS,
        T0,
        lots,
        counts,
        month_days,
        dates,
        np.ones(2),
        lendable,
        liquidation,
        sims,
        shocks,
        CURVE,
    )
    assert loan.loan == 400.0
    k = lots.category_names
    share = np.zeros(len(k))
    share[k.index("copper")], share[k.index("steel")] = 0.8, 0.2
    np.testing.assert_allclose(ledger.cash_now, share * loan.cash_now, rtol=1e-14)
    np.testing.assert_allclose(ledger.flows, np.outer(share, loan.flows), rtol=1e-14)
    np.testing.assert_allclose(ledger.pv_costs, share * loan.costs_pv, rtol=1e-14)


# ---------------------------------------------------------------------------- regulatory


@pytest.mark.parametrize(
    ("loan", "collateral"),
    [(100.0, 140.0), (100.0, 200.0), (100.0, 100.0), (60.0, 140.0), (100.0, 0.0)],
)
def test_regulatory_lgd_is_the_firb_formula(loan, collateral):
    # E_S = min(C (1 - 0.4), E), E_U = E - E_S, LGD* = (0.4 E_U + 0.25 E_S) / E.
    secured = min(collateral * 0.6, loan)
    expected = (0.4 * (loan - secured) + 0.25 * secured) / loan
    result = _run(dataclasses.replace(TERMS, requested=loan), collateral=collateral)
    assert result.regulatory_lgd == pytest.approx(expected, rel=1e-14)


def test_regulatory_lgd_by_hand():
    # 100 against 140: E_S = 84, E_U = 16: (6.4 + 21) / 100 = 0.274.
    assert _run().regulatory_lgd == pytest.approx(0.274, rel=1e-14)


# ---------------------------------------------------------------------------- evaluate

# Five copper lots (no erosion, markdown or expiry): MV 500, one shock group; the
# borrowing base is 0.8 * 495 = 396 (cost advance on the lower of cost and NRV).
MARKET_VALUE = 500.0


def _copper_rows(monthly_sales=0.0):
    """Five copper lots; by default nothing sells within the loan (a bullet loan)."""
    return [_copper_lot(10.0, monthly_sales)] * 5


def _copper(
    scenarios=20_000, seed=5, requested=MARKET_VALUE / 1.35, monthly_sales=0.0, **categories
):
    a = make_assumptions(
        scenarios=scenarios,
        seed=seed,
        pledge_loan={"requested": requested},
        categories={"copper": categories},
    )
    return evaluate(lot_frame(*_copper_rows(monthly_sales)), a)


@pytest.fixture(scope="module")
def copper_result():
    return _copper()


@pytest.mark.parametrize(
    ("cover", "sigma", "seed", "monthly_sales", "last_day"),
    [
        (1.35, None, 5, 0.0, 360),
        (1.5, 0.3, 9, 0.0, 360),
        # a unit a month sells the ten out on the tenth month end (day 304): the last
        # revaluation with a loan outstanding is day 297
        (1.4, 0.3, 11, 1.0, 297),
    ],
    ids=["1.35x", "1.5x-30%", "selling"],
)
def test_simulated_triggers_agree_with_the_barrier_closed_form(
    cover, sigma, seed, monthly_sales, last_day
):
    extra = {} if sigma is None else {"sigma": sigma}
    result = _copper(
        seed=seed, requested=MARKET_VALUE / cover, monthly_sales=monthly_sales, **extra
    )
    loan = result.pledge_loan
    assert loan.coverage == pytest.approx(cover)
    sig = 0.22 if sigma is None else sigma
    monitoring = loan_dates(T0, result.assumptions.pledge_loan, 20).monitoring_days
    live = monitoring[monitoring <= last_day]
    assert live[-1] == last_day
    shift = math.exp(-BGK_BETA * sig * math.sqrt(last_day / len(live) / 365))
    for _, row in loan.triggers.iterrows():
        closed = row["probability_closed_form"]
        assert closed == pytest.approx(
            _first_passage(cover, row["coverage"] * shift, sig, 0.0, last_day), abs=1e-9
        )
        assert abs(row["probability"] - closed) < 3 * row["std_error"] + 0.01
    t = loan.triggers.set_index("line")["probability"]
    assert 0.05 < t["top_up_line"] < 0.95, "choose loans that make the lines material"


def test_closed_form_is_certain_when_drawdown_is_below_the_warning_line():
    result = _copper(scenarios=2000, requested=0.0)
    loan = result.pledge_loan
    assert loan.coverage == pytest.approx(500 / 396)
    row = loan.triggers.set_index("line").loc["warning_line"]
    assert row["probability"] == 1.0
    assert row["probability_closed_form"] == 1.0


def test_evaluate_schedule_on_the_china_calendar(copper_result):
    loan = copper_result.pledge_loan
    assert loan.loan == pytest.approx(MARKET_VALUE / 1.35)
    assert loan.borrowing_base == pytest.approx(396.0)
    s = loan.schedule
    assert s["date"].tolist() == [
        T0,
        D(2027, 2, 24),
        D(2027, 5, 24),
        D(2027, 8, 24),
        D(2027, 11, 24),
    ]
    accrual = np.array([92, 89, 92, 92]) / 365
    np.testing.assert_allclose(s["interest"].iloc[1:], loan.loan * 0.045 * accrual, rtol=1e-14)
    # copper keeps its expected value: the fee is on 500 every period
    np.testing.assert_allclose(s["monitoring_fee"].iloc[1:], 0.003 * accrual * 500, rtol=1e-14)
    assert s["principal"].iloc[-1] == pytest.approx(loan.loan)


def test_evaluate_repays_as_the_copper_sells():
    # Default copper clears in 3 months: a third of the loan on each month end.
    loan = _copper(scenarios=500, monthly_sales=math.nan).pledge_loan
    got = {int(d): a for d, a in loan.repayments if abs(a) > 1e-9}
    assert got.keys() == {30, 61, 92}
    for amount in got.values():
        assert amount == pytest.approx(loan.loan / 3, rel=1e-12)
    np.testing.assert_allclose(loan.schedule["principal"].iloc[1:], [loan.loan, 0, 0, 0])


def test_pledge_loan_row(copper_result):
    rows = copper_result.options.set_index("option")
    row, hold = rows.loc["pledge_loan"], rows.loc["hold"]
    loan = copper_result.pledge_loan
    assert loan.margin_at_drawdown == 0.0
    assert row["cash_now"] == pytest.approx(loan.loan * (1 - 0.005), rel=1e-14)
    assert row["expected_loss_transferred"] == 0.0
    assert row["expected_loss_retained"] == pytest.approx(hold["expected_loss_retained"])
    assert row["loss_retained_p95"] == pytest.approx(hold["loss_retained_p95"])
    assert row["effective_annual_cost"] == loan.all_in_cost
    assert row["effective_annual_cost"] > 0.045
    assert row["feasible"]
    assert copper_result.summary["margin_call_probability"] == loan.margin_call_probability


@settings(max_examples=8, deadline=None)
@given(low=st.floats(0.05, 0.25), bump=st.floats(0.01, 0.1))
def test_higher_volatility_smaller_base_more_margin_calls(low, bump):
    # Requested 350 stays below the base up to sigma 0.35, so the loan is the same.
    calm = _copper(scenarios=2000, requested=350.0, sigma=low).pledge_loan
    wild = _copper(scenarios=2000, requested=350.0, sigma=low + bump).pledge_loan
    assert calm.loan == wild.loan == 350.0
    assert wild.borrowing_base <= calm.borrowing_base
    assert wild.margin_call_probability >= calm.margin_call_probability


def test_a_request_above_the_base_is_capped_and_said():
    result = _copper(scenarios=500, requested=10_000.0)
    assert result.pledge_loan.loan == pytest.approx(result.summary["borrowing_base"])
    assert result.pledge_loan.requested == 10_000.0
    notes = result.options.set_index("option").loc["pledge_loan", "notes"]
    assert "the request of CNY 10,000 is capped at the borrowing base" in notes
