"""Calibrate category fields from a history: the estimates, the category TOML and the report.

:func:`calibrate` estimates every category of a :class:`~finance.calibration.history.History`
(:mod:`finance.calibration.estimate`); :func:`calibration_toml` writes the estimates as
``[categories.NAME]`` tables that load as an assumptions file; :func:`calibration_frame` is
``calibration.csv`` (``category, field, estimate, std_error, months``).

What is written where
---------------------
- The TOML holds ``sigma``, ``erosion``, ``markdown`` (a category with season ends only),
  ``months_to_clear`` (when the stock on hand is known) and ``demand_sigma``, each brought
  within the bounds the category table takes (a negative erosion, prices rising, is written
  as 0; a note says so).
- ``calibration.csv`` holds every estimate as estimated (unbounded), with its standard error.
- A category left out (too little history, a gap, a price <= 0, units < 0) is in neither
  table: it keeps its default. Its problem is printed, and written as a comment at the top of
  the TOML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from finance.calibration.estimate import (
    FIELDS,
    Estimate,
    estimate_demand,
    estimate_prices,
    season_end_changes,
)
from finance.calibration.history import CategoryHistory, History
from finance.errors import Problem
from finance.inputs.categories import (
    FALLBACK_CATEGORY,
    MIN_MONTHS_TO_CLEAR,
    UPPER_BOUNDS,
    Category,
    default_categories,
)
from finance.locale import DEFAULT, Text, display_width, label, render, t
from finance.report.csv import atomic_write, safe_csv_bytes

#: The fields written to the TOML, and the bounds the category table takes for each.
TOML_BOUNDS: Mapping[str, tuple[float, float]] = {
    "sigma": (0.0, UPPER_BOUNDS["sigma"]),
    "erosion": (0.0, UPPER_BOUNDS["erosion"]),
    "markdown": (0.0, 1.0),
    "months_to_clear": (MIN_MONTHS_TO_CLEAR, UPPER_BOUNDS["months_to_clear"]),
    "demand_sigma": (0.0, UPPER_BOUNDS["demand_sigma"]),
}
#: The report's columns.
COLUMNS: tuple[str, ...] = ("category", "field", "estimate", "std_error", "months")


@dataclass(frozen=True, slots=True)
class CategoryCalibration:
    """The estimates of one category, and what goes into the TOML."""

    category: str
    months: int
    estimates: tuple[Estimate, ...]
    overrides: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Calibration:
    """A history calibrated: estimates per category, the left-out categories' problems, notes."""

    file: str
    categories: tuple[CategoryCalibration, ...]
    problems: tuple[Problem, ...]
    notes: tuple[Text, ...]


def calibrate(
    history: History,
    *,
    categories: Mapping[str, Category] | None = None,
    stock: Mapping[str, float] | None = None,
) -> Calibration:
    """Estimate each category of ``history``.

    Parameters
    ----------
    history : History
    categories : mapping, optional
        The table whose season ends mark the markdown months (a category it lacks takes
        ``generic``'s); the shipped one by default.
    stock : mapping of str to float, optional
        Units on hand per category (an inventory's); else the history's ``stock_on_hand``.
    """
    table = default_categories() if categories is None else categories
    out: list[CategoryCalibration] = []
    notes: list[Text] = []
    no_stock: list[str] = []
    for h in history.categories:
        on_hand = stock.get(h.name) if stock is not None else h.stock
        if on_hand is None:
            no_stock.append(h.name)
        fitted, bounded = fit_category(h, table, on_hand)
        out.append(fitted)
        notes += bounded
    if no_stock:
        notes.append(
            Text(
                f"months_to_clear not estimated for {', '.join(no_stock)}: no stock on hand "
                "(give --stock INVENTORY or a stock_on_hand column)",
                "calibration.no_stock",
                categories=no_stock,
            )
        )
    return Calibration(history.file, tuple(out), history.problems, tuple(notes))


def season_months(name: str, categories: Mapping[str, Category]) -> list[int]:
    """Calendar months (1-12) of category ``name``'s season ends (``generic``'s if unknown)."""
    category = categories.get(name, categories.get(FALLBACK_CATEGORY))
    return sorted({int(s[:2]) for s in category.season_ends}) if category else []


def fit_category(
    h: CategoryHistory, categories: Mapping[str, Category], on_hand: float | None
) -> tuple[CategoryCalibration, list[Text]]:
    """One category's estimates and TOML overrides, and a note for each bounded value."""
    months = season_months(h.name, categories)
    season_end = season_end_changes(int(h.first_month[5:]), h.months, months)
    estimates = estimate_prices(h.prices, season_end, with_markdown=bool(months))
    estimates += estimate_demand(h.units, on_hand)
    overrides: dict[str, float] = {}
    notes: list[Text] = []
    for e in estimates:
        if e.field not in TOML_BOUNDS:
            continue
        lo, hi = TOML_BOUNDS[e.field]
        value = min(max(e.estimate, lo), hi)
        if value != e.estimate:
            notes.append(
                Text(
                    f"{h.name}: {e.field} estimated {e.estimate:.4g}, written as {value:g} "
                    "(the category table's bound)",
                    "calibration.bounded",
                    category=h.name,
                    field=e.field,
                    estimate=f"{e.estimate:.4g}",
                    value=f"{value:g}",
                )
            )
        overrides[e.field] = round(value, 6)
    return CategoryCalibration(h.name, h.months, tuple(estimates), overrides), notes


