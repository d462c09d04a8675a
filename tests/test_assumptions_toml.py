"""Tests of finance/export/assumptions_toml.py: the assumptions saved as TOML and read back."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from conftest import T0
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import load_assumptions
from finance.inputs.assumptions import (
    DEFAULT_ASSUMPTIONS_FILE,
    DEPRECATED_ABS_KEYS,
    SECTIONS,
    TOP_LEVEL,
    Assumptions,
    parse_assumptions,
)
from finance.inputs.categories import CATEGORY_FIELDS
from finance.inputs.channels import ChannelTerms, effective_channels
from finance.report.assumptions_toml import assumptions_document, assumptions_toml

# A user's document that changes something everywhere: top-level values, a new category
# (with a Chinese label and two season ends), a changed category, a new curve and a trust
# with buyback.
OVERRIDES = {
    "valuation_date": dt.date(2027, 3, 15),
    "currency": "USD",
    "confidence": 0.975,
    "margin_period_days": 21,
    "correlation": 0.45,
    "discount_rate": 0.065,
    "concentration_limit": 0.3,
    "alert_change": 0.15,
    "scenarios": 2000,
    "seed": 123,
    "cash_target": 2_500_000.5,
    "curve": {"3M": 0.021, "1Y": 0.0235, "10Y": 0.031},
    "pledge_loan": {"requested": 1_000_000, "rate": 0.039, "interest_period_months": 1},
    "receipt_trust": {"buyback": True, "senior_coupon": 0.042, "tenor_months": 9},
    "abs": {"dso_days": 45, "rating_fee": 250_000.0},
    "liquidate": {
        "channels": ["outlet", "livestream"],
        # an outlet's offer, generic's livestream fee, and the outlet for the new category
        "terms": [
            {"channel": "outlet", "category": "apparel", "discount": 0.55, "days_to_cash": 20},
            {"channel": "livestream", "category": "generic", "fee": 0.18},
            {"channel": "outlet", "category": "lumber", "capacity": 0.05},
        ],
    },
    # the company's own names, one of them for a category the same document adds
    "category_names": {"男装": "apparel", "原木": "lumber"},
    "categories": {
        "copper": {"sigma": 0.31, "season_ends": ["03-31"], "markdown": 0.02},
        "apparel": {"label_zh": "时装", "receipt_eligible": True},
        "lumber": {
            "label_zh": "木材",
            "sigma": 0.18,
            "erosion": 0.015,
            "markdown": 0.05,
            "season_ends": ["03-31", "09-30"],
            "shelf_life_days": 900,
            "salvage": 0.2,
            "aging_limit_days": 540,
            "orderly_days": 40,
            "forced_days": 10,
            "months_to_clear": 4.5,
            "receipt_eligible": True,
        },
    },
}


@pytest.fixture(scope="module")
def defaults() -> Assumptions:
    return load_assumptions(today=T0)


@pytest.fixture(scope="module")
def changed() -> Assumptions:
    return parse_assumptions(OVERRIDES, file="user.toml")


def test_overrides_took_effect(changed, defaults):
    # the round trip below would prove nothing if the overrides had been dropped
    assert changed != defaults
    assert changed.curve == (("3M", 0.021), ("1Y", 0.0235), ("10Y", 0.031))
    assert changed.receipt_trust.buyback is True
    assert changed.categories["lumber"].label_zh == "木材"
    assert changed.categories["lumber"].season_ends == ("03-31", "09-30")
    assert changed.category_names == {"男装": "apparel", "原木": "lumber"}
    assert changed.liquidate.terms == (
        ChannelTerms("outlet", "apparel", discount=0.55, days_to_cash=20),
        ChannelTerms("livestream", "generic", fee=0.18),
        ChannelTerms("outlet", "lumber", capacity=0.05),
    )


@pytest.mark.parametrize("which", ["defaults", "changed"])
def test_round_trip(which, request):
    a = request.getfixturevalue(which)
    data = assumptions_toml(a)
    assert isinstance(data, bytes)
    assert load_assumptions(data, name="x.toml") == a


@pytest.mark.parametrize("which", ["defaults", "changed"])
def test_round_trip_through_a_file(which, request, tmp_path):
    a = request.getfixturevalue(which)
    path = tmp_path / "saved.toml"
    path.write_bytes(assumptions_toml(a))
    assert load_assumptions(path) == a


def test_saved_file_does_not_depend_on_the_shipped_defaults(changed):
    # Loaded after the shipped defaults change, the saved document gives the same result.
    other = tomllib.loads(DEFAULT_ASSUMPTIONS_FILE.read_text(encoding="utf-8"))
    other["confidence"] = 0.95
    other["valuation_date"] = dt.date(2030, 1, 1)
    other["curve"] = {"1M": 0.05, "30Y": 0.06}
    other["pledge_loan"] = {**other["pledge_loan"], "rate": 0.09, "requested": 7}
    other["receipt_trust"] = {**other["receipt_trust"], "buyback": False}
    other["categories"] = {"generic": {"sigma": 0.9}, "copper": {"erosion": 0.4}}
    saved = tomllib.loads(assumptions_toml(changed).decode("utf-8"))
    assert parse_assumptions(saved, file="x.toml", defaults=other) == changed


@pytest.mark.parametrize("which", ["defaults", "changed"])
def test_document_names_every_key(which, request):
    a = request.getfixturevalue(which)
    doc = tomllib.loads(assumptions_toml(a).decode("utf-8"))
    assert set(TOP_LEVEL) <= set(doc)
    for section, checks in SECTIONS.items():
        # The deprecated [abs] receivables keys are read, never written: [trade] has them.
        written = set(checks) - (set(DEPRECATED_ABS_KEYS) if section == "abs" else set())
        assert set(doc[section]) == written, section
    assert doc["valuation_date"] == a.valuation_date
    assert tuple(doc["curve"].items()) == a.curve
    assert set(doc["categories"]) == set(a.categories)
    assert doc["category_names"] == a.category_names
    for name, table in doc["categories"].items():
        assert set(table) == set(CATEGORY_FIELDS), name
    assert doc == assumptions_document(a)


def test_bytes_are_utf8_toml_and_chinese_labels_survive(changed):
    data = assumptions_toml(changed)
    text = data.decode("utf-8")  # strict: raises on anything but UTF-8
    assert not data.startswith(b"\xef\xbb\xbf")
    assert text.startswith("#")
    # written as characters, not \u escapes, so a user reads them in any editor
    for label in ("木材", "时装", "铜", "食品"):
        assert label in text
        assert label.encode("utf-8") in data
    doc = tomllib.loads(text)
    assert doc["categories"]["lumber"]["label_zh"] == "木材"
    assert doc["categories"]["apparel"]["label_zh"] == "时装"
    assert doc["categories"]["food"]["label_zh"] == "食品"
    loaded = load_assumptions(data, name="x.toml")
    assert {n: c.label_zh for n, c in loaded.categories.items()} == {
        n: c.label_zh for n, c in changed.categories.items()
    }


def test_a_category_name_that_is_not_a_bare_key_round_trips():
    a = parse_assumptions(
        {"valuation_date": T0, "categories": {"钢材 (rebar)": {"sigma": 0.27, "label_zh": "钢材"}}}
    )
    assert load_assumptions(assumptions_toml(a), name="x.toml") == a


@settings(max_examples=25, deadline=None)
@given(
    confidence=st.floats(0.5001, 0.9999),
    rate=st.floats(-0.2, 1.0),
    sigma=st.floats(0.0, 5.0),
    markdown=st.floats(0.0, 1.0),
    requested=st.floats(0.0, 1e12),
    buyback=st.booleans(),
    day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
)
def test_round_trip_keeps_every_float_exactly(
    confidence, rate, sigma, markdown, requested, buyback, day
):
    a = parse_assumptions(
        {
            "valuation_date": day,
            "confidence": confidence,
            "curve": {"6M": rate, "2Y": rate / 2},
            "pledge_loan": {"requested": requested},
            "receipt_trust": {"buyback": buyback},
            "categories": {"steel": {"sigma": sigma}, "new_one": {"markdown": markdown}},
        }
    )
    assert load_assumptions(assumptions_toml(a), name="x.toml") == a


def test_saved_channel_terms_reproduce_the_channel_table(changed):
    # Only the rows changed are written, as [[liquidate.terms]]: the table they give back
    # is the run's.
    saved = tomllib.loads(assumptions_toml(changed).decode("utf-8"))
    assert saved["liquidate"]["terms"] == [
        {"channel": "outlet", "category": "apparel", "discount": 0.55, "days_to_cash": 20},
        {"channel": "livestream", "category": "generic", "fee": 0.18},
        {"channel": "outlet", "category": "lumber", "capacity": 0.05},
    ]
    again = load_assumptions(assumptions_toml(changed), name="x.toml")
    assert effective_channels(again.liquidate.terms).equals(
        effective_channels(changed.liquidate.terms)
    )
    assert not effective_channels(changed.liquidate.terms).equals(effective_channels())


def test_no_channel_terms_is_an_empty_list(defaults):
    assert tomllib.loads(assumptions_toml(defaults).decode("utf-8"))["liquidate"]["terms"] == []
