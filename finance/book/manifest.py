"""The book's manifest: shared assumptions and one ``[[borrower]]`` table per borrower.

```toml
valuation_date = 2026-11-24     # top-level keys: assumptions shared by every borrower
scenarios = 2000

[[borrower]]
name = "Huadong Metals"
inventory = "huadong.csv"       # relative to the manifest
loan = 5_000_000                # the pledge loan's requested amount
tenor_months = 6                # optional: the assumptions' pledge_loan.tenor_months
rate = 0.055                    # optional: the assumptions' pledge_loan.rate
[borrower.assumptions]          # optional overrides of this borrower's assumptions
concentration_limit = 0.3
```

A problem with the manifest itself (unreadable, no borrowers, a bad shared assumption)
stops the book. A problem with one borrower's table (a missing name, a bad loan, a bad
override) is that borrower's: the others are still valued. The keys that make the shared
scenarios (``valuation_date``, ``scenarios``, ``seed``, ``correlation``) are the book's and
may not be overridden per borrower.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finance.errors import InputError, Problem
from finance.inputs.assumptions import Assumptions, parse_assumptions
from finance.locale import Text

#: Keys of a ``[[borrower]]`` table.
BORROWER_KEYS: tuple[str, ...] = (
    "name",
    "inventory",
    "loan",
    "tenor_months",
    "rate",
    "assumptions",
)
#: Assumptions that make the shared scenarios: the book's, never one borrower's.
SHARED_ONLY: tuple[str, ...] = ("valuation_date", "scenarios", "seed", "correlation")


@dataclass(frozen=True, eq=False)
class Borrower:
    """One borrower of the book, as the manifest gives it.

    Attributes
    ----------
    name : str
    inventory : pathlib.Path
        The inventory file (resolved against the manifest's folder).
    loan : float
        The pledge loan's requested amount (NaN when the table's is bad).
    assumptions : Assumptions or None
        The shared assumptions with the borrower's overrides and loan terms; None when
        they have problems.
    problems : tuple of Problem
        What is wrong with the borrower's table (empty when nothing is).
    """

    name: str
    inventory: Path
    loan: float
    assumptions: Assumptions | None
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True, eq=False)
class Manifest:
    """A read manifest: the shared assumptions and the borrowers in the file's order."""

    path: Path
    assumptions: Assumptions
    borrowers: tuple[Borrower, ...]


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _borrower(
    table: Any, position: int, shared: Mapping[str, Any], path: Path, names: set[str]
) -> Borrower:
    file = path.name
    key = f"borrower[{position}]"

    def problem(suffix: str, english: str, code: str, **params: Any) -> Problem:
        return Problem(file, Text(english, f"problem.{code}", **params), key=f"{key}{suffix}")

    if not isinstance(table, Mapping):
        bad = problem("", "must be a table", "book_not_table")
        return Borrower(f"#{position}", path, math.nan, None, (bad,))
    problems: list[Problem] = []
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(problem(".name", "a borrower needs a name", "book_no_name"))
        name = f"#{position}"
    else:
        name = name.strip()
        if name in names:
            problems.append(
                problem(".name", f"borrower {name!r} is named twice", "book_name_twice", name=name)
            )
        names.add(name)
    for unknown in sorted(set(table) - set(BORROWER_KEYS)):
        problems.append(
            problem(f".{unknown}", f"unknown key {unknown!r}", "book_unknown_key", key=unknown)
        )
    inventory = table.get("inventory")
    where = path
    if not isinstance(inventory, str) or not inventory.strip():
        problems.append(
            problem(".inventory", "the borrower's inventory file is missing", "book_no_inventory")
        )
    else:
        where = (path.parent / inventory).resolve()
    loan = table.get("loan")
    if not _is_number(loan) or loan <= 0:
        shown = "missing" if loan is None else repr(loan)
        problems.append(
            problem(".loan", f"loan must be a positive amount, not {shown}", "book_loan",
                    value=shown)
        )  # fmt: skip
        loan = math.nan
    overrides = table.get("assumptions", {})
    if not isinstance(overrides, Mapping):
        problems.append(problem(".assumptions", "must be a table", "book_not_table"))
        overrides = {}
    for fixed in SHARED_ONLY:
        if fixed in overrides:
            problems.append(
                problem(
                    f".assumptions.{fixed}",
                    f"{fixed} is the book's, shared by every borrower: set it at the top",
                    "book_shared_only",
                    key=fixed,
                )
            )
    terms = {"requested": float(loan) if _is_number(loan) else 0.0}
    for name_in_table in ("tenor_months", "rate"):
        if name_in_table in table:
            terms[name_in_table] = table[name_in_table]
    assumptions = None
    if not problems:
        user = _merge(_merge(shared, overrides), {"pledge_loan": terms})
        try:
            assumptions = parse_assumptions(user, file=f"{file} {key}")
        except InputError as exc:
            problems += exc.problems
    return Borrower(name, where, float(loan), assumptions, tuple(problems))


def read_manifest(path: str | Path) -> Manifest:
    """Read and check a book's manifest.

    Raises
    ------
    InputError
        The manifest unreadable, with no borrower, or its shared assumptions bad: every
        problem, each naming the file and key. A borrower's own problems do not raise:
        they are in its :attr:`Borrower.problems`.
    """
    path = Path(path)
    file = path.name
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        message = Text(f"no such file: {path}", "problem.book_no_file", path=str(path))
        raise InputError([Problem(file, message)]) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        message = Text(f"not a readable TOML file: {exc}", "problem.book_bad_toml", error=str(exc))
        raise InputError([Problem(file, message)]) from None
    tables = doc.pop("borrower", None)
    if not isinstance(tables, list) or not tables:
        message = Text("the manifest has no [[borrower]] table", "problem.book_no_borrowers")
        raise InputError([Problem(file, message, key="borrower")])
    shared = parse_assumptions(doc, file=file)
    names: set[str] = set()
    borrowers = tuple(_borrower(t, i + 1, doc, path, names) for i, t in enumerate(tables))
    return Manifest(path, shared, borrowers)
