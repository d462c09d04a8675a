"""Command line: ``python -m finance evaluate``, ``sample``, ``calibrate`` and ``history``.

Exit codes: 0 success; 2 bad input (every problem on stderr, one a line, and the output
folder left as it was), an output folder that may not be replaced or cannot be written
(checked before anything is read or valued) or a full disk; 1 internal error (a one-line
message; set ``FINANCE_DEBUG=1`` for the traceback).

``evaluate`` writes every file into a staging folder beside ``--out`` that replaces it whole
when the run succeeds (:mod:`finance.report.output`): a failed run leaves the previous
output as it was, a successful one leaves no file of an earlier run. ``--format`` picks
the files: ``xlsx`` the CSV tables and ``valuation.xlsx``, ``csv`` the CSV tables,
``parquet`` the same tables as Parquet.

``calibrate HISTORY --out CATEGORIES.toml [--stock INVENTORY]`` estimates category fields
from a monthly history (:mod:`finance.calibration`), writes the TOML, ``calibration.csv``
and ``backtest.csv`` beside it (each through a temporary file) and prints the estimates and
the backtest's summary (the last 12 months against the model fitted before); it exits 2 on a
file-level defect, or when every category is left out for too little history.

``--lang en|zh`` sets the language of the printed report, every error line and the
exports; the default is Chinese when the environment's language (``LC_ALL``,
``LC_MESSAGES``, ``LANG``) is, else English. The language is known before the command line
is parsed (:func:`session_lang`), so that its own usage errors and ``-h`` speak it too.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from finance.errors import InputError, Problem
from finance.inputs.assumptions import parse_assumptions, read_assumptions_file
from finance.locale import (
    DEFAULT,
    LANGUAGES,
    Text,
    catalog,
    default_lang,
    display_width,
    label,
    render,
    t,
    wrap,
)

#: The database ``--db`` records into when given without a URL (a file in the working folder);
#: :data:`finance.history.store.DEFAULT_URL`, repeated here so that the command line does not
#: import SQLAlchemy before it is needed.
DEFAULT_DB = "sqlite:///valuations.db"


def session_lang(argv: Sequence[str]) -> str:
    """The language of a run, read before parsing: the last ``--lang``, else the environment's.

    argparse speaks while it parses (a usage error ends the run there), so the language
    must be known first. ``--lang zh``, ``--lang=zh`` and the abbreviations argparse takes
    (``--la zh``) count; an unknown value leaves the environment's language, in which
    argparse then reports it.
    """
    args = list(argv)
    lang = None
    for i, arg in enumerate(args):
        if arg == "--":  # the end of the options: what follows is data
            break
        name, eq, value = arg.partition("=")
        if len(name) >= 4 and "--lang".startswith(name):
            lang = value if eq else (args[i + 1] if i + 1 < len(args) else None)
    return lang if lang in LANGUAGES else default_lang()


@contextlib.contextmanager
def _argparse_speaks(lang: str) -> Iterator[None]:
    """The words argparse itself prints (usage, headings, errors) in ``lang``, for the block.

    argparse looks each of its messages up at call time through the ``gettext`` functions it
    holds as the module globals ``_`` and ``ngettext``; for the block they answer from the
    catalog's ``[argparse]`` section, keyed by argparse's English message. A message the
    catalog lacks (one a later Python adds) stays English. Both are put back on the way
    out, a usage error's exit included; English changes nothing. The swap is module-wide,
    which suits the command line's one parse at start-up, not a multi-threaded server.
    """
    if lang == DEFAULT:
        yield
        return
    words = {
        key.removeprefix("argparse."): text
        for key, text in catalog(lang).items()
        if key.startswith("argparse.")
    }

    def gettext(message: str) -> str:
        return words.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = gettext, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


# One unit a line may break after: an ASCII word or one CJK character, each with the closing
# punctuation that must not start a line.
def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` display columns, broken between words or CJK."""
    return wrap(text, lambda line: display_width(line) > width)


class _WideHelpFormatter(argparse.HelpFormatter):
    """Help laid out by display width, for Chinese help text.

    argparse counts characters; a CJK character takes two columns, so its wrapping would run
    Chinese lines to twice the terminal width and its padding would push the help column.
    """

    def format_help(self) -> str:
        # argparse puts an ASCII colon after each heading; Chinese takes the full-width one.
        return re.sub(r"^(\S.*[\u2e80-\uffff]):$", r"\1：", super().format_help(), flags=re.M)

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None) -> str:
        text = super()._format_usage(usage, actions, groups, prefix)
        # argparse indents the usage's later lines by the prefix's characters: add the
        # columns its CJK characters take besides, to line them up under the first.
        shown = argparse._("usage: ") if prefix is None else prefix
        extra = display_width(shown) - len(shown)
        first, *rest = text.split("\n")
        return "\n".join([first, *(" " * extra + line if line else line for line in rest)])

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in _wrap(text, width - len(indent)))

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        # argparse padded a CJK placeholder by its characters: take back one space each.
        head = " " * self._current_indent + self._format_action_invocation(action)
        extra = display_width(head) - len(head)
        if extra and text.startswith(head + " " * (extra + 2)):
            text = head + text[len(head) + extra :]
        return text


