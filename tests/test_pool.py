"""Tests of pool values on scenarios (finance/pool.py) against a lot-by-lot computation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import T0, lot_frame, make_assumptions

from finance.collateral.dynamics import markdown_counts, price_factor
from finance.collateral.lots import prepare_lots
from finance.market.scenarios import simulate_brownian
from finance.risk.pool import pool_amounts, pool_values

LOTS = lot_frame(
    {"category": "apparel", "quantity": 100.0, "unit_price": 200.0, "age_days": 30.0},
    {"category": "apparel", "quantity": 50.0, "unit_price": 120.0, "sigma": 0.5},
    {"category": "food", "quantity": 80.0, "unit_price": 30.0, "age_days": 100.0},
    {"category": "copper", "quantity": 2.0, "unit_price": 70_000.0},
)
DAYS = np.array([0, 31, 90, 200, 400])


@pytest.fixture(scope="module")
def setup():
    a = make_assumptions()
    lots = prepare_lots(LOTS, a.categories, T0)
    counts = markdown_counts(lots.categories, T0, 500)
    scenarios = simulate_brownian(len(lots.categories), 0.3, DAYS, 50, seed=3)
    shocks = scenarios.shocks(lots.group_category, lots.group_sigma)
    return lots, counts, scenarios, shocks


def test_values_match_lot_by_lot_prices(setup):
    lots, counts, scenarios, shocks = setup
    weights = np.array([1.0, 0.5, 0.0, 0.97])
    values = pool_values(scenarios, shocks, DAYS, pool_amounts(lots, counts, weights, DAYS))
    t = DAYS / 365.0
    for s in range(scenarios.n_scenarios):
        for j, day in enumerate(DAYS):
            total = 0.0
            for i in range(len(lots)):
                k, sigma = lots.category[i], lots.sigma[i]
                w = scenarios.brownian[s, k, scenarios.index_of(day)]
                shock = np.exp(sigma * w - 0.5 * sigma**2 * t[j])
                factor = price_factor(lots, counts, int(day))[i]
                total += weights[i] * lots.quantity[i] * lots.unit_price[i] * factor * shock
            assert values[s, j] == pytest.approx(total, rel=1e-12)


def test_amounts_are_the_expected_values(setup):
    lots, counts, _, _ = setup
    weights = np.ones(len(lots))
    amounts = pool_amounts(lots, counts, weights, DAYS)
    assert amounts.shape == (lots.n_groups, len(DAYS))
    assert amounts[:, 0].sum() == pytest.approx(lots.market_value.sum())
    expected = [(lots.market_value * price_factor(lots, counts, int(d))).sum() for d in DAYS]
    np.testing.assert_allclose(amounts.sum(axis=0), expected, rtol=1e-12)


def test_days_off_the_grid_are_refused(setup):
    lots, counts, scenarios, shocks = setup
    amounts = pool_amounts(lots, counts, np.ones(len(lots)), np.array([45]))
    with pytest.raises(ValueError, match="grid"):
        pool_values(scenarios, shocks, np.array([45]), amounts)
