"""The discount curve: zero rates by tenor, built with QuantLib, sampled once a day.

Zero rates are continuously compounded on Actual/365 Fixed. Pillars fall on the
valuation date advanced by each tenor on the China (SSE) calendar, modified following;
QuantLib's ``ZeroCurve`` interpolates linearly in the zero rate between pillars. Before the
first pillar the first rate applies, and beyond the last one the last rate (flat): a
lender would not extrapolate a slope.

Every cash flow in the model falls on a whole day, so the curve is sampled once per
calendar day into a numpy table (:class:`DiscountTable`); the model then discounts
millions of flows by array indexing, and QuantLib never leaves the locked block.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import QuantLib as ql

from finance._ql import quantlib_at
from finance.market.calendar import china_calendar

DAYS_PER_YEAR = 365.0  # Actual/365 Fixed


def tenor_days(tenor: str) -> int:
    """Return an approximate length of a tenor string ("1M", "5Y", "2W", "7D") in days.

    Used only to check that tenors increase; pillar dates come from QuantLib.

    Raises
    ------
    ValueError
        If the tenor is not a positive QuantLib period.
    """
    text = tenor.strip().upper()
    # ql.Period reads "1.5Y" as 1Y: accept only whole numbers of one unit.
    if not re.fullmatch(r"[1-9]\d*[DWMY]", text):
        raise ValueError(f"tenor {tenor!r} must be a whole number of D, W, M or Y, like 6M")
    period = ql.Period(text)
    length, unit = period.length(), period.units()
    per_unit = {ql.Days: 1, ql.Weeks: 7, ql.Months: 365 / 12, ql.Years: 365}
    if length <= 0 or unit not in per_unit:
        raise ValueError(f"tenor {tenor!r} must be a positive number of D, W, M or Y")
    return round(length * per_unit[unit])


def flat_discount(rate: float, days: np.ndarray | int) -> np.ndarray:
    """Discount factors at a flat effective annual rate, ``(1 + rate)^(-days / 365)``.

    The company's own discount rate values its side of every route (``npv``); treasurers
    quote it as an effective annual rate, the same convention as the all-in costs
    (docs/model.md, Conventions).
    """
    return np.power(1.0 + rate, -np.asarray(days, dtype=np.float64) / DAYS_PER_YEAR)


@dataclass(frozen=True, slots=True)
class DiscountTable:
    """Discount factors for whole days from the valuation date.

    Attributes
    ----------
    valuation_date : datetime.date
        Day 0.
    factors : numpy.ndarray
        ``factors[d]`` is the discount factor for day ``d`` (calendar days, Actual/365 Fixed).
    """

    valuation_date: dt.date
    factors: np.ndarray

    def discount(self, days: np.ndarray | int) -> np.ndarray:
        """Discount factors for whole calendar days from the valuation date.

        Days beyond the table are extended at the table's last zero rate (flat).
        """
        days = np.asarray(days, dtype=np.int64)
        last = len(self.factors) - 1
        inside = np.minimum(np.maximum(days, 0), last)
        out = self.factors[inside]
        beyond = days > last
        if np.any(beyond):
            rate = -math.log(self.factors[last]) / (last / DAYS_PER_YEAR)
            out = np.where(beyond, np.exp(-rate * days / DAYS_PER_YEAR), out)
        return out

    def zero_rate(self, days: np.ndarray | int) -> np.ndarray:
        """Continuously compounded zero rates (Actual/365 Fixed) for whole days > 0."""
        days = np.asarray(days, dtype=np.float64)
        return -np.log(self.discount(days.astype(np.int64))) / (days / DAYS_PER_YEAR)


def build_discount_table(
    valuation_date: dt.date,
    zero_rates: Mapping[str, float],
    max_days: int,
    shift: float = 0.0,
) -> DiscountTable:
    """Build the curve with QuantLib and sample its discount factors for days 0..max_days.

    Parameters
    ----------
    valuation_date : datetime.date
        Reference date of the curve.
    zero_rates : mapping of str to float
        Tenor ("1M", "1Y", ...) to continuously compounded zero rate, Actual/365 Fixed;
        tenors increasing (checked where assumptions are loaded).
    max_days : int
        Last day to sample (inclusive).
    shift : float
        Parallel shift added to every zero rate (for rate stresses), as a decimal.

    Returns
    -------
    DiscountTable
    """
    items = sorted(zero_rates.items(), key=lambda kv: tenor_days(kv[0]))
    with quantlib_at(valuation_date) as today:
        cal = china_calendar("SSE")
        dates = [today]
        rates = [items[0][1] + shift]
        for tenor, rate in items:
            pillar = cal.advance(today, ql.Period(tenor.strip().upper()), ql.ModifiedFollowing)
            if pillar > dates[-1]:
                dates.append(pillar)
                rates.append(rate + shift)
        # A pillar past the last day sampled, at the last rate, makes the extrapolation
        # flat; no further, so that t0 + the longest tenor is the last date QuantLib needs.
        dates.append(max(dates[-1], today + int(max_days)) + 1)
        rates.append(rates[-1])
        curve = ql.ZeroCurve(dates, rates, ql.Actual365Fixed(), cal, ql.Linear(), ql.Continuous)
        factors = np.fromiter(
            (curve.discount(today + d) for d in range(max_days + 1)),
            dtype=np.float64,
            count=max_days + 1,
        )
    return DiscountTable(valuation_date, factors)


def quantlib_curve(table: DiscountTable, today: ql.Date, last_day: int) -> ql.YieldTermStructure:
    """QuantLib discount curve through the table's daily factors, days 0..last_day.

    Call inside :func:`finance._ql.quantlib_at`: the curve is QuantLib's and must not leave
    the locked block. Log-linear between daily nodes, so it reproduces the table exactly on
    whole days; beyond the last one it continues at the last daily forward rate.
    """
    days = np.arange(last_day + 1)
    curve = ql.DiscountCurve(
        [today + int(d) for d in days], table.discount(days).tolist(), ql.Actual365Fixed()
    )
    curve.enableExtrapolation()
    return curve
