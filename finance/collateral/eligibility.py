"""Eligibility of each lot as collateral (docs/model.md section 4).

A lot is ineligible for the first reason that applies, in this order:

==============  ==============================================================
``expired``     t0 >= expiry
``near_expiry`` expiry < t0 + T_m + T_o (it would expire during the liquidation)
``aged``        age_days > aging_limit_days
``consigned``   not the borrower's goods
``in_transit``  not in a supervised warehouse
``damaged``     not merchantable
``encumbered``  already pledged to someone else
``no_price``    p = 0
==============  ==============================================================
"""

from __future__ import annotations

import numpy as np

from finance.collateral.lots import Lots

REASONS: tuple[str, ...] = (
    "expired",
    "near_expiry",
    "aged",
    "consigned",
    "in_transit",
    "damaged",
    "encumbered",
    "no_price",
)


def liquidation_days(lots: Lots, margin_period_days: int) -> np.ndarray:
    """Liquidation horizon T_m + T_o per lot, in calendar days."""
    return margin_period_days + lots.param("orderly_days").astype(np.int64)


def reason_codes(lots: Lots, margin_period_days: int) -> np.ndarray:
    """Each lot's ineligibility reason as a code: 0 eligible, ``i + 1`` for ``REASONS[i]``.

    Parameters
    ----------
    lots : Lots
    margin_period_days : int
        T_m, calendar days.

    Returns
    -------
    numpy.ndarray of int8
    """
    tests = [
        lots.expiry_day <= 0,
        lots.expiry_day < liquidation_days(lots, margin_period_days),
        lots.age_days > lots.param("aging_limit_days"),
        lots.flags["consigned"],
        lots.flags["in_transit"],
        lots.flags["damaged"],
        lots.flags["encumbered"],
        lots.unit_price == 0,
    ]
    return np.select(tests, list(range(1, len(REASONS) + 1)), default=0).astype(np.int8)


def ineligible_reasons(lots: Lots, margin_period_days: int) -> np.ndarray:
    """Return each lot's ineligibility reason, "" for an eligible lot.

    Parameters
    ----------
    lots : Lots
    margin_period_days : int
        T_m, calendar days.

    Returns
    -------
    numpy.ndarray of str
    """
    return np.asarray(("", *REASONS), dtype=object)[reason_codes(lots, margin_period_days)]
