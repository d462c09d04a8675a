"""Holding: keep the stock and sell it in the normal course (docs/model.md sections 6, 7a).

Schedule of one lot, months m = 1..horizon_months after t0 (dates by QuantLib, t0 + m
months, unadjusted):

* at each month end before the forced-sale day, ``min(rate, units left)`` units are
  invoiced at ``P(t)``; ``rate`` is ``monthly_sales`` or ``quantity / months_to_clear``.
  The sale is on the company's trade terms: the invoice is collected ``dso_days`` later,
  less the expected bad debt ``customer_pd * customer_lgd``; the selling cost
  ``selling_cost * P(t)`` is paid on the sale day;
* a lot with an expiry is sold in a forced sale ``T_f`` days before it (on t0 when that
  day has passed) at ``P(t) (1 - d_f)``, for cash on the day;
* what is left at the horizon goes in an orderly sale at ``P(t) (1 - d_o)``, for cash;
* storage is billed monthly in advance, ``storage_cost / 12 * units held * p`` at the
  start of each month the lot is held (storage follows the goods, not their price).

A share ``w`` of a lot held on its own sells ``w`` of the lot's rate: every figure of the
schedule is linear in the share held, so a lot split between routes is valued part by
part, and the mix (docs/model.md section 8a) is a linear programme.

Because E[X(t)] = 1 the expected figures are exact per lot without simulation; for the
distribution, values are totalled per shock group and month (a final sale counts at the
month end nearest its day), and each scenario weighs those totals with its shocks:
groups x months x scenarios, never lots x scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finance.collateral.dynamics import price_factor
from finance.collateral.lots import Lots
from finance.inputs.assumptions import TradeTerms
from finance.market.curve import DiscountTable, flat_discount
from finance.market.scenarios import PriceScenarios, nearest_grid_index


@dataclass(frozen=True, slots=True, eq=False)
class HoldingResult:
    """The holding schedule of every whole lot, and its totals for some shares of the lots.

    Per-lot figures are for the whole lot (they scale with the share held). Money in the
    currency; ``*_pv`` on the curve, ``*_company`` at the company's rate.

    Attributes
    ----------
    month_days : numpy.ndarray of int64, shape (M + 1,)
        Days from t0 of t0 and each month end.
    market_value : numpy.ndarray, shape (N,)
        MV of each lot.
    value_pv, value_company : numpy.ndarray, shape (N,)
        What the goods bring in, gross of costs: collections net of bad debt on the
        collection day, final sales before their discount.
    costs_pv, costs_company : numpy.ndarray, shape (N,)
        Selling costs, final-sale discounts and storage.
    storage_pv : numpy.ndarray, shape (N,)
        Storage alone.
    flows : numpy.ndarray, shape (W, K, D)
        Company cash per category and day for each row of the weights.
    group_value : numpy.ndarray, shape (W, G, M + 1)
        ``value_pv`` per shock group and month position, before the shocks.
    invoices : numpy.ndarray, shape (W, G, M + 1)
        Nominal invoices of the monthly sales per shock group and month end: the
        receivables the sales create.
    group_net : numpy.ndarray, shape (W, G, M + 1)
        What the sales bring in net of selling costs and final-sale discounts, PV on the
        curve, per shock group and month position, before the shocks: docs/model.md
        section 6's proceeds.
    """

    month_days: np.ndarray
    market_value: np.ndarray
    value_pv: np.ndarray
    value_company: np.ndarray
    costs_pv: np.ndarray
    costs_company: np.ndarray
    storage_pv: np.ndarray
    flows: np.ndarray
    group_value: np.ndarray
    invoices: np.ndarray
    group_net: np.ndarray

    @property
    def expected_loss(self) -> np.ndarray:
        """Per-lot expected loss of value, ``MV - value_pv``, on the curve (section 7a)."""
        return self.market_value - self.value_pv

    @property
    def holding_loss(self) -> np.ndarray:
        """Per-lot expected holding loss of docs/model.md section 6, on the curve.

        ``MV - E[PV(sale proceeds) - PV(storage)]`` with the proceeds net of selling costs,
        final-sale discounts and bad debt: the loss of value plus the costs.
        """
        return self.market_value - self.value_pv + self.costs_pv

    @property
    def npv(self) -> np.ndarray:
        """Per-lot company NPV of holding: ``value - costs`` at its rate, less MV."""
        return self.value_company - self.costs_company - self.market_value

    @property
    def value_rate(self) -> np.ndarray:
        """Per-lot company value of holding per unit of market value (0 for a lot of no MV)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.market_value > 0,
                (self.value_company - self.costs_company) / self.market_value,
                0.0,
            )


