"""The five routes valued on one set of scenarios, for any share of each category.

docs/model.md sections 7, 7a and 8a. :class:`RouteValuation` holds what every route
needs (the lots, the holding schedule, the shared scenarios, the curve) and values a
route on the share ``x[k]`` of each category's stock it can take: its result and its
*adjustment*, the ledger to add to holding everything. A route's row is
``hold + adjustment(x = 1)``; the mix is ``hold + sum of adjustments(x_route)`` with the
shares of each category adding to at most one, so no unit is used twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from finance.collateral.lots import Lots
from finance.inputs.assumptions import Assumptions
from finance.market.curve import DiscountTable
from finance.market.scenarios import PriceScenarios
from finance.risk.holding import HoldingResult
from finance.routes.abs import AbsResult, abs_route
from finance.routes.hold import hold_ledger
from finance.routes.ledger import Ledger
from finance.routes.liquidate import ChannelPlan, channel_ledger
from finance.routes.pledge_loan import LoanDates, PledgeLoanResult, pledge_loan_route
from finance.routes.receipt_trust import ReceiptTrustResult, receipt_trust_route

ROUTES: tuple[str, ...] = ("hold", "liquidate", "pledge_loan", "receipt_trust", "abs")
#: The routes a mix can put stock through besides holding it.
FINANCING_ROUTES: tuple[str, ...] = ROUTES[1:]

#: Rows of the holding schedule's weights (``HoldingResult`` totals) used below.
ALL, TRUST, POOL, SOLD = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class RouteValuation:
    """What the routes share, and each route valued on a share of each category.

    Attributes
    ----------
    assumptions : Assumptions
    lots : Lots
    counts : numpy.ndarray
        Season-end counts covering every day looked at.
    month_days : numpy.ndarray of int64
        The holding schedule's month ends.
    curve : DiscountTable
    scenarios : PriceScenarios
    shocks : numpy.ndarray, shape (S, G, T)
    held : HoldingResult
        Run with the weights rows ``ALL`` (every lot), ``TRUST`` (what a trust can take),
        ``POOL`` (the stock whose receivables an ABS can take) and ``SOLD`` (what the
        channels take).
    capacity : dict of str to numpy.ndarray, shape (N,)
        Share of each lot a route can take: ``pledge_loan`` the eligible lots,
        ``receipt_trust`` the eligible lots of receipt-eligible categories, ``abs`` the
        company's own stock (not consigned, not encumbered).
    lendable : numpy.ndarray, shape (N,)
        Lendable value per lot (docs/model.md section 5).
    liquidation : numpy.ndarray of int64, shape (N,)
        Liquidation horizon per lot, days.
    loan_dates : LoanDates
    trust_day : int
        The trust's maturity, days.
    channels : ChannelPlan
        The liquidation's placement of the whole stock.
    """

    assumptions: Assumptions
    lots: Lots
    counts: np.ndarray
    month_days: np.ndarray
    curve: DiscountTable
    scenarios: PriceScenarios
    shocks: np.ndarray
    held: HoldingResult
    capacity: dict[str, np.ndarray]
    lendable: np.ndarray
    liquidation: np.ndarray
    loan_dates: LoanDates
    trust_day: int
    channels: ChannelPlan
    _cache: dict[str, Ledger] = field(default_factory=dict, repr=False)

    @property
    def n_categories(self) -> int:
        """K, the categories in force."""
        return len(self.lots.category_names)

    def _per_lot(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)[self.lots.category]

    def _hold_of(self, row: int, weights: np.ndarray) -> Ledger:
        return hold_ledger(self.held, row, weights, self.lots, self.scenarios, self.shocks)

    def hold(self) -> Ledger:
        """Holding every lot (route 1); every other row adds to it."""
        if "hold" not in self._cache:
            self._cache["hold"] = self._hold_of(ALL, np.ones(len(self.lots)))
        return self._cache["hold"]

    def liquidate(self, x: np.ndarray) -> tuple[ChannelPlan, Ledger]:
        """Channels take the units that beat holding; exactly linear in ``x``."""
        if "liquidate" not in self._cache:
            sold = self.channels.sold
            held_part = self._hold_of(SOLD, sold)
            sold_part = channel_ledger(
                self.channels, self.lots, self.held.expected_loss, self.scenarios.n_scenarios
            )
            self._cache["liquidate"] = sold_part - held_part
        return self.channels, self._cache["liquidate"].scale(x)

    def pledge_loan(self, x: np.ndarray) -> tuple[PledgeLoanResult, Ledger]:
        """The loan on the eligible share ``x[k]`` of each category; the goods stay held."""
        a = self.assumptions
        return pledge_loan_route(
            a.pledge_loan,
            a.valuation_date,
            self.lots,
            self.counts,
            self.month_days,
            self.loan_dates,
            self.capacity["pledge_loan"] * self._per_lot(x),
            self.lendable,
            self.liquidation,
            self.scenarios,
            self.shocks,
            self.curve,
        )

    def receipt_trust(self, x: np.ndarray) -> tuple[ReceiptTrustResult, Ledger]:
        """The trust on the receipt-eligible share ``x[k]`` of each category."""
        a = self.assumptions
        trust, part = receipt_trust_route(
            a.receipt_trust,
            a.valuation_date,
            self.lots,
            self.counts,
            self.capacity["receipt_trust"] * self._per_lot(x),
            self.trust_day,
            self.scenarios,
            self.shocks,
            self.curve,
        )
        if "trust_held" not in self._cache:
            self._cache["trust_held"] = self._hold_of(TRUST, self.capacity["receipt_trust"])
        return trust, part - self._cache["trust_held"].scale(x)

    def abs(self, x: np.ndarray) -> tuple[AbsResult, Ledger]:
        """The ABS on the receivables of the share ``x[k]`` of each category's own stock."""
        a = self.assumptions
        invoices = self.held.invoices[POOL] * np.asarray(x, float)[self.lots.group_category, None]
        return abs_route(
            a.abs,
            a.trade,
            a.valuation_date,
            self.lots,
            invoices,
            self.month_days,
            self.scenarios,
            self.shocks,
            self.curve,
            a.discount_rate,
            a.seed,
        )

    def route(self, name: str, x: np.ndarray) -> tuple[object, Ledger]:
        """Value route ``name`` (one of :data:`FINANCING_ROUTES`) on the shares ``x``."""
        return getattr(self, name)(x)

    def taken_share(self, name: str) -> np.ndarray:
        """Share of each category's market value that route ``name`` takes at ``x = 1``."""
        lots = self.lots
        weights = self.channels.sold if name == "liquidate" else self.capacity[name]
        value = np.bincount(lots.category, lots.market_value, minlength=self.n_categories)
        taken = np.bincount(lots.category, weights * lots.market_value, minlength=self.n_categories)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(value > 0, taken / value, 0.0)


def category_frame(valuation: RouteValuation) -> pd.DataFrame:
    """Market value per category, for the mix table."""
    lots = valuation.lots
    return pd.DataFrame(
        {
            "category": list(lots.category_names),
            "market_value": np.bincount(
                lots.category, lots.market_value, minlength=valuation.n_categories
            ),
        }
    )
