import math

import numpy as np
import pytest
from conftest import SECTION_6, T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate
from finance.collateral.dynamics import markdown_counts
from finance.collateral.lots import prepare_lots
from finance.market.calendar import month_offsets
from finance.market.curve import build_discount_table, flat_discount
from finance.market.scenarios import simulate_brownian
from finance.risk.holding import hold
from finance.routes.hold import hold_ledger

# A lot with no price risk: sigma 0, no erosion or markdown; selling cost 10%, storage 12%
# a year (1% a month), orderly discount 30%, forced discount 55% over 14 days; horizon 2
# months. t0 = 2026-11-24, month ends 2026-12-24 (day 30) and 2027-01-24 (day 61).
QUIET = {"sigma": 0.0, "erosion": 0.0, "selling_cost": 0.1, "storage_cost": 0.12, **SECTION_6}


def _assumptions(curve_rate=0.0, company_rate=0.0, dso=0, pd_=0.0, lgd=0.0, **overrides):
    return make_assumptions(
        scenarios=200, horizon_months=2, curve={"1Y": curve_rate}, discount_rate=company_rate,
        trade={"dso_days": dso, "customer_pd": pd_, "customer_lgd": lgd},
        **{"categories": {"generic": QUIET}, **overrides},
    )  # fmt: skip


def _schedule(frame, a, weights=None):
    """The holding schedule as evaluate runs it, with a curve long enough for the dso."""
    lots = prepare_lots(frame, a.categories, T0)
    month_days = month_offsets(T0, a.horizon_months)
    max_day = int(month_days[-1]) + a.trade.dso_days + 10
    counts = markdown_counts(lots.categories, T0, max_day)
    curve = build_discount_table(T0, a.curve_map, max_day)
    held = hold(lots, counts, month_days, curve, a.discount_rate, a.trade, weights)
    return lots, month_days, curve, held


# curve rate (continuous zero), company rate (effective annual), dso, customer pd, lgd
TRADE_CASES = [
    (0.0, 0.0, 0, 0.0, 0.0),
    (0.02, 0.02, 45, 0.05, 0.4),
    (0.015, 0.08, 60, 0.03, 0.6),
    (0.03, 0.0, 90, 0.10, 1.0),
]


