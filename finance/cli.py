"""Command line: ``python -m finance evaluate`` and ``python -m finance sample``.

Exit codes: 0 success; 2 bad input (every problem on stderr, one a line, and no output
file written); 1 internal error (a one-line message; set ``FINANCE_DEBUG=1`` for the
traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finance.assumptions import parse_assumptions, read_assumptions_file
from finance.errors import InputError, Problem


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m finance",
        description="Value overstocked inventory as collateral and compare routes to cash.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="value an inventory file and write the tables")
    ev.add_argument("inventory", help="CSV (UTF-8 or GB18030), XLSX or Parquet stock list")
    ev.add_argument("--assumptions", help="TOML file overriding data/assumptions.toml")
    ev.add_argument("--out", default="valuation-out", help="output folder (default: %(default)s)")
    ev.add_argument("--scenarios", type=int, help="Monte Carlo scenarios")
    ev.add_argument("--seed", type=int, help="random seed")
    ev.add_argument("--cash-target", type=float, help="cash to raise now, in the currency")
    ev.add_argument("--valuation-date", help="valuation date YYYY-MM-DD (default: today)")
    ev.add_argument("--format", choices=("xlsx", "csv"), default="xlsx",
                    help="xlsx: CSVs and workbook; csv: the two CSVs only")  # fmt: skip
    ev.add_argument("--json", action="store_true", help="print summary and options as JSON")
    sa = sub.add_parser("sample", help="write a synthetic inventory")
    sa.add_argument("--lots", type=int, required=True, help="number of lots")
    sa.add_argument("--seed", type=int, default=0)
    sa.add_argument("--out", required=True, help="FILE.csv or FILE.parquet")
    return parser


class _ProgressBar:
    """A bar on stderr that appears only once a run has taken more than a second."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: float, step: str) -> None:
        if not self.enabled or (time.monotonic() - self.start < 1.0 and done < 1.0):
            return
        if done >= 1.0 and not self.shown:
            return
        filled = int(30 * done)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:4.0%} {step:<32}")
        self.shown = True
        if done >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _clean(value: Any) -> Any:
    """Make a value JSON-safe (NaN and infinities become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _evaluate(args: argparse.Namespace) -> int:
    from finance.evaluate import evaluate
    from finance.export import safe_csv_bytes, workbook_bytes
    from finance.export.excel import EXCEL_MAX_ROWS
    from finance.inventory import load_inventory

    overrides: dict[str, Any] = {}
    if args.scenarios is not None:
        overrides["scenarios"] = args.scenarios
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.cash_target is not None:
        overrides["cash_target"] = args.cash_target
    if args.valuation_date is not None:
        overrides["valuation_date"] = args.valuation_date
    name = Path(args.assumptions).name if args.assumptions else "command line"
    problems: list[Problem] = []
    assumptions = None
    try:
        document = read_assumptions_file(args.assumptions) if args.assumptions else {}
        assumptions = parse_assumptions({**document, **overrides}, file=name)
    except InputError as exc:
        problems += exc.problems
    # Read the stock list even when the assumptions are bad: the user fixes both at once.
    try:
        categories = assumptions.categories if assumptions is not None else None
        lots = load_inventory(args.inventory, categories=categories)
    except InputError as exc:
        problems += exc.problems
    if problems or assumptions is None:
        raise InputError(problems)
    if args.format == "xlsx" and len(lots) > EXCEL_MAX_ROWS:
        raise InputError([Problem(
            Path(args.inventory).name,
            f"{len(lots):,} lots do not fit in an XLSX sheet; use --format csv",
        )])  # fmt: skip
    bar = _ProgressBar(enabled=not (args.json and not sys.stdout.isatty()))
    result = evaluate(lots, assumptions, progress=bar)

    # Build every file in memory first, then move them into place together: an error
    # while building leaves nothing behind.
    files = {"lots.csv": safe_csv_bytes(result.lots), "options.csv": safe_csv_bytes(result.options)}
    if args.format == "xlsx":
        files["valuation.xlsx"] = workbook_bytes(result)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for file_name, data in files.items():
            (staging / file_name).write_bytes(data)
        for file_name in files:
            os.replace(staging / file_name, out / file_name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    if args.json:
        payload = {
            "summary": _clean(result.summary),
            "options": [_clean(row) for row in result.options.to_dict(orient="records")],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
        print(f"\nWrote {', '.join(str(out / f) for f in files)}")
    return 0


def format_report(result: Any) -> str:
    """Plain-text headline figures and the comparison, for the terminal."""
    s = result.summary
    cur = s["currency"]
    lines = [
        f"Valuation {s['valuation_date']}: {s['lots']} lots",
        f"  market value           {cur} {s['market_value']:>18,.0f}",
        f"  lower of cost and NRV  {cur} {s['book_value']:>18,.0f}",
        f"  eligible value         {cur} {s['eligible_value']:>18,.0f}",
        f"  borrowing base         {cur} {s['borrowing_base']:>18,.0f}",
        f"  portfolio haircut      {s['portfolio_haircut']:>22.1%}",
        f"  expected holding loss  {cur} {s['expected_holding_loss']:>18,.0f}",
        f"  holding loss, 95%      {cur} {s['holding_loss_p95']:>18,.0f}",
        "",
        f"{'option':<14}{'cash now':>16}{'costs (PV)':>16}{'loss kept':>16}"
        f"{'loss handed over':>18}{'NPV':>16}  feasible",
    ]
    for row in result.options.itertuples():
        lines.append(
            f"{row.option:<14}{row.cash_now:>16,.0f}{row.pv_costs:>16,.0f}"
            f"{row.expected_loss_retained:>16,.0f}{row.expected_loss_transferred:>18,.0f}"
            f"{row.npv:>16,.0f}  {'yes' if row.feasible else 'no'}"
        )
    lines += ["", f"Recommended: {s['recommendation']}"]
    return "\n".join(lines)


def _sample(args: argparse.Namespace) -> int:
    from finance.sample import generate_inventory, write_inventory

    out = Path(args.out)
    problems = []
    if args.lots < 1:
        problems.append(Problem("command line", "--lots must be at least 1"))
    if out.suffix.lower() not in (".csv", ".parquet"):
        problems.append(Problem("command line", "--out must end in .csv or .parquet"))
    if problems:
        raise InputError(problems)
    write_inventory(generate_inventory(args.lots, seed=args.seed), out)
    print(f"Wrote {args.lots:,} lots to {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        return _evaluate(args) if args.command == "evaluate" else _sample(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # the user gets a line, not a traceback
        if os.environ.get("FINANCE_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (FINANCE_DEBUG=1 shows details)",
              file=sys.stderr)  # fmt: skip
        return 1
