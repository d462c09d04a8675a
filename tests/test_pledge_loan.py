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
from finance.inputs.assumptions import PledgeLoanTerms
from finance.market.calendar import adjust, is_business_day
from finance.market.closed_forms import BGK_BETA
from finance.market.curve import DiscountTable
from finance.routes.pledge_loan import (
    LoanDates,
    SingleGroupPool,
    loan_dates,
    pledge_loan,
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
CURVE = DiscountTable(T0, np.exp(-0.02 * np.arange(800) / 365))
COMPANY_RATE = 0.08


def _dates(payment_days, monitoring_days) -> LoanDates:
    return LoanDates(
        payment_dates=tuple(T0 + dt.timedelta(days=int(d)) for d in payment_days),
        payment_days=np.asarray(payment_days, dtype=np.int64),
        monitoring_days=np.asarray(monitoring_days, dtype=np.int64),
    )


# Quarterly payments (accruals 91, 91, 91, 92 days), a revaluation every 30 days.
DATES = _dates([0, 91, 182, 273, 365], np.arange(30, 361, 30))


def _run(
    terms=TERMS,
    *,
    dates=DATES,
    borrowing_base=100.0,
    collateral=140.0,
    expected=None,
    paths=None,
    proceeds=None,
    single_group=None,
):
    if expected is None:
        expected = np.full(len(dates.payment_days), collateral)
    if paths is None:
        paths = np.full((4, len(dates.monitoring_days)), collateral)
    if proceeds is None:
        proceeds = np.full(len(paths), collateral)
    return pledge_loan(
        terms,
        T0,
        dates,
        borrowing_base,
        collateral,
        np.asarray(expected, dtype=float),
        np.asarray(paths, dtype=float),
        np.asarray(proceeds, dtype=float),
        CURVE,
        COMPANY_RATE,
        single_group,
    )


def _irr(received, flows, lo=-0.9, hi=5.0):
    """Bisection on received = sum(amount / (1 + r)^(days / 365))."""

    def pv(r):
        return sum(a / (1 + r) ** (d / 365) for d, a in flows)

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


def test_schedule_interest_fees_and_principal():
    expected = np.array([140.0, 138.0, 135.0, 132.0, 130.0])
    result = _run(expected=expected)
    s = result.schedule
    days = np.array([0, 91, 182, 273, 365])
    accrual = np.array([0, 91, 91, 91, 92]) / 365
    interest = 100 * 0.05 * accrual
    fee = 0.003 * accrual * np.array([0, 140, 138, 135, 132])  # value at period start
    principal = np.array([-100, 0, 0, 0, 100])
    payment = interest + fee + principal
    factors = np.exp(-0.02 * days / 365)
    assert s["date"].tolist() == list(DATES.payment_dates)
    np.testing.assert_array_equal(s["days"], days)
    np.testing.assert_allclose(s["accrual_years"], accrual, rtol=1e-15)
    np.testing.assert_allclose(s["interest"], interest, rtol=1e-14)
    np.testing.assert_allclose(s["monitoring_fee"], fee, rtol=1e-14)
    np.testing.assert_allclose(s["principal"], principal, rtol=1e-15)
    np.testing.assert_allclose(s["payment"], payment, rtol=1e-14)
    np.testing.assert_allclose(s["discount_factor"], factors, rtol=1e-14)
    np.testing.assert_allclose(s["pv"], np.r_[-100, (payment * factors)[1:]], rtol=1e-14)
    np.testing.assert_allclose(s["expected_coverage"], expected / 100, rtol=1e-15)

    assert result.loan == 100.0
    assert result.upfront_fee == pytest.approx(1.0)
    assert result.cash_now == pytest.approx(99.0)
    assert result.coverage == pytest.approx(1.4)
    assert result.costs_pv == pytest.approx(1.0 + ((interest + fee) * factors).sum(), rel=1e-14)
    company = np.exp(-COMPANY_RATE * days / 365)
    assert result.payments_company == pytest.approx((payment[1:] * company[1:]).sum(), rel=1e-14)


def test_all_in_cost_is_the_irr_of_the_schedule():
    result = _run(expected=[140.0, 138.0, 135.0, 132.0, 130.0])
    s = result.schedule.iloc[1:]
    flows = list(zip(s["days"], s["payment"], strict=True))
    irr = _irr(99.0, flows)
    assert result.all_in_cost == pytest.approx(irr, abs=1e-9)
    # about 5% quarterly (5.09% effective) + 0.3% x 1.4 monitoring + 1% upfront
    assert 0.065 < result.all_in_cost < 0.068


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(0.0, 0.2),
    upfront=st.floats(0.0, 0.05),
    monitoring=st.floats(0.0, 0.02),
    cover=st.floats(1.0, 3.0),
)
def test_all_in_cost_is_never_below_the_nominal_rate(rate, upfront, monitoring, cover):
    if upfront == 0 and monitoring == 0:
        monitoring = 1e-4  # fees > 0
    terms = dataclasses.replace(TERMS, rate=rate, upfront_fee=upfront, monitoring_fee=monitoring)
    result = _run(terms, collateral=100.0 * cover)
    # Within the IRR solver's accuracy: with fees of 1e-102 the two are equal in exact
    # arithmetic (hypothesis found 9.997e-13 against a 1e-12 rate).
    assert result.all_in_cost >= rate - 1e-10
    flows = list(zip(DATES.payment_days[1:], result.schedule["payment"].iloc[1:], strict=True))
    assert result.all_in_cost == pytest.approx(_irr(100.0 * (1 - upfront), flows), abs=1e-8)


