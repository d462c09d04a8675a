import numpy as np
import pandas as pd
import pytest
from conftest import T0, lot_frame, make_assumptions

from finance import evaluate
from finance.market.curve import build_discount_table
from finance.routes.liquidate import plan_channels

CHANNELS = pd.DataFrame(
    {
        "channel": ["a", "b", "c", "a"],
        "category": ["x", "x", "x", "generic"],
        "discount": [0.10, 0.20, 0.30, 0.5],
        "fee": [0.0, 0.0, 0.0, 0.0],
        "capacity": [0.3, 0.5, 0.4, 0.5],
        "days_to_cash": [0, 0, 0, 0],
        "note": ["", "", "", ""],
    }
)


def test_best_channels_fill_first_up_to_capacity():
    flat = build_discount_table(T0, {"1Y": 0.0}, 100)
    plan = plan_channels(CHANNELS, ["x", "y"], ["a", "b", "c"], flat, 0.0)
    # x: a (net 0.9) takes 0.3, b (0.8) 0.5, c (0.7) the last 0.2
    x = plan.allocation[plan.allocation["category"] == "x"]
    assert list(x["channel"]) == ["a", "b", "c"]
    np.testing.assert_allclose(x["share"], [0.3, 0.5, 0.2])
    assert plan.sold_share[0] == pytest.approx(1.0)
    assert plan.cash_rate[0] == pytest.approx(0.3 * 0.9 + 0.5 * 0.8 + 0.2 * 0.7)
    # y has no rows of its own: it uses generic's (a at 0.5 for half the stock)
    assert plan.sold_share[1] == pytest.approx(0.5)
    assert plan.cash_rate[1] == pytest.approx(0.25)
    # a channel the assumptions leave out is not used
    only_b = plan_channels(CHANNELS, ["x"], ["b"], flat, 0.0)
    assert only_b.sold_share[0] == pytest.approx(0.5)


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
