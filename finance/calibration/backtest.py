"""Backtest: the last months of a history predicted by the model fitted on the months before.

Per category of ``n`` months (docs/model.md, "Backtest"):

- fit on months ``0 .. n - 13`` (:func:`~finance.calibration.calibrate.fit_category`, the
  values the category TOML would hold: ``sigma``, ``erosion``, ``markdown``, ``demand_sigma``)
  and take the sales level ``L`` as the mean units sold a month over those months;
- from the price ``P0`` of month ``n - 13`` (the last fitted), month ``n - 13 + t`` (``t = 1
  .. 12``) is predicted as ``E[P_t] = P0 e^(-erosion t/12) (1 - markdown)^(k_t)``, ``k_t`` the
  season-end changes passed, with the 90% band of the lognormal price: ``P0 e^(-erosion t/12
  - sigma^2 t/24 ± 1.645 sigma sqrt(t/12)) (1 - markdown)^(k_t)``; units sold as ``L``, band
  ``L e^(-demand_sigma^2/2 ± 1.645 demand_sigma)``;
- realised: the history's last 12 months. Value lost by a unit held the 12 months: predicted
  ``1 - E[P_12]/P0`` (band ``1 - upper_12/P0 .. 1 - lower_12/P0``), realised ``1 - P_12/P0``;
  and the months whose realised price is outside its band.

The band is the model's own, from the fitted ``sigma``: it leaves out the estimates' error,
so on a short fit realised prices fall outside it somewhat more often than one month in ten.

A category with fewer than :data:`~finance.calibration.history.MIN_MONTHS` months before the
last 12 is skipped, with a note; the others proceed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finance.calibration.calibrate import fit_category, season_months
from finance.calibration.estimate import season_end_changes
from finance.calibration.history import MIN_MONTHS, CategoryHistory, History
from finance.inputs.categories import Category, default_categories
from finance.locale import DEFAULT, Text, display_width, label, render, t

#: Months predicted, at the end of the history.
HORIZON = 12
#: The band's standard normal quantile: 5% and 95%.
Z_BAND = 1.6448536269514722
#: ``backtest.csv``'s columns.
COLUMNS: tuple[str, ...] = (
    "category",
    "month",
    "predicted_price",
    "lower_price",
    "upper_price",
    "realised_price",
    "predicted_units",
    "realised_units",
)


@dataclass(frozen=True, slots=True)
class CategoryBacktest:
    """One category's backtest.

    Attributes
    ----------
    category : str
    fitted_months : int
        Months the model was fitted on (all but the last :data:`HORIZON`).
    start_month : str
        ``YYYY-MM`` of the last fitted month, whose price ``start_price`` the path starts from.
    start_price : float
    sigma, erosion, markdown, demand_sigma : float
        The fitted values the prediction used (as the category TOML would hold them; a
        category without season ends has markdown 0).
    level : float
        Fitted sales level: mean units sold a month over the fitted months.
    path : pandas.DataFrame
        One row per predicted month: :data:`COLUMNS` and ``lower_units``, ``upper_units``,
        ``season_end`` (the month follows a season end).
    predicted_loss, lower_loss, upper_loss, realised_loss : float
        Value lost by a unit held the :data:`HORIZON` months, as a fraction of ``start_price``:
        predicted (expected), its 90% band, realised.
    months_outside : int
        Predicted months whose realised price is outside the band.
    """

    category: str
    fitted_months: int
    start_month: str
    start_price: float
    sigma: float
    erosion: float
    markdown: float
    demand_sigma: float
    level: float
    path: pd.DataFrame
    predicted_loss: float
    lower_loss: float
    upper_loss: float
    realised_loss: float
    months_outside: int


@dataclass(frozen=True, slots=True)
class Backtest:
    """The backtest of every category with enough history, and notes of those skipped."""

    categories: tuple[CategoryBacktest, ...]
    skipped: tuple[Text, ...]


def _month(first: str, offset: int) -> str:
    period = int(first[:4]) * 12 + int(first[5:]) - 1 + offset
    return f"{period // 12:04d}-{period % 12 + 1:02d}"


def backtest_category(
    h: CategoryHistory, categories: Mapping[str, Category], horizon: int = HORIZON
) -> CategoryBacktest:
    """Backtest one category (it must have ``horizon + MIN_MONTHS`` months or more)."""
    n = h.months
    fitted = n - horizon
    past = CategoryHistory(h.name, h.first_month, h.prices[:fitted], h.units[:fitted], None)
    fit, _ = fit_category(past, categories, None)
    o = fit.overrides
    sigma, erosion = o["sigma"], o["erosion"]
    markdown = o.get("markdown", 0.0)
    demand_sigma = o.get("demand_sigma", 0.0)
    level = float(past.units.mean())

    season = season_end_changes(int(h.first_month[5:]), n, season_months(h.name, categories))
    after = season[fitted - 1 :]  # the changes into months fitted .. n - 1
    passed = np.cumsum(after)
    years = np.arange(1, horizon + 1) / 12
    p0 = float(h.prices[fitted - 1])
    expected = p0 * np.exp(-erosion * years) * (1 - markdown) ** passed
    spread = Z_BAND * sigma * np.sqrt(years)
    median = expected * np.exp(-0.5 * sigma**2 * years)
    lower, upper = median * np.exp(-spread), median * np.exp(spread)
    realised = h.prices[fitted:]
    unit_median = level * np.exp(-0.5 * demand_sigma**2)
    path = pd.DataFrame(
        {
            "category": h.name,
            "month": [_month(h.first_month, fitted + i) for i in range(horizon)],
            "predicted_price": expected,
            "lower_price": lower,
            "upper_price": upper,
            "realised_price": realised,
            "predicted_units": level,
            "realised_units": h.units[fitted:],
            "lower_units": unit_median * np.exp(-Z_BAND * demand_sigma),
            "upper_units": unit_median * np.exp(Z_BAND * demand_sigma),
            "season_end": after,
        }
    )
    # A realised price on the band's edge (zero noise: the band is the path) is inside it.
    tol = 1e-9 * expected
    outside = (realised < lower - tol) | (realised > upper + tol)
    return CategoryBacktest(
        category=h.name,
        fitted_months=fitted,
        start_month=_month(h.first_month, fitted - 1),
        start_price=p0,
        sigma=sigma,
        erosion=erosion,
        markdown=markdown,
        demand_sigma=demand_sigma,
        level=level,
        path=path,
        predicted_loss=float(1 - expected[-1] / p0),
        lower_loss=float(1 - upper[-1] / p0),
        upper_loss=float(1 - lower[-1] / p0),
        realised_loss=float(1 - realised[-1] / p0),
        months_outside=int(outside.sum()),
    )


def backtest(
    history: History,
    *,
    categories: Mapping[str, Category] | None = None,
    horizon: int = HORIZON,
) -> Backtest:
    """Backtest every category of ``history`` with enough months; note the others.

    Parameters
    ----------
    history : History
    categories : mapping, optional
        The table whose season ends mark the markdown months; the shipped one by default.
    horizon : int
        Months predicted at the end of the history.
    """
    table = default_categories() if categories is None else categories
    done: list[CategoryBacktest] = []
    skipped: list[Text] = []
    for h in history.categories:
        fitted = h.months - horizon
        if fitted < MIN_MONTHS:
            skipped.append(
                Text(
                    f"{h.name}: no backtest, {max(fitted, 0)} months before the last "
                    f"{horizon}, fewer than the {MIN_MONTHS} it fits on",
                    "calibration.backtest_short",
                    category=h.name,
                    months=max(fitted, 0),
                    horizon=horizon,
                    need=MIN_MONTHS,
                )
            )
            continue
        done.append(backtest_category(h, table, horizon))
    return Backtest(tuple(done), tuple(skipped))


def backtest_frame(result: Backtest, *, full: bool = False) -> pd.DataFrame:
    """``backtest.csv``: :data:`COLUMNS`, one row per category and predicted month.

    ``full`` keeps the units' band and the season-end flag too (for the app's charts).
    """
    frames = [c.path for c in result.categories]
    if not frames:
        frame = pd.DataFrame(columns=[*COLUMNS, "lower_units", "upper_units", "season_end"])
    else:
        frame = pd.concat(frames, ignore_index=True)
    return frame if full else frame[list(COLUMNS)]


def summary_frame(result: Backtest) -> pd.DataFrame:
    """One row per category: months fitted, value lost (predicted, band, realised), misses."""
    return pd.DataFrame(
        [
            (
                c.category,
                c.fitted_months,
                c.predicted_loss,
                c.lower_loss,
                c.upper_loss,
                c.realised_loss,
                c.months_outside,
            )
            for c in result.categories
        ],
        columns=[
            "category",
            "fitted_months",
            "predicted_loss",
            "lower_loss",
            "upper_loss",
            "realised_loss",
            "months_outside",
        ],
    )


def format_backtest(result: Backtest, lang: str = DEFAULT, horizon: int = HORIZON) -> str:
    """The per-category summary as a plain-text table, then the categories skipped."""
    lines = [t("backtest.title", lang, horizon=horizon)]
    heads = [
        t(f"backtest.{h}", lang)
        for h in ("category", "fitted", "predicted", "band", "realised", "outside")
    ]
    widths = (20, 10, 12, 18, 12, 14)
    lines.append(_row(heads, widths))
    for c in result.categories:
        cells = (
            label("category", c.category, lang),
            str(c.fitted_months),
            _pct(c.predicted_loss),
            f"{_pct(c.lower_loss)} .. {_pct(c.upper_loss)}",
            _pct(c.realised_loss),
            f"{c.months_outside} / {horizon}",
        )
        lines.append(_row(cells, widths))
    lines += [render(s, lang) for s in result.skipped]
    return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    out = []
    for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * max(width - display_width(text), 0 if i == 0 else 1)
        out.append(text + pad if i == 0 else pad + text)
    return "".join(out)
