"""Lots as numpy arrays: the validated inventory joined to its category parameters.

Every later layer works on :class:`Lots`, one array per quantity, so that a million lots
cost a handful of vectorised operations. Dates become whole calendar days from the
valuation date t0; year fractions are days / 365 (Actual/365 Fixed, the same number as
``ql.Actual365Fixed().yearFraction``).

Lots of one category share the category's price shock (docs/model.md section 2). A lot may
override its category's volatility, so the unit that carries one shock path is the
*shock group*: a category together with one volatility, at most
:data:`finance.collateral.shock_groups.MAX_LEVELS` of them per category
(:mod:`finance.collateral.shock_groups`). With no overrides there is one group per category.

Only the categories the lots use are carried: a category of the table that no lot names is
neither simulated nor allocated for (MODEL.md section 9), however many the table holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finance.collateral.shock_groups import shock_groups
from finance.errors import InputError, Problem
from finance.inputs.categories import Category

#: Stands for "never expires": beyond any horizon the model looks at.
NO_EXPIRY = np.iinfo(np.int64).max // 4
FLAGS = ("consigned", "in_transit", "damaged", "encumbered")


@dataclass(frozen=True, slots=True, eq=False)
class Lots:
    """The inventory as aligned numpy arrays, one entry per lot.

    Attributes
    ----------
    quantity, unit_cost, unit_price : numpy.ndarray
        Units on hand; book cost and current price per unit (currency).
    age_days : numpy.ndarray of int64
        Calendar days since receipt at t0.
    expiry_day : numpy.ndarray of int64
        Calendar days from t0 to expiry (negative: already expired); ``NO_EXPIRY`` if none.
    monthly_sales : numpy.ndarray
        Units sold per month in the normal course (category default applied).
    sigma, erosion : numpy.ndarray
        Annual volatility and continuous erosion rate (lot override or category value).
    category : numpy.ndarray of int64
        Index into ``category_names``.
    group : numpy.ndarray of int64
        Shock group (category, volatility) index into ``group_category``/``group_sigma``.
    flags : dict of str to numpy.ndarray of bool
        ``consigned``, ``in_transit``, ``damaged``, ``encumbered``.
    category_names : tuple of str
        The categories the lots use, in the table's order (not every category of it).
    categories : tuple of Category
        Parameters of each category, aligned with ``category_names``.
    group_category : numpy.ndarray of int64
        Category index of each shock group.
    group_sigma : numpy.ndarray
        Volatility of each shock group (bucketed when a category has many per-lot
        volatilities; ``sigma`` keeps each lot's own).
    group_exact : numpy.ndarray of bool
        Whether every lot of the group has exactly the group's volatility.
    erosion_levels, erosion_index : numpy.ndarray
        The distinct erosion rates and each lot's index into them (erosion factors are
        computed per level, not per lot).
    cell_erosion, cell_category : numpy.ndarray
        The price-factor *cells*: the distinct (erosion rate, category) pairs of the lots,
        sorted by (erosion level, category). Every lot of a cell has the same expected
        price factor before its expiry, so factors are computed per cell, and the cells
        are at most the lots (a grid of levels x categories grew with lots x categories
        when lots carry their own erosion).
    sku : numpy.ndarray of int64
        Each lot's SKU as a code (lots of one SKU, e.g. its batches, share a code): the unit
        of the concentration limit. Empty: every lot its own SKU.
    """

    quantity: np.ndarray
    unit_cost: np.ndarray
    unit_price: np.ndarray
    age_days: np.ndarray
    expiry_day: np.ndarray
    monthly_sales: np.ndarray
    sigma: np.ndarray
    erosion: np.ndarray
    category: np.ndarray
    group: np.ndarray
    flags: dict[str, np.ndarray]
    category_names: tuple[str, ...]
    categories: tuple[Category, ...]
    group_category: np.ndarray
    group_sigma: np.ndarray
    group_exact: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    erosion_levels: np.ndarray = field(default_factory=lambda: np.zeros(0))
    erosion_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cell_erosion: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cell_category: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cell_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sku: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Per-lot category fields, built once on first use (the valuation asks for each many
    # times, e.g. once per month of the holding schedule).
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.quantity)

    def category_param(self, name: str) -> np.ndarray:
        """A category field per category (aligned with ``category_names``)."""
        return category_values(self.categories, name)

    def param(self, name: str) -> np.ndarray:
        """Per-lot values of a category field, e.g. ``param("orderly_days")`` (read-only)."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self.category_param(name)[self.category]
            cached.flags.writeable = False
            self._cache[name] = cached
        return cached

    @property
    def factor_index(self) -> np.ndarray:
        """Each lot's price-factor cell, index into ``cell_erosion`` and ``cell_category``."""
        return self.cell_index

    @property
    def n_cells(self) -> int:
        """Number of price-factor cells."""
        return len(self.cell_category)

    @property
    def market_value(self) -> np.ndarray:
        """MV = q * p, currency (read-only; computed once)."""
        cached = self._cache.get("_market_value")
        if cached is None:
            cached = self.quantity * self.unit_price
            cached.flags.writeable = False
            self._cache["_market_value"] = cached
        return cached

    @property
    def n_groups(self) -> int:
        """Number of shock groups."""
        return len(self.group_sigma)