def units_left(lots: Lots, month_days: np.ndarray, day: int) -> np.ndarray:
    """Fraction of each lot still held on ``day`` (after that day's sales).

    Sales happen at month ends before the forced-sale day; the forced or horizon sale
    empties the lot on its day.
    """
    horizon = int(month_days[-1])
    forced_day = lots.expiry_day - lots.param("forced_days").astype(np.int64)
    ends = np.asarray(month_days[1:], dtype=np.int64)
    passed = np.searchsorted(ends, day, side="right")  # month ends on or before the day
    # Month ends before the forced-sale day count; those after it sell nothing.
    selling = np.minimum(passed, np.searchsorted(ends, forced_day, side="left"))
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(
            lots.quantity > 0,
            np.maximum(lots.quantity - lots.monthly_sales * selling, 0.0) / lots.quantity,
            0.0,
        )
    gone = (day >= np.maximum(forced_day, 0)) | (day >= horizon)
    return np.where(gone, 0.0, left)


def _stacked_totals(values: np.ndarray, weights: np.ndarray, index: np.ndarray, size: int):
    """``sum_i w_i v_i`` per cell of ``index``, for each row of ``weights``: (W, size)."""
    rows = weights.shape[0]
    cells = (index[None, :] + size * np.arange(rows)[:, None]).ravel()
    totals = np.bincount(cells, weights=(weights * values[None, :]).ravel(), minlength=rows * size)
    return totals.reshape(rows, size)