def history_frame(
    h: CategoryHistory, fit: CategoryCalibration, categories: Mapping[str, Category]
) -> pd.DataFrame:
    """One category's history beside what was fitted to it, for charts.

    Columns: ``month`` (``YYYY-MM``), ``price``, ``trend`` (the fitted median path: the log
    price's drift ``-erosion/12 - sigma^2/24`` a month and ``log(1 - markdown)`` at each
    season end, from the estimates as estimated, through the history's mean log price),
    ``season_end`` (the month follows a season end: its price carries the markdown),
    ``units``, ``level`` (mean units sold a month).
    """
    found = {e.field: e.estimate for e in fit.estimates}
    months = season_months(h.name, categories)
    season_end = season_end_changes(int(h.first_month[5:]), h.months, months)
    steps = np.full(h.months - 1, -found["erosion"] / 12 - found["sigma"] ** 2 / 24)
    steps[season_end] += np.log1p(-min(found.get("markdown", 0.0), 1 - 1e-12))
    shape = np.concatenate(([0.0], np.cumsum(steps)))
    log_price = np.log(h.prices)
    trend = np.exp(shape + (log_price - shape).mean())
    first = int(h.first_month[:4]) * 12 + int(h.first_month[5:]) - 1
    return pd.DataFrame(
        {
            "month": [f"{p // 12:04d}-{p % 12 + 1:02d}" for p in range(first, first + h.months)],
            "price": h.prices,
            "trend": trend,
            "season_end": np.concatenate(([False], season_end)),
            "units": h.units,
            "level": float(h.units.mean()),
        }
    )


def calibration_frame(calibration: Calibration) -> pd.DataFrame:
    """``calibration.csv``: one row per category and estimated field, in :data:`FIELDS` order."""
    rows = [
        (c.category, e.field, e.estimate, e.std_error, e.months)
        for c in calibration.categories
        for e in sorted(c.estimates, key=lambda e: FIELDS.index(e.field))
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"estimate": float, "std_error": float, "months": "int64"})


def calibration_toml(calibration: Calibration, lang: str = DEFAULT) -> bytes:
    """The estimates as ``[categories.NAME]`` tables, a loadable assumptions file (UTF-8)."""
    head = [
        f"# Category fields estimated by `python -m finance calibrate` from {calibration.file}.",
        "# Standard errors and months used: calibration.csv beside this file.",
        "# Load it as an assumptions file, or paste its tables into one.",
    ]
    head += [f"# {p.render_message(lang)}" for p in calibration.problems]
    document = {"categories": {c.category: dict(c.overrides) for c in calibration.categories}}
    return ("\n".join(head) + "\n\n" + tomli_w.dumps(document)).encode("utf-8")


def format_calibration(calibration: Calibration, lang: str = DEFAULT) -> str:
    """The estimates with their standard errors as a plain-text table, then problems and notes."""
    heads = [t(f"calibration.{h}", lang) for h in COLUMNS]
    lines = [t("calibration.title", lang, file=calibration.file)]
    widths = (20, 18, 12, 12, 8)
    lines.append(_line(heads, widths))
    for _, row in calibration_frame(calibration).iterrows():
        cells = (
            label("category", row["category"], lang),
            t(f"calibration.field_{row['field']}", lang),
            f"{row['estimate']:.4f}",
            f"{row['std_error']:.4f}",
            str(row["months"]),
        )
        lines.append(_line(cells, widths))
    lines += [p.render(lang) for p in calibration.problems]
    lines += [render(n, lang) for n in calibration.notes]
    return "\n".join(lines)


def _line(cells: tuple[str, ...] | list[str], widths: tuple[int, ...]) -> str:
    """One row of the table: the first two columns left-aligned, the figures right-aligned."""
    pairs = zip(cells, widths, strict=True)
    return "".join(_cell(c, w, i < 2) for i, (c, w) in enumerate(pairs))


def _cell(text: str, width: int, left: bool) -> str:
    shown = display_width(text)
    pad = " " * max(width - shown, 1 if not left else 0)
    return text + pad if left else pad + text


def write_calibration(
    calibration: Calibration,
    out: str | Path,
    lang: str = DEFAULT,
    backtest: pd.DataFrame | None = None,
) -> tuple[Path, ...]:
    """Write the TOML at ``out``, ``calibration.csv`` and ``backtest.csv`` beside it.

    ``backtest.csv`` is written when ``backtest`` (its frame,
    :func:`finance.calibration.backtest.backtest_frame`) is given. Each file is whole or not
    at all: every file is made in memory first, so that a failure while making any writes none; each
    is then written through a temporary file (:func:`atomic_write`). Returns the paths
    written: the TOML, ``calibration.csv``, then ``backtest.csv`` when given.
    """
    out = Path(out)
    toml = calibration_toml(calibration, lang)
    report = safe_csv_bytes(calibration_frame(calibration))
    tested = None if backtest is None else safe_csv_bytes(backtest)
    csv_path = out.parent / "calibration.csv"
    written = [out, csv_path]
    if tested is not None:
        written.append(atomic_write(out.parent / "backtest.csv", tested))
    atomic_write(csv_path, report)
    atomic_write(out, toml)
    return tuple(written)
