"""Shared fixtures: a pinned valuation date and canonical lot frames built by hand."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql
from hypothesis import settings

from finance.inputs.assumptions import Assumptions, parse_assumptions

T0 = dt.date(2026, 11, 24)

# In CI the property tests draw the same examples every run (a red build is then always
# reproducible); locally they explore new ones each time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: The categories MODEL.md section 1 requires the shipped table to hold.
SHIPPED_CATEGORIES = (
    "apparel",
    "electronics",
    "food",
    "home_appliances",
    "auto_parts",
    "steel",
    "copper",
    "generic",
)

DEFAULT_LOT: dict[str, Any] = {
    "sku": "X",
    "category": "generic",
    "quantity": 100.0,
    "unit_cost": 8.0,
    "unit_price": 10.0,
    "received_date": pd.NaT,
    "age_days": 10.0,
    "expiry_date": pd.NaT,
    "monthly_sales": np.nan,
    "warehouse": "",
    "description": "",
    "unit": "",
    "consigned": False,
    "in_transit": False,
    "damaged": False,
    "encumbered": False,
    "sigma": np.nan,
    "erosion": np.nan,
}


#: Category fields that leave docs/model.md section 6 alone: no demand risk, no aging
#: reserve. Tests of section 6's closed forms take them; section 6a's drivers are tested
#: apart (tests/test_demand.py, tests/test_aging.py).
SECTION_6: dict[str, Any] = {"demand_sigma": 0.0, "aging_reserve": [0.0] * 5}


def lot_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """Canonical inventory frame (as load_inventory returns it) from partial rows."""
    records = []
    for i, row in enumerate(rows):
        record = {**DEFAULT_LOT, "sku": f"L{i}", **row}
        records.append(record)
    frame = pd.DataFrame(records, columns=list(DEFAULT_LOT))
    for col in ("received_date", "expiry_date"):
        frame[col] = pd.to_datetime(frame[col])
    for col in (
        "quantity",
        "unit_cost",
        "unit_price",
        "age_days",
        "monthly_sales",
        "sigma",
        "erosion",
    ):
        frame[col] = frame[col].astype("float64")
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    frame.attrs["source"] = "test.csv"
    return frame


def make_assumptions(**overrides: Any) -> Assumptions:
    """Assumptions at T0, with TOML-shaped overrides (sections as dicts)."""
    return parse_assumptions({"valuation_date": T0, **overrides}, file="test.toml")


@pytest.fixture(autouse=True)
def _pin_quantlib_date():
    """Every test starts and ends with QuantLib's evaluation date at T0."""
    settings = ql.Settings.instance()
    before = settings.evaluationDate
    settings.evaluationDate = ql.Date(T0.day, T0.month, T0.year)
    yield
    settings.evaluationDate = before


# The run-history databases (a SQLite file, a PostgreSQL server for the session).
from tests.history_db import database_url, postgres_server  # noqa: E402, F401
