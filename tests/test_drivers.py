"""Tests of the holding loss split by driver (finance/analysis/drivers.py; docs/model.md 6a)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SECTION_6, SHIPPED_CATEGORIES, lot_frame, make_assumptions

from finance import evaluate, load_inventory
from finance.analysis.drivers import (
    DEMAND_CORRELATIONS,
    DEMAND_SCALES,
    PARTS,
    SENSITIVITY_COLUMNS,
    demand_sensitivity,
    loss_drivers,
)
from finance.paths import DATA_DIR
from finance.risk.demand import DemandBins

SAMPLE = DATA_DIR / "sample_inventory.csv"
# No price moves, no costs, no time value, no final-sale discount: a lot's sales bring in
# q p whatever their timing, so every part is 0 unless a case switches one thing on.
STILL = {
    "sigma": 0.0,
    "erosion": 0.0,
    "markdown": 0.0,
    "selling_cost": 0.0,
    "storage_cost": 0.0,
    "orderly_discount": 0.0,
    **SECTION_6,
}
NO_TIME_VALUE = {
    "curve": {"1Y": 0.0},
    "discount_rate": 0.0,
    "trade": {"dso_days": 0, "customer_pd": 0.0, "customer_lgd": 0.0},
}
HORIZON = 6
AGING_AND_DEMAND = {"demand_sigma": 0.4, "aging_reserve": [0.0, 0.1, 0.2, 0.4, 0.6]}


def _still(category=None, rho=0.5, **overrides):
    doc = {
        "scenarios": 500,
        "horizon_months": HORIZON,
        "price_demand_correlation": rho,
        **NO_TIME_VALUE,
        "categories": {"generic": {**STILL, **(category or {})}},
    }
    return make_assumptions(**{**doc, **overrides})


@pytest.fixture(scope="module")
def sample():
    return load_inventory(SAMPLE)


@pytest.fixture(scope="module")
def sample_assumptions():
    return make_assumptions(scenarios=2000)


@pytest.fixture(scope="module")
def sample_drivers(sample, sample_assumptions):
    return loss_drivers(sample, sample_assumptions)


# 100 units at 10 (MV 1,000), six months' horizon. Each case switches one driver on and
# says every part by hand.
@pytest.mark.parametrize(
    ("case", "category", "sales", "expected"),
    [
        ("nothing", {}, 50.0, {}),
        # 12% a year: 1% of the price a unit-month, billed in advance: 100 then 50 units.
        ("storage", {"storage_cost": 0.12}, 50.0, {"costs": 0.01 * 10 * 150}),
        # 10% of every sale's price.
        ("selling cost", {"selling_cost": 0.1}, 50.0, {"costs": 100.0}),
        # 10 a month for 6 months; the 40 left at the horizon go at a 30% discount.
        ("orderly sale", {"orderly_discount": 0.3}, 10.0, {"costs": 0.3 * 10 * 40}),
        # the same reserve in every bucket: every unit fetches 10% less.
        ("aging", {"aging_reserve": [0.1] * 5}, 50.0, {"age": 100.0}),
        # demand risk without a final-sale discount or a price move: q p whatever sells.
        ("demand alone", {"demand_sigma": 0.5}, 10.0, {}),
    ],
)
def test_parts_by_hand(case, category, sales, expected):
    a = _still(category)
    drivers = loss_drivers(lot_frame({"monthly_sales": sales}), a)
    for part in PARTS:
        assert drivers.parts[part] == pytest.approx(expected.get(part, 0.0), abs=1e-9), part
    assert drivers.market_value == 1000.0


def test_demand_part_is_the_discount_on_the_stock_demand_leaves_unsold():
    # 10 a month (x D per bin) for 6 months, the rest sold at the horizon at 30% off.
    sigma_d, discount = 0.5, 0.3
    a = _still({"demand_sigma": sigma_d, "orderly_discount": discount}, rho=0.0)
    drivers = loss_drivers(lot_frame({"monthly_sales": 10.0}), a)
    bins = DemandBins.of(np.array([sigma_d]), 0.0)
    unsold = np.maximum(100.0 - 60.0 * bins.levels[0], 0.0)
    by_hand = discount * 10.0 * (float(bins.mass @ unsold) - 40.0)
    assert by_hand > 0
    assert drivers.demand == pytest.approx(by_hand, rel=1e-12)
    assert drivers.costs == pytest.approx(discount * 10.0 * 40.0, rel=1e-12)


@pytest.mark.parametrize(
    ("frame", "overrides"),
    [
        ("sample", {}),
        ("sample", {"price_demand_correlation": 0.0}),
        ("sample", {"discount_rate": 0.15}),
        ("lots", {"categories": {"generic": AGING_AND_DEMAND}}),
    ],
)
def test_parts_add_up_and_match_evaluate(sample, frame, overrides):
    a = make_assumptions(scenarios=500, **overrides)
    lots = (
        sample
        if frame == "sample"
        else lot_frame(
            {"monthly_sales": 20.0, "age_days": 80.0},
            {"monthly_sales": 5.0, "age_days": 400.0, "quantity": 300.0},
        )
    )
    drivers = loss_drivers(lots, a)
    summary = evaluate(lots, a).summary
    total = sum(drivers.parts.values())
    assert total == pytest.approx(drivers.holding_loss_at_company_rate, rel=1e-12)
    curve_parts = drivers.price + drivers.costs + drivers.demand + drivers.age
    assert curve_parts == pytest.approx(drivers.holding_loss, rel=1e-12)
    assert drivers.holding_loss == pytest.approx(summary["expected_holding_loss"], rel=1e-9)
    assert drivers.holding_loss_at_company_rate == pytest.approx(
        summary["holding_loss_at_company_rate"], rel=1e-9
    )
    assert drivers.market_value == pytest.approx(summary["market_value"], rel=1e-12)


def test_sample_drivers_match_evaluate(sample, sample_assumptions, sample_drivers):
    summary = evaluate(sample, sample_assumptions).summary
    assert sample_drivers.holding_loss == pytest.approx(summary["expected_holding_loss"], rel=1e-9)
    assert sample_drivers.holding_loss_at_company_rate == pytest.approx(
        summary["holding_loss_at_company_rate"], rel=1e-9
    )
    # The shipped categories carry demand risk and aging reserves: both parts are losses.
    assert sample_drivers.demand > 0 and sample_drivers.age > 0
    assert sample_drivers.price > 0 and sample_drivers.costs > 0


def test_all_drivers_off_gives_no_demand_or_age_part(sample):
    a = make_assumptions(scenarios=500, categories={k: SECTION_6 for k in SHIPPED_CATEGORIES})
    drivers = loss_drivers(sample, a)
    assert drivers.demand == 0.0
    assert drivers.age == 0.0
    # and the sensitivity has nothing to move: one point for every scale and correlation.
    assert drivers.sensitivity["holding_loss_p95"].nunique() == 1
    assert drivers.sensitivity["expected_holding_loss"].nunique() == 1


@pytest.mark.parametrize("rate", [0.0, 0.03, 0.08])
def test_no_carrying_cost_when_the_company_rate_is_the_curve(sample, rate):
    # A flat continuous zero rate r and an effective annual e^r - 1 discount alike.
    a = make_assumptions(scenarios=200, curve={"1Y": rate}, discount_rate=math.expm1(rate))
    drivers = loss_drivers(sample, a)
    assert drivers.carrying_cost == pytest.approx(0.0, abs=1e-9 * drivers.market_value)
    dearer = loss_drivers(
        sample, make_assumptions(scenarios=200, curve={"1Y": rate}, discount_rate=rate + 0.05)
    )
    assert dearer.carrying_cost > 0


def test_sensitivity_grid(sample_drivers, sample_assumptions):
    grid = sample_drivers.sensitivity
    assert list(grid.columns) == list(SENSITIVITY_COLUMNS)
    rhos = sorted({*DEMAND_CORRELATIONS, sample_assumptions.price_demand_correlation})
    assert len(grid) == len(DEMAND_SCALES) * len(rhos)
    assert sorted(grid["price_demand_correlation"].unique()) == rhos
    # The assumptions' own point is the full valuation's expected loss.
    own = grid[
        (grid["demand_sigma_scale"] == 1.0)
        & (grid["price_demand_correlation"] == sample_assumptions.price_demand_correlation)
    ]
    assert own["expected_holding_loss"].iloc[0] == pytest.approx(
        sample_drivers.holding_loss, rel=1e-12
    )


def test_own_correlation_is_added_to_the_grid(sample):
    drivers = loss_drivers(sample, make_assumptions(scenarios=200, price_demand_correlation=0.3))
    assert sorted(drivers.sensitivity["price_demand_correlation"].unique()) == [0.0, 0.3, 0.5, 0.9]


def test_p95_without_demand_risk_is_the_same_for_every_correlation(sample_drivers):
    grid = sample_drivers.sensitivity
    at_zero = grid[grid["demand_sigma_scale"] == 0.0]
    assert at_zero["holding_loss_p95"].nunique() == 1
    assert at_zero["expected_holding_loss"].nunique() == 1


@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_p95_rises_with_demand_volatility_when_correlated(sample_drivers, rho):
    grid = sample_drivers.sensitivity
    line = grid[grid["price_demand_correlation"] == rho].sort_values("demand_sigma_scale")
    assert np.all(np.diff(line["holding_loss_p95"].to_numpy()) > 0)
    # one shared scenario set: the stronger correlation widens the tail at every scale > 0
    at_09 = grid[grid["price_demand_correlation"] == 0.9].set_index("demand_sigma_scale")
    at_0 = grid[grid["price_demand_correlation"] == 0.0].set_index("demand_sigma_scale")
    assert np.all((at_09 - at_0)["holding_loss_p95"].loc[[0.5, 1.0, 1.5, 2.0]] > 0)


def test_grid_alone_and_split_alone(sample, sample_assumptions, sample_drivers):
    grid = demand_sensitivity(sample, sample_assumptions)
    assert grid.equals(sample_drivers.sensitivity)
    split = loss_drivers(sample, sample_assumptions, scales=())
    assert list(split.sensitivity.columns) == list(SENSITIVITY_COLUMNS)
    assert split.sensitivity.empty
    assert split.parts == sample_drivers.parts
