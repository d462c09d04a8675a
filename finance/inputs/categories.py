"""The category table: price dynamics, eligibility and lending terms per category.

The shipped defaults are in ``data/categories.toml`` (each value with its source). An
assumptions file overrides fields of a category or adds one; a new category takes the
fields it does not name from ``generic``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finance.errors import InputError, Problem
from finance.locale import Text, percent
from finance.paths import DATA_DIR

DEFAULT_CATEGORY_FILE = DATA_DIR / "categories.toml"
FALLBACK_CATEGORY = "generic"


@dataclass(frozen=True, slots=True)
class Category:
    """Model parameters of one inventory category (docs/model.md section 1).

    Attributes
    ----------
    sigma : float
        Annual price volatility (lognormal), >= 0.
    erosion : float
        Annual continuous price erosion rate delta, >= 0: price factor exp(-delta t).
    markdown : float
        Fraction of value lost at each season end, in [0, 1].
    season_ends : tuple of str
        Season ends as "MM-DD"; the markdown is taken on each one.
    shelf_life_days : int
        Calendar days from receipt to expiry when a lot has no expiry date; 0: no expiry.
    salvage : float
        Fraction of value left from expiry on, in [0, 1].
    aging_limit_days : int
        Lots older than this (calendar days) are ineligible.
    selling_cost : float
        Cost of a normal-course sale, fraction of price.
    orderly_discount, orderly_days : float, int
        Discount d_o and duration T_o (calendar days) of an orderly liquidation.
    forced_discount, forced_days : float, int
        Discount d_f and duration T_f (calendar days) of a forced liquidation.
    storage_cost : float
        Storage and insurance, fraction of today's value per year.
    cost_advance : float
        Lender's maximum advance on the lower of cost and net realizable value.
    months_to_clear : float
        Months to sell a lot in the normal course when it has no ``monthly_sales``.
    receipt_eligible : bool
        Standardised goods a warehouse receipt can represent.
    demand_sigma : float
        Volatility of the category's sell-through level over the horizon, >= 0
        (docs/model.md section 6a): each scenario scales the rate of sale by
        ``exp(demand_sigma V - demand_sigma^2 / 2)``; 0 switches demand risk off.
    aging_reserve : tuple of float
        Reserve fractions for the age buckets of :data:`AGING_BUCKET_DAYS` (0-90, 91-180,
        181-365, 366-730 and over 730 days), non-decreasing in [0, 1]: a unit sold at age
        ``a`` fetches ``P (1 - reserve(a))`` (docs/model.md section 6a); all zero switches
        it off.
    label_zh : str
        Chinese display name.
    synonyms : tuple of str
        Other names a stock list may give the category (服饰, 3C, 电解铜, ...): the loader
        maps them to this category. Not a model parameter, so not in
        :data:`CATEGORY_FIELDS` (the category editor and the saved assumptions leave it out;
        a user's own names go in the assumptions' ``[category_names]``).
    """

    sigma: float
    erosion: float
    markdown: float
    season_ends: tuple[str, ...]
    shelf_life_days: int
    salvage: float
    aging_limit_days: int
    selling_cost: float
    orderly_discount: float
    orderly_days: int
    forced_discount: float
    forced_days: int
    storage_cost: float
    cost_advance: float
    months_to_clear: float
    receipt_eligible: bool
    demand_sigma: float = 0.0
    aging_reserve: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)
    label_zh: str = ""
    synonyms: tuple[str, ...] = ()


#: The model's fields of a category, as the category editor and the saved assumptions show
#: them (``synonyms`` is a reading aid, not among them).
CATEGORY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Category) if f.name != "synonyms")
#: Every key a ``[categories.NAME]`` table may hold.
CATEGORY_KEYS: tuple[str, ...] = (*CATEGORY_FIELDS, "synonyms")

#: Upper ends (days of age, inclusive) of the aging buckets but the last: 0-90, 91-180,
#: 181-365, 366-730 and over 730 days (docs/model.md section 6a).
AGING_BUCKET_DAYS: tuple[int, ...] = (90, 180, 365, 730)
#: Number of aging buckets, and so of reserve fractions per category.
AGING_BUCKETS = len(AGING_BUCKET_DAYS) + 1

_FRACTIONS = ("markdown", "salvage", "selling_cost", "orderly_discount", "forced_discount")
_NON_NEGATIVE = ("sigma", "erosion", "storage_cost", "cost_advance", "demand_sigma")
_DAYS = ("shelf_life_days", "aging_limit_days", "orderly_days", "forced_days")

#: Largest value the engine takes for a field (docs/model.md, "Scenarios and bounds"), and
#: why. Beyond these a value is a typo, not a market: the model would overflow or the day
#: grid and the tables over it would grow without bound.
UPPER_BOUNDS: dict[str, float] = {
    "sigma": 5.0,  # 500% a year: exp(sigma^2 t / 2) stays finite over any horizon looked at
    "demand_sigma": 5.0,  # as sigma: exp(demand_sigma^2 / 2) stays finite
    "erosion": 10.0,  # 1000% a year: e^-10, the goods keep 0.005% of their price in a year
    "storage_cost": 10.0,  # ten times the goods' value a year
    "months_to_clear": 1200.0,  # a hundred years
    "shelf_life_days": 36_500,  # a hundred years
    "aging_limit_days": 36_500,
    # The liquidation horizons size the valuation's day grid: ten years each at most.
    "orderly_days": 3_650,
    "forced_days": 3_650,
}
#: Smallest ``months_to_clear``: below about a day the rate of sale overflows.
MIN_MONTHS_TO_CLEAR = 0.01


def _check_season_end(text: Any) -> Text | None:
    """Return a problem description for a bad "MM-DD" season end, else None."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != "-":
        return Text(
            f"season end {text!r} is not a date written MM-DD",
            "problem.season_end_format",
            value=repr(text),
        )
    try:
        # 2025 is not a leap year: a season end must exist every year.
        dt.date(2025, int(text[:2]), int(text[3:]))
    except ValueError:
        return Text(
            f"season end {text!r} is not a day that exists every year",
            "problem.season_end_day",
            value=repr(text),
        )
    return None


