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


#: Section 6a categories, written out so the check does not move with the shipped defaults.
SECTION_6A = {
    "apparel": {"demand_sigma": 0.35, "aging_reserve": [0.0, 0.05, 0.2, 0.5, 0.8]},
    "home_appliances": {"demand_sigma": 0.25, "aging_reserve": [0.0, 0.0, 0.1, 0.3, 0.6]},
}
#: The engine draws the demand level from bins with tilted weights, the reference from its
#: continuous law; the bins put the engine's expected loss about 0.1-0.3% of the loss
#: below the continuous one. Allowance beside the 4 standard errors: 0.3% of the loss.
BINNING_ALLOWANCE = naive_reference.DEMAND_BIN_ALLOWANCE


def test_naive_reference_agrees_with_demand_risk_and_aging():
    frame = lot_frame(
        # Slow seller at 150 days of age: it crosses the 180, 365 and 730 day buckets within
        # the 24 months, and demand risk (sigma_D 0.35) moves how much is left at the horizon.
        {
            "category": "apparel",
            "quantity": 1000.0,
            "unit_price": 200.0,
            "monthly_sales": 30.0,
            "age_days": 150.0,
        },
        # Young lot selling out in about 12 months at the expected demand: demand risk decides
        # whether it sells out or carries stock into the 181-365 and 366-730 day buckets.
        {
            "category": "home_appliances",
            "quantity": 500.0,
            "unit_price": 2500.0,
            "monthly_sales": 40.0,
            "age_days": 10.0,
        },
        # Nearly deterministic prices (sigma 0.005) with erosion: the demand level is the
        # only material randomness, and the lot ages from 150 days through three buckets.
        {
            "category": "home_appliances",
            "quantity": 103.0,
            "unit_price": 2500.0,
            "monthly_sales": 10.0,
            "sigma": 0.005,
            "erosion": 0.2,
            "age_days": 150.0,
        },
    )
    assumptions = make_assumptions(
        scenarios=1000, categories=SECTION_6A, price_demand_correlation=0.5
    )
    closed = evaluate(frame, assumptions).lots["expected_holding_loss"].to_numpy()

    for pos in range(len(frame)):
        row = frame.iloc[pos]
        mean, se = naive_reference.naive_holding_loss(
            row, assumptions.categories[row["category"]], assumptions, paths=40_000, seed=21 + pos
        )
        assert se > 0
        tolerance = 4 * se + BINNING_ALLOWANCE * abs(mean)
        assert abs(mean - closed[pos]) < tolerance, (row["category"], mean, se, closed[pos])


def test_naive_reference_aging_schedule_exact():
    # No price volatility and no demand risk: the schedule is deterministic, the reference's
    # standard error is 0 (to rounding) and the aging reserve (bucket by bucket, on the
    # monthly sales and the horizon's orderly sale) must match the engine to rounding.
    frame = lot_frame(
        {
            "category": "apparel",
            "quantity": 1000.0,
            "unit_price": 200.0,
            "monthly_sales": 30.0,
            "age_days": 150.0,
            "sigma": 0.0,
        },
        {
            "category": "home_appliances",
            "quantity": 500.0,
            "unit_price": 2500.0,
            "monthly_sales": 40.0,
            "age_days": 85.0,
            "sigma": 0.0,
        },
    )
    categories = {name: {**fields, "demand_sigma": 0.0} for name, fields in SECTION_6A.items()}
    assumptions = make_assumptions(scenarios=1000, categories=categories)
    closed = evaluate(frame, assumptions).lots["expected_holding_loss"].to_numpy()
    for pos in range(len(frame)):
        row = frame.iloc[pos]
        mean, se = naive_reference.naive_holding_loss(
            row, assumptions.categories[row["category"]], assumptions, paths=10, seed=31
        )
        assert se < 1e-9 * mean
        assert np.isclose(mean, closed[pos], rtol=1e-9, atol=0), (row["category"], mean)


def test_naive_reference_rejects_lots_that_can_expire():
    frame = lot_frame({"category": "food"})
    assumptions = make_assumptions(scenarios=1000)
    row = frame.iloc[0]
    with pytest.raises(ValueError, match="without expiry"):
        naive_reference.naive_holding_loss(
            row, assumptions.categories["food"], assumptions, paths=10, seed=1
        )
