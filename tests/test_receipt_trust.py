import dataclasses
import itertools
import math
from statistics import NormalDist

import numpy as np
import pytest
from conftest import T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from finance import evaluate
from finance.inputs.assumptions import ReceiptTrustTerms
from finance.market.curve import DiscountTable
from finance.routes.receipt_trust import (
    WATERFALL_LINES,
    fair_senior_claim,
    receipt_trust,
    waterfall,
)
from finance.routes.rows import receipt_trust_notes, trust_coupon

N = NormalDist()
RATE = 0.02
CURVE = DiscountTable(T0, np.exp(-RATE * np.arange(800) / 365))
TERMS = ReceiptTrustTerms(
    transfer_discount=0.10,
    subordinated_share=0.20,
    senior_coupon=0.05,
    tenor_months=12,
    trustee_fee=0.005,
    upfront_fee=0.01,
    buyback=False,
)


def df(days: int) -> float:
    return math.exp(-RATE * days / 365)


def black_put(forward: float, strike: float, sigma: float, years: float) -> float:
    """Undiscounted Black put E[(K - F X)+], X lognormal with mean 1."""
    if strike <= 0:
        return 0.0
    v = sigma * math.sqrt(years)
    d1 = (math.log(forward / strike) + v * v / 2) / v
    d2 = d1 - v
    return strike * N.cdf(-d2) - forward * N.cdf(-d1)


# ------------------------------------------------------------------------------ waterfall
# Trustee fee 3 and storage 2 (expenses 5, split 60/40 when short), senior claim 100.
# Lines: buyback, trustee_fee, storage, senior, subordinated.
WATERFALL_TABLE = [
    # proceeds, buyback flag, expected lines
    (150.0, False, (0.0, 3.0, 2.0, 100.0, 45.0)),  # above everything: 150 - 5 - 100 = 45
    (105.0, False, (0.0, 3.0, 2.0, 100.0, 0.0)),  # exactly fees + claim
    (60.0, False, (0.0, 3.0, 2.0, 55.0, 0.0)),  # between fees and fees + claim
    (5.0, False, (0.0, 3.0, 2.0, 0.0, 0.0)),  # exactly the fees
    (4.0, False, (0.0, 2.4, 1.6, 0.0, 0.0)),  # below the fees: pro rata 3:2
    (0.0, False, (0.0, 0.0, 0.0, 0.0, 0.0)),  # nothing
    (150.0, True, (0.0, 3.0, 2.0, 100.0, 45.0)),  # buyback not called
    (60.0, True, (45.0, 3.0, 2.0, 100.0, 0.0)),  # company tops up 105 - 60
    (4.0, True, (101.0, 3.0, 2.0, 100.0, 0.0)),
    (0.0, True, (105.0, 3.0, 2.0, 100.0, 0.0)),
]


@pytest.mark.parametrize(("proceeds", "buyback", "lines"), WATERFALL_TABLE)
def test_waterfall_by_hand(proceeds, buyback, lines):
    flows = waterfall(np.array([proceeds]), 3.0, 2.0, 100.0, buyback)
    got = flows.lines()
    assert list(got) == list(WATERFALL_LINES)
    assert got["sale_proceeds"][0] == proceeds
    for name, expected in zip(WATERFALL_LINES[1:], lines, strict=True):
        assert got[name][0] == pytest.approx(expected, abs=1e-12), name


def test_waterfall_is_vectorised_over_scenarios():
    proceeds = np.array([row[0] for row in WATERFALL_TABLE if not row[1]])
    flows = waterfall(proceeds, 3.0, 2.0, 100.0, False)
    expected = np.array([row[2] for row in WATERFALL_TABLE if not row[1]])
    got = np.column_stack(
        [flows.buyback, flows.trustee_fee, flows.storage, flows.senior, flows.subordinated]
    )
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_waterfall_without_expenses():
    flows = waterfall(np.array([50.0, 250.0]), 0.0, 0.0, 100.0, False)
    np.testing.assert_array_equal(flows.trustee_fee, [0.0, 0.0])
    np.testing.assert_array_equal(flows.storage, [0.0, 0.0])
    np.testing.assert_array_equal(flows.senior, [50.0, 100.0])
    np.testing.assert_array_equal(flows.subordinated, [0.0, 150.0])


