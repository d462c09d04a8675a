"""Tests of the aging reserve in the collateral values and the holding schedule.

docs/model.md section 6a: a unit sold at age ``a`` fetches ``P(t) (1 - reserve(a))``, the
reserve by the buckets 0-90, 91-180, 181-365, 366-730 and over 730 days; BOOK uses the
reserve at t0.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate
from finance.market.calendar import month_offsets

RESERVE = [0.0, 0.1, 0.3, 0.5, 0.8]
# No price moves, no costs, no time value: a sale's worth is units x price x (1 - reserve).
STILL = {
    "sigma": 0.0,
    "erosion": 0.0,
    "markdown": 0.0,
    "selling_cost": 0.0,
    "storage_cost": 0.0,
    "demand_sigma": 0.0,
    "orderly_discount": 0.3,
    "aging_reserve": RESERVE,
}
HORIZON = 6


def _assumptions(**category):
    return make_assumptions(
        scenarios=200,
        horizon_months=HORIZON,
        curve={"1Y": 0.0},
        discount_rate=0.0,
        trade={"dso_days": 0, "customer_pd": 0.0, "customer_lgd": 0.0},
        categories={"generic": {**STILL, **category}},
    )


def reserve(age: int) -> float:
    """The bucket's reserve, written out: 0-90, 91-180, 181-365, 366-730, over 730."""
    if age <= 90:
        return RESERVE[0]
    if age <= 180:
        return RESERVE[1]
    if age <= 365:
        return RESERVE[2]
    if age <= 730:
        return RESERVE[3]
    return RESERVE[4]


@pytest.mark.parametrize(
    ("age", "book"),
    [
        # 100 units at cost 8 and price 10, selling cost 10%: min(8, 9) = 8 a unit
        (0, 800.0),
        (90, 800.0),
        (91, 720.0),
        (200, 560.0),
        (366, 400.0),
        (731, 160.0),
    ],
)
def test_book_value_takes_the_reserve_at_t0(age, book):
    a = _assumptions(selling_cost=0.1)
    lots = evaluate(lot_frame({"age_days": float(age)}), a).lots
    assert lots["book_value"].iloc[0] == pytest.approx(book, rel=1e-12)
    # the market, net realizable and liquidation values do not take it
    assert lots["market_value"].iloc[0] == 1000.0
    assert lots["nrv"].iloc[0] == pytest.approx(900.0, rel=1e-12)


@pytest.mark.parametrize("age", [0, 45, 70, 150, 170, 300, 360, 700, 725, 800])
@pytest.mark.parametrize("monthly_sales", [10.0, 25.0])
def test_each_sale_takes_the_reserve_of_the_age_on_its_day(age, monthly_sales):
    # 100 units at 10: month-end sales of monthly_sales until sold out, the rest in the
    # horizon's orderly sale at 30% off; each sale at the reserve of age + days from t0.
    frame = lot_frame({"age_days": float(age), "monthly_sales": monthly_sales})
    result = evaluate(frame, _assumptions())
    days = month_offsets(T0, HORIZON)[1:]
    left, proceeds = 100.0, 0.0
    for d in days:
        sold = min(monthly_sales, left)
        proceeds += sold * 10.0 * (1 - reserve(age + int(d)))
        left -= sold
    proceeds += left * 10.0 * (1 - reserve(age + int(days[-1]))) * 0.7
    loss = result.lots["expected_holding_loss"].iloc[0]
    assert loss == pytest.approx(1000.0 - proceeds, rel=1e-12, abs=1e-9)


def test_reserves_off_is_the_schedule_without_them():
    frame = lot_frame({"age_days": 400.0, "monthly_sales": 10.0})
    off = evaluate(frame, _assumptions(aging_reserve=[0.0] * 5))
    # 60 units sold at 10, 40 left for the orderly sale: 600 + 40 * 10 * 0.7 = 880
    assert off.lots["expected_holding_loss"].iloc[0] == pytest.approx(120.0, rel=1e-12)
    assert off.lots["book_value"].iloc[0] == pytest.approx(800.0, rel=1e-12)


def test_lots_of_many_ages_share_few_cells_and_keep_their_own_paths():
    # 300 lots, one per age: each one's loss is the hand schedule of its own age.
    ages = np.arange(0, 900, 3)
    frame = lot_frame(*({"age_days": float(a), "monthly_sales": 20.0} for a in ages))
    losses = evaluate(frame, _assumptions()).lots["expected_holding_loss"].to_numpy()
    days = month_offsets(T0, HORIZON)[1:]
    for age, loss in zip(ages, losses, strict=True):
        proceeds = sum(20.0 * 10.0 * (1 - reserve(int(age + d))) for d in days[:5])
        assert loss == pytest.approx(1000.0 - proceeds, rel=1e-12, abs=1e-9), age


@settings(max_examples=30, deadline=None)
@given(
    age=st.integers(0, 1500),
    older_by=st.integers(1, 400),
    monthly_sales=st.floats(1.0, 100.0),
)
def test_older_stock_is_never_worth_more(age, older_by, monthly_sales):
    frame = lot_frame(
        {"age_days": float(age), "monthly_sales": monthly_sales},
        {"age_days": float(age + older_by), "monthly_sales": monthly_sales},
    )
    lots = evaluate(frame, _assumptions(sigma=0.2)).lots
    young, old = lots["expected_holding_loss"].to_numpy()
    assert old >= young - 1e-9
    assert lots["book_value"].iloc[1] <= lots["book_value"].iloc[0] + 1e-9
