"""Inputs the app tests share: sample rows and a stock list with known bad cells."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_inventory.csv"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8-sig")
T0 = dt.date(2026, 11, 24)
#: The session's assumption overrides in every app test: a fixed date, fewer scenarios.
DOC = {"valuation_date": T0, "scenarios": 2000}
PAGES = (
    "inventory",
    "assumptions",
    "calibrate",
    "collateral",
    "risk",
    "financing",
    "export",
    "history",
    "book",
)


def sample_rows(n: int) -> bytes:
    """The header and the first ``n`` lots of the sample, as CSV bytes."""
    lines = SAMPLE_TEXT.splitlines()
    return ("\n".join(lines[: n + 1]) + "\n").encode("utf-8")


def bad_upload() -> tuple[bytes, list[tuple[int, str]]]:
    """Ten sample rows with three broken cells; returns the bytes and (row, column) pairs."""
    frame = pd.read_csv(io.StringIO(SAMPLE_TEXT), dtype=str, keep_default_na=False).head(10)
    frame.loc[1, "quantity"] = "twelve"  # spreadsheet row 3
    frame.loc[4, "category"] = "spaceships"  # row 6
    frame.loc[7, "unit_price"] = "-5"  # row 9
    return frame.to_csv(index=False).encode("utf-8"), [
        (3, "quantity"),
        (6, "category"),
        (9, "unit_price"),
    ]


def problem_table(at) -> pd.DataFrame:
    """The page's problems table (a wrapping ``st.table``; its first column is the index)."""
    return at.table[0].value.reset_index()
