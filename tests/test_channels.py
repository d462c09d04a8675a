"""Tests of the clearance-channel table (finance/channels.py, data/channels.csv)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from finance.errors import InputError
from finance.inputs.assumptions import load_assumptions
from finance.inputs.categories import default_categories
from finance.inputs.channels import (
    CHANNEL_COLUMNS,
    CHANNEL_FILE,
    TERM_FIELDS,
    ChannelTerms,
    effective_channels,
    load_channels,
)

HEADER = "channel,category,discount,fee,capacity,days_to_cash,note\n"


@pytest.fixture(scope="module")
def channels():
    return load_channels()


def test_table_loads_with_its_columns(channels):
    assert tuple(channels.columns) == CHANNEL_COLUMNS
    assert len(channels) == 24  # data rows of data/channels.csv
    assert channels["days_to_cash"].dtype == "int64"
    assert not channels[["channel", "category"]].duplicated().any()
    assert set(channels["channel"]) == {"supplier_return", "outlet", "livestream", "lower_tier"}


@pytest.mark.parametrize("column", ["discount", "fee", "capacity"])
def test_fractions_within_zero_and_one(channels, column):
    assert channels[column].between(0, 1).all()


def test_days_to_cash_not_negative(channels):
    assert (channels["days_to_cash"] >= 0).all()


@pytest.mark.parametrize("category", list(default_categories()))
def test_every_shipped_category_has_a_channel(channels, category):
    rows = channels[channels["category"] == category]
    assert len(rows) >= 1
    assert rows["capacity"].gt(0).any()


@pytest.mark.parametrize("category", ["steel", "copper"])
def test_commodities_clear_through_lower_tier_at_full_capacity(channels, category):
    rows = channels[channels["category"] == category].set_index("channel")
    assert list(rows.index) == ["lower_tier"]
    assert rows.at["lower_tier", "capacity"] == 1.0
    # spot traders: small discount (2-3%) and quick cash (3 days)
    assert rows.at["lower_tier", "discount"] <= 0.05
    assert rows.at["lower_tier", "days_to_cash"] == 3


def test_default_liquidation_channels_are_in_the_table(channels):
    chosen = load_assumptions(b"valuation_date = 2026-11-24\n").liquidate.channels
    assert set(chosen) <= set(channels["channel"])
    generic = set(channels.loc[channels["category"] == "generic", "channel"])
    assert set(chosen) == generic  # the generic fallback offers every default channel


def test_load_channels_returns_a_copy():
    first = load_channels()
    first.loc[:, "capacity"] = 99.0
    assert load_channels()["capacity"].max() <= 1.0


def test_notes_are_text(channels):
    assert channels["note"].map(lambda v: isinstance(v, str)).all()


def test_bad_table_reports_every_bad_cell(tmp_path):
    path = tmp_path / "channels.csv"
    path.write_text(
        HEADER
        + "outlet,apparel,0.5,0.1,1.5,45,\n"  # row 2: capacity above 1
        + "outlet,food,0.4,-0.1,0.4,30,\n"  # row 3: negative fee
        + "outlet,apparel,0.5,0.1,0.4,45,\n"  # row 4: repeats row 2's pair
        + "livestream,food,1.2,0.2,0.3,-1,\n",  # row 5: discount above 1, negative days
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_channels(path)
    assert sorted((p.row, p.column) for p in info.value.problems) == [
        (2, "capacity"),
        (3, "fee"),
        (4, "channel"),
        (5, "days_to_cash"),
        (5, "discount"),
    ]
    assert all(p.file == "channels.csv" for p in info.value.problems)


def test_days_to_cash_are_whole_days_within_ten_years(tmp_path):
    # the same range the assumptions' [[liquidate.terms]] are held to
    path = tmp_path / "channels.csv"
    path.write_text(
        HEADER + "outlet,apparel,0.5,0.1,0.4,4000,\n" + "outlet,food,0.4,0.1,0.4,30.5,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_channels(path)
    assert [(p.row, p.column, p.message) for p in info.value.problems] == [
        (2, "days_to_cash", "must be within [0, 3650]"),
        (3, "days_to_cash", "must be a whole number of days"),
    ]


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "channels.csv"
    path.write_text("channel,category,discount,fee,days_to_cash\noutlet,food,0.1,0.1,3\n")
    with pytest.raises(InputError) as info:
        load_channels(path)
    assert sorted(p.column for p in info.value.problems) == ["capacity", "note"]


def test_shipped_file_is_the_default():
    assert CHANNEL_FILE.name == "channels.csv"
    assert load_channels(CHANNEL_FILE).equals(load_channels())


# A word of three or more ASCII letters: what an English sentence is made of.
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize(
    ("body", "row", "column", "en", "zh"),
    [
        (
            "channel,category,discount,fee,days_to_cash,note\noutlet,food,0.1,0.1,3,\n",
            None,
            "capacity",
            "missing column",
            "缺少此列",
        ),
        (
            HEADER + "outlet,food,1.2,0.1,0.4,30,\n",
            2,
            "discount",
            "must be within [0, 1]",
            "必须在 [0, 1] 范围内",
        ),
        (
            HEADER + "outlet,food,0.2,-0.1,0.4,30,\n",
            2,
            "fee",
            "must be within [0, 1]",
            "必须在 [0, 1] 范围内",
        ),
        (
            HEADER + "outlet,food,0.2,0.1,0.4,-1,\n",
            2,
            "days_to_cash",
            "must be within [0, 3650]",
            "必须在 [0, 3650] 范围内",
        ),
        (
            HEADER + "outlet,food,0.2,0.1,0.4,2.5,\n",
            2,
            "days_to_cash",
            "must be a whole number of days",
            "必须是整数天",
        ),
        (
            HEADER + "outlet,food,0.2,0.1,0.4,30,\noutlet,food,0.3,0.1,0.4,30,\n",
            3,
            "channel",
            "channel and category repeated",
            "渠道与品类的组合重复",
        ),
    ],
)
def test_problems_in_chinese(tmp_path, body, row, column, en, zh):
    path = tmp_path / "channels.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_channels(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (row, column)
    assert problem.code.startswith("problem.")
    assert problem.message == en  # English stays as it was
    assert problem.render_message("zh") == zh
    assert not ASCII_WORD.search(zh)
    where = "channels.csv，" + (f"第 {row} 行，" if row else "") + f"“{column}”列："
    assert info.value.render("zh") == [where + zh]


# ------------------------------------------------------------- the assumptions' terms
def _row(table, channel, category):
    rows = table[(table["channel"] == channel) & (table["category"] == category)]
    assert len(rows) == 1, (channel, category)
    return rows.iloc[0]


def test_no_terms_is_the_shipped_table(channels):
    assert effective_channels().equals(channels)
    assert effective_channels(()).equals(channels)


def test_a_term_changes_only_the_fields_it_names(channels):
    table = effective_channels([ChannelTerms("outlet", "apparel", discount=0.6, days_to_cash=10)])
    row = _row(table, "outlet", "apparel")
    assert (row["discount"], row["fee"], row["capacity"], row["days_to_cash"]) == (
        0.6,
        0.1,
        0.4,
        10,
    )
    assert len(table) == len(channels)
    others = table.drop(columns="note").compare(channels.drop(columns="note"))
    assert list(others.index) == [int(row.name)]  # no other row moved
    assert table["days_to_cash"].dtype == "int64"


def test_a_row_the_table_lacks_starts_from_the_channels_generic_row(channels):
    # auto_parts has rows of its own (supplier_return, lower_tier) but none for the outlet:
    # it could not use the outlet; the new row takes what it leaves out from outlet's generic.
    table = effective_channels([ChannelTerms("outlet", "auto_parts", capacity=0.1)])
    row = _row(table, "outlet", "auto_parts")
    generic = _row(channels, "outlet", "generic")
    assert (row["discount"], row["fee"], row["capacity"], row["days_to_cash"]) == (
        generic["discount"],
        generic["fee"],
        0.1,
        generic["days_to_cash"],
    )
    assert len(table) == len(channels) + 1


def test_a_category_no_row_names_keeps_its_other_channels(channels):
    # A category the table does not name uses every generic row; naming it for the outlet
    # must not take the other channels away from it (a named category uses only its own).
    terms = [
        ChannelTerms("outlet", "generic", fee=0.2),
        ChannelTerms("outlet", "bikes", discount=0.6),
    ]
    table = effective_channels(terms)
    bikes = table[table["category"] == "bikes"].set_index("channel")
    generic = table[table["category"] == "generic"].set_index("channel")
    assert set(bikes.index) == set(generic.index)
    assert bikes.at["outlet", "discount"] == 0.6
    # generic's own term reaches the copies too
    assert bikes.at["outlet", "fee"] == generic.at["outlet", "fee"] == 0.2
    for channel in ("supplier_return", "livestream", "lower_tier"):
        assert bikes.loc[channel, TERM_FIELDS].equals(generic.loc[channel, TERM_FIELDS])


def test_a_row_with_no_generic_to_start_from_needs_every_term(channels):
    # A channel with no generic row (none ships): a new row has nothing to take terms from.
    barter = pd.DataFrame(
        [{"channel": "barter", "category": "food", "discount": 0.2, "fee": 0.0,
          "capacity": 0.3, "days_to_cash": 0, "note": ""}]
    )  # fmt: skip
    table = pd.concat([channels, barter], ignore_index=True)
    full = ChannelTerms("barter", "steel", discount=0.1, fee=0.0, capacity=0.5, days_to_cash=5)
    row = _row(effective_channels([full], table), "barter", "steel")
    assert (row["discount"], row["capacity"], row["days_to_cash"]) == (0.1, 0.5, 5)
    with pytest.raises(ValueError, match="no generic row"):
        effective_channels([ChannelTerms("barter", "steel", discount=0.1)], table)


def test_the_shipped_table_is_untouched():
    effective_channels([ChannelTerms("outlet", "apparel", discount=0.9)])
    assert _row(load_channels(), "outlet", "apparel")["discount"] == 0.5
