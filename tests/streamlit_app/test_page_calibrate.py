"""Calibrate page: the sample history's estimates, their backtest, applied to the assumptions."""

from __future__ import annotations

import getpass
import re

import pytest

from finance import parse_assumptions
from finance.calibration import calibrate, read_history
from finance.paths import DATA_DIR
from streamlit_app.support import DOC
from ui.i18n import catalog
from ui.state import (
    ASSUMPTIONS,
    CALIBRATE_APPLY,
    CALIBRATE_CATEGORY,
    CALIBRATE_SAMPLE,
    CATEGORY_BASE,
)

SAMPLE_HISTORY = DATA_DIR / "sample_history.csv"


def _sample_page(open_page, lang="en"):
    at = open_page("calibrate", lang=lang)
    at.button(key=CALIBRATE_SAMPLE).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_before_a_history_is_chosen_the_page_says_what_to_do(open_page):
    at = open_page("calibrate")
    assert at.title[0].value == catalog("en")["calibrate.title"]
    assert any("sample_history.csv" in i.value for i in at.info)
    assert not at.dataframe


def test_the_sample_history_estimates_apply_to_the_assumptions(open_page):
    at = _sample_page(open_page)
    expected = calibrate(read_history(SAMPLE_HISTORY))
    estimates = at.dataframe[0].value
    assert list(estimates.columns) == [
        "category", "field", "estimate", "std_error", "months", "applied",
    ]  # fmt: skip
    assert len(estimates) == sum(len(c.estimates) for c in expected.categories) > 8 * 4
    assert set(estimates["category"]) >= {"Apparel", "Copper", "Steel"}
    apparel = expected.categories[0]
    sigma = next(e for e in apparel.estimates if e.field == "sigma")
    row = estimates[(estimates["category"] == "Apparel") & estimates["field"].str.contains("olat")]
    assert row["estimate"].iloc[0] == pytest.approx(sigma.estimate * 100)
    assert row["std_error"].iloc[0] == pytest.approx(sigma.std_error * 100)
    # The backtest's summary: one row per category.
    summary = at.dataframe[1].value
    assert len(summary) == 8 and summary["months_outside"].between(0, 12).all()
    assert "categories" not in at.session_state[ASSUMPTIONS]

    at.button(key=CALIBRATE_APPLY).click().run()
    assert not at.exception
    doc = at.session_state[ASSUMPTIONS]
    assert set(doc["categories"]) == {c.category for c in expected.categories}
    assert doc["categories"]["apparel"] == apparel.overrides
    a = parse_assumptions(doc)
    assert a.categories["apparel"].sigma == pytest.approx(apparel.overrides["sigma"])
    assert a.categories["apparel"].demand_sigma == pytest.approx(apparel.overrides["demand_sigma"])
    assert a.valuation_date == DOC["valuation_date"]  # the rest of the session's document stays
    assert any("Applied to the assumptions" in s.value for s in at.success)

    # The Assumptions page shows the applied values in its category table.
    at.switch_page("app_pages/assumptions.py").run()
    assert not at.exception
    table = at.session_state[f"{CATEGORY_BASE}.en"].set_index("category")
    assert table.loc["apparel", "sigma"] == pytest.approx(apparel.overrides["sigma"] * 100)
    assert table.loc["apparel", "demand_sigma"] == pytest.approx(
        apparel.overrides["demand_sigma"] * 100
    )
    at.switch_page("app_pages/calibrate.py").run()
    assert not at.exception


def test_another_category_is_charted(open_page):
    at = _sample_page(open_page)
    charts = len(at.get("vega_lite_chart"))
    assert charts == 4
    at.selectbox(key=f"{CALIBRATE_CATEGORY}.en").set_value("copper").run()
    assert not at.exception
    assert at.selectbox(key=f"{CALIBRATE_CATEGORY}.en").value == "copper"


def test_a_bad_history_shows_its_problems(open_page):
    at = open_page("calibrate")
    at.session_state["calibrate_history"] = (
        "bad.csv",
        b"month,category,avg_price\n2021-01,apparel,10\n",
        "0" * 64,
    )
    at.run()
    assert not at.exception
    assert at.error and "bad.csv" in at.error[0].value
    assert "units_sold" in at.table[0].value.to_string()


_LATIN = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")
#: Markdown directives, not words: the sidebar's date badge (``:blue-badge[:material/event:``).
_DIRECTIVES = re.compile(r":[a-z]+-badge\[|:material/[a-z_]+:|sample_history\.csv")


def test_chinese(open_page):
    at = _sample_page(open_page, lang="zh")
    assert at.title[0].value == catalog("zh")["calibrate.title"]
    estimates = at.dataframe[0].value
    assert "服装" in set(estimates["category"]) and "价格波动率（年，%）" in set(estimates["field"])
    texts = [
        *(x.value for x in at.markdown),
        *(x.value for x in at.caption),
        *(x.value for x in at.info),
        *(x.value for x in at.subheader),
        *(b.label for b in at.button),
        *estimates["category"],
        *estimates["field"],
    ]
    words = {w for text in texts for w in _LATIN.findall(_DIRECTIVES.sub("", text))}
    # The sidebar names the app's user (the operating system's without sign-in): a name.
    assert not words - {getpass.getuser()}, words
    at.button(key=CALIBRATE_APPLY).click().run()
    assert "已应用到假设" in at.success[0].value
    assert "apparel" in at.session_state[ASSUMPTIONS]["categories"]
