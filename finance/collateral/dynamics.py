"""Deterministic part of the price model: erosion, season markdowns, expiry.

docs/model.md section 2 writes a lot's price as

    P_i(t) = p_i * exp(-delta_k t) * M_k(t) * S_i(t) * X_k(t)

This module computes everything but the random shock X_k (which has mean 1), so
``p_i * price_factor(t)`` is also the expected price E[P_i(t)] used by the collateral
values of section 3. Time is whole calendar days from t0; t in years is days / 365.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from finance.collateral.lots import Lots
from finance.inputs.categories import Category, aging_reserve_at
from finance.market.curve import DAYS_PER_YEAR


def season_end_days(
    season_ends: Sequence[str], valuation_date: dt.date, max_day: int
) -> np.ndarray:
    """Days from t0 of every season end ("MM-DD") in (t0, t0 + max_day], sorted."""
    days = []
    for year in range(valuation_date.year, valuation_date.year + max_day // 365 + 2):
        for mmdd in season_ends:
            offset = (dt.date(year, int(mmdd[:2]), int(mmdd[3:])) - valuation_date).days
            if 0 < offset <= max_day:
                days.append(offset)
    return np.array(sorted(days), dtype=np.int64)


def markdown_counts(
    categories: Sequence[Category], valuation_date: dt.date, max_day: int
) -> np.ndarray:
    """Count season ends in (t0, t0 + d] for every category and day d = 0..max_day.

    Returns
    -------
    numpy.ndarray of int64, shape (n_categories, max_day + 1)
        ``counts[k, d]`` is n_k(d) of docs/model.md section 2.
    """
    counts = np.zeros((len(categories), max_day + 1), dtype=np.int64)
    for k, cat in enumerate(categories):
        hits = np.zeros(max_day + 1, dtype=np.int64)
        np.add.at(hits, season_end_days(cat.season_ends, valuation_date, max_day), 1)
        counts[k] = np.cumsum(hits)
    return counts


def price_factor(lots: Lots, counts: np.ndarray, days: np.ndarray | int) -> np.ndarray:
    """Expected price relative to today, E[P_i(t)] / p_i, at whole days from t0.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Output of :func:`markdown_counts` covering at least the largest day asked for.
    days : int or numpy.ndarray of int
        Calendar days from t0, one per lot (or one for all); negative days count as 0.

    Returns
    -------
    numpy.ndarray
        exp(-delta t) * (1 - m)^n(t) * S(t), per lot; S is the category's salvage fraction
        from the lot's expiry day on (t >= expiry), else 1.
    """
    if np.ndim(days) == 0 and lots.n_cells:
        # One day for every lot: the erosion and markdown factors depend only on the lot's
        # erosion level and category, so compute them per level and gather.
        day = max(int(days), 0)
        factor = cell_factors(lots, counts, np.full(len(lots.categories), day))[lots.factor_index]
        np.multiply(factor, lots.param("salvage"), out=factor, where=day >= lots.expiry_day)
        return factor
    days = np.maximum(np.broadcast_to(np.asarray(days, dtype=np.int64), lots.quantity.shape), 0)
    markdown = lots.param("markdown")
    n_marks = counts[lots.category, np.minimum(days, counts.shape[1] - 1)]
    salvage = np.where(days >= lots.expiry_day, lots.param("salvage"), 1.0)
    return np.exp(-lots.erosion * days / DAYS_PER_YEAR) * (1.0 - markdown) ** n_marks * salvage


def cell_factors(lots: Lots, counts: np.ndarray, category_days: np.ndarray) -> np.ndarray:
    """Expected price factor per cell (an erosion rate and a category), each category at its day.

    ``e^(-delta t) M_k(t)`` without salvage, one per cell (:attr:`Lots.cell_erosion`,
    :attr:`Lots.cell_category`; a lot's cell is :attr:`Lots.factor_index`): every lot of a
    cell has the same factor before its expiry.

    Parameters
    ----------
    category_days : numpy.ndarray of int, shape (K,)
        The day each category is valued at (negative days count as 0).

    Returns
    -------
    numpy.ndarray, shape (cells,)
    """
    days = np.maximum(np.asarray(category_days, dtype=np.int64), 0)
    marks = (1.0 - lots.category_param("markdown")) ** counts[
        np.arange(len(days)), np.minimum(days, counts.shape[1] - 1)
    ]
    cat = lots.cell_category
    erosion = np.exp(-(lots.cell_erosion * days[cat]) / DAYS_PER_YEAR)
    return erosion * marks[cat]


def aging_reserve_of(lots: Lots, age_days: np.ndarray) -> np.ndarray:
    """Each lot's aging reserve at the given ages (docs/model.md section 6a).

    Parameters
    ----------
    age_days : numpy.ndarray of int, shape (N,)
        Each lot's age in calendar days (its age at t0 plus the days until the sale).

    Returns
    -------
    numpy.ndarray, shape (N,)
        The reserve fraction of its category's bucket for that age.
    """
    return aging_reserve_at(lots.category_param("aging_reserve"), lots.category, age_days)
