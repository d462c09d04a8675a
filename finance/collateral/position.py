"""What a lender would advance: values, eligibility, haircuts and lendable values together.

docs/model.md sections 3 to 5 in one step, for the valuation and for the sensitivity of the
borrowing base to the lender's confidence and liquidation horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finance.collateral.borrowing_base import LendableValues, lendable_values
from finance.collateral.eligibility import REASONS, liquidation_days, reason_codes
from finance.collateral.haircut import lot_haircuts
from finance.collateral.lots import Lots
from finance.collateral.values import CollateralValues, collateral_values


@dataclass(frozen=True, slots=True, eq=False)
class CollateralPosition:
    """The lender's view of every lot.

    Attributes
    ----------
    values : CollateralValues
        MV, NRV, BOOK, OLV, FLV per lot (currency).
    reasons : numpy.ndarray of str
        Ineligibility reason per lot, "" when eligible.
    reason_codes : numpy.ndarray of int8
        The same as codes: 0 eligible, ``i + 1`` for ``REASONS[i]``.
    liquidation_days : numpy.ndarray of int64
        T_m + T_o per lot, calendar days.
    haircut : numpy.ndarray
        Closed-form haircut per lot.
    lend : LendableValues
    """

    values: CollateralValues
    reasons: np.ndarray
    reason_codes: np.ndarray
    liquidation_days: np.ndarray
    haircut: np.ndarray
    lend: LendableValues

    @property
    def eligible(self) -> np.ndarray:
        """Whether each lot is eligible."""
        return self.reason_codes == 0

    @property
    def eligible_value(self) -> float:
        """Market value of the eligible lots."""
        return float(self.values.market_value[self.eligible].sum())

    @property
    def weighted_haircut(self) -> float:
        """Haircut of the eligible lots weighted by market value (0 without any)."""
        weights = self.values.market_value * self.eligible
        total = weights.sum()
        return float((self.haircut * weights).sum() / total) if total else 0.0


def collateral_position(
    lots: Lots,
    counts: np.ndarray,
    *,
    confidence: float,
    margin_period_days: int,
    nolv_advance: float,
    concentration_limit: float,
) -> CollateralPosition:
    """Value, screen and haircut every lot, and apply the lesser-of rule.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts covering the longest liquidation horizon.
    confidence : float
        Lender's alpha.
    margin_period_days : int
        T_m, calendar days.
    nolv_advance, concentration_limit : float
        Advance rate on OLV; largest share of the lendable value before the cap that one SKU
        (all its lots) may take.
    """
    values = collateral_values(lots, counts)
    codes = reason_codes(lots, margin_period_days)
    reasons = np.asarray(("", *REASONS), dtype=object)[codes]
    horizon = liquidation_days(lots, margin_period_days)
    haircut = lot_haircuts(lots, counts, horizon, confidence)
    lend = lendable_values(
        values.market_value,
        haircut,
        values.book_value,
        lots.param("cost_advance"),
        values.olv,
        nolv_advance,
        codes == 0,
        concentration_limit,
        lots.sku if len(lots.sku) == len(lots) else None,
    )
    return CollateralPosition(values, reasons, codes, horizon, haircut, lend)
