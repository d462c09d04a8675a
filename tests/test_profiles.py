"""Tests of finance/profiles.py: the value-decay table and the haircut profile.

Every expected figure is worked out here from the formulas (MODEL.md sections 2 and 5) on
lots built by hand; nothing is read back from the code under test.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from statistics import NormalDist

import numpy as np
import pytest
from conftest import SECTION_6, T0, lot_frame, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.risk.profiles import ALL, CONFIDENCES, HORIZONS_DAYS, haircut_profile, value_decay

DECAY_COLUMNS = [
    "category",
    "month",
    "date",
    "days",
    "market_value",
    "expected_value",
    "erosion_loss",
    "markdown_loss",
    "expiry_loss",
    "aging_loss",
]
PROFILE_COLUMNS = ["category", "horizon_days", "confidence", "haircut", "eligible_value"]
LOSSES = ["erosion_loss", "markdown_loss", "expiry_loss", "aging_loss"]


def add_months(day: dt.date, months: int) -> dt.date:
    """t0 + m months as QuantLib does it: same day of month, or the month's last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rows_of(table, category):
    return table[table["category"] == category].set_index("month")


# --------------------------------------------------------------------------- value decay
def test_columns_and_one_row_per_category_and_month():
    a = make_assumptions(horizon_months=5)
    table = value_decay(lot_frame({}), a)
    assert list(table.columns) == DECAY_COLUMNS
    # every category of the table, months 0..horizon_months, sorted by category then month
    assert len(table) == len(a.categories) * 6
    assert list(table["category"].drop_duplicates()) == sorted(a.categories)
    for _, group in table.groupby("category"):
        assert list(group["month"]) == list(range(6))
    # a category without lots is all zeros
    assert (rows_of(table, "copper")[["market_value", "expected_value", *LOSSES]] == 0).all().all()


def test_months_argument_overrides_the_horizon():
    table = value_decay(lot_frame({}), make_assumptions(horizon_months=24), months=3)
    assert list(rows_of(table, "generic").index) == [0, 1, 2, 3]


def test_erosion_only_at_quantlib_month_ends():
    # generic: erosion 0.10, no markdown, no expiry, no aging reserve. Two lots: MV 1000 at
    # the category's erosion, MV 500 with a lot override of 0.30.
    a = make_assumptions(horizon_months=12, categories={"generic": SECTION_6})
    frame = lot_frame({}, {"quantity": 50.0, "erosion": 0.30})
    g = rows_of(value_decay(frame, a), "generic")
    for m in range(13):
        day = add_months(T0, m)
        t = (day - T0).days
        row = g.loc[m]
        assert row["date"] == day
        assert row["days"] == t
        expected = 1000 * math.exp(-0.10 * t / 365) + 500 * math.exp(-0.30 * t / 365)
        assert row["market_value"] == pytest.approx(1500.0, rel=1e-15)
        assert row["expected_value"] == pytest.approx(expected, rel=1e-12)
        assert row["erosion_loss"] == pytest.approx(1500 - expected, rel=1e-12, abs=1e-12)
        assert row["markdown_loss"] == 0.0
        assert row["expiry_loss"] == 0.0
    # t0 = 2026-11-24: 24 Dec is day 30, 24 Jan day 61, 24 Feb day 92, 24 Nov 2027 day 365
    assert list(g["days"].iloc[[0, 1, 2, 3, 12]]) == [0, 30, 61, 92, 365]


def test_month_ends_clamp_to_the_last_day_of_a_short_month():
    # From 31 January: 28 Feb, 31 Mar, 30 Apr, ... and 29 Feb 2028 (leap year).
    a = make_assumptions(valuation_date=dt.date(2027, 1, 31), horizon_months=13)
    g = rows_of(value_decay(lot_frame({}), a), "generic")
    assert g.loc[1, "date"] == dt.date(2027, 2, 28)
    assert g.loc[2, "date"] == dt.date(2027, 3, 31)
    assert g.loc[3, "date"] == dt.date(2027, 4, 30)
    assert g.loc[13, "date"] == dt.date(2028, 2, 29)
    for m in range(14):
        assert g.loc[m, "days"] == (add_months(dt.date(2027, 1, 31), m) - dt.date(2027, 1, 31)).days


