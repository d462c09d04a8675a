"""Clearance channels: who buys overstock today, at what discount, and how much of it.

``data/channels.csv`` has one row per channel and category it serves: ``discount`` off the
current price, ``fee`` (commission, freight) as a fraction of the sale, ``capacity`` (the
share of the category's stock the channel can absorb) and ``days_to_cash`` (calendar days
until the money arrives). A category with no row for a channel cannot use it; a category
that no row names uses the ``generic`` rows.

The assumptions' ``[[liquidate.terms]]`` change rows of that table (a real offer from an
outlet or a livestream host) or add one: :func:`effective_channels` applies them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from finance.errors import InputError, Problem
from finance.locale import Text
from finance.paths import DATA_DIR

CHANNEL_FILE = DATA_DIR / "channels.csv"
CHANNEL_COLUMNS = ("channel", "category", "discount", "fee", "capacity", "days_to_cash", "note")
#: The category whose rows serve every category that no row names.
FALLBACK = "generic"
#: The terms of a row, each with its range (inclusive): fractions, then calendar days.
TERM_RANGES: dict[str, tuple[float, float]] = {
    "discount": (0.0, 1.0),
    "fee": (0.0, 1.0),
    "capacity": (0.0, 1.0),
    # Ten years: far beyond any clearance offer, yet a bound, so that a typo (300000 for
    # 30) is caught instead of stretching the valuation's day grid.
    "days_to_cash": (0, 3650),
}
TERM_FIELDS: tuple[str, ...] = tuple(TERM_RANGES)


@dataclass(frozen=True, slots=True)
class ChannelTerms:
    """One ``[[liquidate.terms]]`` entry: a channel's terms for a category, as offered.

    A term left None keeps the table's value: the row's own, or for a row the table lacks,
    the channel's ``generic`` row's.

    Attributes
    ----------
    channel : str
        A channel of ``data/channels.csv``.
    category : str
        A category of the table in force, or ``generic`` (the terms of every category that
        no row names).
    discount : float or None
        Off the current price, a fraction in [0, 1].
    fee : float or None
        Commission and freight, a fraction of the sale in [0, 1].
    capacity : float or None
        Share of the category's market value the channel takes at most, in [0, 1].
    days_to_cash : int or None
        Calendar days from t0 until the channel pays, in [0, 3650].
    """

    channel: str
    category: str
    discount: float | None = None
    fee: float | None = None
    capacity: float | None = None
    days_to_cash: int | None = None

    def given(self) -> dict[str, float | int]:
        """The terms this entry sets (the ones not None), in table order."""
        return {name: v for name in TERM_FIELDS if (v := getattr(self, name)) is not None}

    def as_table(self) -> dict[str, str | float | int]:
        """The entry as a TOML table: channel, category and the terms it sets."""
        return {"channel": self.channel, "category": self.category, **self.given()}


#: Every key a ``[[liquidate.terms]]`` entry may hold.
TERM_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ChannelTerms))


@functools.cache
def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"channel": str, "category": str, "note": str})
    problems = []
    for col in CHANNEL_COLUMNS:
        if col not in frame.columns:
            message = Text("missing column", "problem.column_missing")
            problems.append(Problem(path.name, message, column=col))
    if problems:
        raise InputError(problems)
    for col, (lo, hi) in TERM_RANGES.items():
        bounds = f"[{lo:g}, {hi:g}]"
        message = Text(f"must be within {bounds}", "problem.within", bounds=bounds)
        for idx in frame.index[~frame[col].between(lo, hi)]:
            problems.append(Problem(path.name, message, int(idx) + 2, col))
    # A fraction of a day would be cut off below, silently.
    whole = Text("must be a whole number of days", "problem.whole_days")
    days = frame["days_to_cash"]
    for idx in frame.index[days.between(*TERM_RANGES["days_to_cash"]) & (days % 1 != 0)]:
        problems.append(Problem(path.name, whole, int(idx) + 2, "days_to_cash"))
    repeated = Text("channel and category repeated", "problem.channel_repeated")
    for idx in frame.index[frame.duplicated(["channel", "category"])]:
        problems.append(Problem(path.name, repeated, int(idx) + 2, "channel"))
    if problems:
        raise InputError(problems)
    frame["days_to_cash"] = frame["days_to_cash"].astype("int64")
    frame["note"] = frame["note"].fillna("")
    return frame


def load_channels(path: Path = CHANNEL_FILE) -> pd.DataFrame:
    """Return the channel table (a copy), validated.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel, category, discount, fee, capacity, days_to_cash, note``;
        fractions as decimals, days as calendar days.
    """
    return _read(Path(path)).copy()


def base_row(table: pd.DataFrame, channel: str, category: str) -> pd.Series | None:
    """The row a term for ``(channel, category)`` starts from, or None when there is none.

    The table's own row for the pair; for a pair the table lacks, the channel's ``generic``
    row (what a category that no row names already gets from that channel, and the
    nearest figure for one the channel does not serve yet).
    """
    for name in (category, FALLBACK):
        rows = table[(table["channel"] == channel) & (table["category"] == name)]
        if not rows.empty:
            return rows.iloc[0]
    return None


class _Rows:
    """The channel table as records indexed by (channel, category).

    Applying many terms takes time linear in their number (a mask over the whole table per
    term was quadratic: 20,000 entries took minutes).
    """

    def __init__(self, table: pd.DataFrame):
        self.columns = list(table.columns)
        self.records = table.to_dict(orient="records")
        self.at = {(r["channel"], r["category"]): i for i, r in enumerate(self.records)}

    def append(self, row: dict) -> None:
        self.at.setdefault((row["channel"], row["category"]), len(self.records))
        self.records.append(row)

    def apply(self, term: ChannelTerms) -> None:
        """Apply ``term`` to its pair's row, adding the row from the channel's generic one."""
        where = self.at.get((term.channel, term.category))
        if where is None:
            base = self.at.get((term.channel, FALLBACK))
            if base is None:
                missing = [name for name in TERM_FIELDS if getattr(term, name) is None]
                if missing:
                    raise ValueError(
                        f"channel {term.channel!r} has no generic row to take {missing} from"
                    )
                row = {"channel": term.channel, "category": term.category, "note": ""}
            else:
                row = {**self.records[base], "category": term.category}
            self.append(row)
            where = len(self.records) - 1
        self.records[where].update(term.given())

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.records, columns=self.columns)


def effective_channels(
    terms: Iterable[ChannelTerms] = (), table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The channel table in force: the shipped one with the assumptions' terms applied.

    Parameters
    ----------
    terms : iterable of ChannelTerms
        The assumptions' ``liquidate.terms`` (validated: known channels, no pair twice).
    table : pandas.DataFrame, optional
        The table to change (default: :func:`load_channels`).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`CHANNEL_COLUMNS`: the terms' rows changed, and a row added
        for each pair the table lacked, taking the terms an entry leaves out from the
        channel's ``generic`` row. A category that no row named first gets a copy of
        every ``generic`` row, so that naming it for one channel keeps its other channels
        (a category named in the table uses only its own rows).

    Raises
    ------
    ValueError
        A term for a pair the table lacks, on a channel with no ``generic`` row, that
        leaves a term out (the assumptions' check names it first).
    """
    terms = tuple(terms)
    out = load_channels() if table is None else table.copy()
    if not terms:
        return out
    rows = _Rows(out)
    # generic's own terms first, so the copies below carry them.
    for term in terms:
        if term.category == FALLBACK:
            rows.apply(term)
    named = {r["category"] for r in rows.records}
    fresh = list(dict.fromkeys(t.category for t in terms if t.category not in named))
    generic = [r for r in rows.records if r["category"] == FALLBACK]
    for name in fresh:
        for row in generic:
            rows.append({**row, "category": name})
    for term in terms:
        if term.category != FALLBACK:
            rows.apply(term)
    out = rows.frame()
    out["days_to_cash"] = out["days_to_cash"].astype("int64")
    for name in ("discount", "fee", "capacity"):
        out[name] = out[name].astype("float64")
    return out.reset_index(drop=True)
