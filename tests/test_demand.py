"""Tests of demand risk (finance/risk/demand.py; docs/model.md section 6a)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SECTION_6, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate
from finance.market.scenarios import simulate_brownian
from finance.risk.demand import BIN_EDGES, BIN_PROBABILITIES, DEMAND_DAY, DemandBins, normal_cdf

# Prices that neither drift nor cost anything to hold, money that does not earn: the value
# of a lot that sells out is q p E[X] = q p whatever the timing of its sales.
FLAT = {
    "erosion": 0.0,
    "markdown": 0.0,
    "storage_cost": 0.0,
    "selling_cost": 0.0,
    "aging_reserve": [0.0] * 5,
}
NO_TIME_VALUE = {
    "curve": {"1Y": 0.0},
    "discount_rate": 0.0,
    "trade": {"dso_days": 0, "customer_pd": 0.0, "customer_lgd": 0.0},
}


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.0, 0.5),
        (1.959963984540054, 0.975),
        (-1.6448536269514722, 0.05),
        (np.inf, 1.0),
        (-np.inf, 0.0),
    ],
)
def test_normal_cdf(x, expected):
    assert float(normal_cdf(np.array(x))) == pytest.approx(expected, abs=1e-12)


def test_bin_edges_are_the_normal_quantiles():
    inner = BIN_EDGES[1:-1]
    np.testing.assert_allclose(normal_cdf(inner), BIN_PROBABILITIES, atol=1e-12)
    assert BIN_EDGES[0] == -np.inf and BIN_EDGES[-1] == np.inf


@pytest.mark.parametrize("sigma", [0.1, 0.35, 1.0])
def test_bin_levels_keep_mean_demand_one_and_are_conditional_means(sigma):
    bins = DemandBins.of(np.array([sigma]), 0.5)
    mass = bins.mass
    assert mass.sum() == pytest.approx(1.0, abs=1e-14)
    assert float(mass @ bins.levels[0]) == pytest.approx(1.0, abs=1e-12)
    # Each level is E[D | V in bin] by quadrature of exp(s v - s^2/2) phi(v) over the bin.
    v = np.linspace(-9, 9, 400_001)
    density = np.exp(-(v**2) / 2) / math.sqrt(2 * math.pi) * np.exp(sigma * v - sigma**2 / 2)
    for level, lo, hi, m in zip(bins.levels[0], BIN_EDGES[:-1], BIN_EDGES[1:], mass, strict=True):
        inside = (v >= lo) & (v < hi)
        assert level == pytest.approx(np.trapezoid(density * inside, v) / m, rel=1e-4)
    assert np.all(np.diff(bins.levels[0]) > 0)


def test_no_demand_risk_is_one_bin():
    bins = DemandBins.of(np.zeros(3), 0.5)
    assert bins.n_bins == 1
    np.testing.assert_array_equal(bins.levels, np.ones((3, 1)))
    np.testing.assert_array_equal(bins.tilted(np.array([0.2, 0.3]), np.array([0, 30, 400])), 1.0)


@pytest.mark.parametrize(
    ("rho", "sigma", "day"), [(0.5, 0.2, 182), (0.9, 0.4, 365), (-0.5, 0.3, 800)]
)
def test_tilted_weights_are_the_price_weighted_bin_probabilities(rho, sigma, day):
    # E[X(t) 1{V in bin}] by Monte Carlo: W(t) and V = rho W(1) + sqrt(1 - rho^2) xi.
    bins = DemandBins.of(np.array([0.35]), rho)
    rng = np.random.default_rng(1)
    n = 2_000_000
    t = day / 365
    w1 = rng.standard_normal(n)
    w_t = w1 * math.sqrt(t) if t <= 1 else w1 + rng.standard_normal(n) * math.sqrt(t - 1)
    if t < 1:  # W(1) = W(t) + an independent increment
        w1 = w_t + rng.standard_normal(n) * math.sqrt(1 - t)
    v = rho * w1 + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    x = np.exp(sigma * w_t - sigma**2 * t / 2)
    which = np.searchsorted(BIN_EDGES[1:-1], v, side="right")
    simulated = np.bincount(which, weights=x, minlength=bins.n_bins) / n
    closed = bins.tilted(np.array([sigma]), np.array([day]))[0, :, 0]
    assert closed.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(closed, simulated, atol=2e-3)


def test_scenario_bins_follow_the_price_at_one_year():
    days = np.array([0, 30, DEMAND_DAY, 700])
    scenarios = simulate_brownian(2, 0.3, days, 200_000, seed=3)
    bins = DemandBins.of(np.array([0.3, 0.3]), 0.5)
    chosen = bins.scenario_bins(scenarios)
    # Each bin holds its share of the scenarios ...
    shares = np.bincount(chosen[:, 0], minlength=bins.n_bins) / len(chosen)
    np.testing.assert_allclose(shares, bins.mass, atol=4e-3)
    # ... and the bins rise with the price at one year (rho_PD > 0).
    at_year = scenarios.brownian[:, 0, 2]
    low, high = chosen[:, 0] == 0, chosen[:, 0] == bins.n_bins - 1
    assert at_year[low].mean() < -0.5 < 0.5 < at_year[high].mean()
    # A grid without one year cannot place the demand.
    with pytest.raises(ValueError, match="grid"):
        bins.scenario_bins(simulate_brownian(2, 0.3, np.array([0, 30]), 100, seed=3))


def _copper_like(demand_sigma, rho, **extra):
    return make_assumptions(
        scenarios=4000,
        seed=11,
        price_demand_correlation=rho,
        categories={"generic": {**FLAT, "demand_sigma": demand_sigma, "sigma": 0.25}},
        **NO_TIME_VALUE,
        **extra,
    )


def test_demand_sigma_zero_is_section_6_exactly():
    # demand_sigma = 0: one bin, the grid and the draws of section 6, every figure equal
    # whatever the price-demand correlation says.
    frame = lot_frame({"quantity": 60.0}, {"quantity": 25.0, "monthly_sales": 10.0})
    generic = {"generic": {**SECTION_6, "sigma": 0.25}}
    a = evaluate(frame, make_assumptions(scenarios=500, categories=generic))
    b = evaluate(
        frame,
        make_assumptions(scenarios=500, categories=generic, price_demand_correlation=-0.9),
    )
    # (NaN coupons of a trust that does not apply count as equal)
    assert pd.Series(a.summary).equals(pd.Series(b.summary))
    np.testing.assert_array_equal(a.holding_losses, b.holding_losses)
    assert a.lots.equals(b.lots)
    assert a.options.equals(b.options)


def test_independent_demand_keeps_the_mean_and_widens_the_tail():
    # Stock that always sells out within the 24-month horizon (3 months to clear at mean
    # demand; the lowest bin's level, about 0.42, still clears it in 8), no drift, no
    # costs, no time value: the mean loss is 0 with or without demand risk, and demand risk
    # moves sales later, where the price has spread more, so the 95% loss rises.
    frame = lot_frame({"quantity": 90.0, "monthly_sales": 30.0, "unit_price": 10.0})
    without = evaluate(frame, _copper_like(0.0, 0.0)).summary
    with_demand = evaluate(frame, _copper_like(0.35, 0.0)).summary
    assert without["expected_holding_loss"] == pytest.approx(0.0, abs=1e-9)
    assert with_demand["expected_holding_loss"] == pytest.approx(0.0, abs=1e-9)
    assert with_demand["holding_loss_p95"] > without["holding_loss_p95"] + 1.0


def test_correlated_demand_raises_the_tail_further():
    frame = lot_frame({"quantity": 90.0, "monthly_sales": 30.0, "unit_price": 10.0})
    independent = evaluate(frame, _copper_like(0.35, 0.0)).summary
    correlated = evaluate(frame, _copper_like(0.35, 0.9)).summary
    assert correlated["holding_loss_p95"] > independent["holding_loss_p95"]


def test_simulated_mean_agrees_with_the_expected_loss():
    # The expected figures weigh the bins as the scenarios fall in them: the scenarios'
    # mean loss converges to the closed-form expected loss (erosion, storage, rates on).
    frame = lot_frame(
        {"category": "apparel", "quantity": 500.0, "unit_price": 80.0},
        {"category": "electronics", "quantity": 300.0, "unit_price": 120.0, "age_days": 150.0},
    )
    a = make_assumptions(scenarios=20_000, seed=5, price_demand_correlation=0.6)
    result = evaluate(frame, a)
    losses = result.holding_losses
    se = losses.std(ddof=1) / math.sqrt(len(losses))
    assert abs(losses.mean() - result.summary["expected_holding_loss"]) < 4 * se


def test_unsold_stock_stays_held_when_demand_is_low():
    # A lot that needs 20 of the 24 months at mean demand: low-demand bins leave stock for
    # the orderly sale at the horizon (30% off), so demand risk raises the expected loss.
    frame = lot_frame({"quantity": 200.0, "monthly_sales": 10.0, "unit_price": 10.0})
    without = evaluate(frame, _copper_like(0.0, 0.0)).summary["expected_holding_loss"]
    with_demand = evaluate(frame, _copper_like(0.5, 0.0)).summary["expected_holding_loss"]
    assert without == pytest.approx(0.0, abs=1e-9)
    assert with_demand > 1.0


@settings(max_examples=25, deadline=None)
@given(
    sigma=st.floats(0.01, 2.0),
    rho=st.floats(-1.0, 1.0),
    price_sigma=st.floats(0.0, 1.0),
    day=st.integers(0, 2000),
)
def test_tilted_weights_are_a_distribution(sigma, rho, price_sigma, day):
    bins = DemandBins.of(np.array([sigma]), rho)
    weights = bins.tilted(np.array([price_sigma]), np.array([day]))[0, :, 0]
    assert np.all(weights >= 0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    # Levels are increasing in the bin and keep the mean demand at one.
    assert np.all(np.diff(bins.levels[0]) > 0)
    assert float(bins.mass @ bins.levels[0]) == pytest.approx(1.0, abs=1e-9)