def _named(convert: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """``convert`` under another name: argparse reports a bad value as "invalid NAME value"."""

    def parse(text: str) -> Any:
        return convert(text)

    parse.__name__ = name
    return parse


def _parser(lang: str = DEFAULT) -> argparse.ArgumentParser:
    """The command line, its help and placeholders in ``lang``.

    Build and run it within :func:`_argparse_speaks` for argparse's own words in ``lang``
    (its headings are taken when the parser is built). English is the parser as it always
    was: the English help below, argparse's own names for values and placeholders.
    """

    def say(english: str, code: str) -> str:
        return render(Text(english, code), lang)

    english = lang == DEFAULT
    # In another language only: argparse names a value's type, and a positional, as given.
    whole = int if english else _named(int, t("help.int", lang))
    number = float if english else _named(float, t("help.float", lang))
    formatting: dict[str, Any] = {} if english else {"formatter_class": _WideHelpFormatter}
    parser = argparse.ArgumentParser(
        prog="python -m finance",
        description=say(
            "Value overstocked inventory as collateral and compare routes to cash.",
            "help.description",
        ),
        **formatting,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser(
        "evaluate",
        help=say("value an inventory file and write the tables", "help.evaluate"),
        **formatting,
    )
    ev.add_argument("inventory", metavar=None if english else t("help.inventory_metavar", lang),
                    help=say("CSV (UTF-8 or GB18030), XLSX or Parquet stock list",
                             "help.inventory"))  # fmt: skip
    ev.add_argument("--assumptions",
                    help=say("TOML file overriding data/assumptions.toml",
                             "help.assumptions"))  # fmt: skip
    ev.add_argument("--out", default="valuation-out",
                    help=say("output folder (default: %(default)s)", "help.out"))  # fmt: skip
    ev.add_argument("--scenarios", type=whole,
                    help=say("Monte Carlo scenarios", "help.scenarios"))  # fmt: skip
    ev.add_argument("--seed", type=whole, help=say("random seed", "help.seed"))
    ev.add_argument("--cash-target", type=number,
                    help=say("cash to raise now, in the currency", "help.cash_target"))  # fmt: skip
    ev.add_argument("--max-loss-p95", type=number,
                    help=say("risk limit on the 95%% loss kept, in the currency (0: none)",
                             "help.max_loss_p95"))  # fmt: skip
    ev.add_argument("--valuation-date",
                    help=say("valuation date YYYY-MM-DD (default: today)",
                             "help.valuation_date"))  # fmt: skip
    ev.add_argument("--format", choices=("xlsx", "csv", "parquet"), default="xlsx",
                    help=say("xlsx: CSVs and workbook; csv: the CSVs only; parquet: the same "
                             "tables as Parquet", "help.format"))  # fmt: skip
    ev.add_argument("--json", action="store_true",
                    help=say("print summary and options as JSON", "help.json"))  # fmt: skip
    ev.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the report, the messages and the exports "
                             "(default: zh when LANG is Chinese, else en)",
                             "help.lang"))  # fmt: skip
    ev.add_argument("--stress", action="store_true",
                    help=say("also reprice under price, volatility and rate stresses and "
                             "tabulate the borrowing base against confidence and margin period",
                             "help.stress"))  # fmt: skip
    ev.add_argument("--db", nargs="?", const=DEFAULT_DB, default=None, metavar="URL",
                    help=say("record the run in a database (SQLAlchemy URL; %(const)s in the "
                             "working folder when given without one)", "help.db"))  # fmt: skip
    ev.add_argument("--borrower", metavar="NAME",
                    help=say("the borrower whose inventory it is (required with --db)",
                             "help.borrower"))  # fmt: skip
    sa = sub.add_parser(
        "sample", help=say("write a synthetic inventory", "help.sample"), **formatting
    )
    sa.add_argument("--lots", type=whole, required=True,
                    help=say("number of lots", "help.lots"))  # fmt: skip
    sa.add_argument("--book", type=whole, metavar="N",
                    help=say("write a book of N borrowers (manifest and inventories) into the "
                             "folder --out", "help.book"))  # fmt: skip
    sa.add_argument("--seed", type=whole, default=0)
    sa.add_argument("--out", required=True,
                    help=say("FILE.csv or FILE.parquet", "help.sample_out"))  # fmt: skip
    sa.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the messages", "help.sample_lang"))  # fmt: skip
    ca = sub.add_parser(
        "calibrate",
        help=say("estimate category fields from a monthly sales history", "help.calibrate"),
        **formatting,
    )
    ca.add_argument("history", metavar=None if english else t("help.history_metavar", lang),
                    help=say("CSV, XLSX or Parquet: month, category, avg_price, units_sold",
                             "help.history"))  # fmt: skip
    ca.add_argument("--out", required=True,
                    help=say("CATEGORIES.toml to write; calibration.csv goes beside it",
                             "help.calibrate_out"))  # fmt: skip
    ca.add_argument("--stock",
                    help=say("inventory file whose quantities give the stock on hand "
                             "(for months_to_clear)", "help.stock"))  # fmt: skip
    ca.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the messages", "help.sample_lang"))  # fmt: skip
    hi = sub.add_parser(
        "history",
        help=say("list the runs recorded in a database", "help.history_cmd"),
        **formatting,
    )
    hi.add_argument("--db", nargs="?", const=DEFAULT_DB, default=DEFAULT_DB, metavar="URL",
                    help=say("the run database (SQLAlchemy URL; default: %(default)s)",
                             "help.history_db"))  # fmt: skip
    hi.add_argument("--borrower", metavar="NAME",
                    help=say("only this borrower's runs", "help.history_borrower"))  # fmt: skip
    hi.add_argument("--json", action="store_true",
                    help=say("print the runs as a JSON list", "help.history_json"))  # fmt: skip
    hi.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the messages", "help.sample_lang"))  # fmt: skip
    rf = sub.add_parser(
        "rollforward",
        help=say("reconcile two runs of a borrower: opening, movements, closing",
                 "help.rollforward_cmd"),
        **formatting,
    )  # fmt: skip
    rf.add_argument("run_a", type=whole, metavar="RUN_A",
                    help=say("the opening run's id", "help.run_a"))  # fmt: skip
    rf.add_argument("run_b", type=whole, metavar="RUN_B",
                    help=say("the closing run's id", "help.run_b"))  # fmt: skip
    rf.add_argument("--db", nargs="?", const=DEFAULT_DB, default=DEFAULT_DB, metavar="URL",
                    help=say("the run database (SQLAlchemy URL; default: %(default)s)",
                             "help.history_db"))  # fmt: skip
    rf.add_argument("--out", default=".",
                    help=say("folder to write rollforward.csv in (default: %(default)s)",
                             "help.rollforward_out"))  # fmt: skip
    rf.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the messages", "help.sample_lang"))  # fmt: skip
    rp = sub.add_parser(
        "report",
        help=say("write a recorded run's PDF credit memo", "help.report_cmd"),
        **formatting,
    )
    rp.add_argument("run", type=whole, metavar="RUN", help=say("the run's id", "help.run"))
    rp.add_argument("--db", nargs="?", const=DEFAULT_DB, default=DEFAULT_DB, metavar="URL",
                    help=say("the run database (SQLAlchemy URL; default: %(default)s)",
                             "help.history_db"))  # fmt: skip
    rp.add_argument("--pdf", required=True, metavar="FILE.pdf",
                    help=say("the PDF file to write", "help.pdf"))  # fmt: skip
    rp.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the memo and the messages",
                             "help.report_lang"))  # fmt: skip
    bk = sub.add_parser(
        "book",
        help=say("value many borrowers on one scenario set (a lender's book) on Dask",
                 "help.book_cmd"),
        **formatting,
    )  # fmt: skip
    bk.add_argument("manifest", metavar="MANIFEST.toml",
                    help=say("the book's manifest (TOML)", "help.manifest"))  # fmt: skip
    bk.add_argument("--scheduler", metavar="ADDRESS",
                    help=say("tcp://HOST:PORT of a running Dask scheduler (default: a local "
                             "cluster)", "help.scheduler"))  # fmt: skip
    bk.add_argument("--workers", type=whole, default=2,
                    help=say("worker processes of the local cluster (default: %(default)s)",
                             "help.workers"))  # fmt: skip
    bk.add_argument("--out", default="book-out",
                    help=say("output folder (default: %(default)s)", "help.book_out"))  # fmt: skip
    bk.add_argument("--lang", choices=LANGUAGES, default=None,
                    help=say("language of the messages", "help.sample_lang"))  # fmt: skip
    if not english:
        # Named by its choices, as the usage line shows it, where English says "command".
        sub.metavar = "{" + ",".join(sub.choices) + "}"
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