money = st.floats(0.0, 1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    proceeds=st.lists(money, min_size=1, max_size=40),
    trustee=st.floats(0.0, 1e7),
    storage=st.floats(0.0, 1e7),
    claim=money,
    buyback=st.booleans(),
)
def test_waterfall_conserves_money(proceeds, trustee, storage, claim, buyback):
    flows = waterfall(np.array(proceeds), trustee, storage, claim, buyback)
    paid_in = flows.proceeds + flows.buyback
    paid_out = flows.trustee_fee + flows.storage + flows.senior + flows.subordinated
    assert np.all(np.abs(paid_in - paid_out) < 0.005)
    for name, values in flows.lines().items():
        assert np.all(values >= 0.0), name
    assert np.all(flows.senior <= claim)
    assert np.all(flows.trustee_fee <= trustee * (1 + 1e-12) + 1e-9)
    assert np.all(flows.storage <= storage * (1 + 1e-12) + 1e-9)
    short = flows.senior < claim
    assert np.all(flows.subordinated[short] == 0.0)
    if buyback:
        # the company makes the senior and the expenses whole in every scenario (to the cent:
        # proceeds + top-up can round below fees + claim by an ulp)
        assert np.all(flows.senior > claim - 0.005)
        np.testing.assert_allclose(flows.trustee_fee + flows.storage, trustee + storage)
    else:
        assert np.all(flows.buyback == 0.0)


# ------------------------------------------------------------------- the trust by hand
# Pool MV 1,000,000, 182 days: tau = 182/365 = 0.498630.
#   transfer = 1e6 * 0.9 = 900,000; senior = 0.8 * 900,000 = 720,000; sub = 180,000
#   upfront = 0.01 * 900,000 = 9,000; cash now = 711,000
#   claim = 720,000 * (1 + 0.05 * 0.498630) = 737,950.68
#   trustee = 0.005 * 0.498630 * 900,000 = 2,243.84; storage 10,000 (given): due 12,243.84
# Senior paid per proceeds [1e6, 740e3, 500e3, 0]:
#   737,950.68 (in full), 727,756.16, 487,756.16, 0
HAND_PROCEEDS = np.array([1_000_000.0, 740_000.0, 500_000.0, 0.0])
HAND_DAYS = 182


def _hand_trust(terms=TERMS, proceeds=HAND_PROCEEDS, sigma=None):
    return receipt_trust(
        terms,
        T0,
        HAND_DAYS,
        1_000_000.0,
        proceeds,
        float(np.mean(proceeds)),
        10_000.0,
        CURVE,
        sigma,
    )


def test_trust_terms_by_hand():
    r = _hand_trust()
    assert r.transfer_price == pytest.approx(900_000.0, rel=1e-12)
    assert r.senior_principal == pytest.approx(720_000.0, rel=1e-12)
    assert r.subordinated_principal == pytest.approx(180_000.0, rel=1e-12)
    assert r.upfront_fee == pytest.approx(9_000.0, rel=1e-12)
    assert r.cash_now == pytest.approx(711_000.0, rel=1e-12)
    assert r.years == pytest.approx(0.4986301369863014, rel=1e-12)
    assert r.senior_claim == pytest.approx(737_950.6849315068, rel=1e-12)
    np.testing.assert_allclose(r.flows.trustee_fee, [2243.835616438356] * 3 + [0.0], rtol=1e-12)
    np.testing.assert_allclose(
        r.flows.senior, [737_950.6849315068, 727_756.1643835616, 487_756.1643835616, 0.0]
    )
    shortfall = np.array([0.0, 10_194.520547945205, 250_194.52054794522, 737_950.6849315068])
    np.testing.assert_allclose(r.senior_shortfall, shortfall, rtol=1e-12)
    assert r.senior_shortfall_pv == pytest.approx(shortfall.mean() * df(182), rel=1e-12)
    assert r.senior_shortfall_std_error == pytest.approx(
        shortfall.std(ddof=1) / 2 * df(182), rel=1e-12
    )
    # no single lognormal group given: no closed form
    assert math.isnan(r.senior_shortfall_closed_form)
    # the company gets the subordinated residual: only the first scenario leaves any
    np.testing.assert_allclose(
        r.company_at_maturity, [1e6 - 12_243.835616438356 - 737_950.6849315068, 0, 0, 0]
    )
    assert r.curve_rate == pytest.approx((1 / df(182) - 1) / (182 / 365), rel=1e-12)