@pytest.mark.parametrize(("c", "r", "dso", "pd_", "lgd"), TRADE_CASES)
def test_one_lot_on_trade_terms_by_hand(c, r, dso, pd_, lgd):
    # q = 30, p = 10, 10 units a month, horizon day 61:
    #   storage billed in advance: 0.01 * 30 * 10 = 3 on day 0, 0.01 * 20 * 10 = 2 on day 30;
    #   invoices of 10 * 10 = 100 on days 30 and 61, each collected dso days later less the
    #   bad debt pd * lgd; selling cost 10% = 10 paid on the sale day;
    #   the last 10 units in an orderly sale on day 61 for cash: 100 less the 30% discount.
    a = _assumptions(c, r, dso, pd_, lgd)
    lots, month_days, curve, held = _schedule(
        lot_frame({"quantity": 30.0, "monthly_sales": 10.0}), a
    )
    np.testing.assert_array_equal(month_days, [0, 30, 61])
    keep = 1 - pd_ * lgd

    def curve_df(d):
        return math.exp(-c * d / 365)

    def company_df(d):
        return (1 + r) ** (-d / 365)

    def value(f):
        return 100 * keep * f(30 + dso) + 100 * keep * f(61 + dso) + 100 * f(61)

    def costs(f):
        return 3 * f(0) + 2 * f(30) + 10 * f(30) + 10 * f(61) + 30 * f(61)

    assert held.market_value[0] == 300.0
    assert held.value_pv[0] == pytest.approx(value(curve_df), rel=1e-12)
    assert held.costs_pv[0] == pytest.approx(costs(curve_df), rel=1e-12)
    assert held.storage_pv[0] == pytest.approx(3 + 2 * curve_df(30), rel=1e-12)
    assert held.value_company[0] == pytest.approx(value(company_df), rel=1e-12)
    assert held.costs_company[0] == pytest.approx(costs(company_df), rel=1e-12)
    assert held.expected_loss[0] == pytest.approx(300 - value(curve_df), rel=1e-12)
    npv = value(company_df) - costs(company_df) - 300
    assert held.npv[0] == pytest.approx(npv, rel=1e-12)
    assert held.value_rate[0] == pytest.approx((npv + 300) / 300, rel=1e-12)

    # the day flows of the (only) weights row, in the lot's category
    k = lots.category_names.index("generic")
    expected = np.zeros(len(curve.factors))
    for day, amount in [
        (0, -3.0), (30, -2.0), (30, -10.0), (61, -10.0), (61, 70.0),
        (30 + dso, 100 * keep), (61 + dso, 100 * keep),
    ]:  # fmt: skip
        expected[day] += amount
    assert held.flows.shape == (1, len(lots.category_names), len(curve.factors))
    np.testing.assert_allclose(held.flows[0, k], expected, rtol=1e-12, atol=1e-12)
    assert np.all(np.delete(held.flows[0], k, axis=0) == 0.0)
    # the same flows at the company's effective annual rate give the npv
    dc = flat_discount(r, np.arange(len(curve.factors)))
    assert held.flows[0, k] @ dc - 300 == pytest.approx(npv, rel=1e-12, abs=1e-12)
    # invoices are the receivables created, nominal; group values before the shocks
    np.testing.assert_allclose(held.invoices[0, 0], [0.0, 100.0, 100.0], rtol=1e-12)
    np.testing.assert_allclose(
        held.group_value[0, 0, 0],
        [
            0.0,
            100 * keep * curve_df(30 + dso),
            100 * keep * curve_df(61 + dso) + 100 * curve_df(61),
        ],
        rtol=1e-12,
    )


@pytest.mark.parametrize(("c", "r", "dso", "pd_", "lgd"), TRADE_CASES)
def test_hold_row_in_evaluate_by_hand(c, r, dso, pd_, lgd):
    a = _assumptions(c, r, dso, pd_, lgd)
    result = evaluate(lot_frame({"quantity": 30.0, "monthly_sales": 10.0}), a)
    keep = 1 - pd_ * lgd

    def value(f):
        return 100 * keep * f(30 + dso) + 100 * keep * f(61 + dso) + 100 * f(61)

    def costs(f):
        return 3 * f(0) + 2 * f(30) + 10 * f(30) + 10 * f(61) + 30 * f(61)

    def curve_df(d):
        return math.exp(-c * d / 365)

    def company_df(d):
        return (1 + r) ** (-d / 365)

    row = result.options.set_index("option").loc["hold"]
    assert row["cash_now"] == 0.0
    assert row["funding_value"] == 0.0
    assert row["pv_costs"] == pytest.approx(costs(curve_df), rel=1e-12)
    assert row["expected_loss_retained"] == pytest.approx(300 - value(curve_df), rel=1e-12)
    assert row["npv"] == pytest.approx(value(company_df) - costs(company_df) - 300, rel=1e-12)
    assert result.summary["holding_npv"] == pytest.approx(row["npv"], rel=1e-12)
    # docs/model.md section 6's holding loss: MV less the PV of the net proceeds, plus
    # storage: the loss of value and the costs together
    holding_loss = 300 - value(curve_df) + costs(curve_df)
    assert result.lots["expected_holding_loss"].iloc[0] == pytest.approx(holding_loss, rel=1e-12)
    assert result.summary["expected_holding_loss"] == pytest.approx(holding_loss, rel=1e-12)
    # docs/model.md section 6a's carrying cost: the same loss at the company's rate
    at_company = 300 - value(company_df) + costs(company_df)
    assert result.summary["holding_loss_at_company_rate"] == pytest.approx(at_company, rel=1e-12)
    # the ledger identity on the row
    rhs = row["rate_effect"] + row["funding_value"] - row["pv_costs"]
    assert row["npv"] == pytest.approx(rhs - row["expected_loss_retained"], abs=1e-9)
    # no price risk: every scenario loses the same
    assert result.summary["holding_loss_p95"] == pytest.approx(holding_loss, rel=1e-9)
    assert row["loss_retained_p95"] == pytest.approx(300 - value(curve_df), rel=1e-9)


