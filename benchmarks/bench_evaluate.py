"""Time ``evaluate`` on generated inventories.

Usage::

    python benchmarks/bench_evaluate.py [--lots 10000 100000] [--scenarios 10000] [--repeat 3]

Generates each inventory with ``finance.inputs.sample.generate_inventory``, loads it through
``load_inventory`` (Parquet), then times ``evaluate`` several times and prints the median,
with the load time and the time per lot, as a Markdown table the README quotes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from finance import evaluate, load_inventory, parse_assumptions
from finance.inputs.sample import generate_inventory, write_inventory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    assumptions = parse_assumptions(
        {"valuation_date": dt.date(2026, 11, 24), "scenarios": args.scenarios}
    )
    print("| lots | load (s) | evaluate median (s) | µs per lot | scenarios |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.lots:
            path = Path(tmp) / f"lots_{n}.parquet"
            write_inventory(generate_inventory(n, seed=1), path)
            start = time.perf_counter()
            lots = load_inventory(path)
            load = time.perf_counter() - start
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                evaluate(lots, assumptions)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            per_lot = median / n * 1e6
            print(f"| {n:,} | {load:.2f} | {median:.2f} | {per_lot:.2f} | {args.scenarios:,} |")


if __name__ == "__main__":
    main()