def test_waterfall_table_lines():
    r = _hand_trust()
    table = r.waterfall_table.set_index("line")
    assert list(table.index) == list(WATERFALL_LINES)
    assert table.loc["sale_proceeds", "expected"] == pytest.approx(560_000.0, rel=1e-12)
    assert table.loc["senior_units", "pv"] == pytest.approx(
        np.mean([737_950.6849315068, 727_756.1643835616, 487_756.1643835616, 0.0]) * df(182),
        rel=1e-12,
    )
    np.testing.assert_allclose(table["pv"], table["expected"] * df(182), rtol=1e-12)
    # expected money conserved line by line
    paid_out = table.loc[["trustee_fee", "storage", "senior_units", "subordinated_units"]]
    assert paid_out["expected"].sum() == pytest.approx(
        table.loc["sale_proceeds", "expected"] + table.loc["buyback_payment", "expected"]
    )


def test_fair_coupon_and_all_in_cost_by_independent_root_finding():
    r = _hand_trust()
    due = 2243.835616438356 + 10_000.0
    available = np.maximum(HAND_PROCEEDS - due, 0.0)

    def value(claim: float) -> float:
        return df(182) * np.minimum(claim, available).mean() - 720_000.0

    # E[min(K, avail)] tops out at mean(avail) = 547,756 < 720,000 / df: no claim works.
    assert math.isnan(r.fair_senior_coupon)

    # 300,000 more in every scenario: available 1,287,756 / 1,027,756 / 787,756 / 287,756,
    # enough on average, but the claim (about 916,666) still bites in two scenarios.
    richer = _hand_trust(proceeds=HAND_PROCEEDS + 300_000.0)
    available = np.maximum(HAND_PROCEEDS + 300_000.0 - due, 0.0)
    claim = brentq(value, 720_000.0, available.max(), xtol=1e-9)
    assert richer.fair_senior_coupon == pytest.approx(
        (claim / 720_000.0 - 1) / (182 / 365), rel=1e-9
    )
    # IRR from the cash now to the contractual senior claim and trustee fee at maturity
    paid = 737_950.6849315068 + 2243.835616438356
    assert richer.all_in_cost == pytest.approx((paid / 711_000.0) ** (365 / 182) - 1, rel=1e-8)


# ---------------------------------------------- the senior shortfall against the closed form
SHORTFALL_CASES = [
    # sigma, days, subordinated share, transfer discount
    (0.22, 365, 0.20, 0.10),
    (0.40, 182, 0.10, 0.05),
    (0.30, 273, 0.30, 0.00),
]


@pytest.mark.parametrize(("sigma", "days", "sub", "discount"), SHORTFALL_CASES)
def test_senior_shortfall_closed_form_is_a_put_spread(sigma, days, sub, discount):
    terms = dataclasses.replace(TERMS, subordinated_share=sub, transfer_discount=discount)
    pool, forward, storage = 1_000_000.0, 970_000.0, 0.02 * 1e6 * days / 365
    r = receipt_trust(terms, T0, days, pool, np.array([forward]), forward, storage, CURVE, sigma)
    years = days / 365
    transfer = pool * (1 - discount)
    claim = transfer * (1 - sub) * (1 + 0.05 * years)
    due = 0.005 * years * transfer + storage
    expected = df(days) * (
        black_put(forward, claim + due, sigma, years) - black_put(forward, due, sigma, years)
    )
    assert r.senior_shortfall_closed_form == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize(("sigma", "days", "sub", "discount"), SHORTFALL_CASES)
def test_simulated_senior_shortfall_agrees_with_quantlib(sigma, days, sub, discount):
    terms = dataclasses.replace(TERMS, subordinated_share=sub, transfer_discount=discount)
    rng = np.random.default_rng(20261124 + days)
    years = days / 365
    forward = 970_000.0
    proceeds = forward * np.exp(
        sigma * math.sqrt(years) * rng.standard_normal(200_000) - sigma**2 * years / 2
    )
    r = receipt_trust(terms, T0, days, 1_000_000.0, proceeds, forward, 0.02e6 * years, CURVE, sigma)
    assert r.senior_shortfall_closed_form > 0
    assert r.senior_shortfall_std_error > 0
    assert (
        abs(r.senior_shortfall_pv - r.senior_shortfall_closed_form)
        < 3 * r.senior_shortfall_std_error
    )


