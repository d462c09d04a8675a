import math

import numpy as np
import pytest
from conftest import T0
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from finance.market.closed_forms import BGK_BETA, lognormal_put, touch_probability


def first_passage(spot, barrier, sigma, erosion, days):
    """P(min V <= barrier over [0, T]) for dV/V = -erosion dt + sigma dW, continuous.

    ln V has drift mu = -erosion - sigma^2 / 2; b = ln(B / S) < 0:
    P = N((b - mu T) / (sigma sqrt T)) + exp(2 mu b / sigma^2) N((b + mu T) / (sigma sqrt T)).
    """
    t = days / 365.0
    mu = -erosion - 0.5 * sigma**2
    b = math.log(barrier / spot)
    s = sigma * math.sqrt(t)
    return norm.cdf((b - mu * t) / s) + math.exp(2 * mu * b / sigma**2) * norm.cdf((b + mu * t) / s)


def black_put(forward, strike, sigma, days):
    """Black (1976) put with zero rates: K N(-d2) - F N(-d1)."""
    s = sigma * math.sqrt(days / 365.0)
    d1 = (math.log(forward / strike) + 0.5 * s**2) / s
    d2 = d1 - s
    return strike * norm.cdf(-d2) - forward * norm.cdf(-d1)


TOUCH_TABLE = [
    # spot, barrier, sigma, erosion, days
    (1.35, 1.3, 0.22, 0.0, 360),
    (1.35, 1.2, 0.22, 0.0, 360),
    (1.35, 1.1, 0.22, 0.0, 360),
    (1.50, 1.2, 0.30, 0.10, 180),
    (100.0, 80.0, 0.15, 0.05, 730),
    (1.0, 0.9, 0.40, 0.25, 30),
    (2.0, 1.0, 0.10, 0.0, 365),  # far barrier: almost never
]


@pytest.mark.parametrize(("spot", "barrier", "sigma", "erosion", "days"), TOUCH_TABLE)
def test_touch_probability_matches_first_passage_formula(spot, barrier, sigma, erosion, days):
    expected = first_passage(spot, barrier, sigma, erosion, days)
    got = touch_probability(T0, spot, barrier, sigma, erosion, days)
    assert got == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(("spot", "barrier", "sigma", "erosion", "days"), TOUCH_TABLE)
def test_bgk_shift_is_the_continuous_formula_at_a_lower_barrier(
    spot, barrier, sigma, erosion, days
):
    interval = 30.0
    shifted = barrier * math.exp(-BGK_BETA * sigma * math.sqrt(interval / 365.0))
    got = touch_probability(T0, spot, barrier, sigma, erosion, days, interval)
    assert got == pytest.approx(first_passage(spot, shifted, sigma, erosion, days), abs=1e-9)
    # Discrete monitoring misses some crossings: never more likely than continuous.
    assert got <= touch_probability(T0, spot, barrier, sigma, erosion, days) + 1e-12


def test_bgk_constant_is_minus_zeta_half_over_sqrt_two_pi():
    # zeta(1/2) = -1.4603545088095868
    assert pytest.approx(1.4603545088095868 / math.sqrt(2 * math.pi), rel=1e-12) == BGK_BETA


def test_bgk_corrected_probability_matches_a_discretely_monitored_simulation():
    # 12 observations 30 days apart; exact lognormal steps in numpy.
    spot, barrier, sigma, erosion, step, n_obs = 1.35, 1.2, 0.22, 0.05, 30, 12
    rng = np.random.default_rng(2024)
    n = 40_000
    dt_years = step / 365.0
    log_steps = (-erosion - 0.5 * sigma**2) * dt_years + sigma * math.sqrt(
        dt_years
    ) * rng.standard_normal((n, n_obs))
    lowest = spot * np.exp(np.cumsum(log_steps, axis=1).min(axis=1))
    p = float((lowest <= barrier).mean())
    se = math.sqrt(p * (1 - p) / n)
    closed = touch_probability(T0, spot, barrier, sigma, erosion, step * n_obs, step)
    continuous = touch_probability(T0, spot, barrier, sigma, erosion, step * n_obs)
    assert abs(closed - p) < 3 * se + 0.005
    assert continuous - p > 3 * se  # the uncorrected figure overstates it


@pytest.mark.parametrize(("spot", "barrier"), [(1.2, 1.2), (1.0, 1.2), (0.5, 1.1), (100.0, 100.0)])
@pytest.mark.parametrize("sigma", [0.0, 0.2])
def test_start_at_or_below_barrier_is_certain(spot, barrier, sigma):
    assert touch_probability(T0, spot, barrier, sigma, 0.05, 365) == 1.0


