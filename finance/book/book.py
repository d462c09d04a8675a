"""The lender's book: every borrower on one scenario set, the losses summed per scenario.

1. Each borrower's inventory is read and checked here; a borrower whose table or file has
   problems gets a row saying what is wrong, and the others go on.
2. The days and categories every borrower's valuation needs (:func:`finance.evaluate.
   scenario_days`) are gathered and one :class:`~finance.market.shared.SharedScenarios` is
   drawn over their union, for every category of the book.
3. Each borrower is valued by ``evaluate(lots, assumptions, scenarios=shared)`` on a Dask
   worker: its row is what that call gives (the same call a user makes for it alone).
4. The lender's loss in each scenario is the sum over borrowers of the pledge loan's
   per-scenario loss (:attr:`PledgeLoanResult.lender_losses
   <finance.routes.pledge_loan.PledgeLoanResult>`): its mean, 95% and 99%, against the
   sum of the borrowers' own quantiles (the diversification).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finance.book.dask_runner import dask_client, run_tasks
from finance.book.double_pledge import double_pledges
from finance.book.manifest import Borrower, Manifest
from finance.collateral.lots import prepare_lots
from finance.errors import InputError, Problem
from finance.evaluate import evaluate, scenario_days
from finance.history.alerts import alerts, as_record, record_message, run_view
from finance.inputs.assumptions import Assumptions
from finance.inputs.inventory import load_inventory
from finance.locale import DEFAULT
from finance.market.shared import SharedScenarios, draw_shared

#: Columns of ``book.csv`` (``problems`` last: empty for a borrower valued).
BOOK_COLUMNS: tuple[str, ...] = (
    "borrower",
    "market_value",
    "eligible_value",
    "borrowing_base",
    "loan",
    "coverage",
    "p_warning",
    "p_top_up",
    "p_forced_sale",
    "lender_expected_loss",
    "alerts",
    "problems",
)
#: Columns of ``book_exposure.csv``.
EXPOSURE_COLUMNS: tuple[str, ...] = (
    "by",
    "name",
    "market_value",
    "eligible_value",
    "borrowing_base",
    "loan_share",
)
#: Columns of ``book_loss.csv``.
LOSS_COLUMNS: tuple[str, ...] = ("statistic", "book", "sum_of_borrowers", "diversification")
LEVELS: tuple[tuple[str, float | None], ...] = (("mean", None), ("p95", 0.95), ("p99", 0.99))
#: Expected shortfalls (the mean loss in the worst 1 - level of the scenarios) beside the
#: quantiles: unlike a quantile, the expected shortfall of the book never exceeds the sum
#: of the borrowers' own, so its diversification is never negative.
TAIL_LEVELS: tuple[tuple[str, float], ...] = (("es95", 0.95), ("es99", 0.99))


def expected_shortfall(losses: np.ndarray, level: float) -> float:
    """Mean of the worst ``ceil((1 - level) S)`` of ``S`` scenario losses (coherent, discrete).

    Monotone and subadditive: for losses that add up scenario by scenario, the total's is
    at least each part's and at most the sum of the parts' (docs/model.md, "The book").
    """
    values = np.asarray(losses, dtype=np.float64)
    tail = max(1, math.ceil((1.0 - level) * len(values) - 1e-9))
    return float(np.partition(values, len(values) - tail)[len(values) - tail :].mean())


@dataclass(frozen=True, eq=False)
class Valued:
    """What a worker sends back for one borrower: plain data only."""

    row: dict[str, Any]
    alerts: list[dict[str, Any]]
    lender_losses: np.ndarray
    lots: pd.DataFrame


def value_borrower(
    name: str, lots: pd.DataFrame, assumptions: Assumptions, loan: float, shared: SharedScenarios
) -> Valued | list[Problem]:
    """Value one borrower on the shared scenarios (runs on a Dask worker).

    Returns its row, alerts, per-scenario lender losses and lot exposures, or the problems
    that stopped its valuation.
    """
    try:
        result = evaluate(lots, assumptions, scenarios=shared)
    except InputError as exc:
        return list(exc.problems)
    s = result.summary
    eligible = float(s["eligible_value"])
    row = {
        "borrower": name,
        "market_value": float(s["market_value"]),
        "eligible_value": eligible,
        "borrowing_base": float(s["borrowing_base"]),
        "loan": float(loan),
        "coverage": eligible / loan if loan > 0 else math.inf,
        "p_warning": float(s["p_warning"]),
        "p_top_up": float(s["p_top_up"]),
        "p_forced_sale": float(s["p_forced_sale"]),
        "lender_expected_loss": float(result.pledge_loan.lender_expected_loss),
    }
    # No previous run in a book: the coverage (on the manifest's loan) and concentration.
    raised = alerts(None, run_view(result, name, loan), assumptions)
    table = result.lots
    drawn = float(result.pledge_loan.loan)
    base = float(table["lendable_value"].sum())
    lots_out = pd.DataFrame(
        {
            "category": table["category"].astype(str).to_numpy(),
            "warehouse": table["warehouse"].astype(str).to_numpy(),
            "market_value": table["market_value"].to_numpy(),
            "eligible_value": np.where(table["eligible"], table["market_value"], 0.0),
            "borrowing_base": table["lendable_value"].to_numpy(),
            # The loan drawn, spread over the lots by lendable value as the route does.
            "loan_share": table["lendable_value"].to_numpy() * (drawn / base if base > 0 else 0),
        }
    )
    losses = result.pledge_loan.lender_losses
    return Valued(row, [as_record(a) for a in raised], np.asarray(losses), lots_out)


@dataclass(frozen=True, eq=False)
class BookResult:
    """The book valued.

    Attributes
    ----------
    borrowers : tuple of str
        Every borrower of the manifest, in its order.
    valued : dict of str to Valued
        The borrowers valued.
    failed : dict of str to tuple of Problem
        The borrowers not valued and why.
    double_pledges : pandas.DataFrame
        ``double_pledges.csv`` (:func:`finance.book.double_pledge.double_pledges`).
    shared : SharedScenarios or None
        The scenarios every borrower was valued on (None when none could be).
    currency : str
    """

    borrowers: tuple[str, ...]
    valued: dict[str, Valued]
    failed: dict[str, tuple[Problem, ...]]
    double_pledges: pd.DataFrame
    shared: SharedScenarios | None
    currency: str

    @property
    def losses(self) -> np.ndarray:
        """The lender's loss per scenario, summed over the borrowers valued, shape (S,)."""
        if not self.valued:
            return np.zeros(0)
        return np.sum([v.lender_losses for v in self.valued.values()], axis=0)

    def book_table(self, lang: str = DEFAULT) -> pd.DataFrame:
        """``book.csv``: one row per borrower, messages in ``lang``."""
        rows = []
        for name in self.borrowers:
            if name in self.valued:
                v = self.valued[name]
                said = "; ".join(record_message(a, lang) for a in v.alerts)
                rows.append({**v.row, "alerts": said, "problems": ""})
            else:
                problems = " | ".join(p.render(lang) for p in self.failed.get(name, ()))
                rows.append({"borrower": name, "alerts": "", "problems": problems})
        return pd.DataFrame(rows, columns=list(BOOK_COLUMNS))

    def exposure_table(self) -> pd.DataFrame:
        """``book_exposure.csv``: by category, then by warehouse, over every borrower valued."""
        if not self.valued:
            return pd.DataFrame(columns=list(EXPOSURE_COLUMNS))
        lots = pd.concat([v.lots for v in self.valued.values()], ignore_index=True)
        figures = list(EXPOSURE_COLUMNS[2:])
        parts = []
        for by in ("category", "warehouse"):
            total = lots.groupby(by, sort=True)[figures].sum().reset_index()
            total = total.rename(columns={by: "name"})
            total.insert(0, "by", by)
            parts.append(total)
        return pd.concat(parts, ignore_index=True)[list(EXPOSURE_COLUMNS)]

    def loss_table(self) -> pd.DataFrame:
        """``book_loss.csv``: the book's mean, 95% and 99% loss against the borrowers' sums.

        Then the 95% and 99% expected shortfalls (``es95``, ``es99``). ``diversification =
        sum_of_borrowers - book`` (0 for the mean; never negative for an expected
        shortfall, possibly negative for a quantile).
        """
        book = self.losses
        own = [v.lender_losses for v in self.valued.values()]
        rows = []
        for statistic, level in LEVELS:
            if not len(book):
                rows.append((statistic, math.nan, math.nan, math.nan))
                continue
            if level is None:
                b, total = float(book.mean()), float(sum(x.mean() for x in own))
            else:
                b = float(np.quantile(book, level))
                total = float(sum(np.quantile(x, level) for x in own))
            rows.append((statistic, b, total, total - b))
        for statistic, level in TAIL_LEVELS:
            if not len(book):
                rows.append((statistic, math.nan, math.nan, math.nan))
                continue
            b = expected_shortfall(book, level)
            total = float(sum(expected_shortfall(x, level) for x in own))
            rows.append((statistic, b, total, total - b))
        return pd.DataFrame(rows, columns=list(LOSS_COLUMNS))


