"""Summary tables for reading an inventory and its collateral at a glance.

Group totals a treasurer looks at first (by category, by warehouse) and the lender's
concentration view (the SKUs taking the largest share of the borrowing base). Money is
in the inventory's currency at t0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def inventory_summary(lots: pd.DataFrame, by: str) -> pd.DataFrame:
    """Totals of a validated inventory by one of its text columns.

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory (:func:`finance.load_inventory`).
    by : str
        ``category`` or ``warehouse`` (or any text column).

    Returns
    -------
    pandas.DataFrame
        One row per value of ``by``, largest market value first: ``lots``, ``quantity``,
        ``market_value`` (sum of q p), ``cost_value`` (sum of q c) and ``share`` (of the
        total market value; NaN when the total is 0).
    """
    frame = pd.DataFrame(
        {
            by: lots[by].to_numpy(),
            "quantity": lots["quantity"].to_numpy(),
            "market_value": (lots["quantity"] * lots["unit_price"]).to_numpy(),
            "cost_value": (lots["quantity"] * lots["unit_cost"]).to_numpy(),
        }
    )
    table = frame.groupby(by, sort=False).agg(
        lots=("quantity", "size"),
        quantity=("quantity", "sum"),
        market_value=("market_value", "sum"),
        cost_value=("cost_value", "sum"),
    )
    total = table["market_value"].sum()
    table["share"] = table["market_value"] / total if total > 0 else np.nan
    return table.sort_values("market_value", ascending=False, kind="stable").reset_index()


def concentration_table(lot_table: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The SKUs taking the largest share of the lendable value, before the cap.

    Parameters
    ----------
    lot_table : pandas.DataFrame
        ``ValuationResult.lots``.
    top : int
        Rows to return.

    Returns
    -------
    pandas.DataFrame
        ``sku``, ``category``, ``lendable_before_concentration``, ``share`` (of the total
        before the cap, the figure the concentration limit applies to),
        ``concentration_excess`` and ``lendable_value``, largest first.
    """
    before = lot_table["lendable_value"] + lot_table["concentration_excess"]
    total = before.sum()
    table = pd.DataFrame(
        {
            "sku": lot_table["sku"],
            "category": lot_table["category"],
            "lendable_before_concentration": before,
            "share": before / total if total > 0 else np.nan,
            "concentration_excess": lot_table["concentration_excess"],
            "lendable_value": lot_table["lendable_value"],
        }
    )
    return table.nlargest(top, "lendable_before_concentration").reset_index(drop=True)