def _import_scipy() -> None:
    for module in ("scipy.special", "scipy.optimize"):
        importlib.import_module(module)


def _inventory_source(path: str) -> str | bytes:
    """The inventory file's bytes, read once (what is valued is what is recorded).

    The path itself when the file cannot be read here or is larger than the reader takes:
    :func:`finance.inputs.inventory.load_inventory` then says what is wrong with it.
    """
    from finance.inputs.reading import MAX_FILE_BYTES

    try:
        file = Path(path)
        if file.is_file() and file.stat().st_size <= MAX_FILE_BYTES:
            return file.read_bytes()
    except OSError:
        pass
    return path


def _value_and_write(
    args: argparse.Namespace, folder: Path
) -> tuple[Any, Any, list[str], Any, str | bytes]:
    """Read the inputs, value them and write the run's files into ``folder``.

    Returns the result, the stress test (or None), the names of the files written, the
    assumptions and the inventory as read (its bytes when the run is to be recorded, else
    its path).
    """
    from finance.evaluate import evaluate
    from finance.inputs.inventory import load_inventory
    from finance.market.budget import address_space_limit
    from finance.report.excel import EXCEL_MAX_ROWS

    # SciPy (the mix's solver, the ABS's normal distribution: a third of the package's
    # import time) is imported on a second thread while this one reads the inventory,
    # which Arrow parses without the GIL; the valuation waits for it at its first use.
    # Under an address-space limit it is loaded first instead: mapping its libraries
    # while a large input is being read could fail for want of memory, and the loader
    # then aborts the process instead of raising.
    if address_space_limit() is None:
        threading.Thread(target=_import_scipy, daemon=True).start()
    else:
        _import_scipy()
    lang = args.lang

    overrides: dict[str, Any] = {}
    if args.scenarios is not None:
        overrides["scenarios"] = args.scenarios
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.cash_target is not None:
        overrides["cash_target"] = args.cash_target
    if args.max_loss_p95 is not None:
        overrides["max_loss_p95"] = args.max_loss_p95
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
        names = assumptions.category_names if assumptions is not None else None
        source = _inventory_source(args.inventory) if args.db is not None else args.inventory
        lots = load_inventory(
            source, name=Path(args.inventory).name, categories=categories, category_names=names
        )
    except InputError as exc:
        problems += exc.problems
    if problems or assumptions is None:
        raise InputError(problems)
    if args.format == "xlsx" and len(lots) > EXCEL_MAX_ROWS:
        raise InputError([Problem(
            Path(args.inventory).name,
            Text(f"{len(lots):,} lots do not fit in an XLSX sheet; use --format csv",
                 "problem.lots_too_many_for_xlsx", lots=len(lots)),
        )])  # fmt: skip
    bar = _ProgressBar(enabled=not (args.json and not sys.stdout.isatty()))
    stages = 2 if args.stress else 1

    def step(name: str) -> str:
        return label("step", name, lang)

    result = evaluate(lots, assumptions, progress=lambda f, s: bar(f / stages, step(s)))
    stress = None
    if args.stress:
        from finance.analysis.stress import stress_test

        stress = stress_test(
            lots,
            assumptions,
            base=result,
            progress=lambda f, s: bar(0.5 + f / 2, f"{step('stress')}: {step(s)}"),
        )
    return result, stress, _write_files(args, folder, result, stress), assumptions, source