def test_markdown_step_at_a_season_end_inside_the_window():
    # Season ends 15 Dec (day 21) and 30 Jun (day 218), markdown 30%, erosion 10%:
    # EV = MV e^(-0.1 t) 0.7^n(t), n(t) = season ends in (t0, t0 + t].
    a = make_assumptions(
        horizon_months=12,
        categories={"generic": {"markdown": 0.3, "season_ends": ["12-15", "06-30"], **SECTION_6}},
    )
    g = rows_of(value_decay(lot_frame({}), a), "generic")
    season_ends = [dt.date(2026, 12, 15), dt.date(2027, 6, 30)]
    for m in range(13):
        day = add_months(T0, m)
        t = (day - T0).days
        n = sum(T0 < s <= day for s in season_ends)
        eroded = 1000 * math.exp(-0.1 * t / 365)
        row = g.loc[m]
        assert row["expected_value"] == pytest.approx(eroded * 0.7**n, rel=1e-12)
        assert row["erosion_loss"] == pytest.approx(1000 - eroded, rel=1e-12, abs=1e-12)
        assert row["markdown_loss"] == pytest.approx(eroded * (1 - 0.7**n), rel=1e-12, abs=1e-12)
        assert row["expiry_loss"] == 0.0
    # the step: none at t0, one from December on, two from July on
    assert g.loc[0, "markdown_loss"] == 0.0
    assert g.loc[1, "markdown_loss"] == pytest.approx(1000 * math.exp(-0.1 * 30 / 365) * 0.3)
    # 24 Jun (day 212), before the 30 Jun season end: one markdown; 24 Jul (day 242): two
    assert g.loc[7, "markdown_loss"] == pytest.approx(
        1000 * math.exp(-0.1 * 212 / 365) * 0.3, rel=1e-12
    )
    assert g.loc[8, "expected_value"] == pytest.approx(
        1000 * math.exp(-0.1 * 242 / 365) * 0.49, rel=1e-12
    )


def test_season_end_on_a_month_end_counts_that_month():
    # A season end on 24 Dec, the first month end itself: (t0, t0 + 30] includes it.
    a = make_assumptions(
        horizon_months=2,
        categories={"generic": {"erosion": 0.0, "markdown": 0.25, "season_ends": ["12-24"]}},
    )
    g = rows_of(value_decay(lot_frame({}), a), "generic")
    assert list(g["expected_value"]) == pytest.approx([1000.0, 750.0, 750.0], rel=1e-15)
    assert list(g["markdown_loss"]) == pytest.approx([0.0, 250.0, 250.0], rel=1e-15)


def test_expiring_lot_falls_to_salvage():
    # food: erosion 0.05, salvage 0.05, shelf life 365 days. Lot A expires 10 Jan 2027
    # (day 47): full value at month 1 (day 30), salvage from month 2 (day 61). Lot B has no
    # expiry date: received 10 days before t0, so it expires on day 355 (month 12, day 365).
    frame = lot_frame(
        {"category": "food", "expiry_date": "2027-01-10"},
        {"category": "food", "quantity": 200.0},
    )
    f = rows_of(value_decay(frame, make_assumptions(horizon_months=12)), "food")
    for m in range(13):
        t = int(f.loc[m, "days"])
        eroded = math.exp(-0.05 * t / 365)
        s_a = 0.05 if t >= 47 else 1.0
        s_b = 0.05 if t >= 355 else 1.0
        expected = 1000 * eroded * s_a + 2000 * eroded * s_b
        assert f.loc[m, "expected_value"] == pytest.approx(expected, rel=1e-12)
        assert f.loc[m, "expiry_loss"] == pytest.approx(
            1000 * eroded * (1 - s_a) + 2000 * eroded * (1 - s_b), rel=1e-12, abs=1e-12
        )
        assert f.loc[m, "markdown_loss"] == 0.0
    assert f.loc[1, "expiry_loss"] == 0.0
    assert f.loc[2, "expiry_loss"] == pytest.approx(1000 * math.exp(-0.05 * 61 / 365) * 0.95)
    assert f.loc[11, "days"] == 334
    assert f.loc[12, "expiry_loss"] == pytest.approx(
        3000 * math.exp(-0.05 * 365 / 365) * 0.95, rel=1e-12
    )