def _copper(scenarios=20_000, seed=7, sigma=0.22, **trust):
    a = make_assumptions(
        scenarios=scenarios,
        seed=seed,
        receipt_trust=trust,
        categories={"copper": {"sigma": sigma}},
    )
    return evaluate(lot_frame({"category": "copper", "quantity": 100.0, "unit_price": 70_000.0}), a)


@pytest.mark.parametrize("erosion", [0.0, 0.15])
def test_evaluate_single_copper_pool_matches_the_put_spread(erosion):
    a = make_assumptions(
        scenarios=20_000, seed=7, categories={"copper": {"sigma": 0.3, "erosion": erosion}}
    )
    frame = lot_frame(
        {"category": "copper", "quantity": 60.0, "unit_price": 70_000.0},
        {"category": "copper", "quantity": 40.0, "unit_price": 70_000.0, "age_days": 300.0},
    )
    result = evaluate(frame, a)
    r = result.receipt_trust
    assert r.pool_value == pytest.approx(7_000_000.0, rel=1e-12)
    days, years = r.maturity_day, r.years
    discount = 1 / (1 + r.curve_rate * years)
    # copper: no markdown or expiry; orderly discount 3%, storage 2% a year
    forward = 7e6 * 0.97 * math.exp(-erosion * years)
    transfer = 7e6 * 0.9
    # sigma 0.3 needs more than the 5% offered: the trust is priced at the fair coupon
    assert r.repriced == (r.fair_senior_coupon > 0.05)
    coupon = max(0.05, r.fair_senior_coupon)
    assert trust_coupon(r) == pytest.approx(coupon, rel=1e-12)
    claim = 0.8 * transfer * (1 + coupon * years)
    assert r.senior_claim == pytest.approx(claim, rel=1e-12)
    due = 0.005 * years * transfer + 0.02 * 7e6 * days / 365
    expected = discount * (
        black_put(forward, claim + due, 0.3, years) - black_put(forward, due, 0.3, years)
    )
    assert r.senior_shortfall_closed_form == pytest.approx(expected, rel=1e-8)
    assert abs(r.senior_shortfall_pv - expected) < 3 * r.senior_shortfall_std_error
    # the simulated proceeds have the closed-form mean
    proceeds = r.flows.proceeds
    assert abs(proceeds.mean() - forward) < 3 * proceeds.std(ddof=1) / math.sqrt(len(proceeds))
    row = result.options.set_index("option").loc["receipt_trust"]
    assert row["expected_loss_transferred"] == pytest.approx(r.senior_shortfall_pv, rel=1e-12)
    assert row["cash_now"] == pytest.approx(0.8 * transfer - 0.01 * transfer, rel=1e-12)
    assert bool(row["feasible"])
    _identity(row)


# ------------------------------------------------------------------------------- buyback
def test_buyback_transfers_no_risk():
    plain = _copper(scenarios=10_000, sigma=0.35)
    bought = _copper(scenarios=10_000, sigma=0.35, buyback=True)
    r = bought.receipt_trust
    assert r.buyback
    assert r.senior_shortfall_pv == 0.0
    assert np.all(r.senior_shortfall == 0.0)
    assert math.isnan(r.senior_shortfall_closed_form)
    row = bought.options.set_index("option").loc["receipt_trust"]
    base = plain.options.set_index("option").loc["receipt_trust"]
    assert row["expected_loss_transferred"] == 0.0
    assert "secured borrowing in substance" in row["notes"]
    assert "secured borrowing" not in base["notes"]
    assert base["expected_loss_transferred"] > 0
    # same cash now; the company now bears what the investors bore
    assert row["cash_now"] == base["cash_now"]
    assert row["expected_loss_retained"] >= base["expected_loss_retained"]
    assert row["loss_retained_p95"] >= base["loss_retained_p95"]
    assert row["npv"] <= base["npv"]
    # the company's retained loss rises by at least the loss it takes back from investors
    assert row["expected_loss_retained"] - base["expected_loss_retained"] >= (
        base["expected_loss_transferred"] * (1 - 1e-9)
    )
    # with buyback the senior units are riskless: their fair coupon is the curve rate
    assert r.fair_senior_coupon == pytest.approx(r.curve_rate, rel=1e-12)