def category_values(categories: Sequence[Category], name: str) -> np.ndarray:
    """One field of each category, as floats (booleans as 0 and 1)."""
    return np.array([getattr(c, name) for c in categories], dtype=np.float64)


def compact_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of non-negative integer codes, sorted, and each code's index.

    ``np.unique(codes, return_inverse=True)`` in O(N + max code) instead of a sort: codes
    here (grid positions, category x level keys) are small integers. When the largest
    code is far above the number of codes (keys over groups x erosion levels x categories,
    with many per-lot erosions), a sort is cheaper than a count table that size.
    """
    codes = np.asarray(codes, dtype=np.int64)
    if not len(codes):
        return codes.copy(), codes.copy()
    if int(codes.max()) > 8 * len(codes) + (1 << 16):
        values, index = np.unique(codes, return_inverse=True)
        return values, index.reshape(-1).astype(np.int64)
    present = np.bincount(codes) > 0
    values = np.flatnonzero(present)
    index_of = np.cumsum(present) - 1
    return values, index_of[codes]


def _with_overrides(
    column: pd.Series, cats: tuple[Category, ...], name: str, category: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-lot values of a field lots may override (NaN: the category's) and its levels.

    Returns the values, their distinct levels and each lot's index into the levels.
    Without overrides the levels are the categories' distinct values, found without
    sorting a million numbers (categories sharing a value share a level, so tables per
    level x category stay categories squared at most, never cubed).
    """
    by_category = category_values(cats, name)
    values = _overridden(column, by_category, category)
    if values is None:
        levels, level_of = np.unique(by_category, return_inverse=True)
        return by_category[category], levels, level_of.reshape(-1).astype(np.int64)[category]
    levels, index = np.unique(values, return_inverse=True)
    return values, levels, index.reshape(-1).astype(np.int64)


def _overridden(
    column: pd.Series, by_category: np.ndarray, category: np.ndarray
) -> np.ndarray | None:
    """Per-lot values of a field lots may override (NaN: the category's); None if none does."""
    own = column.to_numpy(dtype=np.float64)
    missing = np.isnan(own)
    if missing.all():
        return None
    return np.where(missing, by_category[category], own)


def _day_offsets(dates: pd.Series, t0: dt.date) -> np.ndarray:
    """Whole calendar days from t0 to each date (NaT -> NO_EXPIRY)."""
    days = (dates.to_numpy(dtype="datetime64[D]") - np.datetime64(t0, "D")).astype(np.int64)
    return np.where(dates.isna().to_numpy(), NO_EXPIRY, days)


