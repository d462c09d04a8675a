"""Closed forms from QuantLib's analytic engines, used to check the simulations.

Each function builds its Black-Scholes process and instrument inside the QuantLib lock
and returns a float. Prices are expectations under a lognormal price with the stated
drift; callers discount them on their own curve.
"""

from __future__ import annotations

import datetime as dt
import math

import QuantLib as ql

from finance._ql import quantlib_at

#: Broadie-Glasserman-Kou constant: -zeta(1/2) / sqrt(2 pi).
BGK_BETA = 0.5825971579390106


def _process(
    today: ql.Date, spot: float, sigma: float, carry: float
) -> ql.GeneralizedBlackScholesProcess:
    dc = ql.Actual365Fixed()
    zero = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc, ql.Continuous))
    dividend = ql.YieldTermStructureHandle(ql.FlatForward(today, carry, dc, ql.Continuous))
    vol = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), sigma, dc))
    return ql.GeneralizedBlackScholesProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)), dividend, zero, vol
    )


def touch_probability(
    valuation_date: dt.date,
    spot: float,
    barrier: float,
    sigma: float,
    erosion: float,
    days: int,
    monitoring_interval_days: float = 0.0,
) -> float:
    """Probability that a lognormal value falls to ``barrier`` within ``days``.

    The value follows dV / V = -erosion dt + sigma dW (its expectation erodes at the
    category's rate, docs/model.md section 2). Priced as a down-and-in cash-or-nothing option
    paying 1 at expiry, with QuantLib's ``AnalyticBinaryBarrierEngine`` at zero rates.

    Parameters
    ----------
    valuation_date : datetime.date
    spot, barrier : float
        Today's value and the barrier, in the same unit (e.g. coverage ratios).
    sigma, erosion : float
        Annual volatility and continuous erosion rate.
    days : int
        Calendar days to the last observation (Actual/365 Fixed).
    monitoring_interval_days : float
        Days between observations; > 0 applies the Broadie-Glasserman-Kou correction for
        discrete monitoring (the barrier moves down by exp(-0.5826 sigma sqrt(dt))).

    Returns
    -------
    float
        In [0, 1]; 1 when the value starts at or below the barrier.
    """
    if spot <= barrier:  # already touched: no correction makes that less certain
        return 1.0
    if monitoring_interval_days > 0:
        barrier *= math.exp(-BGK_BETA * sigma * math.sqrt(monitoring_interval_days / 365.0))
    if sigma == 0.0 or days <= 0:
        return float(spot * math.exp(-erosion * max(days, 0) / 365.0) <= barrier)
    with quantlib_at(valuation_date) as today:
        option = ql.BarrierOption(
            ql.Barrier.DownIn,
            barrier,
            0.0,
            ql.CashOrNothingPayoff(ql.Option.Call, 0.0, 1.0),
            ql.AmericanExercise(today, today + int(days), True),
        )
        option.setPricingEngine(
            ql.AnalyticBinaryBarrierEngine(_process(today, spot, sigma, erosion))
        )
        return float(option.NPV())


def lognormal_put(
    valuation_date: dt.date, forward: float, strike: float, sigma: float, days: int
) -> float:
    """Undiscounted E[(strike - F X)+] for X lognormal with mean 1 and volatility sigma.

    QuantLib's ``AnalyticEuropeanEngine`` at zero rates (so the spot is the forward).

    Parameters
    ----------
    valuation_date : datetime.date
    forward : float
        Expected value at expiry (currency).
    strike : float
        Currency; a strike <= 0 gives 0.
    sigma : float
        Annual volatility.
    days : int
        Calendar days to expiry (Actual/365 Fixed).
    """
    if strike <= 0:
        return 0.0
    if forward <= 0:
        return float(strike)
    if sigma == 0.0 or days <= 0:
        return max(strike - forward, 0.0)
    with quantlib_at(valuation_date) as today:
        option = ql.VanillaOption(
            ql.PlainVanillaPayoff(ql.Option.Put, strike), ql.EuropeanExercise(today + int(days))
        )
        option.setPricingEngine(ql.AnalyticEuropeanEngine(_process(today, forward, sigma, 0.0)))
        return float(option.NPV())