def _load(borrower: Borrower) -> pd.DataFrame:
    if borrower.problems:
        raise InputError(borrower.problems)
    return load_inventory(borrower.inventory)


@dataclass(frozen=True, eq=False)
class Prepared:
    """A book read and checked, before any borrower is valued (:func:`prepare_book`).

    Attributes
    ----------
    ready : dict of str to (DataFrame, Assumptions, float)
        Each borrower to value: its lots, assumptions and loan, in the manifest's order.
    failed : dict of str to tuple of Problem
        The borrowers whose table or file has problems.
    inventories : dict of str to pandas.DataFrame
        Every borrower's lots read (for the double pledges).
    shared : SharedScenarios or None
        The scenarios drawn once for every borrower (None when none is ready).
    """

    ready: dict[str, tuple[pd.DataFrame, Assumptions, float]]
    failed: dict[str, tuple[Problem, ...]]
    inventories: dict[str, pd.DataFrame]
    shared: SharedScenarios | None


def prepare_book(manifest: Manifest) -> Prepared:
    """Read every borrower's inventory and draw the shared scenarios once (steps 1 and 2)."""
    a = manifest.assumptions
    failed: dict[str, tuple[Problem, ...]] = {}
    ready: dict[str, tuple[pd.DataFrame, Assumptions, float]] = {}
    inventories: dict[str, pd.DataFrame] = {}
    needs = []
    for b in manifest.borrowers:
        try:
            lots = _load(b)
            inventories[b.name] = lots
            assert b.assumptions is not None
            prepared = prepare_lots(lots, b.assumptions.categories, b.assumptions.valuation_date)
            needs.append(scenario_days(prepared, b.assumptions))
        except InputError as exc:
            failed[b.name] = exc.problems
            continue
        ready[b.name] = (lots, b.assumptions, b.loan)
    shared = None
    if ready:
        # In order of first appearance, borrower by borrower: a book of one borrower draws
        # exactly what its own valuation draws.
        categories = tuple(dict.fromkeys(c for n in needs for c in n.categories))
        shared = draw_shared(
            categories,
            np.concatenate([n.grid for n in needs]),
            np.concatenate([n.assessed for n in needs]),
            np.concatenate([n.horizons for n in needs]),
            a.correlation,
            a.scenarios,
            a.seed,
        )
    return Prepared(ready, failed, inventories, shared)


