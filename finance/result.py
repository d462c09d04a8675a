"""The valuation result: data only; the exporters are imported when asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finance.decision.recommendation import Recommendation
from finance.inputs.assumptions import Assumptions
from finance.routes.abs import AbsResult
from finance.routes.pledge_loan import PledgeLoanResult
from finance.routes.receipt_trust import ReceiptTrustResult

LOT_COLUMNS: tuple[str, ...] = (
    "sku",
    "category",
    "quantity",
    "unit_cost",
    "unit_price",
    "age_days",
    "market_value",
    "nrv",
    "book_value",
    "olv",
    "flv",
    "eligible",
    "ineligible_reason",
    "haircut",
    "basel_haircut",
    "advance_rate",
    "binding_limit",
    "lendable_value",
    "concentration_excess",
    "expected_holding_loss",
)
EXTRA_LOT_COLUMNS: tuple[str, ...] = (
    "row",
    "batch",
    "warehouse",
    "description",
    "unit",
    "days_to_expiry",
    "liquidation_days",
)


@dataclass(frozen=True, eq=False)
class ValuationResult:
    """What ``evaluate`` returns.

    Attributes
    ----------
    lots : pandas.DataFrame
        One row per lot: the ``lots.csv`` columns (README, "Output files"), then extras.
    options : pandas.DataFrame
        One row per route (docs/model.md section 8).
    summary : dict
        Headline figures (the summary keys of the README, and more).
    haircuts : pandas.DataFrame
        Per category: parameters, liquidation horizon, haircut and Basel haircut.
    channels : pandas.DataFrame
        The liquidation's allocation to clearance channels.
    holding_losses : numpy.ndarray
        Portfolio holding loss per scenario (currency), for its distribution.
    mix : pandas.DataFrame
        The mix (docs/model.md section 8a): one row per (category, route) it uses,
        ``category, route, share`` (of the category's market value), ``market_value``,
        ``cash_now``.
    pledge_loan : PledgeLoanResult
        The loan's schedule, trigger ladder and lender's figures.
    receipt_trust : ReceiptTrustResult
        The trust's waterfall and the investors' side.
    abs : AbsResult
        The ABS tranches, retention and costs.
    assumptions : Assumptions
    recommendation : Recommendation
        The recommended option and its reasons, as parts (for text in any language).
    notes : dict of str to str
        Each option's notes as :class:`finance.locale.Text` (the ``notes`` column holds
        them as English text); :meth:`option_notes` gives them in a language.
    """

    lots: pd.DataFrame
    options: pd.DataFrame
    summary: dict[str, Any]
    haircuts: pd.DataFrame
    channels: pd.DataFrame
    holding_losses: np.ndarray
    mix: pd.DataFrame
    pledge_loan: PledgeLoanResult = field(repr=False)
    receipt_trust: ReceiptTrustResult = field(repr=False)
    abs: AbsResult = field(repr=False)
    assumptions: Assumptions = field(repr=False)
    recommendation: Recommendation = field(repr=False)
    notes: dict[str, str] = field(default_factory=dict, repr=False)

    def category_labels(self, lang: str = "en") -> dict[str, str]:
        """Category key -> its name in ``lang`` (the Chinese label of each category)."""
        if lang == "en":
            return {}
        return {k: c.label_zh for k, c in self.assumptions.categories.items() if c.label_zh}

    def option_notes(self, lang: str = "en") -> list[str]:
        """The ``notes`` of each row of :attr:`options`, in ``lang`` (``en`` or ``zh``)."""
        from finance.locale import render

        names = self.category_labels(lang)
        return [
            render(self.notes.get(option, note), lang, names)
            for option, note in zip(self.options["option"], self.options["notes"], strict=True)
        ]

    def recommendation_text(self, lang: str = "en") -> str:
        """Why the recommended option (or why none), in ``lang``: a sentence, no route keys."""
        from finance.locale import render

        return render(self.recommendation.reason, lang, self.category_labels(lang))

    def to_csv(self, folder: str | Path, lang: str = "en") -> list[Path]:
        """Write ``lots.csv``, ``options.csv``, ``mix.csv`` and ``borrowing_base.csv``.

        UTF-8 with BOM; headers and notes in ``lang`` (``en`` keeps the documented names).
        """
        from finance.report import write_csvs

        return write_csvs(self, Path(folder), lang=lang)

    def to_excel(self, path: str | Path, stress: Any = None, lang: str = "en") -> Path:
        """Write the formatted workbook (Summary, Lots, Options, structure sheets, ...).

        Given the result of :func:`finance.analysis.stress.stress_test`, add its sheets;
        ``lang`` sets the sheet names, headers and the Summary's words.
        """
        from finance.report import write_workbook

        return write_workbook(self, Path(path), stress, lang=lang)
