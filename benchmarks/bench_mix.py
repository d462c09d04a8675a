"""Time the mix (docs/model.md section 8a) on 7 categories and on 50.

Usage::

    python benchmarks/bench_mix.py [--lots 20000] [--scenarios 10000] [--repeat 3]

For each inventory (the shipped 7 categories; 50 categories made by splitting them into
copies with their own names, each a category of the assumptions) it values the routes
once, builds the mixed-integer programme and times HiGHS's solve with no limit, with a
cash target and with a cash target and a risk limit (the CVaR rows, one per scenario),
then the whole ``value_mix`` step (solve and exact valuation of the allocation). Prints a
Markdown table the README quotes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
from timing import median_time  # benchmarks/timing.py: run as a script, its folder is on the path

from finance import evaluate, load_inventory, parse_assumptions
from finance.decision.mix import mix_problem, solve_mix, value_mix
from finance.inputs.categories import default_categories
from finance.inputs.sample import generate_inventory, write_inventory

T0 = dt.date(2026, 11, 24)


def _inventory(n_lots: int, n_categories: int):
    lots = generate_inventory(n_lots, seed=3)
    overrides = {}
    if n_categories > 7:
        shipped = default_categories()
        # Category k of 50 is a copy of a shipped one with its own name and a volatility
        # of its own, so that the 50 carry 50 shock groups and price paths.
        rng = np.random.default_rng(5)
        parents = sorted(set(shipped) - {"generic"})
        copy = rng.integers(0, n_categories, len(lots))
        names = np.array([f"{parents[c % len(parents)]}_{c:02d}" for c in copy])
        lots = lots.assign(category=names)
        for name in np.unique(names):
            parent = shipped[name.rsplit("_", 1)[0]]
            fields = dataclasses.asdict(parent)
            fields.pop("name", None)
            fields.pop("label_zh", None)
            fields["season_ends"] = list(fields["season_ends"])
            fields["sigma"] = float(parent.sigma * rng.uniform(0.8, 1.2))
            overrides[str(name)] = {
                k: v for k, v in fields.items() if k in {"sigma", "erosion", "markdown"}
            }
    return lots, overrides


def _capture(captured: dict, valuation, single, adjustments, cash_target, max_loss_p95):
    """Stand in for ``value_mix`` inside ``evaluate``, keeping its inputs for the timing."""
    captured.update(valuation=valuation, single=single, adjustments=adjustments)
    return value_mix(valuation, single, adjustments, cash_target, max_loss_p95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=20_000)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        "| categories | lots | scenarios | solve, no limit (s) | with a cash target (s) "
        "| with target and risk limit (s) | value_mix (s) | mix uses |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for n_categories in (7, 50):
        lots, overrides = _inventory(args.lots, n_categories)
        assumptions = parse_assumptions(
            {"valuation_date": T0, "scenarios": args.scenarios, "categories": overrides}
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "lots.parquet"
            write_inventory(lots, path)
            lots = load_inventory(path, categories=assumptions.categories)
        captured: dict[str, object] = {}
        pipeline = importlib.import_module("finance.evaluate")
        original = pipeline.value_mix
        pipeline.value_mix = partial(_capture, captured)
        try:
            result = evaluate(lots, assumptions)
        finally:
            pipeline.value_mix = original
        problem = mix_problem(captured["valuation"], captured["single"], captured["adjustments"])
        market_value = result.summary["market_value"]
        target = 0.2 * market_value
        hold_p95 = float(result.options.set_index("option").loc["hold", "loss_retained_p95"])
        limit = hold_p95
        no_limit = median_time(lambda p=problem: solve_mix(p, 0.0, 0.0), args.repeat)
        with_target = median_time(lambda p=problem, c=target: solve_mix(p, c, 0.0), args.repeat)
        with_risk = median_time(
            lambda p=problem, c=target, r=limit: solve_mix(p, c, r), args.repeat
        )
        whole = median_time(
            partial(
                value_mix,
                captured["valuation"],
                captured["single"],
                captured["adjustments"],
                target,
                limit,
            ),
            args.repeat,
        )
        used = solve_mix(problem, target, limit)
        routes = sorted({problem.routes[r] for r in np.flatnonzero(used.shares.sum(axis=0) > 1e-9)})
        print(
            f"| {len(problem.categories)} | {args.lots:,} | {args.scenarios:,} | "
            f"{no_limit:.3f} | {with_target:.3f} | {with_risk:.3f} | {whole:.3f} | "
            f"{', '.join(routes) if used.feasible else 'no mix meets both'} |"
        )


if __name__ == "__main__":
    main()
