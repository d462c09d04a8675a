"""Tests of the China calendar (finance/calendar.py, data/china_holidays_supplement.csv)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import QuantLib as ql

from finance.errors import InputError
from finance.market import calendar
from finance.market.calendar import (
    HOLIDAY_SUPPLEMENT,
    adjust,
    business_days_between,
    china_calendar,
    is_business_day,
    month_offsets,
    read_supplement,
)
from finance.market.curve import build_discount_table

D = dt.date
MARKETS = ("SSE", "IB")


# ---------------------------------------------------------------------------- supplement


def test_supplement_file_is_valid():
    days = read_supplement()
    assert len(days) == 17  # rows of data/china_holidays_supplement.csv
    dates = [d.date for d in days]
    assert len(set(dates)) == len(dates), "a date is listed twice"
    assert dates == sorted(dates)
    # QuantLib 1.44 knows China up to 2026: the supplement starts where it stops.
    assert min(dates) > D(2026, 12, 31)
    for day in days:
        assert day.kind in ("holiday", "workday")
        assert day.status in ("provisional", "official")
        assert day.name
        # A holiday is a weekday; a make-up working day is a weekend day.
        assert (day.date.weekday() >= 5) == (day.kind == "workday")


def test_supplement_file_has_a_source_for_every_row():
    lines = HOLIDAY_SUPPLEMENT.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,kind,name,status,source"
    for line in lines[1:]:
        assert line.split(",", 4)[4].strip(), line


def test_bad_supplement_reports_every_row(tmp_path):
    path = tmp_path / "supplement.csv"
    path.write_text(
        "date,kind,name,status,source\n"
        "2027-13-01,holiday,x,official,s\n"  # row 2: no such date
        "2027-10-02,holiday,x,official,s\n"  # row 3: a Saturday holiday
        "2027-10-08,workday,x,official,s\n"  # row 4: a Friday make-up day
        "2027-10-04,vacation,x,maybe,s\n",  # row 5: bad kind and bad status
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_supplement(path)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "date"),
        (3, "date"),
        (4, "date"),
        (5, "kind"),
        (5, "status"),
    ]


@pytest.mark.parametrize("market", MARKETS)
def test_every_supplement_holiday_is_closed(market):
    for day in read_supplement():
        if day.kind == "holiday":
            assert not is_business_day(day.date, market), day


# ---------------------------------------------------------------------------- business days


@pytest.mark.parametrize("market", MARKETS)
@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (D(2027, 10, 4), False),  # National Day 2027, Monday (supplement)
        (D(2027, 2, 8), False),  # Spring Festival 2027, Monday (supplement)
        (D(2027, 10, 8), True),  # Friday after National Day
        (D(2026, 10, 1), False),  # National Day 2026, from QuantLib
        (D(2026, 10, 9), True),  # Friday after National Day 2026, from QuantLib
        (D(2026, 11, 24), True),  # the valuation date, a Tuesday
        (D(2027, 1, 1), False),  # New Year
    ],
)
def test_is_business_day(market, day, open_):
    assert is_business_day(day, market) is open_


@pytest.mark.parametrize(
    ("day", "sse", "ib"),
    [
        (D(2026, 10, 10), False, True),  # Saturday make-up working day, QuantLib's IB data
        (D(2026, 9, 20), False, True),  # Sunday make-up working day
        (D(2026, 10, 11), False, False),  # an ordinary Sunday
    ],
)
def test_make_up_working_days_only_in_interbank(day, sse, ib):
    assert is_business_day(day, "SSE") is sse
    assert is_business_day(day, "IB") is ib


def test_supplement_is_on_the_quantlib_calendars_themselves():
    china_calendar()
    # QuantLib stores added holidays per market, so a fresh calendar object sees them too.
    for market in (ql.China.SSE, ql.China.IB):
        cal = ql.China(market)
        assert not cal.isBusinessDay(ql.Date(4, 10, 2027))
        assert not cal.isBusinessDay(ql.Date(8, 2, 2027))
        assert cal.isBusinessDay(ql.Date(9, 10, 2026))


def test_applying_the_supplement_twice_changes_nothing():
    before = [is_business_day(D(2027, 10, d)) for d in range(1, 12)]
    calendar._apply_supplement()
    china_calendar("IB")
    assert [is_business_day(D(2027, 10, d)) for d in range(1, 12)] == before


@pytest.mark.parametrize(
    ("start", "end", "market", "expected"),
    [
        # Tue 24 Nov .. Mon 30 Nov 2026: Tue Wed Thu Fri Mon
        (D(2026, 11, 24), D(2026, 12, 1), "SSE", 5),
        # 30 Sep, then 1-7 Oct closed, Thu 8, Fri 9; Sat 10 open in IB only
        (D(2026, 9, 30), D(2026, 10, 12), "SSE", 3),
        (D(2026, 9, 30), D(2026, 10, 12), "IB", 4),
        # Fri 1 Oct 2027 and 4-7 Oct closed: only Fri 8 Oct
        (D(2027, 10, 1), D(2027, 10, 11), "SSE", 1),
        # Fri 5 Feb 2027 and 8-12 Feb closed: Mon 1 .. Thu 4 and Mon 15
        (D(2027, 2, 1), D(2027, 2, 16), "SSE", 5),
        # the end is excluded, the start included
        (D(2026, 11, 24), D(2026, 11, 24), "SSE", 0),
        (D(2026, 11, 24), D(2026, 11, 25), "SSE", 1),
    ],
)
def test_business_days_between(start, end, market, expected):
    assert business_days_between(start, end, market) == expected


@pytest.mark.parametrize(
    ("day", "market", "expected"),
    [
        (D(2026, 11, 24), "SSE", D(2026, 11, 24)),  # a business day stays
        (D(2027, 10, 1), "SSE", D(2027, 10, 8)),  # over the National Day week
        (D(2027, 2, 5), "SSE", D(2027, 2, 15)),  # over Spring Festival and two weekends
        (D(2027, 5, 1), "SSE", D(2027, 5, 6)),  # Sat, then Labour Day 3-5 May
        (D(2026, 10, 31), "SSE", D(2026, 10, 30)),  # Sat at month end: back to Fri
        (D(2027, 1, 31), "SSE", D(2027, 1, 29)),  # Sun at month end: back to Fri
        (D(2026, 10, 10), "SSE", D(2026, 10, 12)),  # Sat: Mon on the exchange
        (D(2026, 10, 10), "IB", D(2026, 10, 10)),  # a working Saturday in the interbank market
    ],
)
def test_adjust_modified_following(day, market, expected):
    assert adjust(day, market) == expected


# ---------------------------------------------------------------------------- month offsets


def test_month_offsets_month_end_by_hand():
    # 31 Jan 2027 + 1M = 28 Feb (28 days), + 2M = 31 Mar (59), + 3M = 30 Apr (89)
    assert month_offsets(D(2027, 1, 31), 3).tolist() == [0, 28, 59, 89]
    # 31 Aug 2027 + 6M = 29 Feb 2028, a leap day: 30+31+30+31+31+29 = 182
    assert month_offsets(D(2027, 8, 31), 6)[-1] == 182


def test_month_offsets_zero_months():
    out = month_offsets(D(2026, 11, 24), 0)
    assert out.tolist() == [0]
    assert out.dtype == np.int64


@pytest.mark.parametrize(
    "start",
    [D(2026, 11, 24), D(2027, 1, 31), D(2027, 1, 29), D(2026, 12, 31), D(2027, 8, 31)],
)
def test_month_offsets_match_quantlib_date_arithmetic(start):
    months = 30
    q0 = ql.Date(start.day, start.month, start.year)
    expected = [
        (q0 + ql.Period(m, ql.Months)).serialNumber() - q0.serialNumber() for m in range(31)
    ]
    got = month_offsets(start, months)
    assert got.tolist() == expected
    assert np.all(np.diff(got) >= 28)


def test_month_offsets_do_not_roll_to_business_days():
    # 24 Nov 2026 + 11M = Sun 24 Oct 2027: kept, not moved to Mon 25 Oct
    assert D(2027, 10, 24).weekday() == 6
    assert month_offsets(D(2026, 11, 24), 11)[-1] == (D(2027, 10, 24) - D(2026, 11, 24)).days


# ---------------------------------------------------------------------------- QuantLib state


CALLS = [
    lambda: china_calendar("SSE"),
    lambda: china_calendar("IB"),
    lambda: is_business_day(D(2027, 10, 4), "IB"),
    lambda: adjust(D(2027, 10, 1)),
    lambda: business_days_between(D(2026, 9, 30), D(2027, 10, 12)),
    lambda: month_offsets(D(2027, 1, 31), 24),
    lambda: build_discount_table(D(2026, 11, 24), {"1M": 0.01, "1Y": 0.02}, 400),
]


@pytest.mark.parametrize("call", CALLS)
def test_quantlib_evaluation_date_is_unchanged(call):
    settings = ql.Settings.instance()
    settings.evaluationDate = ql.Date(15, 1, 2001)  # anything but the valuation date
    before = settings.evaluationDate
    call()
    assert settings.evaluationDate == before
