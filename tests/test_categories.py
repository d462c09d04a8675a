"""Tests of the category table (finance/categories.py, data/categories.toml)."""

from __future__ import annotations

import dataclasses
import re
import textwrap
import tomllib

import numpy as np
import pytest
from conftest import SHIPPED_CATEGORIES

from finance.errors import InputError
from finance.inputs.categories import (
    CATEGORY_FIELDS,
    DEFAULT_CATEGORY_FILE,
    aging_reserve_at,
    categories_frame,
    default_categories,
    load_categories,
    parse_categories,
)

SHIPPED = SHIPPED_CATEGORIES
# Exchange-traded commodities: the only categories whose cost advance may exceed the FDIC
# 65% ceiling (the file cites exchange and trader receipt practice for them).
COMMODITIES = ("steel", "copper")
FDIC_CEILING = 0.65

ALL_FIELDS = {
    "sigma",
    "demand_sigma",
    "aging_reserve",
    "erosion",
    "markdown",
    "season_ends",
    "shelf_life_days",
    "salvage",
    "aging_limit_days",
    "selling_cost",
    "orderly_discount",
    "orderly_days",
    "forced_discount",
    "forced_days",
    "storage_cost",
    "cost_advance",
    "months_to_clear",
    "receipt_eligible",
    "label_zh",
}


@pytest.fixture(scope="module")
def raw_table() -> dict:
    return tomllib.loads(DEFAULT_CATEGORY_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def table():
    return default_categories()


def test_shipped_table_has_all_categories(table, raw_table):
    assert tuple(raw_table) == SHIPPED
    assert tuple(table) == SHIPPED


def test_category_fields_are_the_model_fields():
    assert set(CATEGORY_FIELDS) == ALL_FIELDS


@pytest.mark.parametrize("name", SHIPPED)
def test_every_field_is_written_in_the_file(raw_table, name):
    # Not inherited, not defaulted: each value in the file is one a reader can check.
    # `synonyms` (names a stock list may use) is a reading aid, not a model field.
    assert set(raw_table[name]) - {"synonyms"} == ALL_FIELDS
    assert ("synonyms" in raw_table[name]) == (name != "generic")


@pytest.mark.parametrize("name", SHIPPED)
def test_loaded_values_equal_the_file(table, raw_table, name):
    loaded = dataclasses.asdict(table[name])
    for key, value in raw_table[name].items():
        expected = tuple(value) if key in ("season_ends", "synonyms", "aging_reserve") else value
        assert loaded[key] == expected, key
    assert type(loaded["orderly_days"]) is int
    assert type(loaded["sigma"]) is float
    assert type(loaded["receipt_eligible"]) is bool


@pytest.mark.parametrize("name", SHIPPED)
def test_defaults_meet_model_section_9_preconditions(table, name):
    c = table[name]
    # OLV <= NRV and FLV <= NRV need the liquidation discounts to cover the selling cost.
    assert c.orderly_discount >= c.selling_cost
    assert c.forced_discount >= c.selling_cost
    # A forced sale is the faster and the deeper one.
    assert c.forced_days <= c.orderly_days
    assert c.forced_discount >= c.orderly_discount
    assert 0 <= c.selling_cost < 1
    assert 0 <= c.orderly_discount < 1
    assert 0 <= c.forced_discount < 1
    assert c.sigma >= 0
    assert c.erosion >= 0
    assert 0 <= c.cost_advance <= 1
    assert c.months_to_clear > 0


@pytest.mark.parametrize("name", [n for n in SHIPPED if n not in COMMODITIES])
def test_non_commodity_cost_advance_within_fdic_ceiling(table, name):
    assert table[name].cost_advance <= FDIC_CEILING


def test_commodities_are_the_receipt_eligible_categories(table):
    assert tuple(n for n, c in table.items() if c.receipt_eligible) == COMMODITIES


def test_only_food_expires(table):
    # food: 365 days, salvage 5%; everything else does not expire.
    assert {n: c.shelf_life_days for n, c in table.items() if c.shelf_life_days} == {"food": 365}


def test_category_frame(table):
    frame = categories_frame(table)
    assert frame["category"].tolist() == list(SHIPPED)
    assert list(frame.columns) == ["category", *CATEGORY_FIELDS]
    apparel = frame.set_index("category").loc["apparel"]
    assert apparel["season_ends"] == "02-28, 08-31"


@pytest.mark.parametrize("season_end", ["02-30", "2-28", "13-01", "0228", "02/28", "02-29", 228])
def test_bad_season_end_is_rejected(table, season_end):
    with pytest.raises(InputError) as info:
        parse_categories({"apparel": {"season_ends": [season_end]}}, base=table, file="x.toml")
    (problem,) = info.value.problems
    assert problem.key == "categories.apparel.season_ends"
    assert repr(season_end) in problem.message


def test_good_season_ends_are_kept(table):
    merged = parse_categories(
        {"apparel": {"season_ends": ["01-31", "12-31"]}}, base=table, file="x"
    )
    assert merged["apparel"].season_ends == ("01-31", "12-31")
    assert table["apparel"].season_ends == ("02-28", "08-31")  # the base is not mutated


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("selling_cost", 1.5),
        ("orderly_discount", 1.0),
        ("forced_discount", -0.1),
        ("storage_cost", -0.01),
        ("cost_advance", 1.2),
        ("months_to_clear", 0),
        ("orderly_days", 1.5),
        ("aging_limit_days", -1),
        ("sigma", "high"),
        ("sigma", float("nan")),
        ("receipt_eligible", "yes"),
        ("season_ends", "02-28"),
        ("demand_sigma", -0.1),
        ("demand_sigma", 6.0),
        ("aging_reserve", [0.0, 0.1, 0.2, 0.5]),  # four buckets, not five
        ("aging_reserve", [0.0, 0.1, 0.2, 0.5, 1.2]),
        ("aging_reserve", [0.0, 0.3, 0.2, 0.5, 0.8]),  # falls with age
        ("aging_reserve", [0.0, 0.1, "x", 0.5, 0.8]),
        ("aging_reserve", 0.2),
    ],
)
def test_bad_field_value_is_rejected(table, key, value):
    with pytest.raises(InputError) as info:
        parse_categories({"copper": {key: value}}, base=table, file="x.toml")
    (problem,) = info.value.problems
    assert problem.key == f"categories.copper.{key}"