def _field_problems(name: str, key: str, value: Any) -> list[str]:
    """Range and type checks of one category field; returns the problems found."""
    where = f"categories.{name}.{key}"
    if key == "season_ends":
        if not isinstance(value, list | tuple):
            message = f"{where} must be a list of MM-DD dates"
            return [Text(message, "problem.key_season_ends", name=where)]
        # Each season end's message, led by the key, keeps its code to render in Chinese.
        return [
            Text(f"{where}: {msg}", msg.code, name=where, **msg.params)
            for v in value
            if (msg := _check_season_end(v))
        ]
    if key == "aging_reserve":
        ok = (
            isinstance(value, list | tuple)
            and len(value) == AGING_BUCKETS
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(0 <= v <= 1 for v in value)
        )
        if not ok:
            message = f"{where} must be {AGING_BUCKETS} fractions within [0, 1]"
            return [Text(message, "problem.key_aging_reserve", name=where, n=AGING_BUCKETS)]
        if any(b < a for a, b in itertools.pairwise(value)):
            message = f"{where} must not fall with age"
            return [Text(message, "problem.key_aging_reserve_order", name=where)]
        return []
    if key == "receipt_eligible":
        if isinstance(value, bool):
            return []
        return [Text(f"{where} must be true or false", "problem.key_true_false", name=where)]
    if key == "label_zh":
        if isinstance(value, str):
            return []
        return [Text(f"{where} must be text", "problem.key_text", name=where)]
    if key == "synonyms":
        ok = isinstance(value, list | tuple) and all(
            isinstance(v, str) and v.strip() for v in value
        )
        if ok:
            return []
        return [Text(f"{where} must be a list of names", "problem.key_names", name=where)]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [
            Text(
                f"{where} must be a number, not {value!r}",
                "problem.key_not_number",
                name=where,
                value=repr(value),
            )
        ]
    if value != value or value in (float("inf"), float("-inf")):
        return [Text(f"{where} must be a finite number", "problem.key_not_finite", name=where)]
    pct = {"name": where, "value": value, "value_pct": percent(value)}
    if (key in _FRACTIONS or key == "cost_advance") and not 0 <= value <= 1:
        return [
            Text(
                f"{where} = {value} must be within [0, 1]",
                "problem.range",
                bounds="[0, 1]",
                lo_pct="0%",
                hi_pct="100%",
                **pct,
            )
        ]
    if key in ("orderly_discount", "forced_discount") and value >= 1:
        return [Text(f"{where} = {value} must be below 1", "problem.below_one", **pct)]
    if key in _NON_NEGATIVE and value < 0:
        return [Text(f"{where} = {value} must not be negative", "problem.key_negative", **pct)]
    if key in _DAYS and (value < 0 or int(value) != value):
        return [
            Text(
                f"{where} = {value} must be a whole number of days >= 0",
                "problem.key_days",
                name=where,
                value=value,
            )
        ]
    if key == "months_to_clear" and value <= 0:
        return [Text(f"{where} = {value} must be positive", "problem.key_positive", **pct)]
    lowest = MIN_MONTHS_TO_CLEAR if key == "months_to_clear" else 0
    if key in UPPER_BOUNDS and not lowest <= value <= UPPER_BOUNDS[key]:
        return [_out_of_range(where, value, lowest, UPPER_BOUNDS[key], rate=key in _RATES)]
    return []