def _write_files(args: argparse.Namespace, folder: Path, result: Any, stress: Any) -> list[str]:
    """Write the run's files into the staging ``folder``; return their names.

    ``xlsx``: the CSV tables and ``valuation.xlsx``; ``csv``: the CSV tables; ``parquet``: the
    same tables as Parquet. A write the system refuses (a full disk) is a problem of the
    output folder, not an internal error.
    """
    # Looked up at call time (not bound at import), so that a test can replace it.
    from finance import report
    from finance.report.csv import write_csv
    from finance.report.output import write_failed
    from finance.report.parquet import write_parquet
    from finance.report.tables import export_tables

    files: list[str] = []
    try:
        if args.format == "xlsx":
            # Built first: a text too long for a cell in a sheet no CSV holds is a problem
            # to report before a million lots are written.
            workbook = report.workbook_bytes(result, stress, args.lang)
        suffix, write = (".parquet", write_parquet) if args.format == "parquet" else (
            ".csv", write_csv)  # fmt: skip
        for name, frame in export_tables(result, args.lang, stress).items():
            write(frame, folder / f"{name}{suffix}")
            files.append(f"{name}{suffix}")
        if args.format == "xlsx":
            (folder / "valuation.xlsx").write_bytes(workbook)
            files.append("valuation.xlsx")
    except OSError as exc:
        raise write_failed(args.out, folder.parent, exc) from exc
    return files