# ------------------------------------------------------------- subordination and transfer
@pytest.mark.parametrize("sigma", [0.22, 0.5])
def test_more_subordination_transfers_less_risk(sigma):
    frame = lot_frame(
        {"category": "copper", "quantity": 50.0, "unit_price": 70_000.0},
        {"category": "steel", "quantity": 400.0, "unit_price": 4_000.0},
        {"category": "apparel", "quantity": 1_000.0, "unit_price": 100.0},
    )
    shares = [0.0, 0.1, 0.2, 0.4, 0.7, 0.95]
    transferred = []
    for s in shares:
        a = make_assumptions(
            scenarios=3000,
            seed=11,
            receipt_trust={"subordinated_share": s},
            categories={"copper": {"sigma": sigma}, "steel": {"sigma": sigma}},
        )
        row = evaluate(frame, a).options.set_index("option").loc["receipt_trust"]
        transferred.append(row["expected_loss_transferred"])
    assert all(b <= a for a, b in itertools.pairwise(transferred))
    assert transferred[0] > transferred[-1]


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(0.0, 0.99),
    bump=st.floats(0.0, 0.99),
    sigma=st.floats(0.05, 0.8),
    storage=st.floats(0.0, 50_000.0),
)
def test_subordination_monotone_on_shared_scenarios(low, bump, sigma, storage):
    high = min(low + bump, 1.0)
    rng = np.random.default_rng(5)
    proceeds = 970_000.0 * np.exp(sigma * rng.standard_normal(500) - sigma**2 / 2)
    out = []
    for s in (low, high):
        terms = dataclasses.replace(TERMS, subordinated_share=s)
        out.append(receipt_trust(terms, T0, 365, 1e6, proceeds, 970_000.0, storage, CURVE, sigma))
    assert out[1].senior_shortfall_pv <= out[0].senior_shortfall_pv + 1e-9
    assert out[1].senior_shortfall_closed_form <= out[0].senior_shortfall_closed_form + 1e-6


# --------------------------------------------------------------------- fair senior claim
FAIR_TABLE = [
    # available, principal, discount, expected claim
    ([1000.0] * 5, 900.0, 0.98, 900.0 / 0.98),  # riskless: principal grown at the curve
    ([1000.0], 980.0, 0.98, 1000.0),  # exactly all the proceeds
    ([500.0, 1500.0], 800.0, 1.0, 1100.0),  # (500 + K) / 2 = 800
    ([-100.0, 1000.0], 300.0, 1.0, 600.0),  # negative availability floors at 0: K / 2 = 300
    ([200.0, 400.0, 600.0, 800.0], 427.5, 0.9, 700.0),  # (200+400+600+K)/4 * 0.9 = 427.5
]


@pytest.mark.parametrize(("available", "principal", "discount", "expected"), FAIR_TABLE)
def test_fair_senior_claim_by_hand(available, principal, discount, expected):
    claim = fair_senior_claim(np.array(available), principal, discount)
    assert claim == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("available", "principal", "discount"),
    [
        ([900.0], 900.0, 0.98),  # 0.98 * 900 < 900
        ([0.0, 1000.0], 600.0, 1.0),  # mean 500 < 600
        ([-50.0, -10.0], 1.0, 1.0),
        ([], 1.0, 1.0),
    ],
)
def test_fair_senior_claim_nan_when_the_proceeds_cannot_repay(available, principal, discount):
    assert math.isnan(fair_senior_claim(np.array(available), principal, discount))


@settings(max_examples=100, deadline=None)
@given(
    available=st.lists(st.floats(0.0, 1e7), min_size=1, max_size=30),
    fraction=st.floats(0.01, 0.99),
    discount=st.floats(0.5, 1.0),
)
def test_fair_senior_claim_prices_at_par(available, fraction, discount):
    values = np.array(available)
    principal = fraction * discount * values.mean()
    if principal <= 1e-6:
        return
    claim = fair_senior_claim(values, principal, discount)
    assert discount * np.minimum(claim, values).mean() == pytest.approx(principal, rel=1e-9)


def test_fair_coupon_with_zero_volatility_is_the_curve_rate():
    # Proceeds certain and ample: the senior units are riskless.
    r = _hand_trust(proceeds=np.full(100, 2_000_000.0), sigma=0.0)
    assert r.fair_senior_coupon == pytest.approx(r.curve_rate, rel=1e-10)
    assert r.curve_rate == pytest.approx((math.exp(RATE * 182 / 365) - 1) / (182 / 365), rel=1e-12)
    assert r.senior_shortfall_pv == 0.0
    assert r.senior_shortfall_closed_form == 0.0


