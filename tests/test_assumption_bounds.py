"""The engine's bounds, checked where the assumptions and the category table are read.

finance/inputs/assumptions.py and finance/inputs/categories.py (docs/model.md "Scenarios and
bounds"): every value the engine takes is in a range it handles, and each value outside it
is a problem naming its key, in English and in Chinese.
"""

from __future__ import annotations

import datetime as dt

import pytest

from finance.errors import InputError
from finance.inputs.assumptions import (
    EARLIEST_VALUATION_DATE,
    LATEST_VALUATION_DATE,
    MAX_TOML_NESTING,
    load_assumptions,
    parse_assumptions,
    toml_nesting_problem,
)
from finance.inputs.categories import UPPER_BOUNDS
from finance.locale import catalog
from tests.conftest import make_assumptions


def problems_of(document):
    with pytest.raises(InputError) as exc:
        parse_assumptions(document, file="a.toml")
    return exc.value.problems


def only(document):
    found = problems_of(document)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


@pytest.mark.parametrize("day", [EARLIEST_VALUATION_DATE, LATEST_VALUATION_DATE])
def test_valuation_dates_at_the_bounds_are_taken(day):
    assert make_assumptions(valuation_date=day).valuation_date == day


@pytest.mark.parametrize(
    "day", [dt.date(1900, 12, 31), dt.date(2149, 1, 1), dt.date(2300, 1, 1), "2300-01-01"]
)
def test_valuation_date_out_of_range(day):
    problem = only({"valuation_date": day})
    assert problem.key == "valuation_date"
    assert problem.code == "problem.key_date_range"
    assert "must be from 1901-01-01 to 2148-12-31" in str(problem)
    assert "1901-01-01 至 2148-12-31" in problem.render("zh")


def test_curve_tenor_up_to_50_years():
    a = make_assumptions(curve={"1Y": 0.02, "50Y": 0.03})
    assert dict(a.curve)["50Y"] == 0.03
    for tenor in ("51Y", "100Y", "601M", "1000000D"):
        problem = only({"curve": {"1Y": 0.02, tenor: 0.03}})
        assert problem.key == f"curve.{tenor}"
        assert problem.code == "problem.tenor_too_long"
        assert "longer than 50Y" in str(problem)
        assert "50Y" in problem.render("zh") and "最长期限" in problem.render("zh")


def test_curve_of_at_most_100_tenors():
    curve = {f"{d}D": 0.02 for d in range(1, 101)}
    assert len(make_assumptions(curve=curve).curve) == 100
    problem = only({"curve": {f"{d}D": 0.02 for d in range(1, 18_001)}})
    assert problem.key == "curve"
    assert problem.code == "problem.curve_too_many"
    assert "[curve] has 18,000 tenors; at most 100 are taken" in str(problem)
    assert "18,000 个期限" in problem.render("zh")


@pytest.mark.parametrize(
    ("field", "value", "bounds"),
    [
        ("sigma", 1e300, "[0, 5]"),
        ("sigma", 5.01, "[0, 5]"),
        ("erosion", 11.0, "[0, 10]"),
        ("storage_cost", 1e9, "[0, 10]"),
        ("orderly_days", 1_000_000, "[0, 3650]"),
        ("forced_days", 3_651, "[0, 3650]"),
        ("shelf_life_days", 1e18, "[0, 36500]"),
        ("aging_limit_days", 36_501, "[0, 36500]"),
        ("months_to_clear", 1e-300, "[0.01, 1200]"),
        ("months_to_clear", 1201, "[0.01, 1200]"),
    ],
)
def test_category_fields_out_of_range(field, value, bounds):
    found = problems_of({"categories": {"apparel": {field: value}}})
    keyed = [p for p in found if p.key == f"categories.apparel.{field}"]
    assert len(keyed) == 1, [str(p) for p in found]
    problem = keyed[0]
    assert problem.code == "problem.range"
    assert f"must be within {bounds}" in str(problem)
    assert bounds in problem.render("zh")


def test_category_fields_at_their_bounds_are_taken():
    table = {field: bound for field, bound in UPPER_BOUNDS.items()}
    a = make_assumptions(categories={"apparel": table})
    assert a.categories["apparel"].sigma == 5.0
    assert a.categories["apparel"].orderly_days == 3_650


def test_a_rate_out_of_range_reads_in_percent():
    problem = only({"categories": {"apparel": {"sigma": 1e300}}})
    assert problem.render_message("en", percent=True) == (
        "categories.apparel.sigma = 1e+302% must be between 0% and 500%"
    )


def test_every_new_problem_has_a_chinese_entry():
    zh = catalog("zh")
    for code in (
        "key_date_range",
        "tenor_too_long",
        "curve_too_many",
        "toml_nesting",
        "memory_scenarios",
        "memory_categories",
        "memory_budget_variable",
    ):
        assert f"problem.{code}" in zh


NESTED = {
    "arrays": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "inline tables": "a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n",
    "dotted key": "a" + ".a" * 100_000 + " = 1\n",
    "dotted table": "[a" + ".a" * 100_000 + "]\n",
    "mixed": "x = 1\ny = [" + "{b = [" * 40 + "]}" * 40 + "]\n",
}


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED.keys())
def test_deeply_nested_toml_is_a_problem_not_a_recursion_error(text):
    with pytest.raises(InputError) as exc:
        load_assumptions(text.encode(), name="deep.toml")
    problem = exc.value.problems[0]
    assert problem.code == "problem.toml_nesting"
    assert problem.file == "deep.toml"
    assert f"nested more than {MAX_TOML_NESTING} deep" in str(problem)
    assert "嵌套超过 64 层" in problem.render("zh")


def test_brackets_and_dots_in_strings_and_comments_do_not_nest():
    deep = "[" * 200
    dots = "a." * 200
    text = (
        f'currency = "CNY"  # {deep} {dots}\n'
        f"[categories.apparel]\n"
        f"label_zh = '{deep}'\n"
        f'synonyms = ["{deep}", """{deep} "" {dots}"""]\n'
        f'season_ends = ["02-28"]\n'
        f"sigma = 0.25\n"
    )
    assert toml_nesting_problem(text, "ok.toml") is None
    a = load_assumptions(text.encode(), name="ok.toml")
    assert a.categories["apparel"].sigma == 0.25


def test_nesting_up_to_the_limit_is_read_by_tomllib():
    text = "a = " + "[" * MAX_TOML_NESTING + "]" * MAX_TOML_NESTING + "\n"
    assert toml_nesting_problem(text, "x") is None
    with pytest.raises(InputError) as exc:
        load_assumptions(text.encode(), name="x.toml")
    assert exc.value.problems[0].code == "problem.unknown_key"  # read, then an unknown key
