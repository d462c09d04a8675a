"""Liquidation now through clearance channels (MODEL.md section 7, option ``liquidate``).

Per category, the channels it may use are ranked by what they pay today per unit of
market value, ``(1 - discount)(1 - fee)`` discounted on the curve over ``days_to_cash``,
and filled best first up to each one's capacity (a share of the category's stock) until
the whole stock is placed. Each lot sells the same share as its category; the rest stays
held (MODEL.md section 8) and keeps its monthly sales rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finance.market.curve import DiscountTable, flat_discount


@dataclass(frozen=True, slots=True, eq=False)
class ChannelPlan:
    """How much of each category goes through which channel.

    Attributes
    ----------
    allocation : pandas.DataFrame
        One row per (category, channel) used: ``share`` of the category's stock, ``net``
        (1 - discount)(1 - fee), ``days_to_cash``, ``pv_rate`` (net discounted on the curve)
        and ``company_rate`` (net discounted at the company's rate), ranked best first.
    sold_share : numpy.ndarray, shape (K,)
        Share of each category's stock placed in channels.
    cash_rate : numpy.ndarray, shape (K,)
        PV (curve) of cash per unit of the category's market value.
    company_cash_rate : numpy.ndarray, shape (K,)
        The same at the company's discount rate.
    cost_rate : numpy.ndarray, shape (K,)
        Discounts and fees given up per unit of the category's market value.
    """

    allocation: pd.DataFrame
    sold_share: np.ndarray
    cash_rate: np.ndarray
    company_cash_rate: np.ndarray
    cost_rate: np.ndarray


def plan_channels(
    channels: pd.DataFrame,
    category_names: Sequence[str],
    allowed: Sequence[str],
    curve: DiscountTable,
    company_rate: float,
) -> ChannelPlan:
    """Fill the best channels first, per category.

    Parameters
    ----------
    channels : pandas.DataFrame
        The channel table (:func:`finance.inputs.channels.load_channels`).
    category_names : sequence of str
        Categories in force; one without rows of its own uses the ``generic`` rows.
    allowed : sequence of str
        Channels the assumptions allow.
    curve : DiscountTable
    company_rate : float
        Continuously compounded, Actual/365 Fixed.
    """
    table = channels[channels["channel"].isin(list(allowed))]
    rows = []
    k_count = len(category_names)
    sold = np.zeros(k_count)
    cash = np.zeros(k_count)
    cash_c = np.zeros(k_count)
    cost = np.zeros(k_count)
    for k, name in enumerate(category_names):
        own = table[table["category"] == name]
        if own.empty and name not in set(channels["category"]):
            own = table[table["category"] == "generic"]
        own = own.assign(
            net=(1.0 - own["discount"]) * (1.0 - own["fee"]),
        )
        own = own.assign(
            pv_rate=own["net"] * curve.discount(own["days_to_cash"].to_numpy()),
            company_rate=own["net"] * flat_discount(company_rate, own["days_to_cash"]),
        ).sort_values(["pv_rate", "channel"], ascending=[False, True])
        room = 1.0
        for _, ch in own.iterrows():  # a handful of channels per category
            share = min(float(ch["capacity"]), room)
            if share <= 0:
                break
            room -= share
            sold[k] += share
            cash[k] += share * ch["pv_rate"]
            cash_c[k] += share * ch["company_rate"]
            cost[k] += share * (1.0 - ch["net"])
            rows.append(
                {
                    "category": name,
                    "channel": ch["channel"],
                    "share": share,
                    "discount": ch["discount"],
                    "fee": ch["fee"],
                    "net": ch["net"],
                    "days_to_cash": int(ch["days_to_cash"]),
                    "pv_rate": ch["pv_rate"],
                }
            )
    allocation = pd.DataFrame(
        rows,
        columns=[
            "category",
            "channel",
            "share",
            "discount",
            "fee",
            "net",
            "days_to_cash",
            "pv_rate",
        ],
    )
    return ChannelPlan(allocation, sold, cash, cash_c, cost)
