"""Haircuts: the lender's closed form, the Basel cross-check and the portfolio figure.

Lot haircut (docs/model.md section 5), liquidation horizon H = (T_m + T_o) / 365 years:

    h = 1 - exp(-delta H) M(H) S(H) exp(-sigma^2 H / 2 + z_(1-alpha) sigma sqrt(H)) (1 - d_o)

the fraction by which liquidation proceeds at H fall short of today's market value with
probability 1 - alpha. It is the (1 - alpha) quantile of the lognormal price at H, so it
is computed in closed form, never by simulation.

Basel cross-check (CRE22 scaling of a 10-day 99% haircut to the secured-lending holding
period): ``h10 * sqrt((N_R + T_M - 1) / 10)``, T_M = 20 business days, with
``h10 = 1 - exp(-sigma^2 tau / 2 + z_0.01 sigma sqrt(tau))``, tau = 14 / 365.

Portfolio haircut: ``1 - q_(1-alpha)(sum_i q_i P_i(H_i) (1 - d_o)) / sum_i MV_i`` over
eligible lots from the joint simulation; set beside the value-weighted lot haircuts it
shows what diversification across categories is worth.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from finance.collateral.dynamics import price_factor
from finance.collateral.lots import Lots, compact_codes
from finance.market.curve import DAYS_PER_YEAR
from finance.market.scenarios import PriceScenarios

BASEL_HOLDING_DAYS = 20  # T_M for secured lending, business days
BASEL_TAU_DAYS = 14  # ten business days, in calendar days


def z_score(probability: float) -> float:
    """Standard normal quantile Phi^-1(probability)."""
    return NormalDist().inv_cdf(probability)


def lognormal_haircut(
    sigma: np.ndarray | float,
    horizon_years: np.ndarray | float,
    confidence: float,
    deterministic_factor: np.ndarray | float = 1.0,
    orderly_discount: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Closed-form haircut of docs/model.md section 5.

    Parameters
    ----------
    sigma : array_like
        Annual volatility.
    horizon_years : array_like
        H, years (Actual/365 Fixed).
    confidence : float
        alpha in (0, 1).
    deterministic_factor : array_like
        exp(-delta H) M(H) S(H), the expected price at H relative to today.
    orderly_discount : array_like
        d_o.

    Returns
    -------
    numpy.ndarray
        h in [0, 1].
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    h_years = np.asarray(horizon_years, dtype=np.float64)
    quantile = np.exp(
        -0.5 * sigma**2 * h_years + z_score(1.0 - confidence) * sigma * np.sqrt(h_years)
    )
    keep = np.asarray(deterministic_factor) * quantile * (1.0 - np.asarray(orderly_discount))
    # With alpha > 0.5 and delta >= 0 the product is in [0, 1]; the clip guards rounding.
    return np.clip(1.0 - keep, 0.0, 1.0)


def lot_haircuts(
    lots: Lots, counts: np.ndarray, horizon_days: np.ndarray, confidence: float
) -> np.ndarray:
    """Haircut h_i of every lot at its liquidation horizon (calendar days T_m + T_o)."""
    return lognormal_haircut(
        lots.sigma,
        horizon_days / DAYS_PER_YEAR,
        confidence,
        price_factor(lots, counts, horizon_days),
        lots.param("orderly_discount"),
    )


def basel_haircut(sigma: np.ndarray | float, revaluation_days: int) -> np.ndarray:
    """Basel supervisory-style haircut scaled to secured lending.

    Parameters
    ----------
    sigma : array_like
        Annual volatility.
    revaluation_days : int
        N_R, business days between revaluations.

    Returns
    -------
    numpy.ndarray
        ``min(1, h10 * sqrt((N_R + 20 - 1) / 10))``.
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    tau = BASEL_TAU_DAYS / DAYS_PER_YEAR
    h10 = 1.0 - np.exp(-0.5 * sigma**2 * tau + z_score(0.01) * sigma * np.sqrt(tau))
    return np.minimum(1.0, h10 * np.sqrt((revaluation_days + BASEL_HOLDING_DAYS - 1) / 10.0))


def liquidation_proceeds(
    lots: Lots,
    counts: np.ndarray,
    horizon_days: np.ndarray,
    mask: np.ndarray,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> np.ndarray:
    """Proceeds per scenario of selling the masked lots, each at its liquidation horizon.

    Each lot sells at ``P_i(H_i) (1 - d_o)``; lots of a shock group share the group's shock
    at that day (the scenario grid must contain every H_i). ``shocks`` is
    ``scenarios.shocks(...)`` for the lots' groups, shape (S, G, T).

    Returns
    -------
    numpy.ndarray, shape (S,)
        Sale proceeds in currency, undiscounted.
    """
    proceeds = (
        lots.market_value
        * price_factor(lots, counts, horizon_days)
        * (1.0 - lots.param("orderly_discount"))
        * mask
    )
    # Aggregate by (group, horizon position): cost is groups x horizons x scenarios.
    positions, local = compact_codes(scenarios.index_of(horizon_days))
    cells = lots.group * len(positions) + local
    per_group = np.bincount(cells, weights=proceeds, minlength=lots.n_groups * len(positions))
    return np.einsum(
        "sgj,gj->s", shocks[:, :, positions], per_group.reshape(lots.n_groups, len(positions))
    )


def portfolio_haircut(proceeds: np.ndarray, market_value: float, confidence: float) -> float:
    """Haircut of the eligible portfolio from the joint simulation.

    Parameters
    ----------
    proceeds : numpy.ndarray, shape (S,)
        Liquidation proceeds of the eligible lots per scenario
        (:func:`liquidation_proceeds`).
    market_value : float
        Their market value today.
    confidence : float
        alpha.

    Returns
    -------
    float
        ``1 - q_(1-alpha)(proceeds) / market_value``; 0 for an empty pool.
    """
    if market_value == 0:
        return 0.0
    return float(1.0 - np.quantile(proceeds, 1.0 - confidence) / market_value)
