"""Read and check a monthly sales history, per category.

Columns (the header found as the inventory's is, case and spaces ignored): ``month``
(``YYYY-MM``; also ``YYYY/MM``, ``YYYY年MM月`` or a date, whose day is ignored), ``category``,
``avg_price`` (currency per unit; ¥ and thousands separators allowed), ``units_sold``, and
optionally ``sku`` and ``stock_on_hand`` (units on hand in the month). Chinese headers: 月份,
类别 (or 品类), 均价, 销量, 商品编码, 库存.

Two kinds of defects:

- *File-level* (a missing column, a month, price or units cell that cannot be read, a blank
  category): :class:`finance.errors.InputError`, every one naming the file, row and column.
- *Per category* (fewer than :data:`MIN_MONTHS` months, a month missing between the first and
  the last, a price <= 0, units < 0): a :class:`finance.errors.Problem` in
  :attr:`History.problems`; the category is left out of the calibration and keeps its default.

Several rows of one category and month (one per SKU, or repeated) are one month: units
summed, the price their units-weighted mean (the plain mean when none sold). A mix of SKUs
whose shares move adds to the measured volatility: give one category's SKUs with steady
shares, or one row per category.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from finance.errors import InputError, Problem
from finance.inputs.categories import Category, default_categories
from finance.inputs.reading import Limits, Unreadable, read_source, read_table
from finance.locale import Text

#: Fewest consecutive months a category needs: two of each calendar month.
MIN_MONTHS = 24

#: Accepted headers of each column (normalised: NFKC, lower case, spaces as underscores).
ALIASES: Mapping[str, tuple[str, ...]] = {
    "month": ("month", "月份", "月"),
    "category": ("category", "类别", "品类"),
    "sku": ("sku", "商品编码", "物料编码"),
    "avg_price": ("avg_price", "均价", "平均价格"),
    "units_sold": ("units_sold", "销量", "销售数量"),
    "stock_on_hand": ("stock_on_hand", "stock", "库存", "期末库存"),
}
REQUIRED: tuple[str, ...] = ("month", "category", "avg_price", "units_sold")
_LOOKUP = {alias: column for column, names in ALIASES.items() for alias in names}
_MONTH = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2}日?)?(?:[ T]00:00(?::00)?)?$"
)


@dataclass(frozen=True, slots=True)
class CategoryHistory:
    """One category's months, consecutive and checked.

    Attributes
    ----------
    name : str
        The category's key (a shipped category's when the file names it or a synonym).
    first_month : str
        ``YYYY-MM`` of the first month.
    prices : numpy.ndarray
        Average price of each month, > 0.
    units : numpy.ndarray
        Units sold each month, >= 0.
    stock : float or None
        Units on hand in the last month (the ``stock_on_hand`` column), None without it.
    """

    name: str
    first_month: str
    prices: np.ndarray
    units: np.ndarray
    stock: float | None

    @property
    def months(self) -> int:
        """Months of history."""
        return int(self.prices.size)


@dataclass(frozen=True, slots=True)
class History:
    """A history file read: the categories fit to calibrate and the problems of the others."""

    file: str
    categories: tuple[CategoryHistory, ...]
    problems: tuple[Problem, ...]
    left_out: tuple[str, ...]


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _normalise(cell: object) -> str:
    return re.sub(r"\s+", "_", unicodedata.normalize("NFKC", str(cell)).strip().lower())


def _score(cells: Sequence[object]) -> int:
    names = (_normalise(c) for c in cells if isinstance(c, str))
    return len({_LOOKUP[n] for n in names if n in _LOOKUP})


def _category_key(categories: Mapping[str, Category]) -> dict[str, str]:
    keys = {}
    for name, cat in categories.items():
        for word in (name, *cat.synonyms):
            keys[unicodedata.normalize("NFKC", word).strip().lower()] = name
    return keys


def _numbers(cells: pd.Series) -> pd.Series:
    text = cells.astype(str).map(lambda s: unicodedata.normalize("NFKC", s).strip())
    text = text.str.replace(r"[¥,\s]", "", regex=True)
    return pd.to_numeric(text.where(text != "", None), errors="coerce")


def read_history(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    name: str | None = None,
    categories: Mapping[str, Category] | None = None,
    limits: Limits | None = None,
) -> History:
    """Read a monthly history and check it per category.

    Parameters
    ----------
    source : path, bytes or binary file
        CSV, XLSX or Parquet (told by the name's suffix).
    name : str, optional
        The file's name (needed for bytes or a file object).
    categories : mapping, optional
        The category table whose names and synonyms map the file's names to keys; the
        shipped one by default. A name it lacks stays as the file writes it.
    limits : Limits, optional
        Bounds of the reading (:mod:`finance.inputs.reading`).

    Raises
    ------
    InputError
        File-level defects, each with the file, row and column.
    """
    if name is None and isinstance(source, str | os.PathLike):
        name = Path(os.fspath(source)).name
    file = name or "<upload>"
    limits = limits or Limits()
    try:
        table = read_table(read_source(source, limits.bytes), file, limits, _score)
    except Unreadable as exc:
        raise InputError([Problem(file, exc.args[0])]) from None
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        column = _LOOKUP.get(_normalise(header))
        if column and column not in found:
            found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise InputError(
            Problem(
                file,
                Text(
                    f"missing column {c!r} (also accepted: {', '.join(ALIASES[c])})",
                    "problem.missing_column",
                    field=c,
                    aliases=list(ALIASES[c]),
                ),
                row=table.header_row,
            )
            for c in missing
        )
    data = table.data
    rows = table.rows
    headers = table.headers
    problems: list[Problem] = []

    def bad(mask: np.ndarray, column: str, make: object) -> None:
        cells = data[found[column]]
        for position in np.flatnonzero(mask):
            problems.append(
                Problem(
                    file,
                    make(cells.iloc[position]),
                    row=int(rows[position]),
                    column=headers[found[column]],
                )
            )

    raw_month = data[found["month"]].astype(str).map(_clean)
    parts = raw_month.str.extract(_MONTH)
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce")
    month_bad = (year.isna() | ~month.between(1, 12)).to_numpy()
    bad(
        month_bad,
        "month",
        lambda v: Text(f"{v!r} is not a month written YYYY-MM", "problem.not_month", value=str(v)),
    )
    category_text = data[found["category"]].astype(str).map(_clean)
    blank = (category_text == "") | (category_text.str.lower() == "nan")
    bad(
        blank.to_numpy(),
        "category",
        lambda v: Text("the cell is blank: the column is required", "problem.blank"),
    )
    values = {}
    for column in ("avg_price", "units_sold", "stock_on_hand"):
        if column not in found:
            continue
        values[column] = _numbers(data[found[column]])
        not_number = values[column].isna() | ~np.isfinite(values[column].fillna(0))
        if column == "stock_on_hand":  # optional: a blank cell is no stock figure
            not_number &= data[found[column]].astype(str).str.strip() != ""
        bad(
            not_number.to_numpy(),
            column,
            lambda v: Text(f"{v!r} is not a number", "problem.not_number", value=str(v)),
        )
    if problems:
        raise InputError(problems)

    keys = _category_key(default_categories() if categories is None else categories)
    names = category_text.map(lambda s: keys.get(s.lower(), s))
    frame = pd.DataFrame(
        {
            "category": names.to_numpy(),
            "period": (year * 12 + month - 1).astype(np.int64).to_numpy(),
            "price": values["avg_price"].to_numpy(),
            "units": values["units_sold"].to_numpy(),
            "stock": values["stock_on_hand"].to_numpy() if "stock_on_hand" in values else np.nan,
            "row": rows,
        }
    )
    return _per_category(frame, file, headers, found)


def _per_category(
    frame: pd.DataFrame, file: str, headers: Sequence[str], found: Mapping[str, int]
) -> History:
    problems: list[Problem] = []
    fit: list[CategoryHistory] = []
    left_out: list[str] = []
    for name, rows in frame.groupby("category", sort=False):
        mine: list[Problem] = []
        for column, mask, english, code in (
            ("avg_price", rows["price"] <= 0, "a price <= 0", "problem.calibration_price"),
            ("units_sold", rows["units"] < 0, "units sold < 0", "problem.calibration_units"),
        ):
            if mask.any():
                first = int(rows.loc[mask, "row"].iloc[0])
                mine.append(
                    Problem(
                        file,
                        Text(
                            f"category {name}: {english} (first at row {first}); left out, it "
                            "keeps its default",
                            code,
                            category=name,
                            row=first,
                        ),
                        row=first,
                        column=headers[found[column]],
                    )
                )
        weight = rows["units"].clip(lower=0)
        by_month = (
            rows.assign(revenue=rows["price"] * weight, weight=weight)
            .groupby("period")
            .agg(
                revenue=("revenue", "sum"),
                units=("weight", "sum"),
                mean_price=("price", "mean"),
                stock=("stock", lambda s: s.sum(min_count=1)),
            )
        )
        periods = by_month.index.to_numpy()
        n = periods.size
        span = int(periods.max() - periods.min() + 1)
        if span != n:
            have = set(periods.tolist())
            gap = next(p for p in range(int(periods.min()), int(periods.max())) if p not in have)
            month = f"{gap // 12:04d}-{gap % 12 + 1:02d}"
            mine.append(
                Problem(
                    file,
                    Text(
                        f"category {name}: no row for {month}, between its first and last months; "
                        "left out, it keeps its default",
                        "problem.calibration_gap",
                        category=name,
                        month=month,
                    ),
                )
            )
        if n < MIN_MONTHS:
            mine.append(
                Problem(
                    file,
                    Text(
                        f"category {name}: {n} months of history, fewer than the "
                        f"{MIN_MONTHS} needed; left out, it keeps its default",
                        "problem.calibration_short",
                        category=name,
                        months=n,
                        need=MIN_MONTHS,
                    ),
                )
            )
        if mine:
            problems += mine
            left_out.append(str(name))
            continue
        sold = by_month["units"].to_numpy()
        prices = np.where(
            sold > 0, by_month["revenue"] / np.where(sold > 0, sold, 1), by_month["mean_price"]
        )
        stock = by_month["stock"].iloc[-1]
        first = int(periods[0])
        fit.append(
            CategoryHistory(
                str(name),
                f"{first // 12:04d}-{first % 12 + 1:02d}",
                prices.astype(float),
                sold.astype(float),
                None if pd.isna(stock) else float(stock),
            )
        )
    return History(file, tuple(fit), tuple(problems), tuple(left_out))
