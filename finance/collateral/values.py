"""Collateral values of each lot at t0 (docs/model.md section 3).

    MV   = q p                              market value
    NRV  = q p (1 - selling_cost)           net realizable value
    BOOK = q min(c, p (1 - selling_cost)) (1 - reserve(age))
                                            lower of cost and NRV (IAS 2.9), less the
                                            aging reserve of the lot's age at t0 (6a)
    OLV  = q E[P(T_o)] (1 - d_o)            orderly liquidation value
    FLV  = q E[P(T_f)] (1 - d_f)            forced liquidation value

The aging reserve (存货跌价准备 by 库龄) takes the same fraction off cost and off the
realizable price, so it comes out of the minimum; the liquidation values keep their own
discounts, which price the goods as they are.

All amounts are per lot in the inventory's currency; E[P(T)] is today's price times the
deterministic price factor (erosion, markdowns, expiry) at T calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finance.collateral.dynamics import aging_reserve_of, price_factor
from finance.collateral.lots import Lots


@dataclass(frozen=True, slots=True, eq=False)
class CollateralValues:
    """Per-lot values at t0, currency."""

    market_value: np.ndarray
    nrv: np.ndarray
    book_value: np.ndarray
    olv: np.ndarray
    flv: np.ndarray


def collateral_values(lots: Lots, counts: np.ndarray) -> CollateralValues:
    """Compute MV, NRV, BOOK, OLV and FLV for every lot.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts from :func:`finance.collateral.dynamics.markdown_counts`.
    """
    q, c, p = lots.quantity, lots.unit_cost, lots.unit_price
    net_price = p * (1.0 - lots.param("selling_cost"))
    orderly_days = lots.param("orderly_days").astype(np.int64)
    forced_days = lots.param("forced_days").astype(np.int64)
    return CollateralValues(
        market_value=q * p,
        nrv=q * net_price,
        book_value=q * np.minimum(c, net_price) * (1.0 - aging_reserve_of(lots, lots.age_days)),
        olv=q
        * p
        * price_factor(lots, counts, orderly_days)
        * (1.0 - lots.param("orderly_discount")),
        flv=q * p * price_factor(lots, counts, forced_days) * (1.0 - lots.param("forced_discount")),
    )