@pytest.mark.parametrize(("spot", "barrier"), [(1.2626, 1.3), (1.2, 1.2)])
def test_start_below_barrier_is_certain_with_discrete_monitoring(spot, barrier):
    assert touch_probability(T0, spot, barrier, 0.22, 0.0, 360, 30.0) == 1.0


@pytest.mark.parametrize(
    ("spot", "barrier", "erosion", "days", "expected"),
    [
        (1.35, 1.2, 0.0, 365, 0.0),  # no move at all
        (1.35, 1.2, 0.10, 365, 0.0),  # 1.35 e^-0.1 = 1.2215 > 1.2
        (1.35, 1.2, 0.15, 365, 1.0),  # 1.35 e^-0.15 = 1.1620 <= 1.2
        (1.35, 1.2, 0.15, 200, 0.0),  # 1.35 e^-0.0822 = 1.2435 > 1.2
        (1.35, 1.2, 0.15, 0, 0.0),
    ],
)
@pytest.mark.parametrize("interval", [0.0, 30.0])
def test_zero_volatility_is_deterministic(spot, barrier, erosion, days, expected, interval):
    assert touch_probability(T0, spot, barrier, 0.0, erosion, days, interval) == expected


@settings(max_examples=50, deadline=None)
@given(
    cover=st.floats(1.05, 3.0),
    sigma=st.floats(0.05, 0.6),
    erosion=st.floats(0.0, 0.3),
    days=st.integers(10, 730),
    interval=st.floats(1.0, 60.0),
)
def test_touch_probability_is_a_probability_and_falls_with_monitoring_gaps(
    cover, sigma, erosion, days, interval
):
    continuous = touch_probability(T0, cover, 1.0, sigma, erosion, days)
    discrete = touch_probability(T0, cover, 1.0, sigma, erosion, days, interval)
    assert 0.0 <= discrete <= continuous + 1e-12 <= 1.0 + 1e-12
    wider = touch_probability(T0, cover, 1.0, sigma, erosion, days, 2 * interval)
    assert wider <= discrete + 1e-12


PUT_TABLE = [
    # forward, strike, sigma, days
    (100.0, 100.0, 0.20, 365),
    (100.0, 80.0, 0.25, 180),
    (100.0, 120.0, 0.30, 730),
    (50.0, 10.0, 0.10, 90),
    (1.0, 0.9, 0.60, 30),
]


@pytest.mark.parametrize(("forward", "strike", "sigma", "days"), PUT_TABLE)
def test_lognormal_put_matches_black76(forward, strike, sigma, days):
    expected = black_put(forward, strike, sigma, days)
    assert lognormal_put(T0, forward, strike, sigma, days) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


def test_lognormal_put_by_hand_at_the_money():
    # F = K = 100, sigma sqrt(T) = 0.2: d1 = 0.1, d2 = -0.1,
    # P = 100 (N(0.1) - N(-0.1)) = 100 * 0.0796557 = 7.96557.
    assert lognormal_put(T0, 100.0, 100.0, 0.2, 365) == pytest.approx(7.965567455405804, rel=1e-9)


@pytest.mark.parametrize(
    ("forward", "strike", "sigma", "days", "expected"),
    [
        (100.0, 0.0, 0.2, 365, 0.0),  # strike <= 0
        (100.0, -5.0, 0.2, 365, 0.0),
        (0.0, 50.0, 0.2, 365, 50.0),  # forward <= 0: the whole strike
        (-10.0, 50.0, 0.2, 365, 50.0),
        (100.0, 120.0, 0.0, 365, 20.0),  # sigma 0: intrinsic value
        (100.0, 80.0, 0.0, 365, 0.0),
        (100.0, 120.0, 0.3, 0, 20.0),  # expiry today: intrinsic value
    ],
)
def test_lognormal_put_edge_cases(forward, strike, sigma, days, expected):
    assert lognormal_put(T0, forward, strike, sigma, days) == expected


def test_lognormal_put_matches_simulation():
    rng = np.random.default_rng(5)
    forward, strike, sigma, t = 100.0, 90.0, 0.3, 182 / 365
    z = rng.standard_normal(200_000)
    payoff = np.maximum(strike - forward * np.exp(sigma * math.sqrt(t) * z - 0.5 * sigma**2 * t), 0)
    se = payoff.std(ddof=1) / math.sqrt(len(payoff))
    assert abs(lognormal_put(T0, forward, strike, sigma, 182) - payoff.mean()) < 3 * se