def hold(
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    trade: TradeTerms,
    weights: np.ndarray | None = None,
) -> HoldingResult:
    """Run the holding schedule of every lot.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts (:func:`finance.collateral.dynamics.markdown_counts`) covering
        the horizon.
    month_days : numpy.ndarray of int64
        Days of t0 and each month end up to the horizon.
    curve : DiscountTable
        Covers the horizon plus the collection delay; its length sets the flows' days.
    company_rate : float
        The company's discount rate, effective annual.
    trade : TradeTerms
    weights : numpy.ndarray, shape (W, N), optional
        Shares of the lots whose totals (flows, group values, invoices) are wanted; by
        default the whole of every lot.

    Returns
    -------
    HoldingResult
    """
    n = len(lots)
    w = np.ones((1, n)) if weights is None else np.atleast_2d(np.asarray(weights, float))
    p = lots.unit_price
    n_groups, months = lots.n_groups, len(month_days) - 1
    k_count = len(lots.category_names)
    n_days = len(curve.factors)
    horizon = int(month_days[-1])
    dso = int(trade.dso_days)
    collected = 1.0 - trade.bad_debt

    # NO_EXPIRY is far beyond any horizon, so lots without expiry are never force-sold.
    forced_day = lots.expiry_day - lots.param("forced_days").astype(np.int64)
    exit_day = np.minimum(np.maximum(forced_day, 0), horizon)
    forced = forced_day <= horizon
    selling_cost = lots.param("selling_cost")
    category_selling_cost = lots.category_param("selling_cost")
    to_category = np.zeros((n_groups, k_count))
    to_category[np.arange(n_groups), lots.group_category] = 1.0
    storage_rate = lots.param("storage_cost") / 12.0 * p

    left = lots.quantity.astype(np.float64).copy()
    value_pv = np.zeros(n)
    value_c = np.zeros(n)
    costs_pv = np.zeros(n)
    costs_c = np.zeros(n)
    storage_pv = np.zeros(n)
    flows = np.zeros((w.shape[0], k_count, n_days))
    group_value = np.zeros((w.shape[0], n_groups, months + 1))
    invoices = np.zeros((w.shape[0], n_groups, months + 1))
    group_net = np.zeros((w.shape[0], n_groups, months + 1))
    group_selling_cost = lots.category_param("selling_cost")[lots.group_category]
    for m in range(1, months + 1):
        start, end = int(month_days[m - 1]), int(month_days[m])
        bill = np.where(start < exit_day, storage_rate * left, 0.0)
        sold = np.where(end < forced_day, np.minimum(lots.monthly_sales, left), 0.0)
        invoice = sold * p * price_factor(lots, counts, end)
        df_start, df_end, df_in = (float(x) for x in curve.discount([start, end, end + dso]))
        dc_start, dc_end, dc_in = (
            float(x) for x in flat_discount(company_rate, np.array([start, end, end + dso]))
        )
        value_pv += invoice * collected * df_in
        value_c += invoice * collected * dc_in
        costs_pv += bill * df_start + invoice * selling_cost * df_end
        costs_c += bill * dc_start + invoice * selling_cost * dc_end
        storage_pv += bill * df_start
        # Totals per shock group, then per category (a group lies in one category; the
        # selling cost is the category's): two passes over the lots a month.
        invoices[:, :, m] = _stacked_totals(invoice, w, lots.group, n_groups)
        billed = _stacked_totals(bill, w, lots.group, n_groups)
        inv_k = invoices[:, :, m] @ to_category
        flows[:, :, end + dso] += inv_k * collected
        flows[:, :, end] -= inv_k * category_selling_cost
        flows[:, :, start] -= billed @ to_category
        group_value[:, :, m] = invoices[:, :, m] * collected * df_in
        group_net[:, :, m] = invoices[:, :, m] * (collected * df_in - group_selling_cost * df_end)
        left -= sold

    sale_day = np.where(forced, np.maximum(forced_day, 0), horizon)
    discount = np.where(forced, lots.param("forced_discount"), lots.param("orderly_discount"))
    gross = left * p * price_factor(lots, counts, sale_day)
    df_sale = curve.discount(sale_day)
    dc_sale = flat_discount(company_rate, sale_day)
    value_pv += gross * df_sale
    value_c += gross * dc_sale
    costs_pv += gross * discount * df_sale
    costs_c += gross * discount * dc_sale
    flows += _stacked_totals(
        gross * (1.0 - discount), w, lots.category * n_days + sale_day, k_count * n_days
    ).reshape(w.shape[0], k_count, n_days)
    # The final sale's shock is read at the month end nearest its day.
    nearest = nearest_grid_index(month_days, sale_day)
    cells = lots.group * (months + 1) + nearest
    size = n_groups * (months + 1)
    group_value += _stacked_totals(gross * df_sale, w, cells, size).reshape(group_value.shape)
    final_net = gross * (1.0 - discount) * df_sale
    group_net += _stacked_totals(final_net, w, cells, size).reshape(group_net.shape)
    return HoldingResult(
        month_days=np.asarray(month_days, dtype=np.int64),
        market_value=lots.market_value,
        value_pv=value_pv,
        value_company=value_c,
        costs_pv=costs_pv,
        costs_company=costs_c,
        storage_pv=storage_pv,
        flows=flows,
        group_value=group_value,
        invoices=invoices,
        group_net=group_net,
    )


def group_losses(
    held: HoldingResult,
    row: int,
    weights: np.ndarray,
    lots: Lots,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> np.ndarray:
    """Loss of value per scenario and shock group of the share ``weights`` (row ``row``).

    Parameters
    ----------
    held : HoldingResult
        Its ``weights`` row ``row`` is ``weights``.
    scenarios : PriceScenarios
        Their grid must contain ``held.month_days``.
    shocks : numpy.ndarray, shape (S, G, T)

    Returns
    -------
    numpy.ndarray, shape (S, G)
    """
    fixed = np.bincount(lots.group, weights=weights * held.market_value, minlength=lots.n_groups)
    at_months = shocks[:, :, scenarios.index_of(held.month_days)]
    return fixed[None, :] - np.einsum("sgj,gj->sg", at_months, held.group_value[row])


def holding_losses(
    held: HoldingResult,
    lots: Lots,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> np.ndarray:
    """The portfolio's holding loss of docs/model.md section 6 per scenario (weights row 0).

    ``MV + PV(storage) - PV(net proceeds)``, the proceeds net of selling costs, final-sale
    discounts and bad debt, with each group's shocks.

    Returns
    -------
    numpy.ndarray, shape (S,)
    """
    fixed = float((held.market_value + held.storage_pv).sum())
    at_months = shocks[:, :, scenarios.index_of(held.month_days)]
    return fixed - np.einsum("sgj,gj->s", at_months, held.group_net[0])
