"""Hostile inputs to the engine, through the command line in a child held to a memory limit.

Each case runs ``python -m finance evaluate`` under ``tests.hostile.run_cli`` (address
space capped at ``DEFAULT_LIMIT_MB``) and asserts the exit code and the message: 0 where the
input is legitimate and must work within the limit (per-lot volatilities, unused
categories), 2 with a problem naming the key where it is bad input. Never 1 (an internal
error) and never a kill. docs/model.md "Scenarios and bounds".
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from finance.inputs.sample import generate_inventory
from tests.hostile import DEFAULT_LIMIT_MB, run_cli

VALUATION_DATE = "valuation_date = 2026-11-24\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The stock lists the cases read: a small one, and 2,000 lots each with its own sigma."""
    folder = tmp_path_factory.mktemp("hostile-engine")
    small = generate_inventory(20, seed=3)
    small.to_csv(folder / "small.csv", index=False)
    many = generate_inventory(2_000, seed=3)
    many["sigma"] = np.linspace(0.05, 0.9, len(many))  # every lot its own volatility
    many.to_csv(folder / "own_sigma.csv", index=False)
    return folder


def unused_categories(count: int) -> str:
    return VALUATION_DATE + "".join(f"[categories.unused{i}]\nsigma = 0.2\n" for i in range(count))


#: name: (stock list, assumptions TOML or None, extra arguments, exit code, stderr snippets)
CASES = {
    "2,000 lots each with its own sigma": (
        "own_sigma.csv", VALUATION_DATE, [], 0, []
    ),
    "1,000 unused categories": (
        "small.csv", unused_categories(1_000), ["--scenarios", "500"], 0, []
    ),
    "20,000 unused categories": (
        "small.csv", unused_categories(20_000), ["--scenarios", "500"], 0, []
    ),
    "20,000 channel terms for 20,000 unused categories": (
        "small.csv",
        unused_categories(20_000)
        + "".join(
            f'[[liquidate.terms]]\nchannel = "outlet"\ncategory = "unused{i}"\ndiscount = 0.5\n'
            for i in range(20_000)
        ),
        ["--scenarios", "500"],
        0,
        [],
    ),
    "18,000 curve tenors": (
        "small.csv",
        VALUATION_DATE + "[curve]\n" + "".join(f'"{d}D" = 0.02\n' for d in range(1, 18_001)),
        ["--scenarios", "200"],
        2,
        ["key curve: [curve] has 18,000 tenors; at most 100 are taken"],
    ),
    "1,000,000 scenarios": (
        "small.csv",
        VALUATION_DATE,
        ["--scenarios", "1000000"],
        2,
        ["key scenarios: scenarios = 1,000,000 needs about", "scenarios fit in"],
    ),
    "200,000 scenarios, more than the child may map": (
        "small.csv",
        VALUATION_DATE,
        ["--scenarios", "200000"],
        2,
        ["scenarios = 200,000 needs about", "scenarios fit in"],
    ),
    "valuation date 2300": (
        "small.csv",
        "valuation_date = 2300-01-01\n",
        ["--scenarios", "200"],
        2,
        ["key valuation_date: valuation_date = 2300-01-01 must be from 1901-01-01 to 2148-12-31"],
    ),
    "curve tenor 100Y": (
        "small.csv",
        VALUATION_DATE + '[curve]\n"1Y" = 0.02\n"100Y" = 0.03\n',
        ["--scenarios", "200"],
        2,
        ["key curve.100Y: tenor '100Y' is longer than 50Y"],
    ),
    "orderly_days 1e6": (
        "small.csv",
        VALUATION_DATE + "[categories.apparel]\norderly_days = 1000000\n",
        ["--scenarios", "200"],
        2,
        ["categories.apparel.orderly_days = 1000000 must be within [0, 3650]"],
    ),
    "sigma 1e300": (
        "small.csv",
        VALUATION_DATE + "[categories.apparel]\nsigma = 1e300\n",
        ["--scenarios", "200"],
        2,
        ["categories.apparel.sigma = 1e+300 must be within [0, 5]"],
    ),
    "arrays nested 100,000 deep": (
        "small.csv",
        "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
        ["--scenarios", "200"],
        2,
        ["assumptions.toml: arrays, inline tables or dotted keys are nested more than 64 deep"],
    ),
    "dotted key 100,000 deep": (
        "small.csv",
        "a" + ".a" * 100_000 + " = 1\n",
        ["--scenarios", "200"],
        2,
        ["nested more than 64 deep (line 1)"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_engine_input(case, inputs, tmp_path):
    stock, toml, extra, code, snippets = case
    args = ["evaluate", str(inputs / stock), "--format", "csv", "--json"]
    args += ["--out", str(tmp_path / "out"), *extra]
    if toml is not None:
        (tmp_path / "assumptions.toml").write_text(toml, encoding="utf-8")
        args += ["--assumptions", str(tmp_path / "assumptions.toml")]
    result = run_cli(args, limit_mb=DEFAULT_LIMIT_MB, timeout=120)
    # Never an internal error, never killed by the address-space limit.
    assert "internal error" not in result.stderr
    assert "MemoryError" not in result.stderr
    assert result.returncode == code, result.stderr[-2000:]
    for snippet in snippets:
        assert snippet in result.stderr
    if code == 0:
        summary = json.loads(result.stdout)["summary"]
        lots = 2_000 if stock == "own_sigma.csv" else 20
        assert summary["lots"] == lots
        assert np.isfinite(summary["holding_loss_p95"])
    else:
        assert not (tmp_path / "out" / "lots.csv").exists()


@pytest.mark.parametrize(
    ("toml", "extra", "snippet"),
    [
        (VALUATION_DATE, ["--scenarios", "1000000"], "情景数 scenarios = 1,000,000 约需"),
        ("valuation_date = 2300-01-01\n", [], "必须在 1901-01-01 至 2148-12-31 之间"),
        ("a = " + "[" * 1_000 + "]" * 1_000 + "\n", [], "嵌套超过 64 层"),
    ],
    ids=["scenarios", "valuation date", "nesting"],
)
def test_hostile_engine_problems_in_chinese(toml, extra, snippet, inputs, tmp_path):
    assumptions = tmp_path / "assumptions.toml"
    assumptions.write_text(toml, encoding="utf-8")
    args = ["evaluate", str(inputs / "small.csv"), "--assumptions", str(assumptions)]
    args += ["--format", "csv", "--out", str(tmp_path / "out"), "--lang", "zh", *extra]
    result = run_cli(args, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert snippet in result.stderr