def value_book(
    manifest: Manifest,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    client: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> BookResult:
    """Value every borrower of the manifest on one scenario set, on Dask.

    Parameters
    ----------
    manifest : Manifest
        From :func:`finance.book.manifest.read_manifest`.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running Dask scheduler; by default a local cluster of
        ``workers`` processes is started for the run.
    workers : int
    client : distributed.Client, optional
        A client to use as it is (then ``scheduler`` and ``workers`` are not looked at).
    progress : callable, optional
        ``progress(done, total)``: the borrowers valued so far out of those sent to the
        cluster, called in this thread as each completes
        (:func:`finance.book.dask_runner.run_tasks`).

    Returns
    -------
    BookResult
        Raises nothing for a borrower's own problems: they are in ``failed``.
    """
    book = prepare_book(manifest)
    failed = dict(book.failed)
    valued: dict[str, Valued] = {}
    if book.ready:
        tasks = [(name, *task) for name, task in book.ready.items()]
        if client is not None:
            results = run_tasks(client, value_borrower, tasks, book.shared, progress)
        else:
            with dask_client(scheduler, workers) as own:
                results = run_tasks(own, value_borrower, tasks, book.shared, progress)
        for (name, *_), outcome in zip(tasks, results, strict=True):
            if isinstance(outcome, Valued):
                valued[name] = outcome
            else:
                failed[name] = tuple(outcome)
    return BookResult(
        borrowers=tuple(b.name for b in manifest.borrowers),
        valued=valued,
        failed=failed,
        double_pledges=double_pledges(book.inventories),
        shared=book.shared,
        currency=manifest.assumptions.currency,
    )


def summary_lines(result: BookResult, lang: str = DEFAULT) -> list[tuple[str, str]]:
    """The figures the command line prints: (label code, value) pairs."""
    loss = result.loss_table().set_index("statistic")
    n = len(result.borrowers)
    out: list[tuple[str, str]] = [
        ("book.borrowers", f"{len(result.valued)} / {n}"),
        ("book.loss_mean", f"{loss.loc['mean', 'book']:,.0f}"),
        ("book.loss_p95", f"{loss.loc['p95', 'book']:,.0f}"),
        ("book.loss_p99", f"{loss.loc['p99', 'book']:,.0f}"),
        ("book.sum_p99", f"{loss.loc['p99', 'sum_of_borrowers']:,.0f}"),
        ("book.diversification", f"{loss.loc['p99', 'diversification']:,.0f}"),
        ("book.loss_es99", f"{loss.loc['es99', 'book']:,.0f}"),
        ("book.diversification_es99", f"{loss.loc['es99', 'diversification']:,.0f}"),
        ("book.double_pledges", f"{len(result.double_pledges)}"),
    ]
    return out


def failed_all(result: BookResult) -> bool:
    """True when no borrower could be valued."""
    return not result.valued


def merged_problems(result: BookResult) -> Sequence[Problem]:
    """Every borrower's problems, in the manifest's order."""
    return [p for name in result.borrowers for p in result.failed.get(name, ())]


__all__ = [
    "BOOK_COLUMNS",
    "EXPOSURE_COLUMNS",
    "LOSS_COLUMNS",
    "BookResult",
    "Prepared",
    "Valued",
    "failed_all",
    "merged_problems",
    "prepare_book",
    "summary_lines",
    "value_book",
    "value_borrower",
]
