"""The closed-form expected holding loss against the naive QuantLib Monte Carlo reference."""

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from conftest import SECTION_6, lot_frame, make_assumptions

from finance import evaluate

REFERENCE = Path(__file__).resolve().parents[1] / "benchmarks" / "naive_reference.py"


def _load_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("naive_reference", REFERENCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


naive_reference = _load_reference()


def test_naive_reference_agrees_with_closed_form():
    frame = lot_frame(
        # Four season-end markdowns within the 24 months and a slow seller: about 280 units
        # left for the orderly sale at the horizon, where the price shock matters most.
        {"category": "apparel", "quantity": 1000.0, "unit_price": 200.0, "monthly_sales": 30.0},
        # Clears in months_to_clear = 4 months across one markdown (31 December). A tiny
        # volatility override makes the Monte Carlo error small, so this lot checks the
        # deterministic schedule (storage in advance, trade terms, erosion, discounting) tightly.
        {
            "category": "home_appliances",
            "quantity": 103.0,
            "unit_price": 2500.0,
            "sigma": 0.005,
            "erosion": 0.2,
        },
    )
    # The reference is section 6's schedule: no demand risk, no aging reserve.
    section_6 = {name: SECTION_6 for name in frame["category"].unique()}
    assumptions = make_assumptions(scenarios=1000, categories=section_6)
    closed = evaluate(frame, assumptions).lots["expected_holding_loss"].to_numpy()

    for pos, seed in ((0, 11), (1, 12)):
        row = frame.iloc[pos]
        mean, se = naive_reference.naive_holding_loss(
            row, assumptions.categories[row["category"]], assumptions, paths=2000, seed=seed
        )
        assert se > 0
        assert abs(mean - closed[pos]) < 4 * se, (row["category"], mean, se, closed[pos])
    # The low-volatility lot pins the schedule to a few basis points of its value.
    assert np.isclose(mean, closed[1], rtol=0, atol=5e-4 * 103.0 * 2500.0)


def test_naive_reference_rejects_lots_that_can_expire():
    frame = lot_frame({"category": "food"})
    assumptions = make_assumptions(scenarios=1000)
    row = frame.iloc[0]
    with pytest.raises(ValueError, match="without expiry"):
        naive_reference.naive_holding_loss(
            row, assumptions.categories["food"], assumptions, paths=10, seed=1
        )
