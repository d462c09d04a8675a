import dataclasses
import math
from statistics import NormalDist

import numpy as np
import pytest
from conftest import SECTION_6, T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import norm

from finance import evaluate
from finance.collateral.dynamics import markdown_counts
from finance.collateral.lots import prepare_lots
from finance.market.calendar import month_offsets
from finance.market.curve import DiscountTable, build_discount_table, flat_discount
from finance.market.scenarios import simulate_brownian
from finance.risk.holding import hold
from finance.routes.abs import (
    _sequential,
    abs_deal,
    abs_route,
    attachment_point,
    loss_probability,
    retention,
    vasicek_default_share,
    vasicek_tail,
)

N = NormalDist()
RATE = 0.02
CURVE = DiscountTable(T0, np.exp(-RATE * np.arange(800) / 365))
TERMS = make_assumptions().abs  # rho 0.15, targets 0.1% / 1%
TRADE = make_assumptions().trade  # dso 60 days, customer pd 3%, lgd 60%


def default_share(pd_: float, rho: float, y: float) -> float:
    """D(Y) = Phi((Phi^-1(PD) - sqrt(rho) Y) / sqrt(1 - rho))."""
    return N.cdf((N.inv_cdf(pd_) - math.sqrt(rho) * y) / math.sqrt(1 - rho))


def tail(pd_: float, rho: float, x: float) -> float:
    """P(D(Y) > x) = Phi((Phi^-1(PD) - sqrt(1 - rho) Phi^-1(x)) / sqrt(rho))."""
    return N.cdf((N.inv_cdf(pd_) - math.sqrt(1 - rho) * N.inv_cdf(x)) / math.sqrt(rho))


def quantile(pd_: float, rho: float, level: float) -> float:
    """The level-quantile of D(Y): Phi((Phi^-1(PD) + sqrt(rho) Phi^-1(level)) / sqrt(1-rho))."""
    return N.cdf((N.inv_cdf(pd_) + math.sqrt(rho) * N.inv_cdf(level)) / math.sqrt(1 - rho))


# -------------------------------------------------------------------------------- Vasicek
VASICEK = [(0.03, 0.15), (0.01, 0.05), (0.10, 0.30), (0.002, 0.24), (0.5, 0.5)]


@pytest.mark.parametrize(("pd_", "rho"), VASICEK)
def test_default_share_formula(pd_, rho):
    y = np.array([-3.0, -1.0, 0.0, 0.5, 2.5])
    got = vasicek_default_share(pd_, rho, y)
    np.testing.assert_allclose(got, [default_share(pd_, rho, v) for v in y], rtol=1e-9)
    # the median factor gives Phi(Phi^-1(PD) / sqrt(1 - rho)); the mean is PD
    assert got[2] == pytest.approx(N.cdf(N.inv_cdf(pd_) / math.sqrt(1 - rho)), rel=1e-12)
    assert np.all(np.diff(got) < 0)  # a better economy, fewer defaults


@pytest.mark.parametrize(("pd_", "rho"), VASICEK)
def test_tail_formula(pd_, rho):
    x = np.array([1e-6, 0.01, pd_, 0.2, 0.5, 0.9])
    got = vasicek_tail(pd_, rho, x)
    np.testing.assert_allclose(got, [tail(pd_, rho, v) for v in x], rtol=1e-10, atol=1e-15)
    # the tail at the q-quantile is 1 - q
    for level in (0.5, 0.99, 0.999):
        q = quantile(pd_, rho, level)
        assert float(vasicek_tail(pd_, rho, q)) == pytest.approx(1 - level, rel=1e-9)


def test_tail_agrees_with_the_default_share():
    # P(D(Y) > x) by brute force over Y
    y = np.random.default_rng(1).standard_normal(400_000)
    d = vasicek_default_share(0.03, 0.15, y)
    for x in (0.01, 0.03, 0.08, 0.15):
        p = float(vasicek_tail(0.03, 0.15, x))
        assert abs((d > x).mean() - p) < 3 * math.sqrt(p * (1 - p) / len(y))


