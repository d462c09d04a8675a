"""Estimators of a category's fields from its monthly history, each with its standard error.

Conventions (they match :mod:`finance.calibration.synthetic` exactly)
---------------------------------------------------------------------
Take ``n`` consecutive months of average prices ``P_t`` and units sold ``U_t``, and the
monthly log price changes ``d_t = log P_t - log P_{t-1}`` (``n - 1`` of them). A change is a
*season-end change* when month ``t - 1`` holds one of the category's season ends: a month's
average price is the price before a season end falling in it, the next month's the price
after. Let ``N`` be the other changes (``n_N`` of them, mean ``mean_N``, standard deviation
``s_N`` with ``n_N - 1`` degrees of freedom) and ``S`` the season-end ones (``n_S``,
``mean_S``).

- ``sigma = s_N * sqrt(12)`` (annual); ``se = sigma / sqrt(2 (n_N - 1))``, the normal
  sample's standard deviation's.
- ``erosion = -(mean_N + 0.5 sigma**2 / 12) * 12``: the trend net of the volatility's drift
  (``E[X] = 1`` in MODEL.md section 2); ``se = sqrt((12 s_N / sqrt(n_N))**2 + (sigma *
  se_sigma)**2)``, the mean's and the ``sigma**2 / 2`` term's (independent for a normal
  sample).
- ``markdown = 1 - exp(mean_S - mean_N)``: the mean extra log drop at a season end;
  ``se = exp(mean_S - mean_N) * s_N * sqrt(1 / n_S + 1 / n_N)`` (delta method, the season-end
  changes taken to have the others' variance). Only for a category with season ends.
- ``demand_sigma``: the standard deviation of ``log U_t`` (months with units sold > 0) around
  their mean; ``se = demand_sigma / sqrt(2 (n_U - 1))``.
- ``months_to_clear = stock / mean(U)`` when the stock on hand is known; ``se =
  months_to_clear * (sd(U) / sqrt(n)) / mean(U)`` (delta method on the mean).

``months`` says what an estimate rests on: the changes outside season ends (``sigma``,
``erosion``), the season-end changes (``markdown``), the months of sales (``demand_sigma``,
``months_to_clear``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

#: The fields estimated, in the order they are reported.
FIELDS: tuple[str, ...] = ("sigma", "erosion", "markdown", "months_to_clear", "demand_sigma")


@dataclass(frozen=True, slots=True)
class Estimate:
    """One field's estimate.

    Attributes
    ----------
    field : str
        One of :data:`FIELDS`.
    estimate : float
        The estimate, in the field's units (annual rates; a fraction; months).
    std_error : float
        Its standard error, same units.
    months : int
        Observations it rests on (see the module docstring).
    """

    field: str
    estimate: float
    std_error: float
    months: int


def season_end_changes(first_month: int, n: int, season_months: Iterable[int]) -> np.ndarray:
    """Which of the ``n - 1`` monthly changes follow a month holding a season end.

    Parameters
    ----------
    first_month : int
        Calendar month (1-12) of the first month of history.
    n : int
        Months of history.
    season_months : iterable of int
        Calendar months (1-12) holding a season end.

    Returns
    -------
    numpy.ndarray of bool, shape (n - 1,)
        Element ``t - 1`` is the change from month ``t - 1`` to month ``t``.
    """
    before = (first_month - 1 + np.arange(n - 1)) % 12 + 1
    return np.isin(before, list(season_months))


def estimate_prices(
    prices: np.ndarray, season_end: np.ndarray, *, with_markdown: bool
) -> list[Estimate]:
    """``sigma``, ``erosion`` and (``with_markdown``) ``markdown`` from monthly prices.

    Parameters
    ----------
    prices : numpy.ndarray
        Average price of each of ``n`` consecutive months, > 0.
    season_end : numpy.ndarray of bool
        :func:`season_end_changes` of the history.
    with_markdown : bool
        Estimate the markdown (the category has season ends and the history holds some).

    Returns
    -------
    list of Estimate
    """
    changes = np.diff(np.log(np.asarray(prices, dtype=float)))
    normal = changes[~season_end]
    n_n = normal.size
    mean_n = normal.mean()
    s_n = normal.std(ddof=1)
    sigma = s_n * np.sqrt(12)
    se_sigma = sigma / np.sqrt(2 * (n_n - 1))
    erosion = -(mean_n + 0.5 * sigma**2 / 12) * 12
    se_erosion = np.hypot(12 * s_n / np.sqrt(n_n), sigma * se_sigma)
    out = [
        Estimate("sigma", float(sigma), float(se_sigma), n_n),
        Estimate("erosion", float(erosion), float(se_erosion), n_n),
    ]
    n_s = int(season_end.sum())
    if with_markdown and n_s:
        extra = changes[season_end].mean() - mean_n
        se_extra = s_n * np.sqrt(1 / n_s + 1 / n_n)
        out.append(
            Estimate("markdown", float(-np.expm1(extra)), float(np.exp(extra) * se_extra), n_s)
        )
    return out


def estimate_demand(units: np.ndarray, stock: float | None) -> list[Estimate]:
    """``months_to_clear`` (given the stock on hand) and ``demand_sigma`` from monthly sales.

    Parameters
    ----------
    units : numpy.ndarray
        Units sold in each month, >= 0.
    stock : float or None
        Units on hand now; None: ``months_to_clear`` is not estimated.

    Returns
    -------
    list of Estimate
        Empty of a field that cannot be estimated (no sales; fewer than two months sold).
    """
    units = np.asarray(units, dtype=float)
    out = []
    mean = units.mean()
    if stock is not None and mean > 0 and units.size >= 2:
        clear = stock / mean
        se = clear * units.std(ddof=1) / np.sqrt(units.size) / mean
        out.append(Estimate("months_to_clear", float(clear), float(se), units.size))
    # log 0 is not a sales level: months without sales say nothing of its dispersion.
    sold = np.log(units[units > 0])
    if sold.size >= 2:
        demand_sigma = sold.std(ddof=1)
        out.append(
            Estimate(
                "demand_sigma",
                float(demand_sigma),
                float(demand_sigma / np.sqrt(2 * (sold.size - 1))),
                sold.size,
            )
        )
    return out