def test_already_expired_lot_is_at_salvage_from_month_zero():
    frame = lot_frame({"category": "food", "expiry_date": "2026-11-01"})
    f = rows_of(value_decay(frame, make_assumptions(horizon_months=1)), "food")
    assert f.loc[0, "expected_value"] == pytest.approx(1000 * 0.05, rel=1e-15)
    assert f.loc[0, "expiry_loss"] == pytest.approx(1000 * 0.95, rel=1e-15)


def test_an_expiry_on_a_month_end_counts_that_month():
    # S(t) = salvage from the expiry day on (t >= expiry), as in the price model.
    frame = lot_frame({"category": "food", "expiry_date": "2026-12-24"})
    f = rows_of(value_decay(frame, make_assumptions(horizon_months=1)), "food")
    assert f.loc[1, "expected_value"] == pytest.approx(
        1000 * math.exp(-0.05 * 30 / 365) * 0.05, rel=1e-12
    )


SEASONS = st.lists(st.sampled_from(["01-31", "02-28", "06-30", "08-31", "11-25", "12-24"]))


@st.composite
def decay_case(draw):
    """A few lots over three categories with random markdowns, salvage and expiries."""
    categories = {
        "generic": {
            "markdown": draw(st.floats(0.0, 1.0)),
            "season_ends": draw(SEASONS),
            "salvage": draw(st.floats(0.0, 1.0)),
            "shelf_life_days": draw(st.integers(0, 800)),
        },
        "apparel": {"markdown": draw(st.floats(0.0, 1.0)), "season_ends": draw(SEASONS)},
    }
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = {
            "category": draw(st.sampled_from(["generic", "apparel", "food"])),
            "quantity": draw(st.floats(0.5, 1e5)),
            "unit_price": draw(st.floats(0.0, 1e4)),
            "age_days": float(draw(st.integers(0, 500))),
        }
        if draw(st.booleans()):
            row["erosion"] = draw(st.floats(0.0, 3.0))
        if draw(st.booleans()):
            expiry = T0 + dt.timedelta(days=draw(st.integers(-30, 800)))
            row["expiry_date"] = expiry.isoformat()
        rows.append(row)
    months = draw(st.integers(0, 30))
    return lot_frame(*rows), make_assumptions(categories=categories), months


@settings(max_examples=60, deadline=None)
@given(decay_case())
def test_losses_add_up_to_the_fall_in_value(case):
    frame, a, months = case
    table = value_decay(frame, a, months)
    mv = frame["quantity"] * frame["unit_price"]
    scale = float(mv.sum()) + 1.0
    parts = table[LOSSES].sum(axis=1)
    np.testing.assert_allclose(
        parts, table["market_value"] - table["expected_value"], rtol=0, atol=1e-9 * scale
    )
    assert (table[LOSSES] >= 0).all().all()
    assert (table["expected_value"] <= table["market_value"] * (1 + 1e-12)).all()
    # today's value per category is constant over the months, and sums to the stock's MV
    assert table.groupby("category")["market_value"].nunique().max() == 1
    assert table[table["month"] == 0]["market_value"].sum() == pytest.approx(float(mv.sum()))
    # nothing comes back: expected value never rises from one month end to the next
    for _, group in table.groupby("category"):
        ev = group["expected_value"].to_numpy()
        assert (np.diff(ev) <= 1e-9 * scale).all()


# ------------------------------------------------------------------------ haircut profile
Z = NormalDist().inv_cdf


def closed_form(sigma, days, alpha, factor, orderly):
    """h = 1 - F(H) exp(-sigma^2 H / 2 + z_(1-alpha) sigma sqrt(H)) (1 - d_o), H = days/365."""
    h = days / 365
    return 1 - factor * math.exp(-(sigma**2) * h / 2 + Z(1 - alpha) * sigma * math.sqrt(h)) * (
        1 - orderly
    )


