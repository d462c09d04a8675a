import numpy as np
import pandas as pd
import pytest
from conftest import T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from finance import evaluate
from finance.collateral.lots import prepare_lots
from finance.market.curve import DiscountTable, build_discount_table, flat_discount
from finance.routes.liquidate import plan_channels

A = make_assumptions()
FLAT = build_discount_table(T0, {"1Y": 0.0}, 100)
CHANNELS = pd.DataFrame(
    {
        "channel": ["a", "b", "c", "a"],
        "category": ["apparel", "apparel", "apparel", "generic"],
        "discount": [0.10, 0.20, 0.30, 0.5],
        "fee": [0.0, 0.0, 0.0, 0.0],
        "capacity": [0.3, 0.5, 0.4, 0.5],
        "days_to_cash": [0, 0, 0, 0],
        "note": ["", "", "", ""],
    }
)


def _lots(*rows):
    return prepare_lots(lot_frame(*rows), A.categories, T0)


def test_best_channels_fill_first_up_to_capacity():
    # Holding is worth nothing: every channel beats it.
    lots = _lots({"category": "apparel"}, {"category": "steel"})
    plan = plan_channels(CHANNELS, lots, ["a", "b", "c"], np.zeros(2), FLAT, 0.0)
    # apparel: a (net 0.9) takes 0.3, b (0.8) 0.5, c (0.7) the last 0.2
    x = plan.allocation[plan.allocation["category"] == "apparel"]
    assert list(x["channel"]) == ["a", "b", "c"]
    np.testing.assert_allclose(x["share"], [0.3, 0.5, 0.2])
    assert plan.sold[0] == pytest.approx(1.0)
    mv = lots.market_value
    assert plan.cash[0] == pytest.approx(mv[0] * (0.3 * 0.9 + 0.5 * 0.8 + 0.2 * 0.7))
    # steel has no rows of its own: it uses generic's (a at 0.5 for half the stock)
    assert plan.sold[1] == pytest.approx(0.5)
    assert plan.cash[1] == pytest.approx(mv[1] * 0.25)
    # a channel the assumptions leave out is not used
    only_b = plan_channels(CHANNELS, lots, ["b"], np.zeros(2), FLAT, 0.0)
    assert only_b.sold[0] == pytest.approx(0.5)
    assert only_b.sold[1] == 0.0


def test_two_lots_two_channels_by_hand():
    # Apparel lots A (MV 600, holding worth 0.70 of MV) and B (MV 400, worth 0.85).
    # Channels at a 0% company rate: c1 pays 0.9 for up to 30% of the category's MV, c2
    # pays 0.8 for up to 50%. The worst-holding lot A goes first: c1 takes 300 of it, c2
    # the other 300 (0.8 > 0.7); c2's remaining room would be B's, but B holds at
    # 0.85 > 0.8, so B stays held. c1 (0.9 > 0.85) is already full.
    table = pd.DataFrame(
        {
            "channel": ["c1", "c2"],
            "category": ["apparel", "apparel"],
            "discount": [0.10, 0.20],
            "fee": [0.0, 0.0],
            "capacity": [0.3, 0.5],
            "days_to_cash": [0, 0],
            "note": ["", ""],
        }
    )
    lots = _lots(
        {"category": "apparel", "quantity": 40.0, "unit_price": 10.0},  # B first in the file
        {"category": "apparel", "quantity": 60.0, "unit_price": 10.0},
    )
    plan = plan_channels(table, lots, ["c1", "c2"], np.array([0.85, 0.70]), FLAT, 0.0)
    np.testing.assert_allclose(plan.sold, [0.0, 1.0])
    np.testing.assert_allclose(plan.cash, [0.0, 300 * 0.9 + 300 * 0.8])
    np.testing.assert_allclose(plan.costs, [0.0, 300 * 0.1 + 300 * 0.2])
    assert list(plan.allocation["channel"]) == ["c1", "c2"]
    np.testing.assert_allclose(plan.allocation["share"], [0.3, 0.3])
    # the company gains (0.9 - 0.7) 300 + (0.8 - 0.7) 300 = 90 over holding
    gain = plan.cash.sum() - (plan.sold * lots.market_value * np.array([0.85, 0.70])).sum()
    assert gain == pytest.approx(90.0)
    # if B held worse (0.6) it would go first: c1 takes 300 of B (MV 400), c2 the last 100
    # of B and 400 of A (0.7 < 0.8), 50% of the category in all.
    plan = plan_channels(table, lots, ["c1", "c2"], np.array([0.60, 0.70]), FLAT, 0.0)
    np.testing.assert_allclose(plan.sold, [1.0, 400 / 600])
    np.testing.assert_allclose(plan.cash, [300 * 0.9 + 100 * 0.8, 400 * 0.8])


