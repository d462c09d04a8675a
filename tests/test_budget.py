"""Tests of the memory budget (finance/market/budget.py, docs/model.md "Scenarios and bounds")."""

from __future__ import annotations

import dataclasses
import sys
import tracemalloc

import pytest

# Imported at first use by the valuation (the mix's solver, the ABS's normal distribution):
# loaded here, so that the traced peaks below are the valuation's, not a one-off import's.
import scipy.optimize
import scipy.special  # noqa: F401

from finance.collateral.shock_groups import MAX_LEVELS
from finance.errors import InputError
from finance.evaluate import evaluate
from finance.market import budget
from finance.market.budget import (
    DEFAULT_BUDGET,
    MIN_SCENARIOS,
    SimulationSize,
    check_budget,
    estimate_bytes,
    human_bytes,
    memory_budget,
    parse_bytes,
    scenarios_that_fit,
)
from tests.conftest import lot_frame, make_assumptions

SIZE = SimulationSize(
    scenarios=10_000, categories=8, groups=8, steps=39, months=25, assessments=13, days=1236
)


def test_estimate_grows_with_scenarios_categories_and_steps_only():
    base = estimate_bytes(SIZE)
    double = estimate_bytes(dataclasses.replace(SIZE, scenarios=20_000))
    assert 1.9 < double / base < 2.0  # linear in scenarios, plus the per-day tables
    assert estimate_bytes(dataclasses.replace(SIZE, categories=16, groups=16)) > base
    assert estimate_bytes(dataclasses.replace(SIZE, steps=78)) > base
    # Groups are bounded by categories x MAX_LEVELS whatever the lots, so is the estimate.
    most = dataclasses.replace(SIZE, groups=8 * MAX_LEVELS)
    assert estimate_bytes(most) < 8 * base


def test_parse_bytes_units():
    assert parse_bytes("4294967296") == 4 * 2**30
    assert parse_bytes("4GiB") == 4 * 2**30
    assert parse_bytes("512 MiB") == 512 * 2**20
    assert parse_bytes("2gb") == 2 * 10**9
    assert parse_bytes("1.5GiB") == int(1.5 * 2**30)
    for bad in ("", "lots", "-1GB", "0", "4 GB extra"):
        with pytest.raises(ValueError):
            parse_bytes(bad)


def test_budget_default_environment_and_address_space(monkeypatch):
    monkeypatch.setattr(budget, "_address_space_left", lambda: None)
    assert memory_budget({}) == DEFAULT_BUDGET
    assert memory_budget({"FINANCE_MEMORY_BUDGET": "1GiB"}) == 2**30
    # Never more than the process may still map.
    monkeypatch.setattr(budget, "_address_space_left", lambda: 300 * 2**20)
    assert memory_budget({"FINANCE_MEMORY_BUDGET": "1GiB"}) == 300 * 2**20
    with pytest.raises(InputError) as exc:
        memory_budget({"FINANCE_MEMORY_BUDGET": "plenty"})
    problem = exc.value.problems[0]
    assert problem.code == "problem.memory_budget_variable"
    assert "FINANCE_MEMORY_BUDGET" in problem.render("zh")


def test_over_budget_names_the_scenarios_that_fit():
    size = dataclasses.replace(SIZE, scenarios=1_000_000)
    need = estimate_bytes(size)
    with pytest.raises(InputError) as exc:
        check_budget(size, 4 * 2**30)
    problem = exc.value.problems[0]
    assert problem.code == "problem.memory_scenarios"
    assert problem.key == "scenarios"
    fit = problem.params["fit"]
    assert estimate_bytes(dataclasses.replace(SIZE, scenarios=fit)) <= 4 * 2**30
    assert fit <= scenarios_that_fit(size, 4 * 2**30) < fit * 1.1
    text = str(problem)
    assert "scenarios = 1,000,000 needs about " + human_bytes(need) in text
    assert f"at most {fit:,} scenarios fit in 4 GiB for 8 categories" in text
    zh = problem.render("zh")
    assert "情景数" in zh and f"{fit:,}" in zh and "4 GiB" in zh
    # Within the budget: nothing to say.
    check_budget(SIZE, 4 * 2**30)


def test_too_many_categories_for_any_scenario_count():
    size = dataclasses.replace(SIZE, categories=200_000, groups=200_000, scenarios=1_000)
    assert scenarios_that_fit(size, 2**30) < MIN_SCENARIOS
    with pytest.raises(InputError) as exc:
        check_budget(size, 2**30)
    problem = exc.value.problems[0]
    assert problem.code == "problem.memory_categories"
    assert "200,000 categories" in str(problem)
    assert "200,000 个品类" in problem.render("zh")


def test_evaluate_refuses_before_allocating(monkeypatch):
    monkeypatch.setenv("FINANCE_MEMORY_BUDGET", "20MiB")
    a = make_assumptions(scenarios=200_000)
    lots = lot_frame({"category": "copper"}, {"category": "apparel"})
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as exc:
            evaluate(lots, a)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exc.value.problems[0].code == "problem.memory_scenarios"
    assert peak < 20 * 2**20  # refused before the simulation's arrays


@pytest.mark.parametrize(
    ("overrides", "own_sigma"),
    [
        ({}, False),
        ({"pledge_loan": {"tenor_months": 24}, "revaluation_days": 5}, False),
        ({}, True),
    ],
)
def test_estimate_bounds_the_measured_peak(overrides, own_sigma):
    """The estimate is an upper bound of tracemalloc's peak, and not a loose one."""
    a = make_assumptions(scenarios=2_000, **overrides)
    categories = ("apparel", "electronics", "food", "copper")
    rows = [
        {
            "category": categories[i % 4],
            "sigma": 0.05 + 0.5 * i / 400 if own_sigma else float("nan"),
        }
        for i in range(400)
    ]
    lots = lot_frame(*rows)
    sizes = []
    module = sys.modules["finance.evaluate"]
    real = module.check_budget

    def spy(size, *args, **kwargs):
        sizes.append(size)
        return real(size, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "check_budget", spy)
        tracemalloc.start()
        try:
            evaluate(lots, a)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    estimate = estimate_bytes(sizes[0])
    assert sizes[0].groups == (4 * MAX_LEVELS if own_sigma else 4)
    assert peak <= estimate <= 2.5 * peak


def _peak(lots, a) -> int:
    tracemalloc.start()
    try:
        evaluate(lots, a)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_grows_neither_with_own_sigma_lots_nor_with_unused_categories():
    """MODEL.md section 9: categories x scenarios x steps, never lots x scenarios."""
    categories = ("apparel", "electronics", "food", "copper")

    def own_sigma(n):
        return lot_frame(
            *({"category": categories[i % 4], "sigma": 0.05 + 0.9 * i / n} for i in range(n))
        )

    a = make_assumptions(scenarios=2_000)
    few, many = _peak(own_sigma(200), a), _peak(own_sigma(2_000), a)
    assert many < 1.3 * few  # ten times the lots, each its own sigma
    unused = make_assumptions(
        scenarios=2_000, categories={f"unused{i}": {"sigma": 0.3} for i in range(2_000)}
    )
    assert _peak(own_sigma(200), unused) < 1.1 * few