def test_profile_columns_and_grid():
    table = haircut_profile(lot_frame({}), make_assumptions())
    assert list(table.columns) == PROFILE_COLUMNS
    # one category with eligible value, plus "all", for every horizon and confidence
    assert len(table) == 2 * len(HORIZONS_DAYS) * len(CONFIDENCES)
    assert set(table["category"]) == {"generic", ALL}
    assert set(table["horizon_days"]) == set(HORIZONS_DAYS)
    assert set(table["confidence"]) == set(CONFIDENCES)


def test_single_category_equals_the_closed_form():
    # generic: sigma 0.20, erosion 0.10, d_o 0.30, no markdown, no expiry.
    table = haircut_profile(lot_frame({}, {"quantity": 30.0}), make_assumptions())
    assert len(table) == 2 * len(HORIZONS_DAYS) * len(CONFIDENCES)
    for row in table.itertuples():
        factor = math.exp(-0.10 * row.horizon_days / 365)
        expected = closed_form(0.20, row.horizon_days, row.confidence, factor, 0.30)
        assert row.haircut == pytest.approx(expected, rel=1e-12)
        assert row.eligible_value == pytest.approx(1300.0)


def test_closed_form_counts_markdowns_and_expiry_up_to_the_horizon():
    # generic with a 30% markdown on 15 Dec (day 21); food lot expiring on day 100 (eligible:
    # not before t0 + 14 + 30) falls to salvage 0.05 for horizons of 100 days and more.
    a = make_assumptions(categories={"generic": {"markdown": 0.3, "season_ends": ["12-15"]}})
    expiry = (T0 + dt.timedelta(days=100)).isoformat()
    frame = lot_frame({}, {"category": "food", "expiry_date": expiry})
    table = haircut_profile(frame, a, horizons_days=(14, 21, 30, 99, 100, 180), confidences=(0.99,))
    by = table.set_index(["category", "horizon_days"])["haircut"]
    for h in (14, 21, 30, 99, 100, 180):
        marks = 0.7 if h >= 21 else 1.0
        generic = closed_form(0.20, h, 0.99, math.exp(-0.10 * h / 365) * marks, 0.30)
        salvage = 0.05 if h >= 100 else 1.0
        food = closed_form(0.10, h, 0.99, math.exp(-0.05 * h / 365) * salvage, 0.25)
        assert by[("generic", h)] == pytest.approx(generic, rel=1e-12)
        assert by[("food", h)] == pytest.approx(food, rel=1e-12)
        assert by[(ALL, h)] == pytest.approx((generic + food) / 2, rel=1e-12)


def test_lot_volatility_override_within_a_category_is_value_weighted():
    frame = lot_frame({}, {"quantity": 300.0, "sigma": 0.5})
    table = haircut_profile(frame, make_assumptions(), horizons_days=(45,), confidences=(0.95,))
    factor = math.exp(-0.10 * 45 / 365)
    expected = (
        1000 * closed_form(0.2, 45, 0.95, factor, 0.3)
        + 3000 * closed_form(0.5, 45, 0.95, factor, 0.3)
    ) / 4000
    generic = table[table["category"] == "generic"].iloc[0]
    assert generic["haircut"] == pytest.approx(expected, rel=1e-12)
    assert generic["eligible_value"] == pytest.approx(4000.0)


def test_ineligible_lots_carry_no_weight():
    a = make_assumptions()
    clean = haircut_profile(lot_frame({}), a)
    frame = lot_frame(
        {},
        {"quantity": 1e4, "sigma": 1.5, "damaged": True},  # generic, ineligible
        {"quantity": 1e4, "age_days": 400.0},  # generic, aged (limit 360 days)
        {"category": "copper", "encumbered": True},  # the only copper lot: ineligible
        {"category": "food", "expiry_date": "2026-12-20"},  # near expiry (26 < 14 + 30 days)
    )
    dirty = haircut_profile(frame, a)
    assert set(dirty["category"]) == {"generic", ALL}
    np.testing.assert_allclose(dirty["haircut"], clean["haircut"], rtol=1e-14)
    np.testing.assert_allclose(dirty["eligible_value"], 1000.0)


def test_no_eligible_value_leaves_only_an_empty_all_row():
    table = haircut_profile(
        lot_frame({"damaged": True}), make_assumptions(), horizons_days=(30,), confidences=(0.99,)
    )
    assert list(table["category"]) == [ALL]
    assert table["eligible_value"].iloc[0] == 0.0
    assert math.isnan(table["haircut"].iloc[0])


