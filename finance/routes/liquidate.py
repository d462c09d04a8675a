"""Route 2, ``liquidate``: sell now through clearance channels (docs/model.md section 7).

Per category, the channels it may use are ranked by what they pay per unit of market
value at the company's rate, ``(1 - discount)(1 - fee)`` discounted over ``days_to_cash``,
and each has a capacity (a share of the category's market value). A channel takes a
lot's units only where it pays more than holding them would (the holding schedule's
value at the company's rate): the lots that hold worst go to the best channel first, so
the channels take exactly the units on which they beat holding (an exchange argument:
any other assignment swaps a worse-holding unit for a better-holding one, or a better
channel for a worse one). What they do not take stays held. So liquidation never does
worse than holding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finance.collateral.lots import Lots
from finance.market.curve import DiscountTable, flat_discount
from finance.routes.ledger import Ledger, by_category

ALLOCATION_COLUMNS = (
    "category",
    "channel",
    "share",
    "discount",
    "fee",
    "net",
    "days_to_cash",
    "pv_rate",
    "company_rate",
)


@dataclass(frozen=True, slots=True, eq=False)
class ChannelPlan:
    """What goes through which channel.

    Attributes
    ----------
    allocation : pandas.DataFrame
        One row per (category, channel) used: ``share`` of the category's market value,
        ``net`` (1 - discount)(1 - fee), ``days_to_cash``, ``pv_rate`` (net discounted on
        the curve) and ``company_rate`` (at the company's rate), best channel first.
    sold : numpy.ndarray, shape (N,)
        Share of each lot sold through channels.
    cash : numpy.ndarray, shape (N,)
        PV on the curve of the channels' cash per lot.
    costs : numpy.ndarray, shape (N,)
        Discounts and fees per lot, PV on the curve.
    value : numpy.ndarray, shape (N,)
        Market value sold, discounted on the curve to the day the cash comes.
    flows : numpy.ndarray, shape (K, D)
        The channels' cash per category and day.
    """

    allocation: pd.DataFrame
    sold: np.ndarray
    cash: np.ndarray
    costs: np.ndarray
    value: np.ndarray
    flows: np.ndarray


def _channels_for(channels: pd.DataFrame, allowed: Sequence[str], name: str) -> pd.DataFrame:
    table = channels[channels["channel"].isin(list(allowed))]
    own = table[table["category"] == name]
    if own.empty and name not in set(channels["category"]):
        own = table[table["category"] == "generic"]
    return own


#: The smallest share of a category a channel is given: below it, what the channel pays
#: rounds to nothing (a capacity of 5e-324 would "sell" goods for no cash).
MIN_SHARE = 1e-12


def plan_channels(
    channels: pd.DataFrame,
    lots: Lots,
    allowed: Sequence[str],
    hold_rate: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    weights: np.ndarray | None = None,
) -> ChannelPlan:
    """Place each category's lots in the channels that beat holding them.

    Parameters
    ----------
    channels : pandas.DataFrame
        The channel table (:func:`finance.inputs.channels.load_channels`).
    lots : Lots
    allowed : sequence of str
        Channels the assumptions allow.
    hold_rate : numpy.ndarray, shape (N,)
        Company value of holding each lot per unit of its market value
        (:attr:`finance.risk.holding.HoldingResult.value_rate`).
    curve : DiscountTable
    company_rate : float
        Effective annual.
    weights : numpy.ndarray, shape (N,), optional
        Share of each lot offered to the channels (default: all of it); a channel's
        capacity is a share of the category's whole market value.
    """
    n, k_count, n_days = len(lots), len(lots.category_names), len(curve.factors)
    offered = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    mv = lots.market_value
    sold = np.zeros(n)
    cash = np.zeros(n)
    costs = np.zeros(n)
    value = np.zeros(n)
    flows = np.zeros((k_count, n_days))
    rows = []
    order = np.lexsort((hold_rate, lots.category))
    starts = np.searchsorted(lots.category[order], np.arange(k_count + 1))
    # Work on the lots in that order (contiguous slices), and put them back at the end.
    value_of = offered[order] * mv[order]
    rate_of = hold_rate[order]
    for k, name in enumerate(lots.category_names):
        own = _channels_for(channels, allowed, name)
        first, last = starts[k], starts[k + 1]
        total = float(mv[order[first:last]].sum())
        if own.empty or total <= 0:
            continue
        days = own["days_to_cash"].to_numpy(dtype=np.int64)
        net = ((1.0 - own["discount"]) * (1.0 - own["fee"])).to_numpy()
        ranked = own.assign(
            net=net,
            pv_rate=net * curve.discount(days),
            company_rate=net * flat_discount(company_rate, days),
        ).sort_values(["company_rate", "channel"], ascending=[False, True])
        # The worst-holding lots first, each occupying its share of the category's MV.
        size = value_of[first:last] / total
        hi = np.cumsum(size)
        lo = hi - size
        room_lo = 0.0
        for ch in ranked.itertuples(index=False):  # a handful of channels per category
            room_hi = min(room_lo + float(ch.capacity), 1.0)
            # The lots whose stretch of the category meets the channel's room.
            i0 = int(np.searchsorted(hi, room_lo, side="right"))
            i1 = int(np.searchsorted(lo, room_hi, side="left"))
            part = slice(first + i0, first + i1)
            overlap = np.clip(
                np.minimum(hi[i0:i1], room_hi) - np.maximum(lo[i0:i1], room_lo), 0.0, None
            )
            taken = np.where(rate_of[part] < ch.company_rate, overlap, 0.0)
            room_lo = room_hi
            placed = float(taken.sum())
            if placed <= MIN_SHARE:
                continue
            whole = size[i0:i1]
            share_of_lot = np.where(whole > 0, taken / np.where(whole > 0, whole, 1.0), 0.0)
            lot_value = share_of_lot * value_of[part]
            df = float(curve.discount(int(ch.days_to_cash)))
            sold[part] += share_of_lot * offered[order[part]]
            cash[part] += lot_value * ch.net * df
            costs[part] += lot_value * (1.0 - ch.net) * df
            value[part] += lot_value * df
            flows[k, int(ch.days_to_cash)] += float(lot_value.sum()) * ch.net
            rows.append(
                {
                    "category": name,
                    "channel": ch.channel,
                    "share": placed,
                    "discount": ch.discount,
                    "fee": ch.fee,
                    "net": ch.net,
                    "days_to_cash": int(ch.days_to_cash),
                    "pv_rate": ch.pv_rate,
                    "company_rate": ch.company_rate,
                }
            )
            if room_lo >= 1.0:
                break
    unsort = np.empty_like(order)
    unsort[order] = np.arange(n)
    sold, cash, costs, value = (a[unsort] for a in (sold, cash, costs, value))
    allocation = pd.DataFrame(rows, columns=list(ALLOCATION_COLUMNS))
    return ChannelPlan(allocation, sold, cash, costs, value, flows)


def channel_ledger(plan: ChannelPlan, lots: Lots, expected_hold_loss: np.ndarray, n_scenarios: int):
    """The ledger of the units the channels take (docs/model.md section 7a).

    The channels pay today's price less their discount and fee when the cash comes: the
    company bears no price risk on them, only the curve's time value of waiting for the
    cash; the loss holding them would have had passes to the buyers.
    """
    k = len(lots.category_names)
    sold_value = by_category(plan.sold * lots.market_value, lots.category, k)
    loss = sold_value - by_category(plan.value, lots.category, k)
    return Ledger(
        market_value=sold_value,
        flows=plan.flows,
        cash_now=by_category(plan.cash, lots.category, k),
        pv_costs=by_category(plan.costs, lots.category, k),
        loss_retained=loss,
        loss_transferred=by_category(plan.sold * expected_hold_loss, lots.category, k),
        funding_value=np.zeros(k),
        losses=np.broadcast_to(loss, (n_scenarios, k)).copy(),
    )
