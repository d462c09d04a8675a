"""Tests of the stress test and the borrowing-base sensitivity (finance/stress.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import lot_frame, make_assumptions

from finance import evaluate
from finance.analysis.stress import (
    COMPARISON_COLUMNS,
    STANDARD_STRESSES,
    Stress,
    apply_stress,
    haircut_sensitivity,
    stress_test,
)
from finance.collateral.haircut import lognormal_haircut

LOTS = lot_frame(
    {"category": "copper", "quantity": 50.0, "unit_cost": 60_000.0, "unit_price": 68_000.0},
    {"category": "steel", "quantity": 400.0, "unit_cost": 3_500.0, "unit_price": 3_800.0},
    {"category": "apparel", "quantity": 3_000.0, "unit_cost": 90.0, "unit_price": 150.0},
    {"category": "electronics", "quantity": 200.0, "unit_cost": 2_000.0, "unit_price": 2_600.0,
     "sigma": 0.4},
)  # fmt: skip
# Demand independent of prices: the expected holding loss then does not depend on the
# volatility (with a price-demand correlation it does: docs/model.md section 6a).
ASSUMPTIONS = make_assumptions(scenarios=2000, price_demand_correlation=0.0)


@pytest.fixture(scope="module")
def stressed():
    return stress_test(LOTS, ASSUMPTIONS)


def test_apply_stress_leaves_the_inputs_alone():
    before = LOTS.copy()
    lots, a = apply_stress(
        LOTS,
        ASSUMPTIONS,
        Stress("all", price_shock=0.2, volatility_multiplier=1.5, rate_shift=0.01),
    )
    pd.testing.assert_frame_equal(LOTS, before)
    np.testing.assert_allclose(lots["unit_price"], 0.8 * LOTS["unit_price"])
    np.testing.assert_allclose(lots["unit_cost"], LOTS["unit_cost"])
    # a lot's own volatility is scaled; a lot without one keeps following its category
    assert lots["sigma"].iloc[3] == pytest.approx(0.6)
    assert lots["sigma"].iloc[:3].isna().all()
    for name, category in a.categories.items():
        assert category.sigma == pytest.approx(1.5 * ASSUMPTIONS.categories[name].sigma)
    assert a.discount_rate == pytest.approx(ASSUMPTIONS.discount_rate + 0.01)
    for (tenor, rate), (tenor0, rate0) in zip(a.curve, ASSUMPTIONS.curve, strict=True):
        assert tenor == tenor0 and rate == pytest.approx(rate0 + 0.01)
    assert lots.attrs == LOTS.attrs


def test_one_row_per_stress_and_option(stressed):
    table = stressed.comparison
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert len(table) == len(STANDARD_STRESSES) * 6  # the five routes and the mix
    assert list(dict.fromkeys(table["stress"])) == [s.name for s in STANDARD_STRESSES]
    assert (table.groupby("stress")["recommended"].sum() == 1).all()
    assert list(stressed.headline["stress"]) == [s.name for s in STANDARD_STRESSES]


def test_the_base_stress_is_the_valuation(stressed):
    base = evaluate(LOTS, ASSUMPTIONS)
    rows = stressed.comparison[stressed.comparison["stress"] == "base"]
    np.testing.assert_allclose(rows["npv"], base.options["npv"])
    np.testing.assert_allclose(rows["npv_vs_base_value"], base.options["npv"])
    np.testing.assert_allclose(rows["cash_now"], base.options["cash_now"])


def test_a_reused_base_gives_the_same_table(stressed):
    base = evaluate(LOTS, ASSUMPTIONS)
    again = stress_test(LOTS, ASSUMPTIONS, STANDARD_STRESSES[:2], base=base)
    first = stressed.comparison.iloc[: len(again.comparison)]
    pd.testing.assert_frame_equal(again.comparison, first)


def headline(stressed, name: str) -> pd.Series:
    return stressed.headline.set_index("stress").loc[name]


@pytest.mark.parametrize("shock", [0.10, 0.20, 0.30])
def test_a_price_fall_lowers_value_and_borrowing_base(stressed, shock):
    base = headline(stressed, "base")
    hit = headline(stressed, f"prices -{shock:.0%}")
    assert hit["market_value"] == pytest.approx((1 - shock) * base["market_value"])
    assert hit["borrowing_base"] <= base["borrowing_base"]
    # against today's unstressed value every route is worse off by about the fall
    table = stressed.comparison.set_index(["stress", "option"])
    for option in ("hold", "liquidate"):
        worse = (
            table.loc[("base", option), "npv_vs_base_value"]
            - table.loc[(f"prices -{shock:.0%}", option), "npv_vs_base_value"]
        )
        assert worse > 0.5 * shock * base["market_value"]


def test_price_falls_raise_the_margin_call_probability(stressed):
    names = ["base", "prices -10%", "prices -20%", "prices -30%"]
    calls = [headline(stressed, n)["margin_call_probability"] for n in names]
    assert calls == sorted(calls)


def test_higher_volatility_lends_less_and_calls_more(stressed):
    base, vol = headline(stressed, "base"), headline(stressed, "volatility x1.5")
    assert vol["borrowing_base"] <= base["borrowing_base"]
    assert vol["margin_call_probability"] >= base["margin_call_probability"]
    assert vol["holding_loss_p95"] > base["holding_loss_p95"]
    assert vol["expected_holding_loss"] == pytest.approx(base["expected_holding_loss"])


def test_higher_rates_cost_the_holder(stressed):
    table = stressed.comparison.set_index(["stress", "option"])
    assert table.loc[("rates +100bp", "hold"), "npv"] < table.loc[("base", "hold"), "npv"]


def test_sensitivity_grid(stressed):
    grid = stressed.sensitivity
    assert len(grid) == 16
    for _, by_margin in grid.groupby("confidence"):
        assert by_margin["weighted_haircut"].is_monotonic_increasing
        assert by_margin["volatility_limit"].is_monotonic_decreasing
        assert by_margin["borrowing_base"].is_monotonic_decreasing
    for _, by_confidence in grid.groupby("margin_period_days"):
        assert by_confidence["weighted_haircut"].is_monotonic_increasing
        assert by_confidence["borrowing_base"].is_monotonic_decreasing
    assert (grid["borrowing_base"] <= grid["volatility_limit"] + 1e-6).all()


@pytest.mark.parametrize(("confidence", "margin"), [(0.95, 7), (0.99, 14), (0.995, 60)])
def test_sensitivity_of_one_copper_lot_is_the_closed_form(confidence, margin):
    # copper: no erosion, markdown or expiry; orderly sale in 30 days at a 3% discount
    lots = lot_frame({"category": "copper", "quantity": 10.0, "unit_cost": 1.0,
                      "unit_price": 70_000.0})  # fmt: skip
    a = make_assumptions(concentration_limit=1.0)  # one lot may take the whole base
    copper = a.categories["copper"]
    grid = haircut_sensitivity(lots, a, [confidence], [margin])
    days = margin + copper.orderly_days
    expected = lognormal_haircut(copper.sigma, days / 365, confidence, 1.0, copper.orderly_discount)
    row = grid.iloc[0]
    assert row["liquidation_days"] == days
    assert row["weighted_haircut"] == pytest.approx(float(expected), rel=1e-12)
    assert row["volatility_limit"] == pytest.approx(700_000.0 * (1 - float(expected)))
    # the cost limit binds: 10 units at a cost of 1
    assert row["borrowing_base"] == pytest.approx(copper.cost_advance * 10.0)
