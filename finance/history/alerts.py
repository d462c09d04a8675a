"""Alerts on a borrower's run, against its previous run (docs/model.md section 10).

Codes (``history --json`` lists them):

``forced_sale_line``, ``top_up_line``, ``warning_line``
    ``coverage = eligible_value / loan`` (eligible collateral over the pledge loan
    outstanding) below the line: strictly below, as the loan's trigger ladder reads it. One
    alert, for the lowest line crossed (a coverage below the forced-sale line is below the
    other two as well). No loan outstanding: no coverage alert. ``value`` the coverage,
    ``threshold`` the line.
``collateral_change``
    ``|EV1 − EV0| / EV0 > alert_change``: the eligible value moved by more than the
    threshold since the previous run (none without a previous run, or when its eligible
    value was 0). ``value`` the signed change ``(EV1 − EV0) / EV0``, ``threshold``
    ``alert_change``.
``concentration``
    An SKU whose lendable value before the cap exceeded the limit (its lots'
    ``concentration_excess`` add to more than 0). One alert per SKU, in SKU order; ``value``
    its share of the lendable value before the cap, ``Σ_sku (L + X) / Σ (L + X)``,
    ``threshold`` ``concentration_limit``.
``turned_ineligible``
    Lots matched by (``sku``, ``batch``, ``warehouse``) (a key repeated in either run is not
    matched, as in the roll-forward) eligible at the previous run and ineligible now. One
    alert naming how many, their market value now and the reasons; ``value`` that market
    value, ``threshold`` 0.

Messages are :class:`finance.locale.Text` (English, and Chinese through the ``alert``
catalog entries).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finance.collateral.eligibility import REASONS
from finance.history.rollforward import lot_keys
from finance.inputs.assumptions import Assumptions
from finance.locale import LANGUAGES, Text, label, percent, render, t

if TYPE_CHECKING:
    from finance.history.store import StoredRun
    from finance.result import ValuationResult

#: Every alert code, in the order :func:`alerts` reports them.
CODES: tuple[str, ...] = (
    "forced_sale_line",
    "top_up_line",
    "warning_line",
    "collateral_change",
    "concentration",
    "turned_ineligible",
)


@dataclass(frozen=True, eq=False)
class RunView:
    """What the alerts need of one run.

    Attributes
    ----------
    borrower : str
    summary : mapping
        The run's summary (``eligible_value`` and ``currency`` at least).
    lots : pandas.DataFrame
        The run's lots table (``lots.csv`` columns: ``sku, batch, warehouse,
        market_value, eligible, ineligible_reason, lendable_value,
        concentration_excess``).
    loan : float
        The pledge loan outstanding (0: none).
    warning_line, top_up_line, forced_sale_line : float
        The loan's coverage lines (collateral over loan).
    """

    borrower: str
    summary: Mapping[str, Any] = field(repr=False)
    lots: pd.DataFrame = field(repr=False)
    loan: float
    warning_line: float
    top_up_line: float
    forced_sale_line: float

    @property
    def eligible_value(self) -> float:
        """Market value of the eligible lots."""
        return float(self.summary["eligible_value"])

    @property
    def currency(self) -> str:
        """The currency of the run's money (the summary's; empty when it has none)."""
        return str(self.summary.get("currency", ""))

    @property
    def coverage(self) -> float:
        """Eligible collateral over the loan outstanding (inf without a loan)."""
        return self.eligible_value / self.loan if self.loan > 0 else math.inf


@dataclass(frozen=True)
class Alert:
    """One alert: its code, a message in words, the figure and the threshold it crossed."""

    code: str
    message: Text = field(compare=False)
    value: float
    threshold: float


def run_view(result: ValuationResult, borrower: str, loan: float | None = None) -> RunView:
    """The :class:`RunView` of an evaluation result.

    Parameters
    ----------
    result : ValuationResult
    borrower : str
    loan : float, optional
        The pledge loan outstanding; by default the loan the run's pledge loan draws
        (``result.pledge_loan.loan``).
    """
    terms = result.assumptions.pledge_loan
    return RunView(
        borrower=borrower,
        summary=dict(result.summary),
        lots=result.lots,
        loan=float(result.pledge_loan.loan if loan is None else loan),
        warning_line=float(terms.warning_line),
        top_up_line=float(terms.top_up_line),
        forced_sale_line=float(terms.forced_sale_line),
    )


def view_of(stored: StoredRun, assumptions: Assumptions | None = None) -> RunView:
    """The :class:`RunView` of a recorded run (:meth:`finance.history.store.Store.load_run`).

    The loan outstanding is the one the run drew (its summary's ``loan_amount``, 0 when
    missing); the coverage lines are those of ``assumptions``, by default the run's own
    (read back from its TOML).
    """
    a = stored.load_assumptions() if assumptions is None else assumptions
    terms = a.pledge_loan
    loan = stored.summary.get("loan_amount")
    return RunView(
        borrower=stored.borrower,
        summary=dict(stored.summary),
        lots=stored.lots,
        loan=float(loan) if isinstance(loan, int | float) and math.isfinite(loan) else 0.0,
        warning_line=float(terms.warning_line),
        top_up_line=float(terms.top_up_line),
        forced_sale_line=float(terms.forced_sale_line),
    )


def as_record(alert: Alert) -> dict[str, Any]:
    """An alert as the run history stores it: its code, figures and its words in each language.

    ``message`` is the English text; ``messages`` maps each language (``en``, ``zh``) to the
    message in it, so that a stored alert is said in any language without the parameters
    it was made from.
    """
    return {
        "code": alert.code,
        "message": str(alert.message),
        "messages": {lang: render(alert.message, lang, force=True) for lang in LANGUAGES},
        "value": float(alert.value),
        "threshold": float(alert.threshold),
    }


def record_message(record: Mapping[str, Any], lang: str) -> str:
    """A stored alert's message in ``lang``.

    From its ``messages`` when it has them; else (an alert recorded without them) the code's
    name in ``lang``, and the English message after it when the language is English.
    """
    messages = record.get("messages")
    if isinstance(messages, Mapping) and messages.get(lang):
        return str(messages[lang])
    name = label("alert_code", str(record.get("code", "")), lang)
    english = record.get("message")
    return f"{name}: {english}" if lang == "en" and english else name


def _alert(code: str, figure: float, threshold: float, /, **params: Any) -> Alert:
    key = f"alert.{code}"
    return Alert(code, Text(t(key, "en", **params), key, **params), float(figure), threshold)


def _coverage(run: RunView) -> list[Alert]:
    if not run.loan > 0:
        return []
    coverage = run.coverage
    lines = sorted(
        (("forced_sale_line", run.forced_sale_line), ("top_up_line", run.top_up_line),
         ("warning_line", run.warning_line)),
        key=lambda item: item[1],
    )  # fmt: skip
    for code, level in lines:
        if coverage < level:
            return [
                _alert(
                    code,
                    coverage,
                    level,
                    coverage=coverage,
                    line_pct=percent(level),
                    collateral=run.eligible_value,
                    loan=run.loan,
                    currency=run.currency,
                )
            ]
    return []


def _collateral_change(previous: RunView | None, run: RunView, limit: float) -> list[Alert]:
    if previous is None or not previous.eligible_value > 0:
        return []
    change = (run.eligible_value - previous.eligible_value) / previous.eligible_value
    if not abs(change) > limit:
        return []
    return [
        _alert(
            "collateral_change",
            change,
            limit,
            change=change,
            limit_pct=percent(limit),
            before=previous.eligible_value,
            now=run.eligible_value,
            currency=run.currency,
        )
    ]


def _concentration(run: RunView, limit: float) -> list[Alert]:
    lots = run.lots
    excess = lots["concentration_excess"].to_numpy(dtype=np.float64)
    if not (excess > 0).any():
        return []
    gross = (
        pd.Series(lots["lendable_value"].to_numpy(dtype=np.float64) + excess, index=lots.index)
        .groupby(lots["sku"].astype(str))
        .sum()
    )
    by_sku = pd.Series(excess, index=lots.index).groupby(lots["sku"].astype(str)).sum()
    total = float(gross.sum())
    out = []
    for sku in sorted(by_sku.index[by_sku > 0]):
        share = float(gross[sku]) / total if total > 0 else math.nan
        out.append(
            _alert(
                "concentration",
                share,
                limit,
                sku=sku,
                share=share,
                limit_pct=percent(limit),
                excess=float(by_sku[sku]),
                currency=run.currency,
            )
        )
    return out


def _single(lots: pd.DataFrame) -> pd.DataFrame:
    """The lots whose key appears once, indexed by key."""
    keys = lot_keys(lots)
    once = ~keys.duplicated(keep=False)
    return lots[once.to_numpy()].set_axis(keys[once].to_numpy(), axis=0)


def _turned_ineligible(previous: RunView | None, run: RunView) -> list[Alert]:
    if previous is None:
        return []
    before, now = _single(previous.lots), _single(run.lots)
    both = before.index.intersection(now.index, sort=False)
    was = before.loc[both, "eligible"].to_numpy(dtype=bool)
    is_now = now.loc[both, "eligible"].to_numpy(dtype=bool)
    turned = now.loc[both][was & ~is_now]
    if turned.empty:
        return []
    value = float(turned["market_value"].sum())
    found = set(turned["ineligible_reason"].astype(str))
    reasons = [r for r in REASONS if r in found] + sorted(found - set(REASONS))
    return [
        _alert(
            "turned_ineligible",
            value,
            0.0,
            count=len(turned),
            value=value,
            currency=run.currency,
            reasons=Text.join(", ", [Text(r, f"reason.{r}") for r in reasons]),
        )
    ]


def alerts(previous: RunView | None, current: RunView, assumptions: Assumptions) -> list[Alert]:
    """The alerts a run raises, against the borrower's previous run.

    Parameters
    ----------
    previous : RunView or None
        The borrower's last run before this one; None for its first run (then only the
        coverage and concentration alerts can be raised).
    current : RunView
    assumptions : Assumptions
        The current run's: ``alert_change`` and ``concentration_limit``. The coverage
        lines are the run's own (:class:`RunView`).

    Returns
    -------
    list of Alert
        In the order of :data:`CODES` (module docstring for each code's rule).

    Raises
    ------
    ValueError
        When the two runs are of different borrowers.
    """
    if previous is not None and previous.borrower != current.borrower:
        raise ValueError(
            f"runs of different borrowers: {previous.borrower!r} and {current.borrower!r}"
        )
    return [
        *_coverage(current),
        *_collateral_change(previous, current, assumptions.alert_change),
        *_concentration(current, assumptions.concentration_limit),
        *_turned_ineligible(previous, current),
    ]