def test_all_row_is_the_eligible_value_weighted_mean():
    frame = lot_frame(
        {},  # generic 1000
        {"category": "copper", "quantity": 300.0},  # copper 3000
        {"category": "apparel", "quantity": 50.0},  # apparel 500
        {"category": "apparel", "consigned": True, "quantity": 1e4},  # no weight
    )
    table = haircut_profile(frame, make_assumptions())
    for (h, alpha), group in table.groupby(["horizon_days", "confidence"]):
        cats = group[group["category"] != ALL].set_index("category")
        total = group[group["category"] == ALL].iloc[0]
        assert dict(cats["eligible_value"]) == pytest.approx(
            {"generic": 1000.0, "copper": 3000.0, "apparel": 500.0}
        )
        assert total["eligible_value"] == pytest.approx(4500.0)
        weighted = (cats["haircut"] * cats["eligible_value"]).sum() / 4500.0
        assert total["haircut"] == pytest.approx(weighted, rel=1e-12)
        # copper: sigma 0.22, no erosion, d_o 0.03
        assert cats.loc["copper", "haircut"] == pytest.approx(
            closed_form(0.22, h, alpha, 1.0, 0.03), rel=1e-12
        )


@st.composite
def profile_case(draw):
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row = {
            "category": draw(st.sampled_from(["generic", "apparel", "food", "copper"])),
            "quantity": draw(st.floats(1.0, 1e4)),
            "unit_price": draw(st.floats(0.01, 1e3)),
        }
        if draw(st.booleans()):
            row["sigma"] = draw(st.floats(0.0, 2.0))
        if draw(st.booleans()):
            row["erosion"] = draw(st.floats(0.0, 2.0))
        if draw(st.booleans()):
            row["expiry_date"] = (T0 + dt.timedelta(days=draw(st.integers(60, 400)))).isoformat()
        rows.append(row)
    horizons = sorted(draw(st.sets(st.integers(1, 400), min_size=2, max_size=5)))
    confidences = sorted(draw(st.sets(st.floats(0.51, 0.9999), min_size=2, max_size=4)))
    return lot_frame(*rows), horizons, confidences


@settings(max_examples=60, deadline=None)
@given(profile_case())
def test_haircut_rises_with_horizon_and_confidence(case):
    frame, horizons, confidences = case
    table = haircut_profile(frame, make_assumptions(), horizons, confidences)
    # a stock with no eligible lot (e.g. one expiring within the liquidation horizon) has
    # only "all" rows, without a haircut
    table = table[table["eligible_value"] > 0]
    assert table["haircut"].between(0.0, 1.0).all()
    for _, group in table.groupby("category"):
        grid = group.pivot(index="horizon_days", columns="confidence", values="haircut")
        grid = grid.sort_index().sort_index(axis=1).to_numpy()
        assert (np.diff(grid, axis=0) >= -1e-12).all()  # longer horizon
        assert (np.diff(grid, axis=1) >= -1e-12).all()  # higher confidence


def test_the_aging_reserve_takes_its_bucket_as_the_stock_ages():
    # generic: no markdown; erosion 0 and reserves [0, 10%, 30%, 50%, 80%] here. A lot aged
    # 80 days is in the 91-180 bucket from day 11 on: month 1 (day 30+) keeps 90%; aged
    # 175 days it crosses 180 within the first month and keeps 70% from month 1 on.
    a = make_assumptions(
        categories={"generic": {"erosion": 0.0, "aging_reserve": [0.0, 0.1, 0.3, 0.5, 0.8]}}
    )
    for age, kept in ((80.0, 0.9), (175.0, 0.7)):
        f = value_decay(lot_frame({"age_days": age}), a, months=2)
        f = f[f["category"] == "generic"].set_index("month")
        assert f.loc[0, "aging_loss"] == pytest.approx(1000 * (0.0 if age <= 90 else 0.1))
        assert f.loc[1, "expected_value"] == pytest.approx(1000 * kept)
        assert f.loc[1, "aging_loss"] == pytest.approx(1000 * (1 - kept))
