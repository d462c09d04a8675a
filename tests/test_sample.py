"""Tests of the synthetic inventory generator and the shipped sample (finance/sample.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.inputs.categories import default_categories
from finance.inputs.sample import (
    COLUMNS,
    DATED_COLUMNS,
    generate_inventory,
    showcase_inventory,
    write_inventory,
)
from finance.paths import DATA_DIR

SAMPLE_CSV = DATA_DIR / "sample_inventory.csv"
MARGIN_DAYS = 14  # default margin period T_m of the assumptions, calendar days
VALUATION_DATE = dt.date(2026, 11, 24)

# The brief's price ranges, CNY ex-VAT per unit (written out here, not imported, so that a
# change in the generator's table has to be made on purpose in both places).
PRICE_BOUNDS = {
    "apparel": (80, 900),
    "electronics": (150, 6000),
    "food": (40, 400),
    "home_appliances": (1200, 8000),
    "auto_parts": (30, 2500),
    "steel": (3000, 4500),
    "copper": (70000, 82000),
    "generic": (20, 500),
}
CATEGORY_MIX = {
    "apparel": 0.25,
    "electronics": 0.20,
    "food": 0.12,
    "home_appliances": 0.15,
    "auto_parts": 0.15,
    "steel": 0.06,
    "copper": 0.04,
    "generic": 0.03,
}
UNITS = {
    "apparel": {"件"},
    "electronics": {"台", "件"},
    "food": {"箱"},
    "home_appliances": {"台"},
    "auto_parts": {"套", "件"},
    "steel": {"吨"},
    "copper": {"吨"},
    "generic": {"件", "箱"},
}
PREFIX = {
    "apparel": "APP",
    "electronics": "ELC",
    "food": "FOD",
    "home_appliances": "HAP",
    "auto_parts": "AUT",
    "steel": "STL",
    "copper": "COP",
    "generic": "GEN",
}
FLAGS = ["consigned", "in_transit", "damaged", "encumbered"]
REASONS = [
    "expired",
    "near_expiry",
    "aged",
    "consigned",
    "in_transit",
    "damaged",
    "encumbered",
    "no_price",
]
COMMODITIES = ("steel", "copper")


@pytest.fixture(scope="module")
def lots() -> pd.DataFrame:
    return generate_inventory(5000, seed=3)


@pytest.fixture(scope="module")
def showcase() -> pd.DataFrame:
    return showcase_inventory()


def _is_decimals(values: pd.Series, places: int) -> bool:
    scaled = values.to_numpy(dtype=float) * 10**places
    return bool(np.allclose(scaled, np.rint(scaled), rtol=0, atol=1e-6))


def check_invariants(frame: pd.DataFrame) -> None:
    """What every generated inventory satisfies, whatever its size and seed."""
    assert list(frame.columns) == list(COLUMNS)
    for column in ("sku", "description", "category", "warehouse", "unit"):
        assert pd.api.types.is_string_dtype(frame[column]), column
        assert frame[column].notna().all(), column
    for column in ("quantity", "unit_cost", "unit_price", "monthly_sales"):
        assert frame[column].dtype == np.float64, column
    assert frame["age_days"].dtype == np.int64
    for flag in FLAGS:
        assert frame[flag].dtype == bool, flag

    assert frame["sku"].is_unique
    assert set(frame["category"]) <= set(PRICE_BOUNDS)
    assert set(frame["category"]) <= set(default_categories())
    prefixes = frame["sku"].str.split("-").str[0]
    assert (prefixes == frame["category"].map(PREFIX)).all()
    assert frame["sku"].str.fullmatch(r"[A-Z]{3}-\d{6,}").all()

    for category, group in frame.groupby("category"):
        low, high = PRICE_BOUNDS[category]
        assert group["unit_price"].between(low, high).all(), category
        assert set(group["unit"]) <= UNITS[category], category

    assert (frame["quantity"] > 0).all()
    tonnes = frame["unit"] == "吨"
    assert _is_decimals(frame.loc[~tonnes, "quantity"], 0)
    assert _is_decimals(frame.loc[tonnes, "quantity"], 3)
    assert _is_decimals(frame["unit_price"], 2)
    assert _is_decimals(frame["unit_cost"], 2)
    assert (frame["unit_cost"] > 0).all()
    assert frame["age_days"].between(0, 900).all()
    sales = frame["monthly_sales"].dropna()
    assert (sales > 0).all()


def reasons(frame: pd.DataFrame) -> pd.Series:
    """First ineligibility reason per lot, written from MODEL.md section 4 and the table."""
    cats = default_categories()
    out = []
    for row in frame.itertuples():
        cat = cats[row.category]
        reason = ""
        if cat.shelf_life_days > 0:
            days_to_expiry = cat.shelf_life_days - row.age_days  # expiry = received + shelf life
            if days_to_expiry <= 0:
                reason = "expired"
            elif days_to_expiry < MARGIN_DAYS + cat.orderly_days:
                reason = "near_expiry"
        if not reason and row.age_days > cat.aging_limit_days:
            reason = "aged"
        if not reason:
            reason = next((f for f in FLAGS if getattr(row, f)), "")
        if not reason and row.unit_price == 0:
            reason = "no_price"
        out.append(reason)
    return pd.Series(out, index=frame.index)


# --- generate_inventory ----------------------------------------------------------------


def test_columns_dtypes_and_invariants(lots):
    assert len(lots) == 5000
    check_invariants(lots)


def test_category_mix(lots):
    shares = lots["category"].value_counts(normalize=True)
    for category, share in CATEGORY_MIX.items():
        assert shares[category] == pytest.approx(share, abs=0.025), category


def test_lot_sizes(lots):
    value = lots["quantity"] * lots["unit_price"]
    commodity = lots["category"].isin(COMMODITIES)
    # Consumer-goods lots: about 20k to 3M CNY (rounding to whole units moves the ends a bit).
    assert value[~commodity].between(10_000, 3_200_000).all()
    assert value[~commodity].median() == pytest.approx(150_000, rel=0.2)
    # Commodities: tens to hundreds of tonnes.
    tonnes = lots.loc[commodity, "quantity"]
    assert tonnes.min() >= 5
    assert tonnes.max() <= 1200
    assert tonnes.median() > 10


def test_costs_ages_sales_and_flags(lots):
    ratio = lots["unit_cost"] / lots["unit_price"]
    assert ratio.between(0.59, 1.36).all()
    assert ratio.between(0.60, 0.95).mean() > 0.8
    assert 0.02 < (ratio > 1).mean() < 0.2  # some underwater stock

    age = lots["age_days"]
    assert (age <= 120).mean() > 0.6
    assert age.max() > 600
    assert (age[lots["category"] == "food"] <= 420).all()

    blank = lots["monthly_sales"].isna().mean()
    assert 0.04 < blank < 0.12
    months = (lots["quantity"] / lots["monthly_sales"]).dropna()
    whole = lots.loc[months.index, "unit"] != "吨"
    # Rounding sales to 0.1 unit stretches the range a little for the smallest lots.
    assert months[~whole].between(0.99, 30.1).all()
    assert months[whole].between(0.9, 32).all()
    assert months.max() > 20
    assert months.min() < 1.5

    for flag in FLAGS:
        assert 0.005 < lots[flag].mean() < 0.07, flag


@pytest.mark.parametrize("seed", [0, 1, 20261124])
def test_same_seed_same_frame(seed):
    pd.testing.assert_frame_equal(generate_inventory(300, seed), generate_inventory(300, seed))


def test_different_seed_different_frame():
    a, b = generate_inventory(300, seed=1), generate_inventory(300, seed=2)
    assert not a.equals(b)
    assert not a["sku"].equals(b["sku"])


def test_default_seed_is_zero():
    pd.testing.assert_frame_equal(generate_inventory(50), generate_inventory(50, seed=0))


@pytest.mark.parametrize("n_lots", [0, -1, -1000])
def test_too_few_lots(n_lots):
    with pytest.raises(ValueError, match="n_lots"):
        generate_inventory(n_lots)


@pytest.mark.parametrize("n_lots", [2.5, "10", None])
def test_lot_count_must_be_an_integer(n_lots):
    with pytest.raises(TypeError):
        generate_inventory(n_lots)


def test_one_lot():
    frame = generate_inventory(1, seed=9)
    assert len(frame) == 1
    check_invariants(frame)


@settings(max_examples=40, deadline=None)
@given(n_lots=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_size_and_seed(n_lots, seed):
    frame = generate_inventory(n_lots, seed)
    assert len(frame) == n_lots
    check_invariants(frame)


# --- dated ---------------------------------------------------------------------------------


@pytest.mark.parametrize("valuation_date", [None, dt.date(2025, 3, 1), dt.date(2028, 2, 29)])
def test_dated_columns_and_arithmetic(valuation_date):
    plain = generate_inventory(400, seed=5)
    dated = generate_inventory(400, seed=5, dated=True, valuation_date=valuation_date)
    assert list(dated.columns) == list(DATED_COLUMNS)
    assert "age_days" not in dated and "expiry_date" not in plain
    same = [c for c in COLUMNS if c != "age_days"]
    pd.testing.assert_frame_equal(dated[same], plain[same])

    day = pd.Timestamp(valuation_date or VALUATION_DATE)
    assert pd.api.types.is_datetime64_dtype(dated["received_date"])
    assert pd.api.types.is_datetime64_dtype(dated["expiry_date"])
    assert (dated["received_date"] == day - pd.to_timedelta(plain["age_days"], unit="D")).all()
    assert (dated["received_date"] == dated["received_date"].dt.normalize()).all()

    shelf = default_categories()["food"].shelf_life_days
    food = dated["category"] == "food"
    assert food.any()
    expected = dated.loc[food, "received_date"] + pd.Timedelta(days=shelf)
    assert (dated.loc[food, "expiry_date"] == expected).all()
    assert dated.loc[~food, "expiry_date"].isna().all()
    assert dated.loc[food, "expiry_date"].notna().all()


def test_valuation_date_ignored_without_dates():
    pd.testing.assert_frame_equal(
        generate_inventory(40, seed=4, valuation_date=dt.date(2020, 1, 1)),
        generate_inventory(40, seed=4),
    )


# --- write_inventory -----------------------------------------------------------------------


def _read_back(path, dated: bool) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    dates = ["received_date", "expiry_date"] if dated else None
    return pd.read_csv(path, parse_dates=dates)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("dated", [False, True])
def test_round_trip(tmp_path, suffix, dated):
    frame = generate_inventory(500, seed=11, dated=dated)
    path = tmp_path / f"lots{suffix}"
    write_inventory(frame, path)
    back = _read_back(path, dated)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_csv_is_a_plain_utf8_table_with_bom(tmp_path):
    path = tmp_path / "lots.CSV"  # the suffix is matched in any case
    write_inventory(generate_inventory(200, seed=2), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 201
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    pieces = rows["unit"] != "吨"
    assert rows.loc[pieces, "quantity"].str.fullmatch(r"\d+").all()  # no "12.0"
    assert rows.loc[~pieces, "quantity"].str.fullmatch(r"\d+(\.\d{1,3})?").all()
    assert rows["unit_price"].str.fullmatch(r"\d+\.\d\d").all()
    assert rows["unit_cost"].str.fullmatch(r"\d+\.\d\d").all()
    assert (rows["monthly_sales"] == "").any()  # blanks, not "nan"


@pytest.mark.parametrize("name", ["lots.xlsx", "lots.txt", "lots", "lots.csv.gz"])
def test_other_suffix_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_inventory(generate_inventory(3), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_write_accepts_a_string_path(tmp_path):
    path = tmp_path / "lots.parquet"
    write_inventory(generate_inventory(3), str(path))
    assert len(pd.read_parquet(path)) == 3


# --- the shipped sample --------------------------------------------------------------------


def test_shipped_csv_is_the_showcase(tmp_path, showcase):
    # The file in data/ must be exactly what the generator writes, so that they cannot drift.
    fresh = tmp_path / "sample_inventory.csv"
    write_inventory(showcase, fresh)
    assert SAMPLE_CSV.read_bytes() == fresh.read_bytes()


def test_shipped_csv_reads_back_as_the_showcase(showcase):
    back = pd.read_csv(SAMPLE_CSV)
    pd.testing.assert_frame_equal(back, showcase, check_exact=True)


def test_showcase_is_deterministic(showcase):
    pd.testing.assert_frame_equal(showcase_inventory(), showcase)


def test_showcase_is_the_generated_base_with_few_edits(showcase):
    base = generate_inventory(240, seed=20261124)
    assert len(showcase) == 240
    pd.testing.assert_series_equal(showcase["sku"], base["sku"])
    changed = (showcase != base) & ~(showcase.isna() & base.isna())
    assert changed.any(axis=1).sum() <= 30


def test_showcase_rows_look_generated(showcase):
    # Every invariant of a generated inventory holds except the price range: giveaways cost
    # something but sell for nothing.
    no_price = showcase["unit_price"] == 0
    check_invariants(showcase[~no_price])
    assert no_price.sum() >= 2


@pytest.mark.parametrize("reason", REASONS)
def test_showcase_shows_each_reason_at_least_twice(showcase, reason):
    assert (reasons(showcase) == reason).sum() >= 2


def test_showcase_reason_lots_are_made_as_specified(showcase):
    cats = default_categories()
    food = cats["food"]
    why = reasons(showcase)
    lots = showcase.assign(reason=why)

    expired = lots[lots["reason"] == "expired"]
    assert (expired["category"] == "food").all()
    assert (expired["age_days"] > food.shelf_life_days).all()

    near = lots[lots["reason"] == "near_expiry"]
    assert (near["category"] == "food").all()
    horizon = MARGIN_DAYS + food.orderly_days  # 14 + 30 days
    assert (
        near["age_days"].between(food.shelf_life_days - horizon + 1, food.shelf_life_days - 1).all()
    )
    assert near["age_days"].between(322, 364).all()

    aged = lots[lots["reason"] == "aged"]
    limit = aged["category"].map({k: c.aging_limit_days for k, c in cats.items()})
    assert (aged["age_days"] > limit).all()
    assert (aged["category"] != "food").sum() >= 2

    # At least two lots per flag that the flag alone makes ineligible.
    young = showcase["age_days"] <= showcase["category"].map(
        {k: c.aging_limit_days for k, c in cats.items()}
    )
    for flag in FLAGS:
        only = showcase[flag] & (showcase[FLAGS].sum(axis=1) == 1) & young
        only &= (showcase["unit_price"] > 0) & (showcase["category"] != "food")
        assert only.sum() >= 2, flag

    priceless = lots[lots["reason"] == "no_price"]
    assert (priceless["unit_price"] == 0).all()
    assert (priceless["quantity"] > 0).all()


def test_showcase_values(showcase):
    value = showcase["quantity"] * showcase["unit_price"]
    total = value.sum()
    assert 60e6 <= total <= 150e6
    eligible = value[reasons(showcase) == ""].sum()
    assert 0.75 <= eligible / total <= 0.85
    # One copper lot holds 25-30% of the market value: the concentration limit bites.
    big = value.idxmax()
    assert showcase.at[big, "category"] == "copper"
    assert 0.25 <= value[big] / total <= 0.30
    assert reasons(showcase)[big] == ""
    assert (value.drop(index=big) / total).max() < 0.10


def test_showcase_has_every_category(showcase):
    counts = showcase["category"].value_counts()
    assert set(counts.index) == set(CATEGORY_MIX)
    assert counts["apparel"] > counts["generic"]