def test_forced_sale_before_expiry_is_for_cash():
    # Expiry on day 45 -> forced sale on day 45 - 14 = 31: 10 units invoiced on day 30
    # (collected on day 30 + 45 less 2% bad debt), the other 20 sold on day 31 at
    # 10 * (1 - 0.55) each, for cash. Storage 3 on day 0 and 2 on day 30 (held then).
    frame = lot_frame(
        {"quantity": 30.0, "monthly_sales": 10.0, "age_days": np.nan,
         "received_date": "2026-11-01", "expiry_date": "2027-01-08"}
    )  # fmt: skip
    a = _assumptions(0.0, 0.0, 45, 0.05, 0.4)
    _, _, _, held = _schedule(frame, a)
    assert held.value_pv[0] == pytest.approx(100 * 0.98 + 200, rel=1e-12)
    assert held.costs_pv[0] == pytest.approx(3 + 2 + 10 + 200 * 0.55, rel=1e-12)
    assert held.npv[0] == pytest.approx(98 + 90 - 15 - 300, rel=1e-12)
    flows = held.flows[0].sum(axis=0)
    assert flows[31] == pytest.approx(90.0, rel=1e-12)
    assert flows[75] == pytest.approx(98.0, rel=1e-12)
    assert flows[61] == 0.0  # nothing is left to sell or store after day 31
    np.testing.assert_allclose(held.invoices[0, 0], [0.0, 100.0, 0.0], rtol=1e-12)
    result = evaluate(frame, a)
    # section 6's loss: 300 less the net proceeds 98 + 90, plus storage 5 and selling cost 10
    assert result.lots["expected_holding_loss"].iloc[0] == pytest.approx(300 - 188 + 15, rel=1e-12)


def test_already_expired_lot_is_sold_today_at_salvage():
    a = _assumptions(dso=60, pd_=0.1, lgd=0.5, categories={"generic": {**QUIET, "salvage": 0.2}})
    frame = lot_frame(
        {
            "quantity": 30.0,
            "age_days": np.nan,
            "received_date": "2026-01-01",
            "expiry_date": "2026-11-01",
        }
    )
    _, _, _, held = _schedule(frame, a)
    # sold today for cash: 30 * 10 * 0.2 = 60 before the 55% forced discount; no storage,
    # no invoice, so the trade terms do not apply
    assert held.value_pv[0] == pytest.approx(60.0, rel=1e-12)
    assert held.costs_pv[0] == pytest.approx(60 * 0.55, rel=1e-12)
    assert held.storage_pv[0] == 0.0
    assert held.npv[0] == pytest.approx(60 * 0.45 - 300, rel=1e-12)
    assert held.flows[0].sum(axis=0)[0] == pytest.approx(27.0, rel=1e-12)
    assert np.all(held.invoices == 0.0)
    loss = evaluate(frame, a).lots["expected_holding_loss"].iloc[0]
    assert loss == pytest.approx(300 - 27, rel=1e-12)  # the net proceeds 60 * 0.45


# ------------------------------------------------------------------------ linearity
CATEGORIES = ["generic", "apparel", "food", "copper", "electronics"]

lot_rows = st.lists(
    st.fixed_dictionaries(
        {
            "category": st.sampled_from(CATEGORIES),
            "quantity": st.floats(1.0, 500.0),
            "unit_price": st.floats(0.5, 1000.0),
            "monthly_sales": st.one_of(st.just(np.nan), st.floats(0.5, 200.0)),
            "expiry": st.one_of(st.none(), st.integers(-40, 200)),
        }
    ),
    min_size=1,
    max_size=5,
)