def test_vasicek_edge_cases():
    y = np.array([-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(vasicek_default_share(0.0, 0.2, y), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(vasicek_default_share(0.04, 0.0, y), [0.04, 0.04, 0.04])
    x = np.array([-0.5, -1e-12, 0.0, 0.02, 0.04, 0.5, 1.0, 1.5])
    # no defaults at all: only thresholds below zero are exceeded
    np.testing.assert_array_equal(vasicek_tail(0.0, 0.2, x), [1, 1, 0, 0, 0, 0, 0, 0])
    # no correlation: the defaulted share is PD for sure
    np.testing.assert_array_equal(vasicek_tail(0.04, 0.0, x), [1, 1, 1, 1, 0, 0, 0, 0])
    # correlated: a share below 0 is always exceeded, one of 1 or more never
    got = vasicek_tail(0.04, 0.2, x)
    assert got[0] == got[1] == 1.0
    assert got[2] == pytest.approx(1.0, abs=1e-12)
    assert got[-2] == got[-1] == 0.0
    assert np.all(np.diff(got) <= 0)


@settings(max_examples=200, deadline=None)
@given(
    pd_=st.floats(1e-4, 0.5),
    rho=st.floats(0.01, 0.9),
    x=st.floats(1e-4, 0.9999),
)
def test_tail_is_the_default_share_inverted(pd_, rho, x):
    # D(Y) > x exactly when Y < y*, with D(y*) = x: P = Phi(y*).
    y_star = (N.inv_cdf(pd_) - math.sqrt(1 - rho) * N.inv_cdf(x)) / math.sqrt(rho)
    assert float(vasicek_tail(pd_, rho, x)) == pytest.approx(N.cdf(y_star), rel=1e-9, abs=1e-14)
    if abs(y_star) < 8:
        assert float(vasicek_default_share(pd_, rho, y_star)) == pytest.approx(x, rel=1e-7)


# ------------------------------------------------------------- attachment and tail closed form
# No price risk: every scenario sells S. Collections are S (1 - LGD D(Y)), the loss
# fraction against expected collections E is L = 1 - S (1 - LGD D) / E, and L > a exactly
# when D > x(a) = (1 - (1 - a) E / S) / LGD. The attachment for target t puts x(a) at the
# (1 - t)-quantile D_q of D(Y): a = 1 - S (1 - LGD D_q) / E.
#   - loss measured against the sales themselves (E = S): a = LGD D_q;
#   - loss against the expected collections (E = S (1 - LGD PD), MODEL.md):
#     a = LGD (D_q - PD) / (1 - LGD PD).
CLOSED = [
    # pd, lgd, rho, target
    (0.03, 0.60, 0.15, 0.001),
    (0.03, 0.60, 0.15, 0.01),
    (0.01, 0.45, 0.05, 0.001),
    (0.08, 0.75, 0.30, 0.02),
    (0.002, 1.00, 0.24, 0.0005),
]


@pytest.mark.parametrize(("pd_", "lgd", "rho", "target"), CLOSED)
def test_attachment_against_the_sales_is_lgd_times_the_quantile(pd_, lgd, rho, target):
    sales = np.full(1000, 5e7)
    a = attachment_point(target, sales, 5e7, pd_, lgd, rho)
    assert a == pytest.approx(lgd * quantile(pd_, rho, 1 - target), abs=1e-9)


@pytest.mark.parametrize(("pd_", "lgd", "rho", "target"), CLOSED)
def test_attachment_against_expected_collections(pd_, lgd, rho, target):
    expected = 5e7
    sales = np.full(1000, expected / (1 - lgd * pd_))
    a = attachment_point(target, sales, expected, pd_, lgd, rho)
    d_q = quantile(pd_, rho, 1 - target)
    assert a == pytest.approx(lgd * (d_q - pd_) / (1 - lgd * pd_), abs=1e-9)
    assert loss_probability(a, sales, expected, pd_, lgd, rho) == pytest.approx(target, rel=1e-6)


@pytest.mark.parametrize(("pd_", "lgd", "rho", "target"), CLOSED)
def test_loss_probability_is_the_closed_form_tail(pd_, lgd, rho, target):
    expected = 5e7
    s = expected / (1 - lgd * pd_)
    sales = np.full(50, s)
    for a in (0.0, 0.01, 0.05, 0.1, 0.3):
        x = (1 - (1 - a) * expected / s) / lgd
        exact = tail(pd_, rho, x) if 0 < x < 1 else float(x <= 0)
        got = loss_probability(a, sales, expected, pd_, lgd, rho)
        assert got == pytest.approx(exact, rel=1e-9, abs=1e-15), a


def test_attachment_zero_when_the_target_is_loose():
    # P(L > 0) = P(D > PD) < 1/2 with expected collections at the mean: a 60% target needs
    # no subordination.
    expected = 5e7
    sales = np.full(10, expected / (1 - 0.6 * 0.03))
    p0 = loss_probability(0.0, sales, expected, 0.03, 0.6, 0.15)
    assert p0 == pytest.approx(tail(0.03, 0.15, 0.03), rel=1e-9)
    assert attachment_point(0.6, sales, expected, 0.03, 0.6, 0.15) == 0.0
    assert attachment_point(p0 * 0.99, sales, expected, 0.03, 0.6, 0.15) > 0.0


def test_loss_probability_without_credit_loss_counts_short_scenarios():
    # LGD 0: only the sales matter; L > a when sales < (1 - a) E.
    sales = np.array([80.0, 95.0, 100.0, 120.0])
    assert loss_probability(0.0, sales, 100.0, 0.03, 0.0, 0.15) == 0.5
    assert loss_probability(0.1, sales, 100.0, 0.03, 0.0, 0.15) == 0.25
    assert loss_probability(0.3, sales, 100.0, 0.03, 0.0, 0.15) == 0.0


@pytest.mark.parametrize("a", [0.05, 0.12, 0.2])
def test_loss_probability_against_brute_force_over_the_credit_factor(a):
    # Sales vary across price scenarios (lognormal, 20% vol); draw Y for each scenario and
    # count L > a. The exact-in-Y average must sit within 3 standard errors.
    pd_, lgd, rho = 0.03, 0.6, 0.15
    rng = np.random.default_rng(42)
    expected = 1e8 * (1 - lgd * pd_)
    sales = 1e8 * np.exp(0.2 * rng.standard_normal(400) - 0.02)
    y = rng.standard_normal((400, 1000))
    shares = norm.cdf((norm.ppf(pd_) - math.sqrt(rho) * y) / math.sqrt(1 - rho))
    loss = 1 - sales[:, None] * (1 - lgd * shares) / expected
    p = loss_probability(a, sales, expected, pd_, lgd, rho)
    assert 0.001 < p < 0.5
    simulated = (loss > a).mean()
    assert abs(simulated - p) < 3 * math.sqrt(p * (1 - p) / y.size)


@settings(max_examples=40, deadline=None)
@given(
    target=st.floats(1e-4, 0.2),
    vol=st.floats(0.0, 0.4),
    pd_=st.floats(0.005, 0.2),
    rho=st.floats(0.02, 0.5),
)
def test_attachment_is_the_smallest_point_meeting_the_target(target, vol, pd_, rho):
    rng = np.random.default_rng(3)
    sales = 100.0 * np.exp(vol * rng.standard_normal(200) - vol**2 / 2)
    expected = 100.0 * (1 - 0.6 * pd_)
    a = attachment_point(target, sales, expected, pd_, 0.6, rho)
    assert 0.0 <= a <= 1.0
    assert loss_probability(a, sales, expected, pd_, 0.6, rho) <= target
    if a > 1e-9:
        assert loss_probability(a - 1e-7, sales, expected, pd_, 0.6, rho) > target


# ------------------------------------------------------------------------------ retention
@pytest.mark.parametrize(
    ("equity", "vertical", "words"),
    [
        (0.10, 0.0, "neither binds"),
        (0.05, 0.0, "neither binds"),
        (0.02, (0.05 - 0.02) / 0.98, "5%-of-issue test binds"),
        (0.0, 0.05, "5%-of-issue test binds"),
    ],
)
def test_retention(equity, vertical, words):
    v, text = retention(equity)
    assert v == pytest.approx(vertical, rel=1e-12, abs=1e-15)
    assert words in text
    # the company ends up with at least 5% of the issue: e + v (1 - e)
    assert equity + v * (1 - equity) >= 0.05 - 1e-12


def test_retention_text_names_the_shares():
    _, text = retention(0.02)
    assert "2.0% of the issue" in text
    assert "3.06% of every sold tranche" in text  # 0.03 / 0.98 = 3.061%


# ----------------------------------------------------------------------------- sequential
SEQUENTIAL = [
    # collections, faces (senior first), principal per tranche and period
    (
        [50, 30, 40, 10],
        [60, 40, 30],
        [[50, 10, 0, 0], [0, 20, 20, 0], [0, 0, 20, 10]],
    ),
    ([20, 20], [30, 10, 10], [[20, 10], [0, 10], [0, 0]]),  # short: the equity gets nothing
    ([100], [30, 20], [[30], [20]]),  # more than the faces: the excess is not principal
    ([30, 70], [50, 0, 50], [[30, 20], [0, 0], [0, 50]]),  # a tranche of no size
    ([0, 0, 10], [5, 5, 5], [[0, 0, 5], [0, 0, 5], [0, 0, 0]]),
]


@pytest.mark.parametrize(("collections", "faces", "expected"), SEQUENTIAL)
def test_sequential_by_hand(collections, faces, expected):
    got = _sequential(np.array(collections, float), np.array(faces, float))
    np.testing.assert_allclose(got, np.array(expected, float), atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    collections=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=15),
    faces=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=4),
)
def test_sequential_pays_senior_first(collections, faces):
    c, f = np.array(collections), np.array(faces)
    got = _sequential(c, f)
    assert got.shape == (len(f), len(c))
    assert np.all(got >= -1e-9)
    paid = got.sum(axis=1)
    assert np.all(paid <= f + 1e-6)
    # what is paid is what was collected, up to the total face
    assert paid.sum() == pytest.approx(min(c.sum(), f.sum()), rel=1e-9, abs=1e-6)
    if c.sum() >= f.sum():
        np.testing.assert_allclose(paid, f, rtol=1e-9, atol=1e-6)
    # a tranche receives principal only once every tranche above it is paid in full
    cum = np.cumsum(got, axis=1)
    for j in range(1, len(f)):
        started = got[j] > 1e-6
        assert np.all(cum[:j, started] >= f[:j, None] - 1e-6)


# ------------------------------------------------------------------- the deal by hand
# Four months of sales on days 30, 61, 92, 120 (month ends from t0 = 2026-11-24), collected
# 45 days later (days 75, 106, 137, 165): the first payment dates on or after those are
# 2027-02-24 (92), 2027-03-24 (120), 2027-04-26 (153) and 2027-05-24 (181).
SALE_DAYS = np.array([30, 61, 92, 120])
EXPECTED = np.array([4e7, 3e7, 2e7, 1e7])
N_SCEN = 4000


def _deal(vol=0.25, trade=None, **overrides):
    terms = dataclasses.replace(TERMS, **overrides)
    trade = dataclasses.replace(TRADE, dso_days=45, **(trade or {}))
    rng = np.random.default_rng(99)
    x = np.exp(vol * rng.standard_normal(N_SCEN) - vol**2 / 2)
    paths = x[:, None] * EXPECTED[None, :]
    return terms, abs_deal(terms, trade, T0, SALE_DAYS, EXPECTED, paths, CURVE, 0.08, seed=5)


@pytest.fixture(scope="module")
def deal():
    return _deal()


def _pv(flows, days, spread):
    return float((flows * np.exp(-(RATE + spread) * days / 365)).sum())


def test_issue_and_tranches(deal):
    terms, r = deal
    keep = 1 - 0.6 * 0.03
    assert r.issue_size == pytest.approx(1e8 * keep, rel=1e-12)  # 98,200,000
    assert r.expected_sales == pytest.approx(1e8, rel=1e-12)
    t = r.tranches.set_index("tranche")
    assert list(t.index) == ["senior", "mezzanine", "equity"]
    assert t["face"].sum() == pytest.approx(r.issue_size, rel=1e-12)
    sen, mez = t.loc["senior", "attachment"], t.loc["mezzanine", "attachment"]
    assert 1.0 >= sen >= mez >= t.loc["equity", "attachment"] == 0.0
    assert mez > 0
    assert t.loc["senior", "detachment"] == 1.0
    assert t.loc["mezzanine", "detachment"] == sen
    assert t.loc["equity", "detachment"] == mez
    np.testing.assert_allclose(
        t["face"], [(1 - sen) * r.issue_size, (sen - mez) * r.issue_size, mez * r.issue_size]
    )
    # retention: the equity share of the issue is the mezzanine attachment
    vertical, rule = retention(mez)
    assert r.vertical_retention == vertical
    assert r.retention_rule == rule
    np.testing.assert_allclose(t["sold_share"], [1 - vertical, 1 - vertical, 0.0])
    np.testing.assert_allclose(t["spread"], [terms.senior_spread, terms.mezzanine_spread, 0.0])


def test_payment_schedule(deal):
    _, r = deal
    p = r.payments
    np.testing.assert_array_equal(p["days"], [30, 62, 92, 120, 153, 181])
    assert [d.isoformat() for d in p["date"]] == [
        "2026-12-24",
        "2027-01-25",
        "2027-02-24",
        "2027-03-24",
        "2027-04-26",
        "2027-05-24",
    ]
    keep = 1 - 0.6 * 0.03
    np.testing.assert_allclose(
        p["collections"], [0, 0, 4e7 * keep, 3e7 * keep, 2e7 * keep, 1e7 * keep], rtol=1e-12
    )
    # sequential pay, written out independently: fill the tranches in order
    faces = r.tranches["face"].to_numpy()
    room = faces.copy()
    expected = np.zeros((3, len(p)))
    for k, cash in enumerate(p["collections"]):
        for j in range(3):
            pay = min(cash, room[j])
            expected[j, k], room[j], cash = pay, room[j] - pay, cash - pay
    for j, name in enumerate(["senior", "mezzanine", "equity"]):
        np.testing.assert_allclose(p[f"{name}_principal"], expected[j], rtol=1e-12, atol=1e-6)
        assert p[f"{name}_principal"].sum() == pytest.approx(faces[j], rel=1e-12)


def test_tranche_prices_wal_yield_and_duration(deal):
    _, r = deal
    p = r.payments
    days = p["days"].to_numpy(dtype=float)
    years = days / 365
    t = r.tranches.set_index("tranche")
    for name in ("senior", "mezzanine", "equity"):
        flows = p[f"{name}_principal"].to_numpy()
        face, spread = t.loc[name, "face"], t.loc[name, "spread"]
        price = _pv(flows, days, spread)
        assert t.loc[name, "wal_years"] == pytest.approx((flows * years).sum() / face, rel=1e-12)
        # effective annual yield of the note: price = sum CF (1 + y)^-t
        y = brentq(lambda v, f=flows, pr=price: (f * (1 + v) ** -years).sum() - pr, -0.5, 1)
        # modified duration at that yield: -dP/dy / P = sum t CF (1 + y)^(-t-1) / P
        duration = (years * flows * (1 + y) ** (-years - 1)).sum() / price
        assert t.loc[name, "modified_duration"] == pytest.approx(duration, rel=1e-5)
        if name == "equity":
            continue  # kept, not sold: valued below
        assert t.loc[name, "price"] == pytest.approx(price, rel=1e-6)
        assert t.loc[name, "price_per_100"] == pytest.approx(100 * price / face, rel=1e-6)
        assert t.loc[name, "yield"] == pytest.approx(y, abs=1e-7)
    # senior pays first, so it is the shortest
    assert t.loc["senior", "wal_years"] < t.loc["mezzanine", "wal_years"]


def test_equity_is_valued_as_the_expected_residual(deal):
    # The equity is kept: its value is the PV of the pool's collections less what the senior
    # and mezzanine notes are paid, in expectation. With sales = x_s * expected, the PV of a
    # scenario's collections is (1 - L_s) * issue * sum_m w_m df(pay day of month m), w_m the
    # month's share of the expected sales.
    _, r = deal
    t = r.tranches.set_index("tranche")
    days = r.payments["days"].to_numpy()
    pay_day = {30: 92, 61: 120, 92: 153, 120: 181}
    weights = EXPECTED / EXPECTED.sum()
    annuity = sum(
        w * math.exp(-RATE * pay_day[d] / 365) for w, d in zip(weights, SALE_DAYS, strict=True)
    )
    collections_pv = (1 - r.pool_loss) * r.issue_size * annuity
    paid = np.zeros(N_SCEN)
    for name in ("senior", "mezzanine"):
        a, d = t.loc[name, "attachment"], t.loc[name, "detachment"]
        lost = np.clip(r.pool_loss - a, 0, d - a) / (d - a)
        paid += (1 - lost) * _pv(r.payments[f"{name}_principal"].to_numpy(), days, 0.0)
    assert t.loc["equity", "price"] == pytest.approx((collections_pv - paid).mean(), rel=1e-9)
    assert math.isnan(t.loc["equity", "yield"])
    assert t.loc["equity", "sold_share"] == 0.0


def test_costs_and_cash_now(deal):
    terms, r = deal
    t = r.tranches.set_index("tranche")
    sold_price = float((t["price"] * t["sold_share"]).sum())
    days = r.payments["days"].to_numpy()
    collections = r.payments["collections"].to_numpy()
    # notes outstanding during each period, from t0 to the first payment date and on
    outstanding = r.issue_size - np.concatenate([[0.0], np.cumsum(collections)[:-1]])
    accrual = np.diff(np.concatenate([[0], days])) / 365
    trustee = terms.trustee_fee * (outstanding * accrual * np.exp(-RATE * days / 365)).sum()
    expected = {
        "underwriting": terms.underwriting_fee * sold_price,
        "rating": 300_000.0,
        "legal": 500_000.0,
        "trustee": trustee,
    }
    for key, value in expected.items():
        assert r.costs[key] == pytest.approx(value, rel=1e-9), key
    assert r.costs["total"] == pytest.approx(sum(expected.values()), rel=1e-12)
    assert r.cash_now == pytest.approx(sold_price - sum(expected.values()), rel=1e-12)
    # the first period outstanding is the whole issue for 30 days
    assert outstanding[0] == r.issue_size and accrual[0] == pytest.approx(30 / 365)
    # promised to the sold notes: their principal, PV on the curve
    sold = t["sold_share"].to_numpy()
    promised = sum(
        sold[j] * _pv(r.payments[f"{n}_principal"].to_numpy(), days, 0.0)
        for j, n in enumerate(["senior", "mezzanine", "equity"])
    )
    assert r.sold_promised_pv == pytest.approx(promised, rel=1e-9)


@pytest.mark.parametrize(
    ("rating", "below"),
    [(300_000.0, False), (482_000.0, False), (482_001.0, True), (1_000_000.0, True)],
)
def test_below_minimum_issue(rating, below):
    # minimum = (rating + legal) / 1% ; the issue is 98,200,000 = (482,000 + 500,000) / 1%
    _, r = _deal(rating_fee=rating)
    assert r.minimum_issue == pytest.approx((rating + 500_000.0) / 0.01, rel=1e-12)
    assert r.below_minimum is below


def test_probability_of_loss_exact_and_simulated(deal):
    terms, r = deal
    t = r.tranches.set_index("tranche")
    # the attachment meets the target exactly (the tail is continuous in a)
    assert t.loc["senior", "probability_of_loss"] == pytest.approx(terms.senior_target, rel=1e-6)
    assert t.loc["mezzanine", "probability_of_loss"] == pytest.approx(
        terms.mezzanine_target, rel=1e-6
    )
    for name in ("senior", "mezzanine", "equity"):
        p = t.loc[name, "probability_of_loss"]
        simulated = t.loc[name, "probability_of_loss_simulated"]
        assert abs(simulated - p) < 3 * math.sqrt(p * (1 - p) / N_SCEN) + 1e-12, name
        assert simulated == pytest.approx((r.pool_loss > t.loc[name, "attachment"]).mean())


def test_pool_loss_and_tranche_losses(deal):
    _, r = deal
    loss = r.pool_loss
    assert loss.shape == (N_SCEN,)
    # E[L] = 1 - E[sales] E[1 - LGD D] / E_C = 0
    assert abs(loss.mean()) < 3 * loss.std(ddof=1) / math.sqrt(N_SCEN)
    t = r.tranches.set_index("tranche")
    days = r.payments["days"].to_numpy()
    transferred = 0.0
    for name in ("senior", "mezzanine", "equity"):
        a, d = t.loc[name, "attachment"], t.loc[name, "detachment"]
        el = (np.clip(loss - a, 0, d - a) / (d - a)).mean()
        assert t.loc[name, "expected_loss"] == pytest.approx(el, rel=1e-12, abs=1e-15)
        promised = _pv(r.payments[f"{name}_principal"].to_numpy(), days, 0.0)
        transferred += el * t.loc[name, "sold_share"] * promised
    assert r.sold_expected_loss_pv == pytest.approx(transferred, rel=1e-9)
    assert t.loc["senior", "expected_loss"] <= t.loc["mezzanine", "expected_loss"]
    assert t.loc["mezzanine", "expected_loss"] <= t.loc["equity", "expected_loss"]


def test_thin_equity_makes_the_company_keep_a_vertical_slice():
    # Little credit risk and no price risk: the mezzanine attaches under 5% of the issue,
    # so the 5%-of-issue test binds and the company keeps part of every sold tranche.
    _, r = _deal(vol=0.0, trade={"customer_pd": 0.01}, credit_correlation=0.02)
    t = r.tranches.set_index("tranche")
    equity = t.loc["mezzanine", "attachment"]
    assert 0 < equity < 0.05
    assert r.vertical_retention == pytest.approx((0.05 - equity) / (1 - equity), rel=1e-12)
    assert "5%-of-issue test binds" in r.retention_rule
    sold_price = float((t["price"] * t["sold_share"]).sum())
    assert r.costs["underwriting"] == pytest.approx(0.003 * sold_price, rel=1e-12)
    kept = equity + r.vertical_retention * (1 - equity)
    assert kept == pytest.approx(0.05, rel=1e-12)


# --------------------------------------------------------------------------- via evaluate
def _copper(scenarios=4000, **abs_terms):
    # Section 6's schedule: the expected sales below are by hand without demand risk.
    a = make_assumptions(
        scenarios=scenarios, seed=7, abs=abs_terms, categories={"copper": SECTION_6}
    )
    frame = lot_frame({"category": "copper", "quantity": 2000.0, "unit_price": 70_000.0})
    return evaluate(frame, a)


def test_abs_row_in_evaluate():
    result = _copper()
    deal = result.abs
    row = result.options.set_index("option").loc["abs"]
    assert row["cash_now"] == deal.cash_now
    assert row["expected_loss_transferred"] == deal.sold_expected_loss_pv
    assert not deal.below_minimum
    assert bool(row["feasible"])
    assert row["notes"].startswith(f"issue CNY {deal.issue_size:,.0f}")
    assert deal.retention_rule in row["notes"]
    assert result.summary["abs_issue_size"] == deal.issue_size
    # copper clears in 3 months: month-end invoices of 1/3 of the stock, no erosion ->
    # expected sales 140,000,000 over the pool (the selling cost is paid, not deducted)
    assert deal.expected_sales == pytest.approx(140e6, rel=1e-9)
    assert deal.issue_size == pytest.approx(deal.expected_sales * (1 - 0.6 * 0.03), rel=1e-12)


def test_abs_below_minimum_issue_is_infeasible():
    result = _copper(rating_fee=5e6)
    deal = result.abs
    row = result.options.set_index("option").loc["abs"]
    assert deal.minimum_issue == pytest.approx((5e6 + 5e5) / 0.01)
    assert deal.below_minimum
    assert not bool(row["feasible"])
    assert row["notes"].startswith("below the minimum sensible issue of CNY 550,000,000")
    assert row["cash_now"] == deal.cash_now


# ------------------------------------------------------------- the company's ABS ledger
COPPER = lot_frame({"category": "copper", "quantity": 2000.0, "unit_price": 70_000.0})


def _route(frame=COPPER, company_rate=0.08, **overrides):
    """The ABS route on the whole stock, built as evaluate builds it."""
    a = make_assumptions(scenarios=4000, seed=7, discount_rate=company_rate, **overrides)
    lots = prepare_lots(frame, a.categories, T0)
    month_days = month_offsets(T0, a.horizon_months)
    max_day = int(month_days[-1]) + a.trade.dso_days + 400
    counts = markdown_counts(lots.categories, T0, max_day)
    curve = build_discount_table(T0, a.curve_map, max_day)
    scenarios = simulate_brownian(len(lots.category_names), a.correlation, month_days, 4000, 7)
    shocks = scenarios.shocks(lots.group_category, lots.group_sigma)
    held = hold(lots, counts, month_days, curve, company_rate, a.trade)
    deal, ledger = abs_route(
        a.abs,
        a.trade,
        T0,
        lots,
        held.invoices[0],
        month_days,
        scenarios,
        shocks,
        curve,
        company_rate,
        a.seed,
    )
    return a, lots, month_days, curve, held, deal, ledger


def _check_identity(ledger, curve, company_rate):
    df = curve.factors
    dc = flat_discount(company_rate, np.arange(len(df)))
    t = ledger.totals(df, dc)
    rhs = t["rate_effect"] + t["funding_value"] - t["pv_costs"] - t["expected_loss_retained"]
    assert t["npv"] == pytest.approx(rhs, rel=1e-9, abs=1e-3)
    return t


# No credit risk (customer pd 0) and no price risk (sigma 0): the pool loses nothing in any
# scenario, so nothing is subordinated; the senior note is the whole issue and the equity is
# empty, so the 5%-of-issue test binds and the company keeps 5% of the senior note.
# Copper: 2000 t at 70,000 clears in 3 months: invoices of C = 46,666,666.67 on days 30, 61
# and 92, collected 60 days later on days 90, 121 and 152. Monthly payment dates from t0 on
# the SSE calendar (modified following): 30, 62 (2027-01-24 is a Sunday), 92, 120 and 153
# (2027-04-24 is a Saturday): the collections are paid out on days 92, 153 and 153.
# Flat curve 2% continuous; the company's rate 8% effective annual.
SAFE = {
    "curve": {"1Y": 0.02},
    "trade": {"customer_pd": 0.0},
    "categories": {"copper": {"sigma": 0.0}},
}
C = 140e6 / 3


def test_abs_ledger_by_hand_without_risk():
    _, lots, month_days, curve, held, deal, ledger = _route(**SAFE)
    np.testing.assert_array_equal(month_days[:4], [0, 30, 61, 92])
    # (the pool's later months sell nothing: their payment dates carry no cash)
    np.testing.assert_array_equal(deal.pay_days[:6], [0, 30, 62, 92, 120, 153])
    np.testing.assert_allclose(deal.payments["collections"].iloc[5:], 0.0, atol=1e-6)
    t = deal.tranches.set_index("tranche")
    np.testing.assert_allclose(t["face"], [3 * C, 0.0, 0.0], rtol=1e-12, atol=1e-6)
    assert deal.vertical_retention == pytest.approx(0.05, rel=1e-12)
    np.testing.assert_allclose(deal.pool_loss, 0.0, atol=1e-12)
    # the company keeps 5% of each collection, paid on its payment date
    residual = np.zeros(len(deal.pay_days) - 1)
    residual[[2, 4]] = [0.05 * C, 0.1 * C]
    np.testing.assert_allclose(deal.residual_flows, residual, rtol=1e-12, atol=1e-6)

    def df(d):
        return math.exp(-0.02 * d / 365)

    def dc(d):
        return 1.08 ** (-d / 365)

    # the senior note: principal C on day 92 and 2C on day 153, priced at the curve plus
    # its 0.8% spread; 95% of it is sold
    senior = C * math.exp(-0.028 * 92 / 365) + 2 * C * math.exp(-0.028 * 153 / 365)
    face_pv = C * df(92) + 2 * C * df(153)
    assert t.loc["senior", "price"] == pytest.approx(senior, rel=1e-9)
    # the sold price splits into the principal raised (less its repayment in the shape of
    # the face flows) and the interest (the rest of the face flows)
    funding = 0.95 * senior * (1 - face_pv / (3 * C))
    interest = 0.95 * (1 - senior / (3 * C)) * face_pv
    assert deal.funding_value == pytest.approx(funding, rel=1e-9)
    assert deal.interest_pv == pytest.approx(interest, rel=1e-9)
    assert deal.funding_value - deal.interest_pv == pytest.approx(
        0.95 * senior - 0.95 * face_pv, rel=1e-9
    )
    assert deal.sold_promised_pv == pytest.approx(0.95 * face_pv, rel=1e-9)
    # costs: underwriting on the sold price, rating and legal, the trustee on the notes
    # outstanding (3C to day 92, 2C to day 153)
    trustee = 0.0005 * (
        3 * C * (30 / 365 * df(30) + 32 / 365 * df(62) + 30 / 365 * df(92))
        + 2 * C * (28 / 365 * df(120) + 33 / 365 * df(153))
    )
    costs = 0.003 * 0.95 * senior + 300_000 + 500_000 + trustee
    assert deal.costs["trustee"] == pytest.approx(trustee, rel=1e-9)
    assert deal.costs["total"] == pytest.approx(costs, rel=1e-9)
    assert deal.cash_now == pytest.approx(0.95 * senior - costs, rel=1e-9)

    # the ledger: the collections given up on their days, the cash now, the residual
    k = lots.category_names.index("copper")
    flows = np.zeros(len(curve.factors))
    for day in (90, 121, 152):
        flows[day] -= C
    flows[0] += 0.95 * senior - costs
    flows[92] += 0.05 * C
    flows[153] += 0.1 * C
    np.testing.assert_allclose(ledger.flows[k], flows, rtol=1e-9, atol=1e-4)
    assert np.all(np.delete(ledger.flows, k, axis=0) == 0.0)
    # added to holding, the collections the pool takes leave the hold's flows
    together = held.flows[0] + ledger.flows
    np.testing.assert_allclose(together[k, [90, 121, 152]], 0.0, atol=1e-4)
    # the company's npv of the deal at its rate
    npv = (
        0.95 * senior - costs
        - C * (dc(90) + dc(121) + dc(152))
        + 0.05 * C * dc(92) + 0.1 * C * dc(153)
    )  # fmt: skip
    assert ledger.npv(flat_discount(0.08, np.arange(len(curve.factors)))).sum() == pytest.approx(
        npv, rel=1e-9
    )
    # the parts: costs include the interest and the collections' wait for a payment date
    waiting = C * (df(90) - df(92) + df(121) - df(153) + df(152) - df(153))
    assert ledger.pv_costs.sum() == pytest.approx(costs + interest + waiting, rel=1e-9)
    assert ledger.funding_value.sum() == pytest.approx(funding, rel=1e-9)
    assert ledger.cash_now.sum() == pytest.approx(0.95 * senior - costs, rel=1e-9)
    assert ledger.loss_retained.sum() == pytest.approx(0.0, abs=1e-6)
    assert ledger.loss_transferred.sum() == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(ledger.losses, 0.0, atol=1e-4)
    _check_identity(ledger, curve, 0.08)


@pytest.mark.parametrize("company_rate", [0.0, 0.05, 0.15])
@pytest.mark.parametrize("dso", [0, 45, 90])
def test_abs_ledger_identity_and_cash_timing(company_rate, dso):
    frame = lot_frame(
        {"category": "copper", "quantity": 2000.0, "unit_price": 70_000.0},
        {"category": "steel", "quantity": 20_000.0, "unit_price": 4_000.0},
        {"category": "electronics", "quantity": 5_000.0, "unit_price": 3_000.0},
    )
    a, lots, month_days, curve, held, deal, ledger = _route(
        frame, company_rate, trade={"dso_days": dso}
    )
    t = _check_identity(ledger, curve, company_rate)
    assert t["cash_now"] == pytest.approx(deal.cash_now, rel=1e-12)
    assert t["expected_loss_transferred"] == pytest.approx(deal.sold_expected_loss_pv, rel=1e-9)
    assert t["expected_loss_retained"] == pytest.approx(-deal.sold_expected_loss_pv, rel=1e-9)
    # the flows, summed over categories, independently: what the pool's invoices would
    # have brought on sale day + dso is given up; the cash now; the residual on pay days
    window = np.arange(1, min(a.abs.pool_months, len(month_days) - 1) + 1)
    invoices = held.invoices[0][:, window].sum(axis=0)
    flows = np.zeros(len(curve.factors))
    np.add.at(flows, month_days[window] + dso, -invoices * (1 - 0.03 * 0.6))
    flows[0] += deal.cash_now
    np.add.at(flows, deal.pay_days[1:], deal.residual_flows)
    total = ledger.flows.sum(axis=0)
    np.testing.assert_allclose(total, flows, rtol=1e-9, atol=1e-6 * np.abs(flows).max())
    # the vehicle pays out what it collects: the residual and the sold notes' expected
    # payments are the expected collections on each payment date
    t3 = deal.tranches.set_index("tranche")
    sold = t3["sold_share"].to_numpy()[:, None] * (1 - t3["expected_loss"].to_numpy()[:, None])
    names = ("senior", "mezzanine", "equity")
    principal = deal.payments[[f"{n}_principal" for n in names]].to_numpy().T
    np.testing.assert_allclose(
        deal.residual_flows + (sold * principal).sum(axis=0),
        deal.payments["collections"],
        rtol=1e-9,
    )
    # each category's share of the deal is its share of the invoices
    per_category = (
        held.invoices[0][:, window].sum(axis=1)
        @ (np.eye(len(lots.category_names))[lots.group_category])
    )
    np.testing.assert_allclose(
        ledger.cash_now, deal.cash_now * per_category / per_category.sum(), rtol=1e-9
    )


def test_abs_row_identity_in_evaluate():
    result = _copper(scenarios=2000)
    rows = result.options.set_index("option")
    for option in ("hold", "abs"):
        row = rows.loc[option]
        rhs = row["rate_effect"] + row["funding_value"] - row["pv_costs"]
        assert row["npv"] == pytest.approx(
            rhs - row["expected_loss_retained"], rel=1e-9, abs=1e-3
        ), option
    assert rows.loc["abs", "funding_value"] == pytest.approx(result.abs.funding_value, rel=1e-12)