def test_fair_coupon_with_zero_volatility_in_evaluate():
    # Default curve: 1Y = 1.6% continuous; the trust matures on 2027-11-24 (a Wednesday),
    # the 1Y pillar, 365 days on: simple rate e^0.016 - 1.
    result = _copper(scenarios=500, sigma=0.0)
    r = result.receipt_trust
    assert r.maturity_day == 365
    assert r.curve_rate == pytest.approx(math.exp(0.016) - 1, rel=1e-9)
    assert result.summary["trust_fair_senior_coupon"] == pytest.approx(r.curve_rate, rel=1e-10)
    assert (
        result.options.set_index("option")
        .loc["receipt_trust", "notes"]
        .endswith(f"senior coupon of {r.curve_rate:.2%} for their risk; 5.00% is offered")
    )
    assert not r.repriced  # the offer is above what riskless units need
    assert math.isnan(r.offered_coupon)
    assert trust_coupon(r) == pytest.approx(0.05, rel=1e-12)


NEGATIVE = DiscountTable(T0, np.exp(0.01 * np.arange(800) / 365))  # -1% rates


def test_fair_senior_claim_with_negative_rates():
    # with a discount factor above 1 the fair claim lies below the principal
    assert fair_senior_claim(np.full(5, 1000.0), 900.0, 1.01) == pytest.approx(
        900.0 / 1.01, rel=1e-12
    )


def test_fair_coupon_with_zero_volatility_and_negative_rates_is_the_curve_rate():
    r = receipt_trust(TERMS, T0, 182, 1e6, np.full(10, 2e6), 2e6, 10_000.0, NEGATIVE, 0.0)
    assert r.curve_rate < 0
    assert r.fair_senior_coupon == pytest.approx(r.curve_rate, rel=1e-10)


# ------------------------------------------------------------------ what goes in the trust
def test_only_eligible_lots_of_receipt_eligible_categories_go_in():
    frame = lot_frame(
        {"category": "copper", "quantity": 10.0, "unit_price": 60_000.0},  # in: 600,000
        {"category": "copper", "quantity": 5.0, "unit_price": 60_000.0, "damaged": True},
        {"category": "copper", "quantity": 2.0, "unit_price": 60_000.0, "age_days": 800.0},
        {"category": "steel", "quantity": 100.0, "unit_price": 4_000.0},  # in: 400,000
        {"category": "apparel", "quantity": 1_000.0, "unit_price": 100.0},  # not receipt goods
        {"category": "copper", "quantity": 1.0, "unit_price": 0.0},  # no price
    )
    result = evaluate(frame, make_assumptions(scenarios=2000))
    r = result.receipt_trust
    assert list(result.lots["eligible"]) == [True, False, False, True, True, False]
    assert r.pool_value == pytest.approx(1_000_000.0, rel=1e-12)
    assert r.transfer_price == pytest.approx(900_000.0, rel=1e-12)
    # two shock groups (copper and steel): no single-lognormal closed form
    assert math.isnan(r.senior_shortfall_closed_form)
    # proceeds in expectation: copper 600,000 * 0.97 + steel 400,000 * 0.96 (no erosion)
    proceeds = r.flows.proceeds
    se = proceeds.std(ddof=1) / math.sqrt(len(proceeds))
    assert abs(proceeds.mean() - (600_000 * 0.97 + 400_000 * 0.96)) < 3 * se
    # storage follows the goods: 2% a year of the pooled value for the tenor
    assert r.flows.storage.max() == pytest.approx(0.02 * 1e6 * r.maturity_day / 365, rel=1e-12)
    total = 600_000 + 300_000 + 120_000 + 400_000 + 100_000
    notes = result.options.set_index("option").loc["receipt_trust", "notes"]
    assert notes.startswith(f"{1e6 / total:.0%} of market value")


def test_no_receipt_eligible_stock_is_infeasible():
    result = evaluate(lot_frame({"category": "apparel"}), make_assumptions(scenarios=500))
    row = result.options.set_index("option").loc["receipt_trust"]
    assert result.receipt_trust.pool_value == 0.0
    assert not row["feasible"]
    assert row["cash_now"] == 0.0
    assert row["expected_loss_transferred"] == 0.0
    assert "no eligible stock of a receipt-eligible category" in row["notes"]
    hold = result.options.set_index("option").loc["hold"]
    assert row["expected_loss_retained"] == pytest.approx(hold["expected_loss_retained"])