def test_load_categories_reports_every_missing_field(tmp_path):
    path = tmp_path / "cats.toml"
    path.write_text(
        textwrap.dedent(
            """
            [generic]
            sigma = 0.2
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_categories(path)
    missing = {p.key for p in info.value.problems}
    # every field but sigma and the optional label
    assert missing == {f"categories.generic.{k}" for k in ALL_FIELDS - {"sigma", "label_zh"}}


def test_load_categories_needs_generic(tmp_path, raw_table):
    body = DEFAULT_CATEGORY_FILE.read_text(encoding="utf-8")
    path = tmp_path / "cats.toml"
    path.write_text(body.replace("[generic]", "[other]"), encoding="utf-8")
    with pytest.raises(InputError, match="generic"):
        load_categories(path)


def test_synonyms_name_one_category_each(table):
    # A name must not stand for two categories, nor for another category's key or label.
    seen: dict[str, str] = {}
    for name, cat in table.items():
        for text in (name, cat.label_zh, *cat.synonyms):
            key = text.casefold()
            assert seen.setdefault(key, name) == name, (text, name, seen[key])
    assert table["generic"].synonyms == ()


@pytest.mark.parametrize(
    ("synonyms", "ok"),
    [(["服饰"], True), ([], True), ("服饰", False), ([1], False), ([" "], False)],
)
def test_synonyms_are_a_list_of_names(table, synonyms, ok):
    tables = {"apparel": {"synonyms": synonyms}}
    if ok:
        merged = parse_categories(tables, base=table, file="t.toml")
        assert merged["apparel"].synonyms == tuple(synonyms)
        assert merged["apparel"].sigma == table["apparel"].sigma
    else:
        with pytest.raises(InputError, match=r"categories\.apparel\.synonyms"):
            parse_categories(tables, base=table, file="t.toml")


def test_a_new_category_does_not_inherit_the_fallback_names(table):
    merged = parse_categories({"lumber": {"synonyms": ["木材"]}, "tea": {}}, base=table, file="t")
    assert merged["lumber"].synonyms == ("木材",)
    assert merged["tea"].synonyms == ()


# ---------------------------------------------------------------------------- in Chinese

# A word of three or more ASCII letters: what an English sentence is made of.
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str, *names: str) -> list[str]:
    """The English words of ``text`` once the keys and values it names are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return ASCII_WORD.findall(re.sub(r"“[^”]*”", "", text))


@pytest.mark.parametrize(
    ("tables", "key", "en", "zh", "names"),
    [
        ({"apparel": 1}, None, "categories.apparel must be a table", "必须是一个表", ()),
        (
            {"apparel": {"sigmaa": 0.2}},
            "categories.apparel.sigmaa",
            "unknown key categories.apparel.sigmaa",
            "未知的键",
            (),
        ),
        (
            {"apparel": {"season_ends": "02-28"}},
            "categories.apparel.season_ends",
            "must be a list of MM-DD dates",
            "必须是 MM-DD 格式的日期列表",
            (),
        ),
        (
            {"apparel": {"season_ends": ["2-28"]}},
            "categories.apparel.season_ends",
            "season end '2-28' is not a date written MM-DD",
            "季末日期 '2-28' 不是 MM-DD 格式的日期",
            (),
        ),
        (
            {"apparel": {"season_ends": ["02-29"]}},
            "categories.apparel.season_ends",
            "season end '02-29' is not a day that exists every year",
            "季末日期 '02-29' 不是每年都有的日期",
            (),
        ),
        (
            {"copper": {"receipt_eligible": "yes"}},
            "categories.copper.receipt_eligible",
            "must be true or false",
            "必须是 true 或 false",
            ("true", "false"),  # TOML's own words
        ),
        (
            {"copper": {"label_zh": 5}},
            "categories.copper.label_zh",
            "must be text",
            "必须是文本",
            (),
        ),
        (
            {"apparel": {"synonyms": "服饰"}},
            "categories.apparel.synonyms",
            "must be a list of names",
            "必须是名称列表",
            (),
        ),
        (
            {"copper": {"sigma": "high"}},
            "categories.copper.sigma",
            "must be a number, not 'high'",
            "必须是数字，而不是 'high'",
            ("'high'",),
        ),
        (
            {"copper": {"sigma": float("nan")}},
            "categories.copper.sigma",
            "must be a finite number",
            "必须是有限的数字",
            (),
        ),
        (
            {"copper": {"selling_cost": 1.5}},
            "categories.copper.selling_cost",
            "= 1.5 must be within [0, 1]",
            "= 1.5 必须在 [0, 1] 范围内",
            (),
        ),
        (
            {"copper": {"orderly_discount": 1.0}},
            "categories.copper.orderly_discount",
            "= 1.0 must be below 1",
            "= 1.0 必须小于 1",
            (),
        ),
        (
            {"copper": {"storage_cost": -0.01}},
            "categories.copper.storage_cost",
            "= -0.01 must not be negative",
            "= -0.01 不能为负数",
            (),
        ),
        (
            {"copper": {"orderly_days": 1.5}},
            "categories.copper.orderly_days",
            "= 1.5 must be a whole number of days >= 0",
            "= 1.5 必须是不小于 0 的整数天数",
            (),
        ),
        (
            {"copper": {"months_to_clear": 0}},
            "categories.copper.months_to_clear",
            "= 0 must be positive",
            "= 0 必须大于 0",
            (),
        ),
    ],
)
def test_field_problems_in_chinese(table, tables, key, en, zh, names):
    with pytest.raises(InputError) as info:
        parse_categories(tables, base=table, file="x.toml")
    (problem,) = info.value.problems
    assert problem.key == key
    assert problem.code.startswith("problem.")
    # English stays as it was.
    assert en in str(problem)
    message = problem.render_message("zh")
    assert zh in message
    name = key or "categories.apparel"
    assert not english_words(message, name, *names), message
    assert problem.render("zh").startswith("x.toml")


def test_missing_fields_in_chinese():
    with pytest.raises(InputError) as info:
        parse_categories({"generic": {"sigma": 0.2}}, base=None, file="c.toml")
    problem = next(p for p in info.value.problems if p.key == "categories.generic.erosion")
    assert (
        str(problem) == "c.toml, key categories.generic.erosion: categories.generic lacks erosion"
    )
    assert problem.render("zh") == "c.toml，键 categories.generic.erosion：缺少取值"


@pytest.mark.parametrize(
    ("body", "en", "zh"),
    [
        (None, "cannot read the category table: ", "找不到品类表文件"),
        ("[generic\n", "cannot read the category table: ", "无法读取品类表："),
        ("", "the table needs a 'generic' category", "品类表必须包含“generic”品类"),
    ],
)
def test_table_problems_in_chinese(tmp_path, body, en, zh):
    path = tmp_path / "cats.toml"
    if body is not None:
        path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_categories(path)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"cats.toml: {en}")
    message = problem.render_message("zh")
    assert message.startswith(zh)
    if body != "[generic\n":  # a TOML error's own detail (line, column) stays as tomllib words it
        assert not english_words(message), message


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        # Buckets 0-90, 91-180, 181-365, 366-730, >730 days: each edge on both sides.
        (0, 0.01),
        (90, 0.01),
        (91, 0.05),
        (180, 0.05),
        (181, 0.2),
        (365, 0.2),
        (366, 0.5),
        (730, 0.5),
        (731, 0.8),
        (5000, 0.8),
    ],
)
def test_aging_reserve_by_bucket(age, expected):
    reserves = np.array([[0.01, 0.05, 0.2, 0.5, 0.8]])
    assert aging_reserve_at(reserves, np.array([0]), np.array([age]))[0] == expected


def test_aging_reserve_per_item_of_its_category():
    reserves = np.array([[0.0, 0.1, 0.2, 0.3, 0.4], [0.0, 0.0, 0.5, 0.6, 1.0]])
    category = np.array([0, 0, 0, 1, 1, 1])
    ages = np.array([10, 100, 200, 400, 800, 50])
    expected = np.array([0.0, 0.1, 0.2, 0.6, 1.0, 0.0])
    np.testing.assert_array_equal(aging_reserve_at(reserves, category, ages), expected)


def test_reserve_schedule_overrides_and_switches_off(table):
    merged = parse_categories(
        {"apparel": {"aging_reserve": [0, 0, 0, 0, 0], "demand_sigma": 0}},
        base=table,
        file="x.toml",
    )
    assert merged["apparel"].aging_reserve == (0.0, 0.0, 0.0, 0.0, 0.0)
    assert merged["apparel"].demand_sigma == 0.0
    assert type(merged["apparel"].aging_reserve[0]) is float