#: Fields the app shows in percent (annual rates): their bounds are said in percent too.
_RATES = ("sigma", "erosion", "storage_cost")


def _out_of_range(where: str, value: float, lo: float, hi: float, *, rate: bool = False) -> Text:
    """``where = value must be within [lo, hi]`` (and in percent for a rate)."""
    params: dict[str, Any] = {"name": where, "value": value, "bounds": f"[{lo:g}, {hi:g}]"}
    if rate:
        params |= {"value_pct": percent(value), "lo_pct": percent(lo), "hi_pct": percent(hi)}
    return Text(f"{where} = {value} must be within [{lo:g}, {hi:g}]", "problem.range", **params)


def _build(name: str, values: Mapping[str, Any]) -> Category:
    kwargs = dict(values)
    kwargs["season_ends"] = tuple(kwargs["season_ends"])
    kwargs["aging_reserve"] = tuple(float(v) for v in kwargs["aging_reserve"])
    kwargs["synonyms"] = tuple(str(v).strip() for v in kwargs.get("synonyms", ()))
    for key in _DAYS:
        kwargs[key] = int(kwargs[key])
    for key in (*_FRACTIONS, *_NON_NEGATIVE, "months_to_clear"):
        kwargs[key] = float(kwargs[key])
    return Category(**kwargs)


def table_problems(name: str, table: Any, *, file: str, complete: bool) -> list[Problem]:
    """The problems of one ``[categories.NAME]`` table, none when it is good.

    Unknown keys and bad values; with ``complete``, also the fields it lacks (a table that
    must name every field, as the shipped one does).
    """
    if not isinstance(table, Mapping):
        message = Text(
            f"categories.{name} must be a table",
            "problem.key_not_table",
            name=f"categories.{name}",
        )
        return [Problem(file, message)]
    unknown = sorted(set(table) - set(CATEGORY_KEYS))
    problems = [
        Problem(
            file,
            Text(f"unknown key categories.{name}.{k}", "problem.unknown_key"),
            key=f"categories.{name}.{k}",
        )
        for k in unknown
    ]
    for key, value in table.items():
        if key in CATEGORY_KEYS:
            problems += [
                Problem(file, msg, key=f"categories.{name}.{key}")
                for msg in _field_problems(name, key, value)
            ]
    if complete:
        missing = [k for k in CATEGORY_FIELDS if k not in table and k != "label_zh"]
        # The key names the field, so the catalog's "no value" says the rest.
        problems += [
            Problem(
                file,
                Text(f"categories.{name} lacks {k}", "problem.no_value"),
                key=f"categories.{name}.{k}",
            )
            for k in missing
        ]
    return problems