# ----------------------------------------------------- priced at the coupon investors need
def _identity(row):
    rhs = row["rate_effect"] + row["funding_value"] - row["pv_costs"]
    assert row["npv"] == pytest.approx(rhs - row["expected_loss_retained"], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(
    ("sub", "offered", "sigma"),
    [(0.02, 0.03, 0.35), (0.05, 0.03, 0.6), (0.0, 0.05, 0.3), (0.10, 0.08, 0.45)],
)
def test_thin_volatile_pool_is_priced_at_the_fair_coupon(sub, offered, sigma):
    result = _copper(scenarios=20_000, sigma=sigma, subordinated_share=sub, senior_coupon=offered)
    r = result.receipt_trust
    assert r.repriced
    assert r.offered_coupon == offered
    assert r.fair_senior_coupon > offered
    # priced at the fair coupon: the claim is the principal grown at it
    years = r.years
    assert r.maturity_day == 365 and years == 1.0
    transfer = 7e6 * 0.9
    principal = (1 - sub) * transfer
    assert r.senior_principal == pytest.approx(principal, rel=1e-12)
    assert r.senior_claim == pytest.approx(principal * (1 + r.fair_senior_coupon), rel=1e-12)
    assert trust_coupon(r) == pytest.approx(r.fair_senior_coupon, rel=1e-12)
    # the senior units then price at par on the curve: the default curve's 1Y zero rate is
    # 1.6% continuous and the trust matures on the 1Y pillar; expenses are the trustee fee
    # on the transfer price and 2% a year of storage on the goods' value
    discount = math.exp(-0.016)
    available = r.flows.proceeds - 0.005 * transfer - 0.02 * 7e6
    expected_min = np.minimum(r.senior_claim, np.maximum(available, 0.0)).mean()
    assert discount * expected_min == pytest.approx(principal, rel=1e-9)
    assert discount * r.flows.senior.mean() == pytest.approx(principal, rel=1e-9)
    # the row is feasible and its note names both coupons
    row = result.options.set_index("option").loc["receipt_trust"]
    assert bool(row["feasible"])
    assert f"priced at the senior coupon investors need, {r.fair_senior_coupon:.2%}" in row["notes"]
    assert f"the {offered:.2%} offered does not pay for the risk they bear" in row["notes"]
    ok, notes = receipt_trust_notes(r, 7e6)
    assert ok and notes == row["notes"]
    assert result.summary["trust_senior_coupon"] == pytest.approx(r.fair_senior_coupon, rel=1e-12)
    assert result.summary["trust_fair_senior_coupon"] == r.fair_senior_coupon
    _identity(row)


def test_offering_the_fair_coupon_prices_the_same_trust():
    repriced = _copper(scenarios=5_000, sigma=0.35, subordinated_share=0.02, senior_coupon=0.03)
    fair = repriced.receipt_trust.fair_senior_coupon
    offered = _copper(scenarios=5_000, sigma=0.35, subordinated_share=0.02, senior_coupon=fair)
    assert not offered.receipt_trust.repriced
    assert offered.receipt_trust.senior_claim == pytest.approx(
        repriced.receipt_trust.senior_claim, rel=1e-12
    )
    a = repriced.options.set_index("option").loc["receipt_trust"]
    b = offered.options.set_index("option").loc["receipt_trust"]
    for column in ("cash_now", "pv_costs", "expected_loss_retained", "npv"):
        assert a[column] == pytest.approx(b[column], rel=1e-9), column


def test_pool_no_coupon_can_sell_is_infeasible():
    # No transfer discount, no subordination: the senior principal is the whole market
    # value, more than the pool's proceeds (3% orderly discount, fees) are worth on average.
    result = _copper(scenarios=5_000, sigma=0.3, subordinated_share=0.0, transfer_discount=0.0)
    r = result.receipt_trust
    assert math.isnan(r.fair_senior_coupon)
    assert not r.repriced
    available = r.flows.proceeds - r.flows.trustee_fee - r.flows.storage
    assert math.exp(-0.016) * np.maximum(available, 0.0).mean() < r.senior_principal
    row = result.options.set_index("option").loc["receipt_trust"]
    assert not bool(row["feasible"])
    assert row["notes"] == "no senior coupon would compensate investors for the risk they bear"
