"""Lendable value, concentration and the borrowing base (docs/model.md sections 4 and 5).

    lendable_i = min( MV_i (1 - h_i),            volatility haircut   -> "haircut"
                      cost_advance_k BOOK_i,     share of lower of cost and market -> "cost"
                      nolv_advance OLV_i )       share of net orderly liquidation value -> "nolv"
                 - concentration_excess_i        (all 0 if ineligible)

the "lesser of" rule of asset-based credit agreements. Concentration is per SKU and one pass:
an SKU's lendable value (all its lots together: batches, warehouses) above
``concentration_limit`` times the total before this step is excluded, spread over its lots
pro rata to their lendable values, and reported per lot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LIMITS: tuple[str, ...] = ("haircut", "cost", "nolv")


@dataclass(frozen=True, slots=True, eq=False)
class LendableValues:
    """Per-lot lending figures, currency.

    Attributes
    ----------
    before_concentration : numpy.ndarray
        The three-way minimum (0 for ineligible lots).
    concentration_excess : numpy.ndarray
        Part above the concentration limit, excluded.
    lendable : numpy.ndarray
        What the lender advances against the lot.
    binding_limit : numpy.ndarray of str
        "haircut", "cost" or "nolv" for an eligible lot, "" otherwise.
    limit_codes : numpy.ndarray of int8
        The same as codes: 0 none, ``i + 1`` for ``LIMITS[i]``.
    """

    before_concentration: np.ndarray
    concentration_excess: np.ndarray
    lendable: np.ndarray
    binding_limit: np.ndarray
    limit_codes: np.ndarray

    @property
    def borrowing_base(self) -> float:
        """Sum of lendable values."""
        return float(self.lendable.sum())


def lendable_values(
    market_value: np.ndarray,
    haircut: np.ndarray,
    book_value: np.ndarray,
    cost_advance: np.ndarray,
    olv: np.ndarray,
    nolv_advance: float,
    eligible: np.ndarray,
    concentration_limit: float,
    sku: np.ndarray | None = None,
) -> LendableValues:
    """Apply the lesser-of rule, eligibility and the concentration limit.

    Parameters
    ----------
    market_value, haircut, book_value, cost_advance, olv : numpy.ndarray
        Per lot: MV, h, BOOK, the category's advance on BOOK, OLV.
    nolv_advance : float
        Advance rate on OLV.
    eligible : numpy.ndarray of bool
    concentration_limit : float
        Largest share of the pre-concentration total one SKU may take.
    sku : numpy.ndarray of int, optional
        Each lot's SKU as a code 0..n-1 (lots of one SKU share the limit); default: every
        lot its own SKU.
    """
    limits = np.stack(
        [market_value * (1.0 - haircut), cost_advance * book_value, nolv_advance * olv]
    )
    which = np.argmin(limits, axis=0)  # ties go to the first limit in LIMITS order
    before = np.where(eligible, limits.min(axis=0), 0.0)
    cap = concentration_limit * before.sum()
    if sku is None:
        excess = np.maximum(before - cap, 0.0)
    else:
        per_sku = np.bincount(sku, weights=before)
        over = np.maximum(per_sku - cap, 0.0)
        total = per_sku[sku]
        share = np.divide(before, total, out=np.zeros_like(before), where=total > 0)
        excess = over[sku] * share
    codes = np.where(eligible, which + 1, 0).astype(np.int8)
    binding = np.asarray(("", *LIMITS), dtype=object)[codes]
    return LendableValues(before, excess, before - excess, binding, codes)
