"""Route 1, ``hold``: keep the stock and sell it in the normal course (docs/model.md 6, 7a).

The holding schedule (:mod:`finance.risk.holding`) on the one ledger. Every other route
leaves some stock held, so its row is this ledger for what it leaves plus its own part.
"""

from __future__ import annotations

import numpy as np

from finance.collateral.lots import Lots
from finance.market.scenarios import PriceScenarios
from finance.risk.holding import HoldingResult, group_losses
from finance.routes.ledger import Ledger, by_category


def group_to_category(lots: Lots) -> np.ndarray:
    """The (G, K) matrix that sums shock groups into their categories."""
    out = np.zeros((lots.n_groups, len(lots.category_names)))
    out[np.arange(lots.n_groups), lots.group_category] = 1.0
    return out


def hold_ledger(
    held: HoldingResult,
    row: int,
    weights: np.ndarray,
    lots: Lots,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> Ledger:
    """The ledger of holding the share ``weights`` of each lot.

    Parameters
    ----------
    held : HoldingResult
        Run with ``weights`` as its row ``row``.
    weights : numpy.ndarray, shape (N,)
        Share of each lot held, 0 to 1.
    scenarios, shocks
        The shared price scenarios and the lots' group shocks, shape (S, G, T).
    """
    k = len(lots.category_names)
    losses = group_losses(held, row, weights, lots, scenarios, shocks) @ group_to_category(lots)
    zeros = np.zeros(k)
    return Ledger(
        market_value=by_category(weights * held.market_value, lots.category, k),
        flows=held.flows[row],
        cash_now=zeros,
        pv_costs=by_category(weights * held.costs_pv, lots.category, k),
        loss_retained=by_category(weights * held.expected_loss, lots.category, k),
        loss_transferred=zeros,
        funding_value=zeros,
        losses=losses,
    )