def _frame(rows):
    out = []
    for row in rows:
        lot = {k: v for k, v in row.items() if k != "expiry"}
        if row["expiry"] is not None:
            lot["expiry_date"] = str(np.datetime64(T0) + np.timedelta64(row["expiry"], "D"))
        out.append(lot)
    return lot_frame(*out)


LINEAR = make_assumptions(
    horizon_months=7, curve={"1Y": 0.02}, discount_rate=0.09,
    trade={"dso_days": 50, "customer_pd": 0.04, "customer_lgd": 0.5},
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(rows=lot_rows, data=st.data())
def test_hold_is_linear_in_the_share_held(rows, data):
    frame = _frame(rows)
    n = len(frame)
    weights = np.array(
        data.draw(
            st.lists(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n), min_size=1, max_size=3)
        )
    )
    _, _, _, per_lot = _schedule(frame, LINEAR, np.eye(n))
    _, _, _, stacked = _schedule(frame, LINEAR, weights)
    for name in ("flows", "group_value", "invoices"):
        want = np.einsum("wn,n...->w...", weights, getattr(per_lot, name))
        got = getattr(stacked, name)
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale, err_msg=name)
    # the per-lot figures are for the whole lot, whatever the weights
    for name in ("value_pv", "value_company", "costs_pv", "costs_company", "storage_pv"):
        np.testing.assert_array_equal(getattr(stacked, name), getattr(per_lot, name))


@settings(max_examples=40, deadline=None)
@given(rows=lot_rows, share=st.floats(0.01, 1.0))
def test_a_share_of_a_lot_sells_that_share_of_its_rate(rows, share):
    # Holding the share w of a lot is holding a lot of w times its quantity and its rate.
    frame = _frame(rows[:1])
    lots = prepare_lots(frame, LINEAR.categories, T0)
    small = frame.assign(
        quantity=frame["quantity"] * share, monthly_sales=lots.monthly_sales * share
    )
    _, _, _, part = _schedule(frame, LINEAR, np.array([[share]]))
    _, _, _, whole = _schedule(small, LINEAR)
    for name in ("flows", "group_value", "invoices"):
        want, got = getattr(whole, name), getattr(part, name)
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale, err_msg=name)
    for name in ("value_pv", "costs_pv", "value_company", "costs_company", "npv"):
        assert share * getattr(part, name)[0] == pytest.approx(
            getattr(whole, name)[0], rel=1e-9, abs=1e-9
        )


# ----------------------------------------------------------------- the hold ledger
MIXED = lot_frame(
    {"category": "copper", "quantity": 20.0, "unit_price": 70_000.0},
    {"category": "apparel", "quantity": 900.0, "unit_price": 120.0, "monthly_sales": 80.0},
    {"category": "food", "quantity": 400.0, "unit_price": 30.0, "age_days": 100.0},
    {"category": "electronics", "quantity": 50.0, "unit_price": 2_000.0, "sigma": 0.6},
)


