"""A synthetic monthly history with known parameters, to test the estimators against.

The process (per category, months ``t = 0, 1, ..., n - 1``, consecutive calendar months)::

    log P_0 = log start_price
    log P_t - log P_{t-1} = -erosion / 12 - 0.5 * sigma**2 / 12 + sigma * sqrt(1 / 12) * Z_t
                            + [month t-1 holds a season end] * log(1 - markdown)
    units_t = level * exp(demand_sigma * V_t - demand_sigma**2 / 2)
    stock_on_hand_t = level * months_to_clear          (when months_to_clear is given)

with ``Z_t`` and ``V_t`` independent standard normals. ``sigma`` and ``erosion`` are annual
(MODEL.md section 2: ``P(t) = p e^(-erosion t) X(t)``, ``E[X(t)] = 1``); the markdown of a
season end falling in calendar month ``M`` shows in the change from month ``M`` to month
``M + 1``: a month's average price is taken as the price before the season end, the next
month's as the price after it (:mod:`finance.calibration.estimate` reads the history the
same way). ``units_t`` has mean ``level`` (the ``- demand_sigma**2 / 2`` keeps it so), so the stock
on hand clears in ``months_to_clear`` months at the mean rate.

The shipped ``data/sample_history.csv`` is :func:`sample_history` written by
:func:`write_history`: the eight shipped categories (``sigma``, ``erosion``, ``markdown``,
season ends and ``months_to_clear`` from ``data/categories.toml``; ``level`` and
``demand_sigma`` from :data:`SAMPLE_DEMAND`), 48 months from 2021-01, seed
:data:`SAMPLE_SEED`, prices rounded to the cent, units and stock to whole units.
Regenerate it with::

    python -c "from finance.calibration.synthetic import *; \
write_history(sample_history(), 'data/sample_history.csv')"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from finance.inputs.categories import Category, default_categories

#: Seed of the shipped ``data/sample_history.csv``.
SAMPLE_SEED = 20240601
#: Months of the shipped sample, and its first month.
SAMPLE_MONTHS = 48
SAMPLE_START = "2021-01"
#: (level in units a month, demand_sigma) of each shipped category in the sample: our
#: judgement of a mid-sized distributor, not a calibrated figure.
SAMPLE_DEMAND: Mapping[str, tuple[float, float]] = {
    "apparel": (1_200.0, 0.35),
    "electronics": (800.0, 0.30),
    "food": (5_000.0, 0.15),
    "home_appliances": (300.0, 0.25),
    "auto_parts": (2_000.0, 0.20),
    "steel": (400.0, 0.25),
    "copper": (150.0, 0.20),
    "generic": (1_000.0, 0.25),
}


@dataclass(frozen=True, slots=True)
class TrueParameters:
    """The known parameters one category's synthetic history is drawn with.

    Attributes
    ----------
    sigma : float
        Annual price volatility.
    erosion : float
        Annual continuous price erosion (a rate: the trend is ``exp(-erosion t)``).
    markdown : float
        Fraction of price lost at each season end, in [0, 1).
    season_months : tuple of int
        Calendar months (1-12) holding a season end.
    level : float
        Mean units sold a month.
    demand_sigma : float
        Standard deviation of log monthly units sold.
    start_price : float
        Average price of the first month, currency per unit.
    months_to_clear : float or None
        Months the stock on hand takes to sell at the mean rate; None: no stock column.
    """

    sigma: float
    erosion: float
    markdown: float
    season_months: tuple[int, ...]
    level: float
    demand_sigma: float
    start_price: float = 100.0
    months_to_clear: float | None = None

    @classmethod
    def of(cls, category: Category, level: float, demand_sigma: float) -> TrueParameters:
        """The parameters of a category of the table, with a sales level and demand_sigma."""
        months = tuple(sorted({int(s[:2]) for s in category.season_ends}))
        return cls(
            category.sigma,
            category.erosion,
            category.markdown,
            months,
            level,
            demand_sigma,
            months_to_clear=category.months_to_clear,
        )


def generate_history(
    truth: Mapping[str, TrueParameters],
    months: int,
    *,
    start: str = SAMPLE_START,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw a monthly history of each category by the process of the module docstring.

    Parameters
    ----------
    truth : mapping of str to TrueParameters
        The categories, in the order their draws are taken.
    months : int
        Months of history per category (>= 1).
    start : str
        First month, ``YYYY-MM``.
    seed : int
        Seed of one ``numpy.random.default_rng``; each category draws its ``Z`` (``months -
        1`` of them), then its ``V`` (``months``), in ``truth``'s order.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (``YYYY-MM``), ``category``, ``avg_price`` (currency per unit,
        unrounded) and ``units_sold`` (unrounded), one row per category and month; and
        ``stock_on_hand`` (units) when a category has ``months_to_clear`` (NaN for one
        without).
    """
    rng = np.random.default_rng(seed)
    calendar = pd.period_range(start=start, periods=months, freq="M")
    labels = calendar.strftime("%Y-%m")
    frames = []
    for name, p in truth.items():
        z = rng.standard_normal(months - 1)
        v = rng.standard_normal(months)
        # The change into month t carries the markdown when month t-1 holds a season end.
        after_season_end = np.isin(calendar.month[:-1], p.season_months)
        change = (
            -p.erosion / 12
            - 0.5 * p.sigma**2 / 12
            + p.sigma * np.sqrt(1 / 12) * z
            + after_season_end * np.log1p(-p.markdown)
        )
        log_price = np.log(p.start_price) + np.concatenate(([0.0], np.cumsum(change)))
        units = p.level * np.exp(p.demand_sigma * v - p.demand_sigma**2 / 2)
        frames.append(
            pd.DataFrame(
                {
                    "month": labels,
                    "category": name,
                    "avg_price": np.exp(log_price),
                    "units_sold": units,
                    "stock_on_hand": np.nan
                    if p.months_to_clear is None
                    else p.level * p.months_to_clear,
                }
            )
        )
    history = pd.concat(frames, ignore_index=True)
    if history["stock_on_hand"].isna().all():
        history = history.drop(columns="stock_on_hand")
    return history


def sample_truth() -> dict[str, TrueParameters]:
    """The parameters of the shipped sample: the shipped categories with :data:`SAMPLE_DEMAND`."""
    categories = default_categories()
    return {
        name: TrueParameters.of(categories[name], level, demand_sigma)
        for name, (level, demand_sigma) in SAMPLE_DEMAND.items()
    }


def sample_history() -> pd.DataFrame:
    """The history of ``data/sample_history.csv`` (unrounded)."""
    return generate_history(sample_truth(), SAMPLE_MONTHS, start=SAMPLE_START, seed=SAMPLE_SEED)


def write_history(history: pd.DataFrame, path: str | Path) -> Path:
    """Write a history as CSV: prices rounded to the cent, units to whole units."""
    out = history.assign(
        avg_price=history["avg_price"].round(2), units_sold=history["units_sold"].round(0)
    )
    out["units_sold"] = out["units_sold"].astype(np.int64)
    if "stock_on_hand" in out:
        out["stock_on_hand"] = out["stock_on_hand"].round(0).astype("Int64")
    path = Path(path)
    out.to_csv(path, index=False, lineterminator="\n")
    return path
