"""Time reading an inventory CSV: Arrow's own reader against ``load_inventory``.

Usage::

    python -m finance sample --lots 1000000 --out /tmp/s1m.csv
    python benchmarks/bench_read.py /tmp/s1m.csv [--repeat 3]

Arrow's ``pyarrow.csv.read_csv`` (typed columns, no validation) is the floor: the loader
reads the same bytes with Arrow too, then finds the header, leaves totals out and checks
every cell. Prints the median of ``--repeat`` runs of each, in seconds, and their ratio.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow.csv as pa_csv
from timing import median_time  # benchmarks/timing.py: run as a script, its folder is on the path

from finance import load_inventory


def main(argv: list[str] | None = None) -> None:
    """Print the Arrow and loader read times of one CSV file and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="an inventory CSV (python -m finance sample)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    arrow = median_time(lambda: pa_csv.read_csv(args.csv), args.repeat)
    lots = load_inventory(args.csv)  # once outside the timing: a bad file fails here
    loader = median_time(lambda: load_inventory(args.csv), args.repeat)
    print(f"file:            {args.csv} ({args.csv.stat().st_size / 2**20:,.1f} MB)")
    print(f"lots:            {len(lots):,}")
    print(f"arrow read_csv:  {arrow:.3f} s (median of {args.repeat})")
    print(f"load_inventory:  {loader:.3f} s (median of {args.repeat})")
    print(f"ratio:           {loader / arrow:.2f}x")


if __name__ == "__main__":
    main()
