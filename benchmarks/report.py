"""Every performance measurement of issue 6, with medians and ratios, as one Markdown report.

Usage::

    python benchmarks/report.py [--repeat 5] [--out benchmarks/results.md] [--skip cli,naive]

Generates the inputs (``finance.inputs.sample``), then measures, each ``--repeat`` times:

1. ``evaluate`` in-process on 10k, 100k and 1M lots x 1k, 10k and 100k scenarios (the
   scaling table: cost grows with lots plus categories x scenarios, never lots x
   scenarios);
2. ``python -m finance evaluate`` on a 1M-lot CSV with ``--format csv`` against the Arrow
   floor (Arrow reading that CSV and writing the same ``lots.csv``), and the command's
   peak memory;
3. the naive per-lot QuantLib Monte Carlo reference against ``evaluate``
   (``benchmarks/naive_reference.py``, which also checks that the two agree);
4. the app through Streamlit's AppTest: a 10k-lot upload to the Financing options page,
   and a changed assumption redrawn;
5. the app in headless Chromium (``benchmarks/bench_browser.py``).

Prints the report and writes it to ``--out`` (not committed: the README quotes it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv
from timing import median_time  # benchmarks/timing.py: run as a script, its folder is on the path

from finance import evaluate, load_inventory, parse_assumptions
from finance.inputs.sample import generate_inventory, write_inventory

ROOT = Path(__file__).resolve().parents[1]
T0 = dt.date(2026, 11, 24)
LOTS = (10_000, 100_000, 1_000_000)
SCENARIOS = (1_000, 10_000, 100_000)
TARGETS = {"evaluate_1m": 3.0, "cli_ratio": 3.0, "cli_memory_gb": 2.0, "naive_speedup": 100.0,
           "app_upload": 3.0, "app_redraw": 1.0}  # fmt: skip


def scaling(tmp: Path, repeat: int) -> list[str]:
    """The lots x scenarios table of ``evaluate`` medians."""
    lines = [
        "| lots / scenarios | " + " | ".join(f"{s:,}" for s in SCENARIOS) + " |",
        "|---:|" + "---:|" * len(SCENARIOS),
    ]
    results = {}
    for n in LOTS:
        path = tmp / f"lots_{n}.parquet"
        write_inventory(generate_inventory(n, seed=1, dated=True), path)
        lots = load_inventory(path)
        cells = []
        for s in SCENARIOS:
            a = parse_assumptions({"valuation_date": T0, "scenarios": s})
            results[n, s] = median_time(lambda lots=lots, a=a: evaluate(lots, a), repeat)
            cells.append(f"{results[n, s]:.2f} s")
        lines.append(f"| {n:,} | " + " | ".join(cells) + " |")
    one = results[1_000_000, 10_000]
    mark = "met" if one <= TARGETS["evaluate_1m"] else "NOT met"
    lines += [
        "",
        f"`evaluate` on 1,000,000 lots, 10,000 scenarios: **{one:.2f} s** "
        f"(target {TARGETS['evaluate_1m']:.0f} s: {mark}).",
        f"Lots: 10k to 1M lots at 1k scenarios goes {results[10_000, 1_000]:.2f} s to "
        f"{results[1_000_000, 1_000]:.2f} s; scenarios: 1k to 100k at 10k lots goes "
        f"{results[10_000, 1_000]:.2f} s to {results[10_000, 100_000]:.2f} s. The 1M x 100k "
        f"cell ({results[1_000_000, 100_000]:.2f} s) is about the sum of the lot part and the "
        f"scenario part ({results[1_000_000, 1_000] + results[10_000, 100_000]:.2f} s), "
        "not their product.",
    ]
    return lines


_CLI = (
    "import resource, sys; from finance.cli import main; code = main(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def cli(tmp: Path, repeat: int) -> list[str]:
    """The command line on a million-lot CSV against the Arrow floor, and its peak memory.

    The floor is what the command cannot do without: Arrow reading the same input and
    writing the same ``lots.csv`` (the command's own, read back once), timed in-process.
    """
    path = tmp / "lots_1m.csv"
    write_inventory(generate_inventory(1_000_000, seed=1, dated=True), path)
    peak_kb = []

    def command() -> None:
        done = subprocess.run(
            [sys.executable, "-c", _CLI, "evaluate", str(path), "--valuation-date", T0.isoformat(),
             "--format", "csv", "--out", str(tmp / "out")],
            check=True, capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        peak_kb.append(int(done.stderr.strip().splitlines()[-1]))

    ours = median_time(command, repeat)
    lots = pacsv.read_csv(tmp / "out" / "lots.csv")

    def arrow_floor() -> None:
        pacsv.read_csv(path)
        pacsv.write_csv(lots, tmp / "arrow-lots.csv")

    base = median_time(arrow_floor, repeat)
    ratio, memory = ours / base, max(peak_kb) / 2**20
    ok = ratio <= TARGETS["cli_ratio"] and memory <= TARGETS["cli_memory_gb"]
    return [
        "| 1,000,000 lots, CSV in, `--format csv` out | median |",
        "|---|---:|",
        f"| Arrow alone: `read_csv` of the input + `write_csv` of the same lots.csv "
        f"({lots.num_columns} columns) | {base:.1f} s |",
        f"| `python -m finance evaluate` (all routes, 10,000 scenarios) | {ours:.1f} s |",
        f"| ratio (target <= {TARGETS['cli_ratio']:.0f}x) | **{ratio:.2f}x** |",
        f"| peak memory of the command (target <= {TARGETS['cli_memory_gb']:.0f} GB) "
        f"| **{memory:.2f} GB** |",
        "",
        f"Targets {'met' if ok else 'NOT met'}.",
    ]


def browser(repeat: int) -> list[str]:
    """What a user waits for in headless Chromium (``benchmarks/bench_browser.py``)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_browser.py"), "--repeat", str(repeat)],
        check=True, capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return ["```", *done.stdout.strip().splitlines(), "```"]


def naive() -> list[str]:
    """The naive per-lot QuantLib reference (its own script checks the agreement)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "naive_reference.py")],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    lines.append("")
    lines.append(f"Agreement and >= {TARGETS['naive_speedup']:.0f}x speed-up: "
                 f"{'met' if done.returncode == 0 else 'NOT met'}.")  # fmt: skip
    return lines


def app(tmp: Path, repeat: int) -> list[str]:
    """A 10k-lot upload to the Financing options page, and a changed assumption redrawn."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    path = tmp / "lots_10k.csv"
    write_inventory(generate_inventory(10_000, seed=3, dated=True), path)
    data = path.read_bytes()
    upload_times, redraw_times = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.session_state["assumptions_doc"] = {"valuation_date": T0}
        at.run()
        start = time.perf_counter()
        at.file_uploader(key="upload").set_value(("lots.csv", data, "text/csv")).run()
        at.switch_page("app_pages/financing.py").run()
        upload_times.append(time.perf_counter() - start)
        assert not at.exception and at.success, "the financing page did not render"
        at.switch_page("app_pages/assumptions.py").run()
        start = time.perf_counter()
        at.number_input(key="a.confidence").set_value(97.5).run()
        at.switch_page("app_pages/collateral.py").run()
        redraw_times.append(time.perf_counter() - start)
    upload, redraw = statistics.median(upload_times), statistics.median(redraw_times)
    return [
        "| app, 10,000 lots, 10,000 scenarios (AppTest) | median | target |",
        "|---|---:|---:|",
        f"| upload to Financing options (valuation and six-stress test) | {upload:.2f} s "
        f"| about {TARGETS['app_upload']:.0f} s |",
        f"| change the confidence, Collateral redrawn | {redraw:.2f} s "
        f"| about {TARGETS['app_redraw']:.0f} s |",
    ]


def main() -> None:
    """Run the measurements and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    parser.add_argument("--skip", default="", help="comma-separated: scaling,cli,naive,app,browser")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    report = [
        f"# Performance ({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, "
        f"median of {args.repeat})",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        sections = {
            "scaling": (
                "`evaluate` in-process, all five routes",
                lambda: scaling(tmp, args.repeat),
            ),
            "cli": ("Command line against the Arrow floor", lambda: cli(tmp, args.repeat)),
            "naive": ("Against a naive per-lot QuantLib Monte Carlo", naive),
            "app": ("The app", lambda: app(tmp, args.repeat)),
            "browser": ("The app in a browser", lambda: browser(args.repeat)),
        }
        for name, (title, measure) in sections.items():
            if name in skip:
                continue
            report += [f"## {title}", "", *measure(), ""]
            print(f"{title}: done", file=sys.stderr, flush=True)
    text = "\n".join(report)
    print(text)
    Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