def _evaluate(args: argparse.Namespace) -> int:
    from finance.report.output import replacing

    # The output folder is checked (and its staging folder made) before anything is read
    # or valued: a bad --out costs no valuation. Every file is written into the staging
    # folder, which replaces --out only when the block ends without an error. The run
    # database (--db) is opened, and migrated if new, before either.
    store = _store_for_evaluate(args)
    inputs = [args.inventory] + ([args.assumptions] if args.assumptions else [])
    recorded = None
    try:
        with replacing(args.out, inputs=inputs) as staging:
            result, stress, files, assumptions, source = _value_and_write(args, staging)
            if store is not None:
                # Recorded before the output folder is replaced: a run the database refuses
                # leaves the previous output as it was.
                data = source if isinstance(source, bytes) else Path(args.inventory).read_bytes()
                recorded, raised = _record(store, args, result, assumptions, data)
    finally:
        if store is not None:
            store.close()
    out = Path(args.out)
    lang = args.lang

    if args.json:
        payload = {
            "summary": _clean(
                {**result.summary, "recommendation": result.recommendation_text(lang)}
            ),
            "options": [
                _clean(row)
                for row in result.options.assign(notes=result.option_notes(lang)).to_dict(
                    orient="records"
                )
            ],
            "mix": [_clean(row) for row in result.mix.to_dict(orient="records")],
        }
        if stress is not None:
            payload["stress"] = [_clean(r) for r in stress.comparison.to_dict(orient="records")]
            payload["sensitivity"] = [
                _clean(r) for r in stress.sensitivity.to_dict(orient="records")
            ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(format_report(result, lang))
        if stress is not None:
            print("\n" + format_stress(stress, result.summary["currency"], lang))
        print("\n" + t("cli.wrote", lang, files=", ".join(str(out / f) for f in files)))
    if recorded is not None:
        # With --json, stdout holds the JSON only.
        where = sys.stderr if args.json else sys.stdout
        print(t("cli.recorded", lang, id=recorded, borrower=args.borrower.strip(), db=store.url),
              file=where)  # fmt: skip
        for alert in raised:
            print(t("cli.alert", lang, message=render(alert.message, lang)), file=where)
    return 0


def _db_problem(exc: Any) -> InputError:
    """The input problem of a run database that cannot be used (a ``StoreError``)."""
    message = Text(str(exc), "problem.db_unavailable", url=exc.url, reason=exc.reason)
    return InputError([Problem("--db", message)])


def _open_store(url: str, *, create: bool = True) -> Any:
    """The run history at ``url``; a database that cannot be opened is an input problem."""
    from finance.history.store import StoreError, open_store

    try:
        return open_store(url, create=create)
    except StoreError as exc:
        raise _db_problem(exc) from None


def _store_for_evaluate(args: argparse.Namespace) -> Any:
    """The store ``--db`` names (checked and opened before anything is valued), or None."""
    if args.db is None and args.borrower is None:
        return None
    if args.db is None:
        message = Text("--borrower is used only with --db", "problem.borrower_without_db")
        raise InputError([Problem("command line", message)])
    if not (args.borrower or "").strip():
        message = Text("--borrower NAME is required with --db", "problem.borrower_required")
        raise InputError([Problem("command line", message)])
    return _open_store(args.db)


def _record(
    store: Any, args: argparse.Namespace, result: Any, assumptions: Any, data: bytes
) -> tuple[int, list[Any]]:
    """Record the run in ``store`` with its alerts against the borrower's last run.

    Returns the run's id and the alerts.
    """
    from finance.history.identity import default_user
    from finance.history.recording import record_with_alerts
    from finance.history.store import StoreError

    try:
        run_id, raised, _ = record_with_alerts(
            store, result, assumptions, data, borrower=args.borrower, user=default_user(),
            inventory_name=Path(args.inventory).name,
        )  # fmt: skip
        return run_id, raised
    except StoreError as exc:
        raise _db_problem(exc) from None


def _history(args: argparse.Namespace) -> int:
    """List the runs recorded in ``--db`` (as a table, or as JSON)."""
    from finance.history.alerts import record_message
    from finance.history.store import StoreError

    lang = args.lang
    with contextlib.closing(_open_store(args.db, create=False)) as store:
        try:
            runs = store.runs(args.borrower)
        except StoreError as exc:
            raise _db_problem(exc) from None
        shown = store.url
    if args.json:
        rows = [
            {
                "id": int(r.id),
                "borrower": r.borrower,
                "valuation_date": r.valuation_date.isoformat(),
                "borrowing_base": _clean(r.borrowing_base),
                "eligible_value": _clean(r.eligible_value),
                "recommended_option": r.recommended_option,
                "alerts": [a["code"] for a in r.alerts],
                "alert_messages": [record_message(a, lang) for a in r.alerts],
                "currency": r.currency,
                "coverage": _clean(r.coverage),
                "created_at": r.created_at.isoformat(),
                "user": r.user,
                "package_version": r.package_version,
                "inventory_sha256": r.inventory_sha256,
                "assumptions_sha256": r.assumptions_sha256,
            }
            for r in runs.itertuples()
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(format_history(runs, shown, lang, borrower=args.borrower))
    return 0


def _stored(store: Any, run_id: int) -> Any:
    """Run ``run_id`` of ``store``; an unknown id is an input problem."""
    from finance.history.store import StoreError

    try:
        return store.load_run(run_id)
    except KeyError:
        message = Text(f"no run {run_id} in {store.url}", "problem.no_run", id=run_id, db=store.url)
        raise InputError([Problem("RUN", message)]) from None
    except StoreError as exc:
        raise _db_problem(exc) from None


def _rollforward(args: argparse.Namespace) -> int:
    """Write and print the roll-forward between two runs of one borrower (MODEL.md 10)."""
    from finance.history.rollforward import for_presentation, rollforward
    from finance.report.output import replace_file, write_failed

    lang = args.lang
    with contextlib.closing(_open_store(args.db, create=False)) as store:
        opening, closing = _stored(store, args.run_a), _stored(store, args.run_b)
    if opening.borrower != closing.borrower:
        message = Text(
            f"runs {opening.id} and {closing.id} are of different borrowers "
            f"({opening.borrower}, {closing.borrower})",
            "problem.runs_borrowers",
            a=opening.id,
            b=closing.id,
            first=opening.borrower,
            second=closing.borrower,
        )
        raise InputError([Problem("RUN_B", message)])
    table = for_presentation(rollforward(opening.lots, closing.lots))
    out = Path(args.out) / "rollforward.csv"
    try:
        replace_file(out, table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    except OSError as exc:
        raise write_failed(args.out, out.parent, exc) from exc
    print(format_rollforward(table, opening, closing, lang))
    print("\n" + t("cli.wrote", lang, files=str(out)))
    return 0


def format_rollforward(table: Any, opening: Any, closing: Any, lang: str = "en") -> str:
    """The roll-forward as a plain-text table in ``lang``, its lines named."""
    title = t(
        "cli.rollforward_title",
        lang,
        borrower=closing.borrower,
        a=opening.id,
        a_date=opening.valuation_date.isoformat(),
        b=closing.id,
        b_date=closing.valuation_date.isoformat(),
        currency=closing.currency,
    )
    heads = [t(f"cli.rollforward_{k}", lang) for k in ("line", "eligible", "base", "lots")]

    def name(line: str) -> str:
        base, _, reason = line.partition(":")
        if reason:
            return f"{label('rollforward', base, lang)}: {label('reason', reason, lang)}"
        return label("rollforward", base, lang)

    rows = [
        [name(r.line), f"{r.eligible_value:,.2f}", f"{r.borrowing_base:,.2f}", str(int(r.lots))]
        for r in table.itertuples()
    ]
    widths = [max(display_width(x) for x in [h, *(row[i] for row in rows)])
              for i, h in enumerate(heads)]  # fmt: skip

    def line(cells: list[str]) -> str:
        return "  ".join(
            _cell(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([title, line(heads), *(line(r) for r in rows)])


def _report(args: argparse.Namespace) -> int:
    """Write a recorded run's PDF credit memo, its figures valued again from its inputs."""
    from finance.history.run_memo import run_memo
    from finance.report.memo import FontNotFoundError
    from finance.report.output import replace_file, write_failed

    lang = args.lang
    with contextlib.closing(_open_store(args.db, create=False)) as store:
        run = _stored(store, args.run)
    try:
        pdf = run_memo(run, lang)
    except FontNotFoundError as exc:
        raise InputError([Problem("--pdf", Text(str(exc), "problem.no_cjk_font"))]) from None
    target = Path(args.pdf)
    try:
        replace_file(target, pdf)
    except OSError as exc:
        raise write_failed(args.pdf, target.parent, exc) from exc
    print(t("cli.wrote", lang, files=str(target)))
    return 0


def format_history(runs: Any, db: str, lang: str = "en", *, borrower: str | None = None) -> str:
    """The runs of :meth:`finance.history.store.Store.runs` as a plain-text table in ``lang``.

    The inputs' hashes are shortened to their first 12 hexadecimal digits; the alerts are
    their codes.
    """
    if runs.empty:
        if borrower is not None:
            return t("cli.history_none_for", lang, db=db, borrower=borrower)
        return t("cli.history_none", lang, db=db)

    def alerts(found: list[dict[str, Any]]) -> str:
        codes = [label("alert_code", str(a.get("code", "")), lang) for a in found]
        return ("、" if lang == "zh" else ", ").join(codes) or "-"

    table = [
        [
            str(r.id),
            r.borrower,
            r.valuation_date.isoformat(),
            r.inventory_sha256[:12],
            r.assumptions_sha256[:12],
            r.user,
            f"{r.currency} {r.borrowing_base:,.0f}",
            label("option", r.recommended_option, lang) if r.recommended_option else "-",
            alerts(r.alerts),
        ]
        for r in runs.itertuples()
    ]
    keys = ("id", "borrower", "date", "inventory", "assumptions", "user", "borrowing_base",
            "recommended", "alerts")  # fmt: skip
    heads = [t(f"cli.history_{k}", lang) for k in keys]
    right = {0, 6}
    widths = [max(display_width(x) for x in [h, *(row[i] for row in table)])
              for i, h in enumerate(heads)]  # fmt: skip

    def line(cells: list[str]) -> str:
        return "  ".join(
            _cell(c, w, i in right) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([t("cli.history_title", lang, db=db), line(heads), *map(line, table)])


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _pct(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2%}"


def format_report(result: Any, lang: str = "en") -> str:
    """Plain-text headline figures, the comparison and each route's key terms, in ``lang``."""
    if lang != "en":
        return _format_report_in(result, lang)
    s = result.summary
    cur = s["currency"]
    lines = [
        f"Valuation {s['valuation_date']}: {s['lots']} lots ({cur})",
        f"  market value           {cur} {s['market_value']:>18,.0f}",
        f"  lower of cost and NRV  {cur} {s['book_value']:>18,.0f}",
        f"  eligible value         {cur} {s['eligible_value']:>18,.0f}",
        f"  borrowing base         {cur} {s['borrowing_base']:>18,.0f}",
        f"  portfolio haircut      {s['portfolio_haircut']:>22.1%}",
        f"  expected holding loss  {cur} {s['expected_holding_loss']:>18,.0f}",
        f"    at the company rate  {cur} {s['holding_loss_at_company_rate']:>18,.0f}",
        f"  holding loss, 95%      {cur} {s['holding_loss_p95']:>18,.0f}",
        "",
        f"{'option':<14}{'cash now':>14}{'all-in cost':>12}{'costs (PV)':>13}{'loss kept':>13}"
        f"{'kept, 95%':>13}{'handed over':>13}{'NPV':>14}{'vs hold':>13}  feasible",
    ]
    for row in result.options.itertuples():
        lines.append(
            f"{row.option:<14}{row.cash_now:>14,.0f}{_pct(row.effective_annual_cost):>12}"
            f"{row.pv_costs:>13,.0f}{row.expected_loss_retained:>13,.0f}"
            f"{row.loss_retained_p95:>13,.0f}{row.expected_loss_transferred:>13,.0f}"
            f"{row.npv:>14,.0f}{row.npv_vs_hold:>13,.0f}  {'yes' if row.feasible else 'no'}"
        )
    lines.append("")
    lines += [f"  {row.option}: {row.notes}" for row in result.options.itertuples()]

    loan = result.pledge_loan
    lines += [
        "",
        f"Pledge loan: {cur} {_money(loan.loan)} for {len(loan.schedule) - 1} interest periods, "
        f"all-in {_pct(loan.all_in_cost)} a year; coverage at drawdown {loan.coverage:.2f}x",
    ]
    for trig in loan.triggers.itertuples():
        check = (
            f" (closed form {trig.probability_closed_form:.2%})"
            if math.isfinite(trig.probability_closed_form)
            else ""
        )
        lines.append(
            f"  {trig.line.replace('_', ' '):<17}{trig.coverage:.2f}x  collateral below "
            f"{cur} {_money(trig.collateral_at_line)}: probability {trig.probability:.2%}{check}"
        )
    lines.append(
        f"  expected top-up {cur} {_money(loan.expected_top_up)}; lender's expected loss "
        f"{cur} {_money(loan.lender_expected_loss)}; F-IRB LGD {_pct(loan.regulatory_lgd)}"
    )

    trust = result.receipt_trust
    lines += [
        "",
        f"Receipt trust: goods worth {cur} {_money(trust.pool_value)} sold at "
        f"{cur} {_money(trust.transfer_price)}; senior units {cur} "
        f"{_money(trust.senior_principal)} to investors, subordinated {cur} "
        f"{_money(trust.subordinated_principal)} kept",
        f"  investors' expected shortfall {cur} {_money(trust.senior_shortfall_pv)}; "
        f"fair senior coupon {_pct(trust.fair_senior_coupon)} against the curve's "
        f"{_pct(trust.curve_rate)}"
        + ("; BUYBACK: secured borrowing in substance" if trust.buyback else ""),
    ]

    deal = result.abs
    lines += ["", f"ABS: issue {cur} {_money(deal.issue_size)}; {deal.retention_rule}"]
    for tranche in deal.tranches.itertuples():
        lines.append(
            f"  {tranche.tranche:<10} {tranche.attachment:6.1%}-{tranche.detachment:6.1%}  face "
            f"{cur} {_money(tranche.face):>13}  price {tranche.price_per_100:7.2f}  WAL "
            f"{tranche.wal_years:4.2f}y  duration {tranche.modified_duration:4.2f}  "
            f"P(loss) {tranche.probability_of_loss:.2%}  sold {tranche.sold_share:.0%}"
        )
    lines.append(f"  costs {cur} {_money(deal.costs['total'])}")
    lines += ["", "Mix: what goes where (share of each category's market value)"]
    lines += [
        f"  {m.category:<18}{m.route:<15}{m.share:>7.1%}  cash now {cur} {_money(m.cash_now)}"
        for m in result.mix.itertuples()
    ]
    head = "Recommended" if result.recommendation.is_recommendation else "Not recommended"
    lines += ["", f"{head}: {s['recommendation']}"]
    return "\n".join(lines)


def _cell(text: str, width: int, right: bool = True) -> str:
    """Pad ``text`` to ``width`` display columns (a CJK character takes two)."""
    pad = max(width - display_width(text), 0)
    return " " * pad + text if right else text + " " * pad


def _format_report_in(result: Any, lang: str) -> str:
    """:func:`format_report` in another language, from the catalog."""
    s = result.summary
    cur = s["currency"]
    names = result.category_labels(lang)
    lines = [t("cli.valuation", lang, date=s["valuation_date"], lots=s["lots"], currency=cur)]
    for key in ("market_value", "book_value", "eligible_value", "borrowing_base"):
        lines.append(f"  {_cell(t(f'cli.{key}', lang), 24, False)}{cur} {s[key]:>18,.0f}")
    lines.append(
        f"  {_cell(t('cli.portfolio_haircut', lang), 24, False)}{s['portfolio_haircut']:>22.1%}"
    )
    for key in ("expected_holding_loss", "holding_loss_at_company_rate", "holding_loss_p95"):
        lines.append(f"  {_cell(t(f'cli.{key}', lang), 24, False)}{cur} {s[key]:>18,.0f}")
    heads = ("cash_now", "all_in_cost", "pv_costs", "loss_kept", "kept_p95", "handed_over", "npv",
             "vs_hold")  # fmt: skip
    widths = (16, 16, 16, 16, 16, 16, 16, 16)
    lines += [
        "",
        _cell(t("cli.option", lang), 16, False)
        + "".join(_cell(t(f"cli.{h}", lang), w) for h, w in zip(heads, widths, strict=True))
        + "  "
        + t("cli.feasible", lang),
    ]
    for row in result.options.itertuples():
        figures = (
            f"{row.cash_now:,.0f}", _pct(row.effective_annual_cost), f"{row.pv_costs:,.0f}",
            f"{row.expected_loss_retained:,.0f}", f"{row.loss_retained_p95:,.0f}",
            f"{row.expected_loss_transferred:,.0f}", f"{row.npv:,.0f}", f"{row.npv_vs_hold:,.0f}",
        )  # fmt: skip
        lines.append(
            _cell(label("option", row.option, lang), 16, False)
            + "".join(_cell(f, w) for f, w in zip(figures, widths, strict=True))
            + "  "
            + t("cli.yes" if row.feasible else "cli.no", lang)
        )
    lines += ["", t("cli.notes", lang)]
    notes = result.option_notes(lang)
    lines += [
        f"  {label('option', o, lang)}：{n}"
        for o, n in zip(result.options["option"], notes, strict=True)
    ]
    loan = result.pledge_loan
    lines += [
        "",
        t("cli.loan", lang, currency=cur, loan=loan.loan, periods=len(loan.schedule) - 1,
          cost=_pct(loan.all_in_cost), coverage=loan.coverage),
    ]  # fmt: skip
    for tr in loan.triggers.itertuples():
        lines.append(
            t("cli.trigger", lang, line=label("trigger", tr.line, lang), coverage=tr.coverage,
              currency=cur, value=tr.collateral_at_line, probability=tr.probability)
        )  # fmt: skip
    lines.append(
        t("cli.loan_tail", lang, currency=cur, top_up=loan.expected_top_up,
          lender=loan.lender_expected_loss, lgd=_pct(loan.regulatory_lgd))
    )  # fmt: skip
    trust = result.receipt_trust
    lines += [
        "",
        t("cli.trust", lang, currency=cur, pool=trust.pool_value, price=trust.transfer_price,
          senior=trust.senior_principal, sub=trust.subordinated_principal),
        t("cli.trust_tail", lang, currency=cur, shortfall=trust.senior_shortfall_pv,
          fair=_pct(trust.fair_senior_coupon), curve=_pct(trust.curve_rate))
        + (t("cli.buyback", lang) if trust.buyback else ""),
    ]  # fmt: skip
    deal = result.abs
    rule = render(deal.retention_rule, lang)
    lines += ["", t("cli.abs", lang, currency=cur, issue=deal.issue_size, rule=rule)]
    for tr in deal.tranches.itertuples():
        lines.append(
            t("cli.tranche", lang, tranche=label("tranche", tr.tranche, lang),
              attachment=tr.attachment, detachment=tr.detachment, currency=cur, face=tr.face,
              price=tr.price_per_100, wal=tr.wal_years, duration=tr.modified_duration,
              p_loss=tr.probability_of_loss, sold=tr.sold_share)
        )  # fmt: skip
    lines.append(t("cli.abs_costs", lang, currency=cur, costs=deal.costs["total"]))
    lines += ["", t("cli.mix", lang)]
    lines += [
        t("cli.mix_row", lang, category=label("category", m.category, lang, names),
          share=m.share, route=label("option", m.route, lang), currency=cur, cash=m.cash_now)
        for m in result.mix.itertuples()
    ]  # fmt: skip
    head = "cli.recommended" if result.recommendation.is_recommendation else "cli.not_recommended"
    lines += ["", f"{t(head, lang)}：{result.recommendation_text(lang)}"]
    return "\n".join(lines)


def format_stress(stress: Any, currency: str, lang: str = "en") -> str:
    """Plain-text stress table (NPV against today's unstressed value) and sensitivity grid.

    Parameters
    ----------
    stress : StressResult
    currency : str
    lang : str
        ``en`` or ``zh``: the titles, the stresses' and the options' names.
    """
    npv = stress.comparison.pivot(index="stress", columns="option", values="npv_vs_base_value")
    order = list(dict.fromkeys(stress.comparison["stress"]))
    options = list(dict.fromkeys(stress.comparison["option"]))
    npv = npv.loc[order, options]
    chosen = stress.headline.set_index("stress")
    english = lang == "en"

    def name(group: str, code: str) -> str:
        return code if english else label(group, code, lang)

    lines = [
        f"Stress: NPV of each route against today's unstressed market value ({currency})"
        if english
        else t("cli.stress_title", lang, currency=currency),
        _cell("stress" if english else t("cli.stress_column", lang), 18, False)
        + "".join(_cell(name("option", o), 15) for o in options)
        + "  "
        + ("recommended" if english else t("cli.recommended_column", lang)),
    ]
    for stress_name, row in npv.iterrows():
        lines.append(
            _cell(name("step", stress_name), 18, False)
            + "".join(f"{v:>15,.0f}" for v in row)
            + f"  {name('option', chosen.loc[stress_name, 'recommended_option'])}"
        )
    grid = stress.sensitivity.pivot(
        index="confidence", columns="margin_period_days", values="borrowing_base"
    )
    haircut = stress.sensitivity.pivot(
        index="confidence", columns="margin_period_days", values="weighted_haircut"
    )
    lines += [
        "",
        f"Borrowing base ({currency}) and weighted haircut by confidence (rows) and margin "
        "period in days (columns)"
        if english
        else t("cli.sensitivity_title", lang, currency=currency),
        f"{'':<8}" + "".join(f"{int(c):>24}" for c in grid.columns),
    ]
    for conf in grid.index:
        cells = "".join(
            f"{grid.loc[conf, c]:>17,.0f} {haircut.loc[conf, c]:>6.1%}" for c in grid.columns
        )
        lines.append(f"{conf:<8.3f}{cells}")
    return "\n".join(lines)


def _sample(args: argparse.Namespace) -> int:
    from finance.inputs.sample import generate_inventory, write_inventory

    out = Path(args.out)
    problems = []
    if args.book is not None:
        return _sample_book(args)
    if args.lots < 1:
        problems.append(
            Problem("command line", Text("--lots must be at least 1", "problem.lots_at_least_one"))
        )
    if out.suffix.lower() not in (".csv", ".parquet"):
        problems.append(
            Problem(
                "command line",
                Text("--out must end in .csv or .parquet", "problem.out_suffix"),
            )
        )
    if problems:
        raise InputError(problems)
    write_inventory(generate_inventory(args.lots, seed=args.seed), out)
    print(t("cli.wrote_sample", args.lang, lots=f"{args.lots:,}", file=out))
    return 0


def _sample_book(args: argparse.Namespace) -> int:
    from finance.inputs.sample import write_book

    problems = []
    if args.lots < 1:
        problems.append(
            Problem("command line", Text("--lots must be at least 1", "problem.lots_at_least_one"))
        )
    if args.book < 1:
        problems.append(
            Problem("command line", Text("--book must be at least 1", "problem.book_at_least_one"))
        )
    out = Path(args.out)
    if out.suffix.lower() in (".csv", ".parquet", ".toml") or out.is_file():
        message = Text("with --book, --out must be a folder", "problem.book_sample_out")
        problems.append(Problem("command line", message))
    if problems:
        raise InputError(problems)
    manifest = write_book(out, args.book, args.lots, seed=args.seed)
    print(t("book.wrote_book", args.lang, file=manifest, borrowers=args.book, lots=args.lots))
    return 0


def _book(args: argparse.Namespace) -> int:
    """Value a book: the four CSV files in a folder replaced whole, and a summary."""
    from finance.book import read_manifest, value_book
    from finance.book.book import merged_problems
    from finance.report.csv import write_csv
    from finance.report.output import replacing, write_failed

    manifest = read_manifest(args.manifest)
    lang = args.lang
    with replacing(args.out, inputs=[args.manifest]) as staging:
        result = value_book(manifest, scheduler=args.scheduler, workers=args.workers)
        if not result.valued:
            # Every borrower failed: bad input, every problem said; the folder is kept.
            raise InputError(merged_problems(result))
        tables = {
            "book": result.book_table(lang),
            "book_exposure": result.exposure_table(),
            "book_loss": result.loss_table(),
            "double_pledges": result.double_pledges,
        }
        try:
            for name, frame in tables.items():
                write_csv(frame, staging / f"{name}.csv")
        except OSError as exc:
            raise write_failed(args.out, staging.parent, exc) from exc
    print(format_book(result, lang))
    files = ", ".join(str(Path(args.out) / f"{name}.csv") for name in tables)
    print("\n" + t("cli.wrote", lang, files=files))
    return 0


def format_book(result: Any, lang: str = "en") -> str:
    """The book's summary as the command line prints it."""
    from finance.book.book import summary_lines

    shared = result.shared
    lines = [
        t(
            "book.title",
            lang,
            valued=len(result.valued),
            total=len(result.borrowers),
            scenarios=f"{shared.n_scenarios:,}" if shared is not None else 0,
            currency=result.currency,
        )
    ]
    pairs = [(t(code, lang), value) for code, value in summary_lines(result, lang)]
    width = max(len(label) for label, _ in pairs) + 2
    lines += [f"  {label:<{width}}{value:>16}" for label, value in pairs]
    for name in result.borrowers:
        if name in result.failed:
            said = " | ".join(p.render(lang) for p in result.failed[name])
            lines.append(t("book.failed", lang, borrower=name, problems=said))
    for row in result.double_pledges.itertuples(index=False):
        lines.append(t("book.double_pledge", lang, **row._asdict()))
    return "\n".join(lines)


def _calibrate(args: argparse.Namespace) -> int:
    """Estimate category fields from a history; write the TOML and ``calibration.csv``."""
    from finance.calibration import (
        backtest,
        backtest_frame,
        calibrate,
        format_backtest,
        format_calibration,
        read_history,
        write_calibration,
    )

    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        message = Text("--out must end in .toml", "problem.out_toml")
        raise InputError([Problem("command line", message)])
    stock = None
    problems: list[Problem] = []
    if args.stock:
        from finance.inputs.inventory import load_inventory

        try:
            lots = load_inventory(args.stock)
            stock = lots.groupby("category")["quantity"].sum().to_dict()
        except InputError as exc:
            problems += exc.problems
    try:
        history = read_history(args.history)
    except InputError as exc:
        raise InputError([*problems, *exc.problems]) from None
    if problems:
        raise InputError(problems)
    result = calibrate(history, stock=stock)
    if not result.categories:
        # Nothing to write: every category was left out, and each problem says why.
        raise InputError(result.problems)
    tested = backtest(history)
    toml, csv_path, backtest_path = write_calibration(
        result, out, args.lang, backtest_frame(tested)
    )
    print(format_calibration(result, args.lang))
    print("\n" + format_backtest(tested, args.lang))
    files = {"toml": toml, "csv": csv_path, "backtest": backtest_path}
    wrote = t("calibration.wrote_backtest", args.lang, **files)
    print("\n" + wrote)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    A usage error exits with code 2 from argparse, its message on stderr in the session's
    language.
    """
    argv = sys.argv[1:] if argv is None else argv
    speaks = session_lang(argv)
    with _argparse_speaks(speaks):
        args = _parser(speaks).parse_args(argv)
    if args.lang is None:
        args.lang = default_lang()
    lang = args.lang
    try:
        run = {
            "evaluate": _evaluate,
            "sample": _sample,
            "calibrate": _calibrate,
            "history": _history,
            "rollforward": _rollforward,
            "report": _report,
            "book": _book,
        }
        return run[args.command](args)
    except InputError as exc:
        for line in exc.render(lang):
            print(line, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(t("cli.interrupted", lang), file=sys.stderr)
        return 1
    except Exception as exc:  # the user gets a line, not a traceback
        if os.environ.get("FINANCE_DEBUG"):
            traceback.print_exc()
        print(t("cli.internal_error", lang, kind=type(exc).__name__, detail=exc),
              file=sys.stderr)  # fmt: skip
        return 1