@pytest.mark.parametrize("period", [1, 3, 6, 12])
def test_all_in_cost_above_nominal_on_the_real_calendar(period):
    terms = dataclasses.replace(TERMS, interest_period_months=period)
    result = _run(terms, dates=loan_dates(T0, terms, 20))
    assert result.all_in_cost > terms.rate


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
    assert result.borrowing_base == base
    assert result.cash_now == pytest.approx(loan * (1 - TERMS.upfront_fee))
    assert result.coverage == pytest.approx(140.0 / loan)
    assert result.schedule["principal"].iloc[-1] == loan


@pytest.mark.parametrize("requested", [0.0, 50.0])
def test_zero_borrowing_base_lends_nothing(requested):
    result = _run(
        dataclasses.replace(TERMS, requested=requested),
        borrowing_base=0.0,
        paths=np.full((3, 12), 10.0),
        proceeds=np.zeros(3),
    )
    assert result.loan == 0.0
    assert result.cash_now == 0.0
    assert result.upfront_fee == 0.0
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
    assert result.payments_company == 0.0


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


def test_coverage_already_below_a_line_at_drawdown_is_certain():
    # 125 / 100 = 1.25 < 1.3 at drawdown; the paths recover to 1.5 at once.
    result = _run(collateral=125.0, paths=np.full((5, 12), 150.0))
    t = result.triggers.set_index("line")
    assert t.loc["warning_line", "probability"] == 1.0
    assert t.loc["warning_line", "std_error"] == 0.0
    assert t.loc["top_up_line", "probability"] == 0.0
    assert t.loc["forced_sale_line", "probability"] == 0.0


def test_closed_form_column_uses_the_bgk_barrier_formula():
    # sigma 0.22, erosion 0.05, coverage 1.4, last revaluation day 360, every 30 days.
    result = _run(single_group=SingleGroupPool(0.22, 0.05))
    shift = math.exp(-BGK_BETA * 0.22 * math.sqrt(30 / 365))
    for _, row in result.triggers.iterrows():
        expected = _first_passage(1.4, row["coverage"] * shift, 0.22, 0.05, 360)
        assert row["probability_closed_form"] == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------------------- top-ups

TOP_UP_DATES = _dates([0, 120], [30, 60, 90])


def test_top_up_restores_the_warning_line():
    # Loan 100: top up below 120 to 130. Path A: 125, 115 (post 15), 118 + 15 = 133.
    result = _run(dates=TOP_UP_DATES, paths=[[125.0, 115.0, 118.0]], proceeds=[140.0])
    df60 = math.exp(-0.02 * 60 / 365)
    assert result.margin_call_probability == 1.0
    assert result.expected_top_up == pytest.approx(15.0 * df60, rel=1e-14)
    carry = 15.0 * (math.exp(-COMPANY_RATE * 60 / 365) - math.exp(-COMPANY_RATE * 120 / 365))
    assert result.top_up_carry_company == pytest.approx(carry, rel=1e-12)
    # coverage after the call: (115 + 15) / 100 = the warning line
    assert (115.0 + 15.0) / result.loan == pytest.approx(TERMS.warning_line)


def test_posted_cash_counts_at_later_revaluations():
    # Path B: 115 (post 15), 100 + 15 = 115 (post 15 more), 125 + 30.
    # Path C never falls below 120.
    paths = [[125.0, 115.0, 118.0], [115.0, 100.0, 125.0], [140.0, 121.0, 150.0]]
    result = _run(dates=TOP_UP_DATES, paths=paths, proceeds=[140.0] * 3)
    df30, df60 = math.exp(-0.02 * 30 / 365), math.exp(-0.02 * 60 / 365)
    assert result.margin_call_probability == pytest.approx(2 / 3)
    assert result.expected_top_up == pytest.approx((15 * df60 + 15 * df30 + 15 * df60) / 3)
    c = lambda d: math.exp(-COMPANY_RATE * d / 365)  # noqa: E731
    carry = (15 * (c(60) - c(120)) + 15 * (c(30) - c(120)) + 15 * (c(60) - c(120))) / 3
    assert result.top_up_carry_company == pytest.approx(carry, rel=1e-12)


