"""Clearance channels: who buys overstock today, at what discount, and how much of it.

``data/channels.csv`` has one row per channel and category it serves: ``discount`` off the
current price, ``fee`` (commission, freight) as a fraction of the sale, ``capacity`` (the
share of the category's stock the channel can absorb) and ``days_to_cash`` (calendar days
until the money arrives). A category with no row for a channel cannot use it; a category
that no row names uses the ``generic`` rows.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from finance.errors import InputError, Problem
from finance.locale import Text
from finance.paths import DATA_DIR

CHANNEL_FILE = DATA_DIR / "channels.csv"
CHANNEL_COLUMNS = ("channel", "category", "discount", "fee", "capacity", "days_to_cash", "note")


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
    for col, lo, hi in (("discount", 0, 1), ("fee", 0, 1), ("capacity", 0, 1)):
        bounds = f"[{lo}, {hi}]"
        message = Text(f"must be within {bounds}", "problem.within", bounds=bounds)
        for idx in frame.index[~frame[col].between(lo, hi)]:
            problems.append(Problem(path.name, message, int(idx) + 2, col))
    negative = Text("must be >= 0", "problem.at_least_zero")
    for idx in frame.index[~(frame["days_to_cash"] >= 0)]:
        problems.append(Problem(path.name, negative, int(idx) + 2, "days_to_cash"))
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
