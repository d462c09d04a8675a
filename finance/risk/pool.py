"""A pool of lots valued on the price scenarios: what a structure holds or sells.

A structure (a pledge, a trust, the receivables of an ABS) takes a share ``w_i`` of each
lot. Its value in scenario s at day d is

    V_s(d) = sum_g X_{g,s}(d) * A_g(d),   A_g(d) = sum_{i in g} w_i q_i p_i f_i(d)

with f_i the deterministic price factor (erosion, markdowns, expiry) and X_g the shock of
the lot's shock group (docs/model.md section 2). The amounts ``A`` cost lots x days; the values
cost groups x days x scenarios, never lots x scenarios.
"""

from __future__ import annotations

import numpy as np

from finance.collateral.dynamics import price_factor
from finance.collateral.lots import Lots
from finance.market.scenarios import PriceScenarios, group_totals


def pool_amounts(
    lots: Lots, counts: np.ndarray, weights: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """Expected value per shock group at each day, before the shocks.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts covering the largest day.
    weights : numpy.ndarray, shape (N,)
        Share of each lot's market value in the pool, times any per-lot factor such as
        (1 - orderly discount) for sale proceeds.
    days : numpy.ndarray of int, shape (J,)
        Calendar days from t0.

    Returns
    -------
    numpy.ndarray, shape (G, J)
        A_g(d_j) in currency.
    """
    base = weights * lots.market_value
    out = np.empty((lots.n_groups, len(days)))
    for j, day in enumerate(np.asarray(days, dtype=np.int64)):
        out[:, j] = group_totals(
            base * price_factor(lots, counts, int(day)), lots.group, lots.n_groups
        )
    return out


def pool_values(
    scenarios: PriceScenarios, shocks: np.ndarray, days: np.ndarray, amounts: np.ndarray
) -> np.ndarray:
    """Pool value per scenario at each day, V_s(d_j) = sum_g X_{g,s}(d_j) A_g(d_j).

    Parameters
    ----------
    scenarios : PriceScenarios
        Their grid must contain ``days``.
    shocks : numpy.ndarray, shape (S, G, T)
    days : numpy.ndarray of int, shape (J,)
    amounts : numpy.ndarray, shape (G, J)
        From :func:`pool_amounts`.

    Returns
    -------
    numpy.ndarray, shape (S, J)
    """
    at_days = shocks[:, :, scenarios.index_of(days)]
    return np.einsum("sgj,gj->sj", at_days, amounts)


def single_group(
    lots: Lots, counts: np.ndarray, weights: np.ndarray, last_day: int
) -> tuple[float, float] | None:
    """(sigma, erosion) when the weighted lots move as one lognormal value to ``last_day``.

    That is: one shock group whose lots all have its volatility (not a bucket of several,
    :mod:`finance.collateral.shock_groups`), one erosion rate, no season end and no expiry
    before ``last_day``. Then closed forms (barrier, put) check the simulation.
    """
    chosen = weights > 0
    if not chosen.any():
        return None
    groups = np.unique(lots.group[chosen])
    erosion = np.unique(lots.erosion[chosen])
    category = lots.group_category[groups[0]]
    marks = counts[category, min(last_day, counts.shape[1] - 1)]
    if len(groups) != 1 or len(erosion) != 1 or marks > 0:
        return None
    if (lots.sigma[chosen] != lots.group_sigma[groups[0]]).any():
        return None
    if (lots.expiry_day[chosen] <= last_day).any():
        return None
    return float(lots.group_sigma[groups[0]]), float(erosion[0])