def _positions(values: pd.Series, table: tuple[str, ...]) -> np.ndarray:
    """Each value's position in ``table``, -1 where it is not there (or missing).

    Arrow's hash lookup on the column as read (Arrow-backed text): several times faster
    than pandas' indexer at a million lots.
    """
    try:
        column = pa.array(values.array)
        wanted = pa.array(table, type=column.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.Index(table).get_indexer(values)
    found = pc.fill_null(pc.index_in(column, value_set=wanted), -1)
    return np.asarray(found.to_numpy(), dtype=np.int64)


def prepare_lots(
    frame: pd.DataFrame,
    categories: Mapping[str, Category],
    valuation_date: dt.date,
) -> Lots:
    """Join validated lots to their categories and express dates as days from t0.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`finance.load_inventory` (canonical columns; index = file rows).
    categories : mapping of str to Category
        The category table in force; the result carries only the categories the lots use.
    valuation_date : datetime.date
        t0.

    Returns
    -------
    Lots

    Raises
    ------
    InputError
        A lot received after t0, or of a category the table lacks, naming its row.

    Notes
    -----
    ``age_days`` is taken from the file when given, else t0 - received_date. Expiry is the
    file's ``expiry_date``, else received + ``shelf_life_days`` when the category has a
    shelf life (received = t0 - age when only the age is known).
    """
    source = str(frame.attrs.get("source", "inventory"))
    rows = np.asarray(frame.index)
    table = tuple(categories)
    codes = _positions(frame["category"], table)
    unknown = codes < 0
    problems = [
        Problem(source, f"category {c!r} is not in the category table", int(r), "category")
        for r, c in zip(rows[unknown], frame["category"].to_numpy()[unknown], strict=True)
    ]
    t0 = np.datetime64(valuation_date, "D")
    received = frame["received_date"].to_numpy(dtype="datetime64[D]")
    has_received = ~frame["received_date"].isna().to_numpy()
    age_from_dates = (t0 - received).astype(np.int64)
    file_age = frame["age_days"].to_numpy(dtype=np.float64)
    age = np.where(np.isnan(file_age), age_from_dates, np.floor(np.nan_to_num(file_age)))
    age = age.astype(np.int64)
    future = has_received & (age_from_dates < 0) & np.isnan(file_age)
    problems += [
        Problem(
            source, f"received after the valuation date {valuation_date}", int(r), "received_date"
        )
        for r in rows[future]
    ]
    if problems:
        raise InputError(problems)

    # Only the categories some lot names: an unused one costs nothing downstream.
    used = np.bincount(codes, minlength=len(table)) > 0
    names = tuple(table[i] for i in np.flatnonzero(used))
    category = (np.cumsum(used) - 1)[codes].astype(np.int64)
    cats = tuple(categories[n] for n in names)

    def per_lot(field: str) -> np.ndarray:
        return category_values(cats, field)[category]

    expiry = _day_offsets(frame["expiry_date"], valuation_date)
    shelf = per_lot("shelf_life_days")
    implied = shelf.astype(np.int64) - age
    expiry = np.where((expiry == NO_EXPIRY) & (shelf > 0), implied, expiry)

    quantity = frame["quantity"].to_numpy(dtype=np.float64)
    sales = frame["monthly_sales"].to_numpy(dtype=np.float64)
    sales = np.where(np.isnan(sales), quantity / per_lot("months_to_clear"), sales)
    category_sigma = category_values(cats, "sigma")
    sigma = _overridden(frame["sigma"], category_sigma, category)
    sigma = category_sigma[category] if sigma is None else sigma
    erosion, erosion_levels, erosion_index = _with_overrides(
        frame["erosion"], cats, "erosion", category
    )
    unit_price = frame["unit_price"].to_numpy(dtype=np.float64)
    cell_keys, cell_index = compact_codes(erosion_index * len(cats) + category)
    groups = shock_groups(category, sigma, quantity * unit_price, category_sigma)

    return Lots(
        quantity=quantity,
        unit_cost=frame["unit_cost"].to_numpy(dtype=np.float64),
        unit_price=unit_price,
        age_days=age,
        expiry_day=expiry,
        monthly_sales=sales,
        sigma=sigma,
        erosion=erosion,
        category=category,
        group=groups.group,
        flags={f: frame[f].to_numpy(dtype=bool) for f in FLAGS},
        category_names=names,
        categories=cats,
        group_category=groups.category,
        group_sigma=groups.sigma,
        group_exact=groups.exact,
        erosion_levels=erosion_levels,
        erosion_index=erosion_index,
        cell_erosion=erosion_levels[cell_keys // max(len(cats), 1)],
        cell_category=(cell_keys % max(len(cats), 1)).astype(np.int64),
        cell_index=cell_index.astype(np.int64),
        sku=(
            pd.factorize(frame["sku"])[0].astype(np.int64)
            if "sku" in frame
            else np.arange(len(frame), dtype=np.int64)
        ),
    )
