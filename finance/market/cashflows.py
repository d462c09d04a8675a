"""Cash-flow arithmetic with QuantLib: the all-in cost (IRR) of a financing.

A financing raises an amount at t0 and pays amounts on later days. Its all-in annual cost
is the internal rate of return of those flows, an effective annual rate (compounded
annually, Actual/365 Fixed), solved by QuantLib's ``CashFlows.yieldRate``. An effective
annual rate is the one figure that compares a loan paying quarterly, a trust paying once at
maturity and notes amortising monthly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import QuantLib as ql

from finance._ql import quantlib_at


def effective_annual_cost(
    valuation_date: dt.date,
    received: float,
    payments: Sequence[tuple[int, float]],
) -> float:
    """Internal rate of return of a financing, as an effective annual rate.

    Parameters
    ----------
    valuation_date : datetime.date
        t0, when ``received`` comes in.
    received : float
        Net cash raised at t0 (currency), after any upfront fee.
    payments : sequence of (int, float)
        Calendar days after t0 (> 0) and the amount paid then (currency, positive).

    Returns
    -------
    float
        r with ``received = sum(amount / (1 + r) ** (days / 365))``; NaN when nothing is
        raised or paid, or when no rate solves it.
    """
    # QuantLib's solver needs the flows in date order.
    flows = sorted((int(d), float(a)) for d, a in payments if a != 0.0)
    if received <= 0 or not flows or any(d <= 0 for d, _ in flows):
        return float("nan")
    with quantlib_at(valuation_date) as today:
        leg = ql.Leg([ql.SimpleCashFlow(amount, today + days) for days, amount in flows])
        try:
            return float(
                ql.CashFlows.yieldRate(
                    leg, received, ql.Actual365Fixed(), ql.Compounded, ql.Annual, False, today
                )
            )
        except RuntimeError:
            return float("nan")
