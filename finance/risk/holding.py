"""Holding loss: keep the stock and sell it in the normal course (MODEL.md section 6).

Schedule of one lot, months m = 1..horizon_months after t0 (dates by QuantLib, t0 + m
months, unadjusted):

* at each month end before the forced-sale day, ``min(rate, units left)`` units sell at
  ``P(t) (1 - selling_cost)``; ``rate`` is ``monthly_sales`` or ``quantity /
  months_to_clear``;
* a lot with an expiry is sold in a forced sale ``T_f`` days before it (on t0 when that
  day has passed) at ``P(t) (1 - d_f)``;
* what is left at the horizon goes in an orderly sale at ``P(t) (1 - d_o)``;
* storage is billed monthly in advance, ``storage_cost / 12 * units held * p`` at the
  start of each month the lot is held (storage follows the goods, not their price).

Proceeds and storage are discounted on the curve (and, for ``npv``, at the company's
rate). Because E[X(t)] = 1 the expected holding loss ``MV - E[PV(proceeds) - PV(storage)]``
is exact per lot without simulation; for its distribution, proceeds are totalled per
shock group and month (a forced sale counts at the month end nearest its day), and each
scenario weighs those totals with its shocks: cost groups x months x scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finance.collateral.dynamics import price_factor
from finance.collateral.lots import Lots
from finance.market.curve import DiscountTable, flat_discount
from finance.market.scenarios import PriceScenarios, group_totals, nearest_grid_index


@dataclass(frozen=True, slots=True, eq=False)
class HoldingResult:
    """Holding schedule outcome.

    Attributes
    ----------
    month_days : numpy.ndarray of int64, shape (M + 1,)
        Days from t0 of t0 and each month end.
    market_value : numpy.ndarray, shape (N,)
        MV of the quantity held.
    proceeds_pv, storage_pv : numpy.ndarray, shape (N,)
        Expected PV (curve) of sale proceeds and of storage per lot.
    proceeds_company, storage_company : numpy.ndarray, shape (N,)
        The same at the company's discount rate.
    group_proceeds : numpy.ndarray, shape (G, M + 1)
        PV (curve) of proceeds per shock group and month position, before shocks.
    group_nominal : numpy.ndarray, shape (G, M + 1)
        The same proceeds undiscounted (what a structure on the sales receives).
    group : numpy.ndarray of int64, shape (N,)
        Shock group of each lot.
    """

    month_days: np.ndarray
    market_value: np.ndarray
    proceeds_pv: np.ndarray
    storage_pv: np.ndarray
    proceeds_company: np.ndarray
    storage_company: np.ndarray
    group_proceeds: np.ndarray
    group_nominal: np.ndarray
    group: np.ndarray

    @property
    def expected_loss(self) -> np.ndarray:
        """Per-lot expected holding loss MV - E[PV(proceeds) - PV(storage)], on the curve."""
        return self.market_value - self.proceeds_pv + self.storage_pv

    @property
    def npv(self) -> np.ndarray:
        """Per-lot company NPV of holding, PV at its rate of proceeds - storage, minus MV."""
        return self.proceeds_company - self.storage_company - self.market_value

    def group_losses(self, scenarios: PriceScenarios, shocks: np.ndarray) -> np.ndarray:
        """Holding loss per scenario and shock group.

        Parameters
        ----------
        scenarios : PriceScenarios
            Their grid must contain ``month_days``.
        shocks : numpy.ndarray, shape (S, G, T)
            ``scenarios.shocks(...)`` for the lots' groups.

        Returns
        -------
        numpy.ndarray, shape (S, G)
        """
        n_groups = self.group_proceeds.shape[0]
        fixed = group_totals(self.market_value + self.storage_pv, self.group, n_groups)
        at_months = shocks[:, :, scenarios.index_of(self.month_days)]
        return fixed[None, :] - np.einsum("sgj,gj->sg", at_months, self.group_proceeds)


def hold(
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    quantity: np.ndarray | None = None,
) -> HoldingResult:
    """Run the holding schedule for every lot.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts (:func:`finance.collateral.dynamics.markdown_counts`) covering
        the horizon.
    month_days : numpy.ndarray of int64
        Days of t0 and each month end up to the horizon (``finance.market.calendar.month_offsets``).
    curve : DiscountTable
    company_rate : float
        The company's discount rate, continuously compounded, Actual/365 Fixed.
    quantity : numpy.ndarray, optional
        Units to hold per lot, when not the whole lot (e.g. what a channel cannot absorb);
        the lot keeps its monthly sales rate.

    Returns
    -------
    HoldingResult
    """
    q = lots.quantity if quantity is None else quantity
    p = lots.unit_price
    n_groups, months = lots.n_groups, len(month_days) - 1
    horizon = int(month_days[-1])

    # NO_EXPIRY is far beyond any horizon, so lots without expiry are never force-sold.
    forced_day = lots.expiry_day - lots.param("forced_days").astype(np.int64)
    exit_day = np.minimum(np.maximum(forced_day, 0), horizon)
    forced = forced_day <= horizon
    selling_share = 1.0 - lots.param("selling_cost")
    storage_rate = lots.param("storage_cost") / 12.0 * p

    left = q.astype(np.float64).copy()
    proceeds = np.zeros_like(left)
    proceeds_c = np.zeros_like(left)
    storage = np.zeros_like(left)
    storage_c = np.zeros_like(left)
    by_month = np.zeros((n_groups, months + 1))
    nominal = np.zeros((n_groups, months + 1))
    net_price = p * selling_share
    for m in range(1, months + 1):
        start, end = int(month_days[m - 1]), int(month_days[m])
        bill = np.where(start < exit_day, storage_rate * left, 0.0)
        storage += bill * float(curve.discount(start))
        storage_c += bill * float(flat_discount(company_rate, start))
        sold = np.where(end < forced_day, np.minimum(lots.monthly_sales, left), 0.0)
        value = sold * net_price * price_factor(lots, counts, end)
        df = float(curve.discount(end))
        proceeds += value * df
        proceeds_c += value * float(flat_discount(company_rate, end))
        # The month's discount factor is one number: the group PVs follow from the totals.
        nominal[:, m] = group_totals(value, lots.group, n_groups)
        by_month[:, m] = nominal[:, m] * df
        left -= sold

    sale_day = np.where(forced, np.maximum(forced_day, 0), horizon)
    discount = np.where(forced, lots.param("forced_discount"), lots.param("orderly_discount"))
    final = left * p * price_factor(lots, counts, sale_day) * (1.0 - discount)
    final_pv = final * curve.discount(sale_day)
    proceeds += final_pv
    proceeds_c += final * flat_discount(company_rate, sale_day)
    # The final sale's shock is read at the month end nearest its day.
    nearest = nearest_grid_index(month_days, sale_day)
    flat = lots.group * (months + 1) + nearest
    size = n_groups * (months + 1)
    by_month += np.bincount(flat, weights=final_pv, minlength=size).reshape(n_groups, months + 1)
    nominal += np.bincount(flat, weights=final, minlength=size).reshape(n_groups, months + 1)
    return HoldingResult(
        month_days=np.asarray(month_days, dtype=np.int64),
        market_value=q * p,
        proceeds_pv=proceeds,
        storage_pv=storage,
        proceeds_company=proceeds_c,
        storage_company=storage_c,
        group_proceeds=by_month,
        group_nominal=nominal,
        group=lots.group,
    )