def parse_categories(
    tables: Mapping[str, Any],
    *,
    base: Mapping[str, Category] | None,
    file: str,
) -> dict[str, Category]:
    """Validate category tables and merge them onto ``base``.

    Parameters
    ----------
    tables : mapping
        ``{name: {field: value}}`` as read from TOML.
    base : mapping of str to Category, or None
        Categories to override. With None every category must name every field.
    file : str
        File name for error messages.

    Returns
    -------
    dict of str to Category
        ``base`` with the overrides and additions applied.

    Raises
    ------
    InputError
        Naming every unknown key, missing field and out-of-range value.
    """
    problems: list[Problem] = []
    merged: dict[str, Category] = dict(base or {})
    for name, table in tables.items():
        problems += table_problems(name, table, file=file, complete=base is None)
    if problems:
        raise InputError(problems)
    for name, table in tables.items():
        if name in merged:
            start = {f: getattr(merged[name], f) for f in CATEGORY_KEYS}
        elif base is not None and FALLBACK_CATEGORY in merged:
            start = {f: getattr(merged[FALLBACK_CATEGORY], f) for f in CATEGORY_KEYS}
            start["label_zh"] = ""
            start["synonyms"] = ()
        else:
            start = {"label_zh": ""}
        start.update(table)
        merged[name] = _build(name, start)
    return merged


def load_categories(path: str | Path = DEFAULT_CATEGORY_FILE) -> dict[str, Category]:
    """Read a full category table from TOML (every field of every category).

    Parameters
    ----------
    path : str or Path
        TOML file with one table per category; defaults to the shipped table.

    Returns
    -------
    dict of str to Category
    """
    path = Path(path)
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # A missing file needs no detail in Chinese; any other failure shows the reader's own
        # words (a TOML error's line and column), as the assumptions' "cannot read" does.
        code = (
            "problem.category_table_missing"
            if isinstance(exc, FileNotFoundError)
            else "problem.category_table_unreadable"
        )
        message = Text(f"cannot read the category table: {exc}", code, detail=str(exc))
        raise InputError([Problem(path.name, message)]) from exc
    categories = parse_categories(tables, base=None, file=path.name)
    if FALLBACK_CATEGORY not in categories:
        message = Text(
            f"the table needs a {FALLBACK_CATEGORY!r} category",
            "problem.needs_fallback_category",
            fallback=FALLBACK_CATEGORY,
        )
        raise InputError([Problem(path.name, message)])
    return categories


def default_categories() -> dict[str, Category]:
    """Return the shipped category table (``data/categories.toml``)."""
    return load_categories(DEFAULT_CATEGORY_FILE)


def categories_frame(categories: Mapping[str, Category]) -> pd.DataFrame:
    """Return the category table as a DataFrame, one row per category (for display and export)."""
    rows = []
    for name, cat in categories.items():
        row = {"category": name}
        for f in CATEGORY_FIELDS:
            value = getattr(cat, f)
            if f == "season_ends":
                value = ", ".join(value)
            elif f == "aging_reserve":
                value = ", ".join(f"{v:g}" for v in value)
            row[f] = value
        rows.append(row)
    return pd.DataFrame(rows)


def aging_reserve_at(
    reserves: np.ndarray, category: np.ndarray, age_days: np.ndarray
) -> np.ndarray:
    """The aging reserve of each item at its age (docs/model.md section 6a).

    Parameters
    ----------
    reserves : numpy.ndarray, shape (K, AGING_BUCKETS)
        Each category's reserve fractions by bucket (its ``aging_reserve``).
    category : numpy.ndarray of int, shape (N,)
        Each item's category, index into ``reserves``.
    age_days : numpy.ndarray of int, shape (N,)
        Each item's age in calendar days.

    Returns
    -------
    numpy.ndarray, shape (N,)
        The reserve fraction of the bucket each age falls in (ages below 0 count as 0).
    """
    bucket = np.searchsorted(np.asarray(AGING_BUCKET_DAYS), age_days, side="left")
    return np.asarray(reserves).reshape(-1, AGING_BUCKETS)[category, bucket]


def with_overrides(category: Category, **changes: Any) -> Category:
    """Return ``category`` with some fields replaced (no validation: trusted callers only)."""
    return replace(category, **changes)
