import numpy as np
import pytest

from finance.market.scenarios import group_totals, simulate_brownian


def test_shocks_have_mean_one_and_the_target_correlation():
    sims = simulate_brownian(3, 0.3, np.array([30, 365]), 100_000, seed=5)
    x = sims.shocks(np.array([0, 1, 2]), np.array([0.2, 0.4, 0.0]))
    at_year = x[:, :, sims.index_of(365)]
    mean, se = at_year.mean(axis=0), at_year.std(axis=0, ddof=1) / np.sqrt(len(at_year))
    assert np.all(np.abs(mean - 1.0) <= 3 * se + 1e-12)
    assert np.all(at_year[:, 2] == 1.0)  # zero volatility: no shock at all
    w = sims.brownian[:, :, sims.index_of(365)]
    assert np.corrcoef(w[:, 0], w[:, 1])[0, 1] == pytest.approx(0.3, abs=0.01)
    assert w[:, 0].var() == pytest.approx(1.0, rel=0.02)  # Var W(1y) = 1


def test_same_seed_same_scenarios():
    a = simulate_brownian(2, 0.5, np.array([10, 20]), 100, seed=9)
    b = simulate_brownian(2, 0.5, np.array([20, 10, 10]), 100, seed=9)
    c = simulate_brownian(2, 0.5, np.array([10, 20]), 100, seed=10)
    np.testing.assert_array_equal(a.brownian, b.brownian)
    np.testing.assert_array_equal(a.days, [0, 10, 20])
    assert not np.array_equal(a.brownian, c.brownian)


def test_grid_lookup():
    sims = simulate_brownian(1, 0.0, np.array([30, 61, 92]), 10, seed=1)
    np.testing.assert_array_equal(sims.index_of(np.array([0, 61])), [0, 2])
    np.testing.assert_array_equal(
        sims.nearest_index(np.array([14, 16, 45, 46, 200])), [0, 1, 1, 2, 3]
    )
    with pytest.raises(ValueError):
        sims.index_of(31)


def test_group_totals_conserve_money():
    rng = np.random.default_rng(0)
    values, group = rng.random((50, 4)), rng.integers(0, 3, 50)
    totals = group_totals(values, group, 3)
    np.testing.assert_allclose(totals.sum(axis=0), values.sum(axis=0))
    np.testing.assert_allclose(totals[1], values[group == 1].sum(axis=0))
    np.testing.assert_allclose(group_totals(values[:, 0], group, 3), totals[:, 0])


@pytest.mark.parametrize(
    ("horizons", "rho"),
    [((30, 30, 90), 0.3), ((14, 44, 74), 0.6), ((60, 60, 60), 0.0)],
)
def test_horizon_increments_have_the_one_factor_covariance(horizons, rho):
    # W_k(t + H_k) - W_k(t): variance H_k / 365; between two categories the common factor
    # over the horizon they share, covariance rho min(H_a, H_b) / 365.
    scenarios = simulate_brownian(3, rho, np.array([30]), 200_000, seed=5)
    moves = scenarios.increments(np.array(horizons), 2)  # (S, K, J)
    assert moves.shape == (200_000, 3, 2)
    h = np.array(horizons) / 365
    for j in range(2):
        cov = np.cov(moves[:, :, j], rowvar=False)
        expected = rho * np.minimum.outer(h, h)
        np.fill_diagonal(expected, h)
        np.testing.assert_allclose(cov, expected, atol=4 * h.max() / np.sqrt(200_000) * 3)
    # independent of each other across start days, and of the path
    assert abs(np.corrcoef(moves[:, 0, 0], moves[:, 0, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(moves[:, 0, 0], scenarios.brownian[:, 0, -1])[0, 1]) < 0.01