def test_days_to_cash_are_discounted_at_the_company_rate():
    # One channel at 0.9 paying in 100 days; holding worth 0.88. At 0% the channel wins;
    # at 10% effective annual it pays 0.9 * 1.1^(-100/365) = 0.8767 < 0.88 and takes nothing.
    table = CHANNELS.iloc[:1].assign(days_to_cash=100)
    lots = _lots({"category": "apparel"})
    for rate, sold in [(0.0, 0.3), (0.10, 0.0)]:
        plan = plan_channels(table, lots, ["a"], np.array([0.88]), FLAT, rate)
        assert plan.sold[0] == pytest.approx(sold)
    assert 0.9 * 1.1 ** (-100 / 365) < 0.88


def test_a_channel_paying_less_than_holding_takes_nothing():
    lots = _lots({"category": "apparel"}, {"category": "steel"})
    plan = plan_channels(CHANNELS, lots, ["a", "b", "c"], np.array([0.95, 0.6]), FLAT, 0.0)
    assert plan.sold[0] == 0.0 and plan.cash[0] == 0.0
    assert plan.sold[1] == pytest.approx(0.0)  # generic's a pays 0.5 < 0.6
    assert plan.allocation.empty
    assert np.all(plan.flows == 0.0)


# ------------------------------------------------------------- never below holding
NAMES = ["apparel", "food", "steel"]

