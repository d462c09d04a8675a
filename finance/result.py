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

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``lots.csv`` and ``options.csv`` (UTF-8 with BOM) into ``folder``."""
        from finance.report import write_csvs

        return write_csvs(self, Path(folder))

    def to_excel(self, path: str | Path, stress: Any = None) -> Path:
        """Write the formatted workbook (Summary, Lots, Options, structure sheets, ...).

        Given the result of :func:`finance.analysis.stress.stress_test`, add its sheets.
        """
        from finance.report import write_workbook

        return write_workbook(self, Path(path), stress)