def test_drawdown_below_the_top_up_line_posts_margin_at_once():
    # Loan 100 on collateral 110: below the 120 top-up line from the start, so 20 is
    # posted at drawdown (to the 130 warning line); the path then stays at 110 + 20.
    result = _run(dates=TOP_UP_DATES, collateral=110.0, paths=[[110.0, 110.0, 110.0]] * 2)
    assert result.margin_call_probability == 1.0
    assert result.expected_top_up == pytest.approx(20.0)
    carry = 20.0 * (1.0 - math.exp(-COMPANY_RATE * 120 / 365))
    assert result.top_up_carry_company == pytest.approx(carry, rel=1e-12)
    assert result.triggers.set_index("line").loc["top_up_line", "probability"] == 1.0


def test_no_call_without_a_dip():
    result = _run(dates=TOP_UP_DATES, paths=np.full((3, 3), 125.0))
    assert result.margin_call_probability == 0.0
    assert result.expected_top_up == 0.0
    assert result.top_up_carry_company == 0.0


# ---------------------------------------------------------------------------- lender


@pytest.mark.parametrize(
    ("dates", "years"), [(DATES, 1.0), (TOP_UP_DATES, 120 / 365)], ids=["1y", "120d"]
)
def test_lender_expected_loss(dates, years):
    proceeds = np.array([80.0, 100.0, 120.0, 95.0])  # shortfalls 20, 0, 0, 5
    result = _run(
        dates=dates, proceeds=proceeds, paths=np.full((4, len(dates.monitoring_days)), 140.0)
    )
    tenor_pd = 1 - (1 - 0.02) ** years
    assert result.tenor_pd == pytest.approx(tenor_pd, rel=1e-14)
    assert result.lender_expected_loss == pytest.approx(tenor_pd * 25 / 4, rel=1e-14)


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
COPPER = [{"category": "copper", "quantity": 10.0, "unit_cost": 10.0, "unit_price": 10.0}] * 5
MARKET_VALUE = 500.0


def _copper(scenarios=20_000, seed=5, requested=MARKET_VALUE / 1.35, **categories):
    a = make_assumptions(
        scenarios=scenarios,
        seed=seed,
        pledge_loan={"requested": requested},
        categories={"copper": categories},
    )
    return evaluate(lot_frame(*COPPER), a)


@pytest.fixture(scope="module")
def copper_result():
    return _copper()


@pytest.mark.parametrize(
    ("cover", "sigma", "seed"), [(1.35, None, 5), (1.5, 0.3, 9)], ids=["1.35x", "1.5x-30%"]
)
def test_simulated_triggers_agree_with_the_barrier_closed_form(cover, sigma, seed):
    extra = {} if sigma is None else {"sigma": sigma}
    result = _copper(seed=seed, requested=MARKET_VALUE / cover, **extra)
    loan = result.pledge_loan
    assert loan.coverage == pytest.approx(cover)
    sig = 0.22 if sigma is None else sigma
    monitoring = loan_dates(T0, result.assumptions.pledge_loan, 20).monitoring_days
    interval = monitoring[-1] / len(monitoring)
    shift = math.exp(-BGK_BETA * sig * math.sqrt(interval / 365))
    for _, row in loan.triggers.iterrows():
        assert 0.05 < row["probability"] < 0.95, "choose loans that make the lines material"
        closed = row["probability_closed_form"]
        assert closed == pytest.approx(
            _first_passage(cover, row["coverage"] * shift, sig, 0.0, int(monitoring[-1])),
            abs=1e-9,
        )
        assert abs(row["probability"] - closed) < 3 * row["std_error"] + 0.01


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
    accrual = np.array([92, 89, 92, 92]) / 365
    np.testing.assert_allclose(s["interest"].iloc[1:], loan.loan * 0.045 * accrual, rtol=1e-14)
    # copper keeps its expected value: the fee is on 500 every period
    np.testing.assert_allclose(s["monitoring_fee"].iloc[1:], 0.003 * accrual * 500, rtol=1e-14)
    assert s["principal"].iloc[-1] == pytest.approx(loan.loan)


def test_pledge_loan_row(copper_result):
    rows = copper_result.options.set_index("option")
    row, hold = rows.loc["pledge_loan"], rows.loc["hold"]
    loan = copper_result.pledge_loan
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