@pytest.mark.parametrize(("c", "r", "dso", "pd_", "lgd"), TRADE_CASES)
def test_hold_ledger_identity(c, r, dso, pd_, lgd):
    a = make_assumptions(
        horizon_months=12, curve={"1Y": c}, discount_rate=r,
        trade={"dso_days": dso, "customer_pd": pd_, "customer_lgd": lgd},
    )  # fmt: skip
    lots, month_days, curve, held = _schedule(MIXED, a)
    scenarios = simulate_brownian(len(lots.category_names), 0.3, month_days, 4000, 11)
    shocks = scenarios.shocks(lots.group_category, lots.group_sigma)
    ledger = hold_ledger(held, 0, np.ones(len(lots)), lots, scenarios, shocks)
    df = curve.factors
    dc = flat_discount(r, np.arange(len(df)))
    totals = ledger.totals(df, dc)
    rhs = totals["rate_effect"] + totals["funding_value"] - totals["pv_costs"]
    assert totals["npv"] == pytest.approx(rhs - totals["expected_loss_retained"], rel=1e-10)
    # the day flows carry the per-lot figures, on the curve and at the company's rate
    assert totals["npv"] == pytest.approx(held.npv.sum(), rel=1e-10)
    assert ledger.flows.sum(axis=0) @ df == pytest.approx(
        (held.value_pv - held.costs_pv).sum(), rel=1e-10
    )
    assert totals["cash_now"] == 0.0
    assert totals["expected_loss_transferred"] == 0.0
    # the simulated losses have the closed-form mean (E[X] = 1)
    losses = ledger.losses.sum(axis=1)
    se = losses.std(ddof=1) / math.sqrt(len(losses))
    assert abs(losses.mean() - totals["expected_loss_retained"]) < 3 * se


def test_simulated_mean_agrees_with_the_closed_form():
    # E[X] = 1, so the simulated mean loss must sit within three standard errors.
    frame = lot_frame({"category": "copper"}, {"category": "apparel"}, {"category": "electronics"})
    s = evaluate(frame, make_assumptions(scenarios=20_000, seed=3)).summary
    assert (
        abs(s["holding_loss_mean_simulated"] - s["expected_holding_loss"])
        < 3 * s["holding_loss_std_error"]
    )
    assert s["holding_loss_p99"] >= s["holding_loss_p95"] >= s["expected_holding_loss"] * 0.5


@pytest.mark.parametrize("curve_rate", [0.0, 0.015, 0.04, 0.12])
@pytest.mark.parametrize("dso", [0, 45])
def test_the_carrying_cost_is_the_curve_loss_when_the_company_borrows_at_the_curve(curve_rate, dso):
    # A flat continuous zero rate c discounts as the effective annual rate e^c - 1: then the
    # loss at the company's rate is the loss on the curve, and a dearer company loses more.
    frame = lot_frame({"quantity": 30.0, "monthly_sales": 10.0})
    same = evaluate(frame, _assumptions(curve_rate, math.expm1(curve_rate), dso, 0.02, 0.5))
    assert same.summary["holding_loss_at_company_rate"] == pytest.approx(
        same.summary["expected_holding_loss"], rel=1e-12
    )
    dearer = evaluate(frame, _assumptions(curve_rate, math.expm1(curve_rate) + 0.05, dso))
    assert dearer.summary["holding_loss_at_company_rate"] > dearer.summary["expected_holding_loss"]
    assert dearer.summary["holding_loss_at_company_rate"] == pytest.approx(
        -dearer.summary["holding_npv"], rel=1e-12
    )


def test_totals_count_lots_that_sell_out_at_once_whatever_their_rate():
    # A rate of sale 1e17 times the lot: its sort key rounds to its class's upper end, and
    # the totals must still count it. Two lots, one that may not sell (no month left), one
    # that may sell for two months: the first holds all for three months and is left for
    # the final sale; the second sells out in month 1.
    from finance.risk.holding import _held_totals, _left_totals, _sold_totals

    x, available = np.array([1e17, 1e17]), np.array([0, 2])
    one_group, levels = np.zeros(2, dtype=np.int64), np.ones((1, 1))
    held = _held_totals(np.ones((1, 2)), x, available, np.array([3, 3]), one_group, levels, 3)
    left = _left_totals(np.ones((1, 2)), x, available, one_group, one_group, levels, 1)
    sold = _sold_totals(np.ones((1, 2)), x, available, one_group, one_group, levels, 1, 3)
    np.testing.assert_array_equal(held[0, 0, 0], [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(left[0, 0], [1.0])
    np.testing.assert_array_equal(sold[0, 0, 0], [1.0, 0.0, 0.0])
