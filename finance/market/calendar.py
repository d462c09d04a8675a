"""China business-day calendar: QuantLib's SSE calendar plus a shipped holiday supplement.

QuantLib 1.44 carries Chinese holidays up to 2026 only; from 2027 on it knows weekends and
1 January. ``data/china_holidays_supplement.csv`` fills the gap. Each row is a date, a
``kind`` (``holiday``: a weekday the market is closed; ``workday``: a make-up weekend
working day, a business day in the interbank (IB) calendar only, since exchanges never
open on weekends), a name, a ``status`` (``provisional`` until the State Council's notice
for that year is out, then ``official``) and a source.

To update it when the State Council publishes a year's schedule (usually in November or
December of the year before): add one row per weekday holiday and per make-up working
Saturday or Sunday, mark them ``official``, and run the tests (``tests/test_calendar.py``
checks the file). When a QuantLib release adds that year itself, the rows are harmless.

The supplement is applied once, under the QuantLib lock, to both the SSE and IB
calendars: QuantLib stores added holidays in state shared by every instance of a market.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import QuantLib as ql

from finance._ql import from_ql_date, quantlib_lock, to_ql_date
from finance.errors import InputError, Problem
from finance.paths import DATA_DIR

HOLIDAY_SUPPLEMENT = DATA_DIR / "china_holidays_supplement.csv"


@dataclass(frozen=True, slots=True)
class SupplementDay:
    """One row of the holiday supplement."""

    date: dt.date
    kind: str
    name: str
    status: str


def read_supplement(path: Path = HOLIDAY_SUPPLEMENT) -> tuple[SupplementDay, ...]:
    """Read and check the holiday supplement.

    Raises
    ------
    InputError
        For a bad date, an unknown kind or status, a holiday on a weekend or a make-up
        working day on a weekday, each with its row.
    """
    problems: list[Problem] = []
    days: list[SupplementDay] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                day = dt.date.fromisoformat(row["date"].strip())
            except (ValueError, AttributeError):
                problems.append(Problem(path.name, "not a date YYYY-MM-DD", row_no, "date"))
                continue
            kind, status = row["kind"].strip(), row["status"].strip()
            if kind not in ("holiday", "workday"):
                problems.append(
                    Problem(path.name, "kind must be holiday or workday", row_no, "kind")
                )
            elif (kind == "holiday") == (day.weekday() >= 5):
                what = "a holiday on a weekend" if kind == "holiday" else "a workday on a weekday"
                problems.append(Problem(path.name, f"{day} is {what}", row_no, "date"))
            if status not in ("provisional", "official"):
                problems.append(
                    Problem(path.name, "status must be provisional or official", row_no, "status")
                )
            days.append(SupplementDay(day, kind, row["name"].strip(), status))
    if problems:
        raise InputError(problems)
    return tuple(days)


_applied = False


def _apply_supplement() -> None:
    global _applied
    with quantlib_lock():
        if _applied:
            return
        for day in read_supplement():
            qd = to_ql_date(day.date)
            if day.kind == "holiday":
                ql.China(ql.China.SSE).addHoliday(qd)
                ql.China(ql.China.IB).addHoliday(qd)
            else:
                ql.China(ql.China.IB).removeHoliday(qd)
        _applied = True


def china_calendar(market: str = "SSE") -> ql.Calendar:
    """Return QuantLib's China calendar with the supplement applied.

    Call it inside :func:`finance._ql.quantlib_at` or ``quantlib_lock``: the object is
    QuantLib's and must not leave the locked block.

    Parameters
    ----------
    market : {"SSE", "IB"}
        Shanghai Stock Exchange (default; closed on weekends) or the interbank market
        (open on make-up working weekends).
    """
    _apply_supplement()
    return ql.China(ql.China.SSE if market == "SSE" else ql.China.IB)


def is_business_day(day: dt.date, market: str = "SSE") -> bool:
    """Return whether ``day`` is a business day in the China calendar."""
    with quantlib_lock():
        return bool(china_calendar(market).isBusinessDay(to_ql_date(day)))


def adjust(day: dt.date, market: str = "SSE") -> dt.date:
    """Roll ``day`` to a business day, modified following."""
    with quantlib_lock():
        cal = china_calendar(market)
        return from_ql_date(cal.adjust(to_ql_date(day), ql.ModifiedFollowing))


def business_days_between(start: dt.date, end: dt.date, market: str = "SSE") -> int:
    """Count business days in ``[start, end)``."""
    with quantlib_lock():
        cal = china_calendar(market)
        return int(cal.businessDaysBetween(to_ql_date(start), to_ql_date(end), True, False))


def month_offsets(valuation_date: dt.date, months: int) -> np.ndarray:
    """Calendar days from t0 to t0 + m months for m = 0..months (QuantLib date arithmetic).

    Month ends are not rolled to business days: goods sell on any day. QuantLib keeps the
    day of month, moving to the month's last day when it has none (31 Jan + 1M = 28 Feb).
    """
    with quantlib_lock():
        start = to_ql_date(valuation_date)
        return np.array(
            [(start + ql.Period(m, ql.Months)) - start for m in range(months + 1)], dtype=np.int64
        )


def payment_dates(start: dt.date, months: int, period_months: int) -> list[dt.date]:
    """Dates of a payment schedule: ``start``, then every ``period_months`` to ``months``.

    A QuantLib schedule generated forward from ``start`` on the China (SSE) calendar,
    modified following, the maturity rolled the same way; a short last period when
    ``months`` is not a multiple of ``period_months``.

    Returns
    -------
    list of datetime.date
        ``start`` (unadjusted) first, then each payment date.
    """
    with quantlib_lock():
        cal = china_calendar("SSE")
        first = to_ql_date(start)
        schedule = ql.MakeSchedule(
            first,
            first + ql.Period(months, ql.Months),
            ql.Period(period_months, ql.Months),
            calendar=cal,
            convention=ql.ModifiedFollowing,
            terminalDateConvention=ql.ModifiedFollowing,
            rule=ql.DateGeneration.Forward,
        )
        dates = [from_ql_date(d) for d in schedule]
    return [start, *dates[1:]]


def monitoring_dates(start: dt.date, end: dt.date, every_business_days: int) -> list[dt.date]:
    """Business days every ``every_business_days`` from ``start``, strictly before ``end``.

    The dates on which a lender revalues the collateral (China SSE calendar).
    """
    with quantlib_lock():
        cal = china_calendar("SSE")
        first, last = to_ql_date(start), to_ql_date(end)
        dates = []
        step = 1
        while (day := cal.advance(first, step * every_business_days, ql.Days)) < last:
            dates.append(from_ql_date(day))
            step += 1
    return dates
