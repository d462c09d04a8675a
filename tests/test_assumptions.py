"""Tests of the assumptions loader (finance/assumptions.py, data/assumptions.toml).

The defaults are written out here by hand from CONTRACT.md and data/assumptions.toml, so a
change to a shipped default has to be made on purpose in both places.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap

import pandas as pd
import pytest
from conftest import SHIPPED_CATEGORIES, make_assumptions
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.errors import InputError
from finance.inputs.assumptions import (
    DEFAULT_ASSUMPTIONS_FILE,
    AbsTerms,
    Assumptions,
    LiquidateTerms,
    PledgeLoanTerms,
    ReceiptTrustTerms,
    TradeTerms,
    load_assumptions,
    parse_assumptions,
    read_assumptions_file,
)
from finance.inputs.categories import Category
from finance.inputs.channels import ChannelTerms, load_channels

T0 = dt.date(2026, 11, 24)

DEFAULT_CURVE = (
    ("1M", 0.014),
    ("3M", 0.0145),
    ("6M", 0.015),
    ("1Y", 0.016),
    ("2Y", 0.0170),
    ("3Y", 0.0178),
    ("5Y", 0.019),
)


def write(tmp_path, text: str, name: str = "user.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path, text: str) -> tuple:
    with pytest.raises(InputError) as info:
        load_assumptions(write(tmp_path, text), today=T0)
    return info.value.problems


@pytest.fixture(scope="module")
def defaults() -> Assumptions:
    return load_assumptions(today=T0)


# ---------------------------------------------------------------------------- defaults


def test_defaults_are_typed_and_match_the_shipped_file(defaults):
    a = defaults
    assert isinstance(a, Assumptions)
    assert a.valuation_date == T0
    assert a.currency == "CNY"
    # (key, value, type) written out from data/assumptions.toml
    expected = [
        ("confidence", 0.99, float),
        ("margin_period_days", 14, int),
        ("correlation", 0.3, float),
        ("discount_rate", 0.08, float),
        ("concentration_limit", 0.25, float),
        ("nolv_advance", 0.85, float),
        ("revaluation_days", 20, int),
        ("horizon_months", 24, int),
        ("scenarios", 10000, int),
        ("seed", 7, int),
        ("cash_target", 0.0, float),
        ("alert_change", 0.10, float),
    ]
    for key, value, kind in expected:
        got = getattr(a, key)
        assert type(got) is kind, key
        assert got == value, key
    assert a.curve == DEFAULT_CURVE
    assert a.curve_map == dict(DEFAULT_CURVE)
    assert a.pledge_loan == PledgeLoanTerms(
        requested=0,
        tenor_months=12,
        rate=0.045,
        upfront_fee=0.005,
        monitoring_fee=0.003,
        warning_line=1.3,
        top_up_line=1.2,
        forced_sale_line=1.1,
        borrower_pd=0.02,
        interest_period_months=3,
    )
    assert a.receipt_trust == ReceiptTrustTerms(
        transfer_discount=0.10,
        subordinated_share=0.20,
        senior_coupon=0.05,
        tenor_months=12,
        trustee_fee=0.005,
        upfront_fee=0.01,
        buyback=False,
    )
    assert type(a.receipt_trust.buyback) is bool
    assert a.trade == TradeTerms(dso_days=60, customer_pd=0.03, customer_lgd=0.6)
    assert a.trade.bad_debt == pytest.approx(0.018)
    assert a.max_loss_p95 == 0.0
    assert a.abs == AbsTerms(
        pool_months=12,
        credit_correlation=0.15,
        senior_target=0.001,
        mezzanine_target=0.01,
        senior_spread=0.008,
        mezzanine_spread=0.025,
        underwriting_fee=0.003,
        rating_fee=300000,
        legal_fee=500000,
        trustee_fee=0.0005,
        max_fixed_cost_share=0.01,
    )
    assert a.liquidate == LiquidateTerms(("supplier_return", "outlet", "livestream", "lower_tier"))
    assert a.liquidate.terms == ()  # the shipped channel table as it is
    assert set(a.categories) == set(SHIPPED_CATEGORIES)
    assert all(isinstance(c, Category) for c in a.categories.values())


@pytest.mark.parametrize(
    ("attribute", "field"),
    [
        (None, "confidence"),
        ("pledge_loan", "rate"),
        ("receipt_trust", "buyback"),
        ("abs", "senior_spread"),
        ("trade", "customer_lgd"),
        ("liquidate", "channels"),
    ],
)
def test_assumptions_are_frozen(defaults, attribute, field):
    target = defaults if attribute is None else getattr(defaults, attribute)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(target, field, 0.5)


def test_category_is_frozen(defaults):
    with pytest.raises(dataclasses.FrozenInstanceError):
        defaults.categories["copper"].sigma = 0.5  # type: ignore[misc]


def test_valuation_date_defaults_to_today_argument():
    assert load_assumptions(today=dt.date(2030, 1, 2)).valuation_date == dt.date(2030, 1, 2)
    assert parse_assumptions(None, today=dt.date(2027, 3, 4)).valuation_date == dt.date(2027, 3, 4)


def test_valuation_date_in_file_wins_over_today(tmp_path):
    path = write(tmp_path, "valuation_date = 2026-11-24\n")
    assert load_assumptions(path, today=dt.date(2030, 1, 2)).valuation_date == T0


def test_valuation_date_as_text_is_a_date():
    a = parse_assumptions({"valuation_date": "2026-11-24"}, today=dt.date(2030, 1, 2))
    assert a.valuation_date == T0
    assert type(a.valuation_date) is dt.date


def test_shipped_file_as_user_file_equals_defaults(defaults):
    assert load_assumptions(DEFAULT_ASSUMPTIONS_FILE, today=T0) == defaults


# ---------------------------------------------------------------------------- overrides


def test_user_file_overrides_only_what_it_names(tmp_path, defaults):
    path = write(
        tmp_path,
        """
        confidence = 0.95
        [pledge_loan]
        rate = 0.05
        [categories.copper]
        sigma = 0.3
        """,
    )
    a = load_assumptions(path, today=T0)
    assert a.confidence == 0.95
    assert a.pledge_loan == dataclasses.replace(defaults.pledge_loan, rate=0.05)
    assert a.categories["copper"] == dataclasses.replace(defaults.categories["copper"], sigma=0.3)
    for name, category in defaults.categories.items():
        if name != "copper":
            assert a.categories[name] == category, name
    # Everything else is untouched.
    untouched = {f.name for f in dataclasses.fields(Assumptions)} - {
        "confidence",
        "pledge_loan",
        "categories",
    }
    for name in untouched:
        assert getattr(a, name) == getattr(defaults, name), name


def test_new_category_inherits_from_generic(tmp_path, defaults):
    path = write(
        tmp_path,
        """
        [categories.widgets]
        sigma = 0.35
        orderly_days = 50
        """,
    )
    a = load_assumptions(path, today=T0)
    generic = defaults.categories["generic"]
    # label_zh is the one field a new category does not inherit ("其他" would be wrong).
    assert a.categories["widgets"] == dataclasses.replace(
        generic, sigma=0.35, orderly_days=50, label_zh=""
    )
    assert a.categories["generic"] == generic
    assert type(a.categories["widgets"].orderly_days) is int


def test_curve_section_replaces_the_whole_curve(tmp_path, defaults):
    path = write(
        tmp_path,
        """
        [curve]
        "6M" = 0.02
        "2Y" = 0.025
        """,
    )
    a = load_assumptions(path, today=T0)
    assert a.curve == (("6M", 0.02), ("2Y", 0.025))
    assert a.curve_map == {"6M": 0.02, "2Y": 0.025}
    assert a.pledge_loan == defaults.pledge_loan


def test_liquidate_channels_subset(tmp_path):
    path = write(tmp_path, '[liquidate]\nchannels = ["outlet"]\n')
    assert load_assumptions(path, today=T0).liquidate.channels == ("outlet",)


def test_bytes_input(defaults):
    a = load_assumptions(b"valuation_date = 2026-11-24\nconfidence = 0.975\n")
    assert a.valuation_date == T0
    assert a.confidence == 0.975
    assert a.pledge_loan == defaults.pledge_loan


def test_bytes_with_bom_and_chinese_comment():
    text = "\ufeff# 用户假设\nvaluation_date = 2026-11-24\nseed = 11\n"
    assert load_assumptions(text.encode("utf-8")).seed == 11


def test_read_assumptions_file_returns_the_raw_document(tmp_path):
    path = write(tmp_path, "seed = 3\n[pledge_loan]\nrate = 0.05\n")
    assert read_assumptions_file(path) == {"seed": 3, "pledge_loan": {"rate": 0.05}}


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("confidance = 0.99\n", "confidance"),
        ("[pledge_loan]\nrat = 0.05\n", "pledge_loan.rat"),
        ("[categories.copper]\nsigmaa = 0.2\n", "categories.copper.sigmaa"),
        ("[bonds]\nrate = 0.05\n", "bonds"),
    ],
)
def test_unknown_key_is_an_error_naming_it(tmp_path, text, key):
    (problem,) = problems_of(tmp_path, text)
    assert problem.key == key
    assert key in problem.message
    assert problem.file == "user.toml"
    assert key in str(problem)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("confidence = 1.2\n", "confidence"),
        ("confidence = 0.5\n", "confidence"),
        ("confidence = 1.0\n", "confidence"),
        ("scenarios = 10\n", "scenarios"),
        ("correlation = -0.1\n", "correlation"),
        ("margin_period_days = -1\n", "margin_period_days"),
        ("concentration_limit = 0\n", "concentration_limit"),
        ("alert_change = -0.01\n", "alert_change"),
        ("alert_change = 1.01\n", "alert_change"),
        ("alert_change = nan\n", "alert_change"),
        ("confidence = nan\n", "confidence"),
        ("[categories.copper]\nsigma = -0.1\n", "categories.copper.sigma"),
        ("[pledge_loan]\nupfront_fee = 1.0\n", "pledge_loan.upfront_fee"),
        ("[pledge_loan]\ntenor_months = 0\n", "pledge_loan.tenor_months"),
        ("[receipt_trust]\ntenor_months = 121\n", "receipt_trust.tenor_months"),
        ("[abs]\nlgd = 1.5\n", "abs.lgd"),
        ('[curve]\n"1M" = 2.0\n', "curve.1M"),
    ],
)
def test_out_of_range_value_names_its_key(tmp_path, text, key):
    (problem,) = problems_of(tmp_path, text)
    assert problem.key == key
    assert key in problem.message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('confidence = "high"\n', "confidence"),
        ("seed = 1.5\n", "seed"),
        ("scenarios = true\n", "scenarios"),
        ('[receipt_trust]\nbuyback = "yes"\n', "receipt_trust.buyback"),
        ('currency = "cny"\n', "currency"),
        ("valuation_date = 2026-11-24T10:00:00\n", "valuation_date"),
        ('valuation_date = "2026-13-01"\n', "valuation_date"),
        ('[liquidate]\nchannels = "outlet"\n', "liquidate.channels"),
        ('[categories.copper]\nreceipt_eligible = "yes"\n', "categories.copper.receipt_eligible"),
    ],
)
def test_type_error_names_its_key(tmp_path, text, key):
    (problem,) = problems_of(tmp_path, text)
    assert problem.key == key
    assert key.rsplit(".", 1)[-1] in problem.message


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        # defaults: warning 1.3, top-up 1.2, forced sale 1.1
        ("[pledge_loan]\ntop_up_line = 1.4\n", "pledge_loan.top_up_line", "top_up_line"),
        ("[pledge_loan]\nforced_sale_line = 1.25\n", "pledge_loan.top_up_line", "forced_sale"),
        # defaults: senior 0.001, mezzanine 0.01
        ("[abs]\nsenior_target = 0.01\n", "abs.senior_target", "mezzanine_target"),
        ("[abs]\nmezzanine_target = 0.0005\n", "abs.senior_target", "mezzanine_target"),
        # copper: orderly_days 30
        ("[categories.copper]\nforced_days = 40\n", "categories.copper.forced_days", "orderly"),
        # a new category takes orderly_days 60 from generic
        ("[categories.widgets]\nforced_days = 61\n", "categories.widgets.forced_days", "orderly"),
    ],
)
def test_contradiction_is_named(tmp_path, text, key, words):
    (problem,) = problems_of(tmp_path, text)
    assert problem.key == key
    assert words in problem.message


def test_forced_days_equal_to_orderly_days_is_fine(tmp_path):
    a = load_assumptions(write(tmp_path, "[categories.copper]\nforced_days = 30\n"), today=T0)
    assert a.categories["copper"].forced_days == 30


def test_unknown_channel_is_named(tmp_path):
    (problem,) = problems_of(tmp_path, '[liquidate]\nchannels = ["outlet", "ebay"]\n')
    assert problem.key == "liquidate.channels"
    assert "ebay" in problem.message
    assert "'outlet'" not in problem.message.split("known")[0]


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    problems = problems_of(
        tmp_path,
        """
        confidance = 0.99
        scenarios = 10
        seed = 1.5
        [curve]
        "abc" = 0.01
        [receipt_trust]
        buyback = "yes"
        bogus = 1
        [categories.copper]
        sigma = -0.2
        sigmaa = 0.1
        [liquidate]
        channels = ["ebay"]
        """,
    )
    assert sorted(p.key for p in problems) == sorted(
        [
            "confidance",
            "scenarios",
            "seed",
            "curve.abc",
            "receipt_trust.buyback",
            "receipt_trust.bogus",
            "categories.copper.sigma",
            "categories.copper.sigmaa",
            "liquidate.channels",
        ]
    )
    assert all(p.file == "user.toml" for p in problems)


def test_contradiction_reported_next_to_a_problem_in_another_section(tmp_path):
    problems = problems_of(tmp_path, "[abs]\nlgd = 2\n[pledge_loan]\ntop_up_line = 1.4\n")
    assert sorted(p.key for p in problems) == ["abs.lgd", "pledge_loan.top_up_line"]


def test_category_contradiction_reported_next_to_a_bad_field_of_another_category(tmp_path):
    problems = problems_of(
        tmp_path, "[categories.copper]\nsigma = -0.2\n[categories.steel]\nforced_days = 45\n"
    )
    assert sorted(p.key for p in problems) == [
        "categories.copper.sigma",
        "categories.steel.forced_days",
    ]


def test_section_given_as_a_value_is_an_input_error(tmp_path):
    problems = problems_of(tmp_path, "pledge_loan = 3\n")
    assert [p.key for p in problems] == ["pledge_loan"]


def test_curve_errors_name_the_tenor(tmp_path):
    problems = problems_of(tmp_path, '[curve]\n"1Y" = 0.01\n"1M" = 0.02\n"abc" = 0.02\n')
    assert [p.key for p in problems] == ["curve.1M", "curve.abc"]
    (empty,) = problems_of(tmp_path, "curve = {}\n")
    assert empty.key == "curve"


def test_bad_toml_syntax_is_an_input_error(tmp_path):
    (problem,) = problems_of(tmp_path, "confidence = = 0.9\n")
    assert problem.file == "user.toml"
    assert "TOML" in problem.message


def test_bad_toml_bytes_is_an_input_error():
    with pytest.raises(InputError) as info:
        load_assumptions(b"[pledge_loan\nrate = 0.05\n", name="upload.toml")
    (problem,) = info.value.problems
    assert problem.file == "upload.toml"
    assert "TOML" in problem.message


def test_non_utf8_bytes_is_an_input_error():
    with pytest.raises(InputError):
        load_assumptions("confidence = 0.9 # 置信度\n".encode("gb18030"))


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        load_assumptions(tmp_path / "nope.toml")
    (problem,) = info.value.problems
    assert problem.file == "nope.toml"
    assert "not found" in problem.message


# ----------------------------------------------------- every key range-checked, fuzzed
def _every_key() -> list[tuple[str, str]]:
    from finance.inputs.assumptions import SECTIONS, TOP_LEVEL

    keys = [("", k) for k in TOP_LEVEL if k not in ("valuation_date", "currency")]
    keys += [(s, k) for s, checks in SECTIONS.items() for k in checks if s != "liquidate"]
    return keys


@pytest.mark.parametrize(("section", "key"), _every_key())
@pytest.mark.parametrize("bad", [-1e9, 1e20, float("nan"), float("inf"), "12", [1], True])
def test_every_key_refuses_absurd_values_by_name(section, key, bad):
    if key == "buyback" and isinstance(bad, bool):
        pytest.skip("a boolean is the right type for buyback")
    doc = {section: {key: bad}} if section else {key: bad}
    with pytest.raises(InputError) as info:
        parse_assumptions(doc, file="x.toml")
    named = f"{section}.{key}" if section else key
    assert any(p.key == named for p in info.value.problems), info.value


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["confidence", "scenarios", "curve", "pledge_loan", "abs", "categories",
                         "liquidate", "valuation_date", "typo", "currency", "cash_target"]),
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                      st.dates()),
            lambda children: st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=12), children, max_size=3),
            max_leaves=8,
        ),
        max_size=4,
    )
)  # fmt: skip
def test_random_documents_raise_only_input_errors(doc):
    doc = {k: v for k, v in doc.items() if v is not None}
    try:
        parse_assumptions(doc, file="fuzz.toml")
    except InputError as exc:
        assert all(p.file in ("fuzz.toml", "assumptions.toml") for p in exc.problems)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # The [abs] receivables keys of earlier files stand for the [trade] keys.
        ({"abs": {"dso_days": 45, "obligor_pd": 0.05, "lgd": 0.5}}, (45, 0.05, 0.5)),
        # A [trade] value of the file's own wins over the deprecated one.
        ({"abs": {"dso_days": 45}, "trade": {"dso_days": 30}}, (30, 0.03, 0.6)),
        ({"trade": {"customer_pd": 0.1}}, (60, 0.1, 0.6)),
    ],
)
def test_trade_terms_and_the_deprecated_abs_keys(document, expected):
    a = parse_assumptions(document, today=dt.date(2026, 11, 24))
    assert (a.trade.dso_days, a.trade.customer_pd, a.trade.customer_lgd) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("max_loss_p95 = -1\n", "max_loss_p95"),
        ("[trade]\ndso_days = 400\n", "trade.dso_days"),
        ("[trade]\ncustomer_pd = 1.0\n", "trade.customer_pd"),
        ("[trade]\ncustomer_lgd = 1.5\n", "trade.customer_lgd"),
        ("[trade]\ndays = 4\n", "trade.days"),
    ],
)
def test_new_keys_refuse_bad_values_by_name(tmp_path, text, key):
    assert [p.key for p in problems_of(tmp_path, text)] == [key]


# ---------------------------------------------------------------------- category names


def test_no_category_names_ship(defaults):
    assert defaults.category_names == {}


def test_category_names_map_to_known_and_added_categories():
    a = parse_assumptions(
        {
            "valuation_date": T0,
            "category_names": {"男装": "apparel", " 原木 ": "lumber"},
            "categories": {"lumber": {"sigma": 0.2}},
        },
        file="user.toml",
    )
    assert a.category_names == {"男装": "apparel", "原木": "lumber"}


@pytest.mark.parametrize(
    ("names", "key", "words"),
    [
        ({"男装": "clothes"}, "category_names.男装", "'clothes' is not a known category"),
        ({"男装": "Apparel"}, "category_names.男装", "known: apparel"),
        ({"男装": 3}, "category_names.男装", "must name a category as text"),
        ({"男装": "apparel", "鞋": ["apparel"]}, "category_names.鞋", "as text"),
    ],
)
def test_bad_category_name_is_an_input_error_naming_the_key(names, key, words):
    with pytest.raises(InputError) as info:
        parse_assumptions({"category_names": names}, file="user.toml")
    (problem,) = info.value.problems
    assert problem.key == key
    assert problem.file == "user.toml"
    assert words in problem.message


def test_category_names_given_as_a_value_is_an_input_error():
    with pytest.raises(InputError) as info:
        parse_assumptions({"category_names": "apparel"}, file="user.toml")
    assert [p.key for p in info.value.problems] == ["category_names"]


def test_category_names_from_a_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[category_names]\n"男装" = "apparel"\n"女装" = "apparel"\n', encoding="utf-8")
    assert load_assumptions(path, today=T0).category_names == {"男装": "apparel", "女装": "apparel"}


# ---------------------------------------------------------------- [[liquidate.terms]]


def test_channel_terms_from_a_file_are_typed(tmp_path):
    a = load_assumptions(
        write(
            tmp_path,
            """
            [[liquidate.terms]]             # a real offer from an outlet
            channel = "outlet"
            category = "apparel"
            discount = 0.6
            days_to_cash = 10

            [[liquidate.terms]]
            channel = "livestream"
            category = "generic"
            fee = 0.3
            """,
        ),
        today=T0,
    )
    assert a.liquidate.terms == (
        ChannelTerms("outlet", "apparel", discount=0.6, days_to_cash=10),
        ChannelTerms("livestream", "generic", fee=0.3),
    )
    # the other [liquidate] key keeps its default
    assert a.liquidate.channels == ("supplier_return", "outlet", "livestream", "lower_tier")
    assert type(a.liquidate.terms[0].days_to_cash) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.liquidate.terms[0].discount = 0.1  # type: ignore[misc]


def test_a_term_may_name_a_category_the_same_file_adds():
    a = parse_assumptions(
        {
            "categories": {"bikes": {"sigma": 0.2}},
            "liquidate": {"terms": [{"channel": "outlet", "category": "bikes", "fee": 0.05}]},
        },
        today=T0,
    )
    assert a.liquidate.terms == (ChannelTerms("outlet", "bikes", fee=0.05),)


def test_a_users_terms_replace_the_defaults_terms():
    shipped = read_assumptions_file(DEFAULT_ASSUMPTIONS_FILE)
    defaults = {
        **shipped,
        "liquidate": {
            **shipped["liquidate"],
            "terms": [{"channel": "outlet", "category": "food", "fee": 0.2}],
        },
    }
    assert parse_assumptions(None, defaults=defaults, today=T0).liquidate.terms == (
        ChannelTerms("outlet", "food", fee=0.2),
    )
    user = {"liquidate": {"terms": [{"channel": "outlet", "category": "steel", "capacity": 0.5}]}}
    assert parse_assumptions(user, defaults=defaults, today=T0).liquidate.terms == (
        ChannelTerms("outlet", "steel", capacity=0.5),
    )
    assert parse_assumptions({"liquidate": {"terms": []}}, defaults=defaults).liquidate.terms == ()


OUTLET = {"channel": "outlet", "category": "apparel"}
CHANNEL_CODES = "livestream、lower_tier、outlet、supplier_return"


@pytest.mark.parametrize(
    ("terms", "key", "en", "zh"),
    [
        (
            [{**OUTLET, "discount": 1.5}],
            "liquidate.terms[1].discount",
            "liquidate.terms[1].discount = 1.5 must be within [0, 1]",
            "liquidate.terms[1].discount = 1.5 必须在 [0, 1] 范围内",
        ),
        (
            [{**OUTLET, "fee": -0.1}],
            "liquidate.terms[1].fee",
            "liquidate.terms[1].fee = -0.1 must be within [0, 1]",
            "liquidate.terms[1].fee = -0.1 必须在 [0, 1] 范围内",
        ),
        (
            [{**OUTLET, "capacity": "half"}],
            "liquidate.terms[1].capacity",
            "liquidate.terms[1].capacity must be a number, not 'half'",
            "liquidate.terms[1].capacity 必须是数字，而不是 'half'",
        ),
        (
            [{**OUTLET, "capacity": float("inf")}],
            "liquidate.terms[1].capacity",
            "liquidate.terms[1].capacity must be a finite number",
            "liquidate.terms[1].capacity 必须是有限的数字",
        ),
        (
            [{**OUTLET, "days_to_cash": 4000}],
            "liquidate.terms[1].days_to_cash",
            "liquidate.terms[1].days_to_cash = 4000 must be within [0, 3650]",
            "liquidate.terms[1].days_to_cash = 4000 必须在 [0, 3650] 范围内",
        ),
        (
            [{**OUTLET, "days_to_cash": -1}],
            "liquidate.terms[1].days_to_cash",
            "liquidate.terms[1].days_to_cash = -1 must be within [0, 3650]",
            "liquidate.terms[1].days_to_cash = -1 必须在 [0, 3650] 范围内",
        ),
        (
            [{**OUTLET, "days_to_cash": 30.5}],
            "liquidate.terms[1].days_to_cash",
            "liquidate.terms[1].days_to_cash must be a whole number, not 30.5",
            "liquidate.terms[1].days_to_cash 必须是整数，而不是 30.5",
        ),
        (
            [{**OUTLET, "discount": True}],
            "liquidate.terms[1].discount",
            "liquidate.terms[1].discount must be a number, not True",
            "liquidate.terms[1].discount 必须是数字，而不是 True",
        ),
        (
            [{**OUTLET, "price": 0.5}],
            "liquidate.terms[1].price",
            "unknown key liquidate.terms[1].price",
            "未知的键（是否拼写错误？）",
        ),
        (
            [{"category": "apparel", "discount": 0.6}],
            "liquidate.terms[1].channel",
            "no value for liquidate.terms[1].channel",
            "缺少取值",
        ),
        (
            [OUTLET, {"channel": "outlet", "category": 3}],
            "liquidate.terms[2].category",
            "liquidate.terms[2].category must be a name, not 3",
            "liquidate.terms[2].category 必须是名称（文本），而不是 3",
        ),
        (
            [{"channel": "outlets", "category": "apparel"}],
            "liquidate.terms[1].channel",
            "liquidate.terms[1].channel = 'outlets' is not a known channel; known: "
            "['livestream', 'lower_tier', 'outlet', 'supplier_return']",
            f"liquidate.terms[1].channel = “outlets” 不是已知渠道；已知渠道：{CHANNEL_CODES}",
        ),
        (
            [{"channel": "outlet", "category": "bikes"}],
            "liquidate.terms[1].category",
            "liquidate.terms[1].category = 'bikes' is not a known category; known: ",
            "liquidate.terms[1].category = “bikes” 不是已知品类；已知品类：apparel、auto_parts",
        ),
        (
            [{**OUTLET, "fee": 0.2}, {"channel": "outlet", "category": "food"}, OUTLET],
            "liquidate.terms[3]",
            "liquidate.terms[3] repeats channel 'outlet' and category 'apparel' of "
            "liquidate.terms[1]",
            "liquidate.terms[3] 与 liquidate.terms[1] 的渠道（奥特莱斯）和品类（服装）相同",
        ),
        (
            {**OUTLET, "discount": 0.6},  # a table, not an array of tables
            "liquidate.terms",
            "liquidate.terms must be an array of tables, each written [[liquidate.terms]]",
            "liquidate.terms 必须是表数组：每项写作 [[liquidate.terms]]",
        ),
        (
            [OUTLET, "outlet"],
            "liquidate.terms",
            "liquidate.terms must be an array of tables",
            "liquidate.terms 必须是表数组",
        ),
    ],
)
def test_a_bad_channel_term_is_named_in_both_languages(terms, key, en, zh):
    with pytest.raises(InputError) as info:
        parse_assumptions({"liquidate": {"terms": terms}}, file="app")
    (problem,) = info.value.problems
    assert problem.key == key
    assert problem.file == "app"
    assert str(problem).startswith(f"app, key {key}: {en}")
    assert problem.render("zh").startswith(f"app，键 {key}：{zh}")


def test_a_channel_terms_fraction_in_percent_in_both_languages():
    with pytest.raises(InputError) as info:
        parse_assumptions({"liquidate": {"terms": [{**OUTLET, "capacity": 1.2}]}}, file="app")
    (problem,) = info.value.problems
    assert problem.render_message("en", percent=True) == (
        "liquidate.terms[1].capacity = 120% must be between 0% and 100%"
    )
    assert problem.render_message("zh", percent=True) == (
        "liquidate.terms[1].capacity = 120% 必须在 0% 到 100% 之间"
    )


def test_every_bad_channel_term_is_reported_at_once(tmp_path):
    problems = problems_of(
        tmp_path,
        """
        [[liquidate.terms]]
        channel = "outlet"
        category = "apparel"
        discount = 2.0
        fee = -1
        [[liquidate.terms]]
        channel = "ebay"
        category = "food"
        days_to_cash = 99999
        """,
    )
    assert [p.key for p in problems] == [
        "liquidate.terms[1].discount",
        "liquidate.terms[1].fee",
        "liquidate.terms[2].channel",
        "liquidate.terms[2].days_to_cash",
    ]
    assert all(p.file == "user.toml" for p in problems)


def test_a_new_row_on_a_channel_with_no_generic_row_needs_every_term(monkeypatch):
    # No shipped channel lacks a generic row; a table with one that does.
    table = load_channels()
    barter = (
        table[table["channel"] == "outlet"].query("category == 'food'").assign(channel="barter")
    )
    monkeypatch.setattr(
        "finance.inputs.assumptions.load_channels",
        lambda: pd.concat([table, barter], ignore_index=True),
    )
    term = {"channel": "barter", "category": "steel", "discount": 0.1}
    with pytest.raises(InputError) as info:
        parse_assumptions({"liquidate": {"terms": [term]}}, file="app")
    (problem,) = info.value.problems
    assert problem.key == "liquidate.terms[1]"
    assert "'fee', 'capacity', 'days_to_cash'" in problem.message
    assert problem.render("zh").startswith(
        "app，键 liquidate.terms[1]：liquidate.terms[1]：渠道（barter）既没有品类（钢材）的条款"
    )
    whole = {**term, "fee": 0.0, "capacity": 0.5, "days_to_cash": 3}
    a = parse_assumptions({"liquidate": {"terms": [whole]}}, today=T0)
    assert a.liquidate.terms == (ChannelTerms("barter", "steel", 0.1, 0.0, 0.5, 3),)


@pytest.mark.parametrize("value", [0, 0.0, 0.25, 1])
def test_alert_change_takes_any_fraction(value):
    assert make_assumptions(alert_change=value).alert_change == float(value)