channel_rows = st.lists(
    st.tuples(
        st.sampled_from([*NAMES, "generic"]),
        st.floats(0.0, 0.9),  # discount
        st.floats(0.0, 0.3),  # fee
        st.floats(0.0, 1.0),  # capacity
        st.integers(0, 90),  # days to cash
    ),
    min_size=1,
    max_size=8,
)
lot_rows = st.lists(
    st.tuples(st.sampled_from(NAMES), st.floats(1.0, 1000.0), st.floats(0.1, 100.0)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    channel_rows=channel_rows,
    lot_rows=lot_rows,
    data=st.data(),
    rate=st.floats(0.0, 0.3),
)
def test_channels_never_do_worse_than_holding(channel_rows, lot_rows, data, rate):
    table = pd.DataFrame(
        {
            "channel": [f"ch{i}" for i in range(len(channel_rows))],
            "category": [r[0] for r in channel_rows],
            "discount": [r[1] for r in channel_rows],
            "fee": [r[2] for r in channel_rows],
            "capacity": [r[3] for r in channel_rows],
            "days_to_cash": [r[4] for r in channel_rows],
            "note": "",
        }
    )
    lots = _lots(*({"category": c, "quantity": q, "unit_price": p} for c, q, p in lot_rows))
    n = len(lots)
    hold_rate = np.array(data.draw(st.lists(st.floats(0.0, 1.2), min_size=n, max_size=n)))
    offered = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    # the curve is the company's rate, so the channels' cash on the curve is their value
    # to the company
    curve = DiscountTable(T0, flat_discount(rate, np.arange(200)))
    plan = plan_channels(table, lots, list(table["channel"]), hold_rate, curve, rate, offered)
    mv = lots.market_value
    sold_value = plan.sold * mv
    assert np.all(plan.sold >= 0.0)
    assert np.all(plan.sold <= offered + 1e-9)
    # each lot: what the channels pay for what they take is worth more than holding it
    assert np.all(plan.cash >= sold_value * hold_rate - 1e-9 * mv)
    assert np.all((plan.sold == 0) | (plan.cash > sold_value * hold_rate))
    # capacity: each (category, channel) takes at most its share of the category's MV
    for row in plan.allocation.itertuples(index=False):
        cap = table.loc[
            (table["channel"] == row.channel) & (table["category"] == row.category), "capacity"
        ]
        if cap.empty:  # the category uses generic's rows
            cap = table.loc[
                (table["channel"] == row.channel) & (table["category"] == "generic"), "capacity"
            ]
        assert row.share <= float(cap.iloc[0]) + 1e-9
    for k, name in enumerate(lots.category_names):
        members = lots.category == k
        if members.any():
            taken = sold_value[members].sum() / mv[members].sum()
            placed = plan.allocation.loc[plan.allocation["category"] == name, "share"].sum()
            assert taken == pytest.approx(placed, abs=1e-9)
            assert taken <= 1 + 1e-9
    # the cash and costs add up to the value sold
    np.testing.assert_allclose(plan.cash + plan.costs, plan.value, rtol=1e-9, atol=1e-9)
    # and no placement does better: the linear programme over (lot, channel) amounts
    gain = (plan.cash - sold_value * hold_rate).sum()
    assert gain >= -1e-9
    assert gain == pytest.approx(_best_gain(table, lots, hold_rate, offered, rate), abs=1e-6)


def _best_gain(table, lots, hold_rate, offered, rate):
    """max sum x_ij (pay_j - h_i) over amounts x_ij of lot i's MV in channel j."""
    mv = lots.market_value
    total = 0.0
    for k, name in enumerate(lots.category_names):
        members = np.flatnonzero(lots.category == k)
        if not len(members):
            continue
        own = table[table["category"] == name]
        if own.empty and name not in set(table["category"]):
            own = table[table["category"] == "generic"]
        if own.empty:
            continue
        pay = (
            (1 - own["discount"]) * (1 - own["fee"]) * (1 + rate) ** (-own["days_to_cash"] / 365)
        ).to_numpy()
        cap = own["capacity"].to_numpy() * mv[members].sum()
        n, m = len(members), len(own)
        profit = pay[None, :] - hold_rate[members, None]  # (n, m)
        a_ub, b_ub = [], []
        for i in range(n):
            row = np.zeros((n, m))
            row[i] = 1.0
            a_ub.append(row.ravel())
            b_ub.append(offered[members[i]] * mv[members[i]])
        for j in range(m):
            row = np.zeros((n, m))
            row[:, j] = 1.0
            a_ub.append(row.ravel())
            b_ub.append(cap[j])
        res = linprog(-profit.ravel(), A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=(0, None))
        assert res.status == 0
        total += -res.fun
    return total


# ------------------------------------------------------------------ via evaluate
def test_liquidation_row_conserves_the_stock():
    # copper: lower_tier takes all at (1 - 0.02)(1 - 0.005), cash in 3 days.
    frame = lot_frame(
        {"category": "copper", "quantity": 10.0, "unit_price": 70000.0, "unit_cost": 60000.0}
    )
    result = evaluate(frame, make_assumptions(scenarios=500, curve={"1Y": 0.0}, discount_rate=0.0))
    row = result.options.set_index("option").loc["liquidate"]
    assert row["cash_now"] == pytest.approx(700000 * 0.98 * 0.995)
    assert row["expected_loss_retained"] == pytest.approx(0.0)
    hold = result.options.set_index("option").loc["hold"]
    assert row["expected_loss_transferred"] == pytest.approx(hold["expected_loss_retained"])
    assert row["npv"] == pytest.approx(700000 * 0.98 * 0.995 - 700000)
    assert row["npv"] >= hold["npv"]


@pytest.mark.parametrize("rate", [0.0, 0.08, 0.25])
def test_liquidation_npv_never_below_hold_on_the_sample(rate):
    frame = lot_frame(
        {"category": "apparel", "quantity": 2_000.0, "unit_price": 150.0, "age_days": 400.0},
        {"category": "electronics", "quantity": 300.0, "unit_price": 1_500.0},
        {"category": "food", "quantity": 800.0, "unit_price": 20.0, "age_days": 200.0},
        {"category": "steel", "quantity": 200.0, "unit_price": 4_000.0},
    )
    result = evaluate(frame, make_assumptions(scenarios=500, discount_rate=rate))
    rows = result.options.set_index("option")
    assert rows.loc["liquidate", "npv"] >= rows.loc["hold", "npv"] - 1e-6
    row = rows.loc["liquidate"]
    rhs = row["rate_effect"] + row["funding_value"] - row["pv_costs"]
    assert row["npv"] == pytest.approx(rhs - row["expected_loss_retained"], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(("discount", "change"), [(0.45, 0.05), (0.35, -0.05), (0.40, 0.0)])
def test_a_channel_term_moves_the_liquidation_by_a_hand_computed_amount(discount, change):
    # One food lot of market value 100,000 expiring in 5 days: holding it is worth half its
    # value. Only the outlet may buy; its food row pays (1 - discount)(1 - fee) = 0.6 x 0.92
    # = 0.552 of the value for up to 40% of it (capacity), in 30 days. On a flat zero curve
    # at a 0% company rate nothing is discounted, so liquidate's cash now is
    #     MV x capacity x (1 - discount)(1 - fee) = 100,000 x 0.4 x 0.6 x 0.92 = 22,080,
    # and an offer of another discount moves it by -MV x capacity x change x (1 - fee),
    # as long as the outlet still beats holding (0.55 x 0.92 = 0.506 > 0.5): the share sold
    # stays 40%. The rest is held either way, so the NPV moves by the same amount.
    frame = lot_frame(
        {
            "category": "food",
            "quantity": 1_000.0,
            "unit_price": 100.0,
            "unit_cost": 80.0,
            "age_days": 30.0,
            "expiry_date": pd.Timestamp(T0) + pd.Timedelta(days=5),
        }
    )
    common = {"scenarios": 500, "curve": {"1Y": 0.0}, "discount_rate": 0.0}
    shipped = evaluate(frame, make_assumptions(**common, liquidate={"channels": ["outlet"]}))
    offer = {"channel": "outlet", "category": "food", "discount": discount}
    terms = {"channels": ["outlet"], "terms": [offer]}
    offered = evaluate(frame, make_assumptions(**common, liquidate=terms))
    before = shipped.options.set_index("option").loc["liquidate"]
    after = offered.options.set_index("option").loc["liquidate"]
    assert before["cash_now"] == pytest.approx(100_000 * 0.4 * 0.6 * 0.92)
    moved = -100_000 * 0.4 * change * (1 - 0.08)  # -1,840 for 5 points more off
    assert after["cash_now"] - before["cash_now"] == pytest.approx(moved, abs=1e-6)
    assert after["npv"] - before["npv"] == pytest.approx(moved, abs=1e-6)
    assert offered.channels["share"].tolist() == [pytest.approx(0.4)]
    assert offered.channels["discount"].tolist() == [pytest.approx(discount)]


def test_a_late_paying_channel_lengthens_the_day_grid():
    # 3,000 days to cash is far past every other day the valuation looks at.
    frame = lot_frame({"category": "copper", "quantity": 10.0, "unit_price": 70000.0})
    offer = {"channel": "lower_tier", "category": "copper", "days_to_cash": 3_000}
    terms = {"channels": ["lower_tier"], "terms": [offer]}
    result = evaluate(frame, make_assumptions(scenarios=500, liquidate=terms, discount_rate=0.0))
    row = result.options.set_index("option").loc["liquidate"]
    # At 0% the company still prefers 0.975 in 8 years to holding; on the curve it is
    # discounted over those 3,000 days.
    assert result.channels["days_to_cash"].tolist() == [3_000]
    assert 0 < row["cash_now"] < 700_000 * 0.98 * 0.995
