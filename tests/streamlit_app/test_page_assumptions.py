"""Assumptions page: edits reach the valuation, TOML loads and saves, problems are named."""

from __future__ import annotations

import re
import tomllib

import pytest

from finance import load_assumptions
from finance.report.assumptions_toml import assumptions_toml
from streamlit_app.support import DOC, problem_table
from ui.state import (
    ASSUMPTIONS,
    ASSUMPTIONS_TAB,
    ASSUMPTIONS_UPLOAD,
    CATEGORY_EDITOR,
    CHANNEL_BASE,
    CHANNEL_EDITOR,
    CURVE_EDITOR,
    RESET,
)


def test_a_field_edit_reaches_the_collateral_page(open_page):
    at = open_page("assumptions")
    assert at.number_input(key="a.confidence").value == pytest.approx(99.0)
    at.number_input(key="a.confidence").set_value(95.0).run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["confidence"] == 0.95
    at.number_input(key="a.pledge_loan.rate").set_value(6.0).run()
    assert at.session_state[ASSUMPTIONS]["pledge_loan"]["rate"] == 0.06
    at.switch_page("app_pages/collateral.py").run()
    assert not at.exception
    # A lower confidence means a smaller portfolio haircut than at 99% (22.7%).
    haircut = next(m.value for m in at.metric if m.label == "Portfolio haircut")
    assert float(haircut.rstrip("%")) < 22.0


def test_category_editor_overrides_one_field(open_page):
    at = open_page("assumptions")
    frame = at.dataframe  # the editors are data_editor elements, not dataframes
    assert frame is not None
    at.session_state[f"{CATEGORY_EDITOR}.en"] = {
        "edited_rows": {0: {"sigma": 50.0}},  # rates in percent, like the form
        "added_rows": [{"category": "bicycles", "sigma": 30.0, "label_zh": "自行车"}],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    categories = at.session_state[ASSUMPTIONS]["categories"]
    assert categories == {
        "apparel": {"sigma": 0.5},
        "bicycles": {"sigma": 0.3, "label_zh": "自行车"},
    }
    a = load_assumptions(None)
    assert a.categories["apparel"].sigma != 0.5  # the defaults themselves are untouched
    # Undoing the edit undoes the override.
    at.session_state[f"{CATEGORY_EDITOR}.en"] = {
        "edited_rows": {0: {"sigma": a.categories["apparel"].sigma * 100}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.session_state[ASSUMPTIONS]["categories"] == {}


def test_curve_editor_replaces_the_curve(open_page):
    at = open_page("assumptions")
    at.session_state[f"{CURVE_EDITOR}.en"] = {
        "edited_rows": {0: {"rate_pct": 2.5}},
        "added_rows": [],
        "deleted_rows": [6],
    }
    at.run()
    assert not at.exception
    curve = at.session_state[ASSUMPTIONS]["curve"]
    assert curve["1M"] == 0.025
    assert "5Y" not in curve and len(curve) == 6


def test_contradiction_is_named_and_reset_recovers(open_page):
    at = open_page("assumptions", doc={"pledge_loan": {"top_up_line": 1.5}})
    assert "problem" in at.error[0].value
    problems = problem_table(at)
    assert any("top_up_line" in str(k) for k in problems["Field"])
    at.switch_page("app_pages/financing.py").run()
    assert not at.exception and at.error  # result pages stop with the same message
    at.switch_page("app_pages/assumptions.py").run()
    at.button(key="reset_after_problem").click().run()
    assert at.session_state[ASSUMPTIONS] == {}
    assert not at.error


def test_load_a_toml_file(open_page):
    at = open_page("assumptions")
    text = assumptions_toml(load_assumptions(None)).decode()
    text = text.replace("confidence = 0.99", "confidence = 0.975")
    at.file_uploader(key=ASSUMPTIONS_UPLOAD).set_value(
        ("mine.toml", text.encode(), "application/toml")
    ).run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["confidence"] == 0.975
    assert at.number_input(key="a.confidence").value == pytest.approx(97.5)


def test_a_bad_toml_file_changes_nothing(open_page):
    at = open_page("assumptions")
    at.file_uploader(key=ASSUMPTIONS_UPLOAD).set_value(
        ("typo.toml", b"confidance = 0.9\n[pledge_loan]\nrate = -1\n", "application/toml")
    ).run()
    assert not at.exception
    assert "not loaded: 2 problem(s)" in at.error[0].value
    assert at.session_state[ASSUMPTIONS] == DOC


def test_save_offers_the_current_assumptions(open_page):
    at = open_page("assumptions", doc={"confidence": 0.97})
    button = at.get("download_button")[0]
    assert button.proto.label == "Save the assumptions (TOML)"
    # What it saves: the merged assumptions, which load back to the same values.
    doc = tomllib.loads(assumptions_toml(load_assumptions(None)).decode())
    assert doc["confidence"] == 0.99


def test_reset(open_page):
    at = open_page("assumptions", doc={"confidence": 0.97})
    assert at.number_input(key="a.confidence").value == pytest.approx(97.0)
    at.button(key=RESET).click().run()
    assert at.session_state[ASSUMPTIONS] == {}
    # The form shows the defaults again, not the values typed before.
    assert at.number_input(key="a.confidence").value == pytest.approx(99.0)


def test_chinese(open_page):
    at = open_page("assumptions", lang="zh")
    assert at.title[0].value == "假设参数" or "假设" in at.title[0].value
    assert any("置信度" in n.label for n in at.number_input)


def test_trade_terms_and_risk_limit(open_page):
    at = open_page("assumptions")
    assert not at.exception
    tabs = [tab.label for tab in at.tabs]
    assert "Trade terms" in tabs
    assert at.number_input(key="a.trade.customer_pd").value == pytest.approx(3.0)
    assert at.number_input(key="a.trade.customer_pd").label == "Customer default probability (%)"
    assert at.number_input(key="a.trade.dso_days").value == 60
    # The moved keys are gone from the ABS tab.
    keys = {n.key for n in at.number_input}
    assert not keys & {"a.abs.dso_days", "a.abs.obligor_pd", "a.abs.lgd"}
    at.number_input(key="a.trade.customer_lgd").set_value(45.0).run()
    at.number_input(key="a.trade.dso_days").set_value(90).run()
    at.number_input(key="a.max_loss_p95").set_value(8_000_000.0).run()
    assert not at.exception
    doc = at.session_state[ASSUMPTIONS]
    assert doc["trade"] == {"customer_lgd": 0.45, "dso_days": 90}
    assert doc["max_loss_p95"] == 8_000_000.0
    assert at.number_input(key="a.max_loss_p95").label == "Risk limit: 95% loss kept (CNY)"


def test_chinese_trade_terms_tab(open_page):
    at = open_page("assumptions", lang="zh")
    assert "贸易条件" in [tab.label for tab in at.tabs]
    assert at.number_input(key="a.trade.customer_pd").label == "客户违约概率 (%)"


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "en",
            "Lender's confidence = 40% must be between 50% and 100% (neither 50% nor 100% itself)",
        ),
        ("zh", "贷款方置信度 = 40% 须在 50% 与 100% 之间（不含 50% 和 100%）"),
    ],
)
def test_a_percent_field_takes_and_speaks_percent(open_page, lang, message):
    at = open_page("assumptions", lang=lang)
    at.number_input(key="a.confidence").set_value(40.0).run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["confidence"] == 0.4  # 40 in a % field is 40%
    fields, messages = problem_table(at).T.to_numpy()  # the field, the problem
    assert list(messages) == [message]
    assert "confidence" in fields[0]
    assert at.number_input(key="a.confidence").value == pytest.approx(40.0)


def test_the_tab_being_edited_stays_open(open_page):
    at = open_page("assumptions")
    lender = at.tabs[1].label
    assert lender == "Lender"
    at.session_state[f"{ASSUMPTIONS_TAB}.en"] = lender  # the user opens the Lender tab
    at.run()
    at.number_input(key="a.confidence").set_value(40.0).run()  # invalid: a problem table appears
    assert at.error
    assert at.session_state[f"{ASSUMPTIONS_TAB}.en"] == lender
    at.number_input(key="a.confidence").set_value(95.0).run()  # valid again: the table goes
    assert not at.error
    assert at.session_state[f"{ASSUMPTIONS_TAB}.en"] == lender


# ------------------------------------------------------------------ channel terms
def _channel_row(at, channel, category, lang="en"):
    """The editor's row number of (channel, category), from the frame it was given."""
    base = at.session_state[f"{CHANNEL_BASE}.{lang}"]
    rows = base.index[(base["channel"] == channel) & (base["category"] == category)]
    assert len(rows) == 1, (channel, category)
    return int(rows[0]), base


def test_channel_terms_show_the_inventorys_categories_in_percent(open_page):
    at = open_page("assumptions")
    row, base = _channel_row(at, "outlet", "apparel")
    shown = base.loc[row]
    assert (shown["channel_name"], shown["category_name"]) == ("Outlet", "Apparel")
    assert (shown["discount"], shown["fee"], shown["capacity"]) == (50.0, 10.0, 40.0)
    assert shown["days_to_cash"] == 45
    assert "MKDN" in shown["note"]
    # every category of the sample, and only the rows a channel has: steel only at the
    # lower-tier market; the sample's generic lots use each channel's generic row
    assert set(base["category"]) == {
        "apparel", "electronics", "food", "home_appliances", "auto_parts", "steel", "copper",
        "generic",
    }  # fmt: skip
    assert base.loc[base["category"] == "steel", "channel"].tolist() == ["lower_tier"]
    assert not base[["channel", "category"]].duplicated().any()


def test_editing_a_channel_term_changes_the_stored_assumptions(open_page):
    at = open_page("assumptions")
    row, _ = _channel_row(at, "outlet", "apparel")
    at.session_state[f"{CHANNEL_EDITOR}.en"] = {
        "edited_rows": {row: {"discount": 60.0, "days_to_cash": 10}},  # percent, like the form
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert not at.error
    terms = at.session_state[ASSUMPTIONS]["liquidate"]["terms"]
    assert terms == [
        {"channel": "outlet", "category": "apparel", "discount": 0.6, "days_to_cash": 10}
    ]
    # the assumptions in force carry the offer, and the saved file with them
    a = load_assumptions(None)
    assert a.liquidate.terms == ()  # the defaults themselves are untouched
    saved = tomllib.loads(assumptions_toml_of(at).decode())
    assert saved["liquidate"]["terms"] == terms
    # Putting the shipped figures back drops the entry.
    at.session_state[f"{CHANNEL_EDITOR}.en"] = {
        "edited_rows": {row: {"discount": 50.0, "days_to_cash": 45}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.session_state[ASSUMPTIONS]["liquidate"]["terms"] == []


def assumptions_toml_of(at):
    """What the page's save button would save: the session's assumptions as TOML."""
    from finance import parse_assumptions

    return assumptions_toml(parse_assumptions(at.session_state[ASSUMPTIONS], file="app"))


@pytest.mark.parametrize(
    ("lang", "field", "message"),
    [
        (
            "en",
            "Discount of Outlet for Apparel (liquidate.terms[1].discount)",
            "Discount of Outlet for Apparel = 150% must be between 0% and 100%",
        ),
        (
            "zh",
            "奥特莱斯（服装）的折价率 (liquidate.terms[1].discount)",
            "奥特莱斯（服装）的折价率 = 150% 须在 0% 与 100% 之间",
        ),
    ],
)
def test_a_bad_channel_term_is_named_in_the_pages_language(open_page, lang, field, message):
    at = open_page("assumptions", lang=lang)
    row, _ = _channel_row(at, "outlet", "apparel", lang)
    at.session_state[f"{CHANNEL_EDITOR}.{lang}"] = {
        "edited_rows": {row: {"discount": 150.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["liquidate"]["terms"][0]["discount"] == 1.5
    fields, messages = problem_table(at).T.to_numpy()
    assert list(fields) == [field]
    assert list(messages) == [message]


def test_a_chinese_session_shows_the_channel_terms_in_chinese(open_page):
    at = open_page("assumptions", lang="zh")
    _, base = _channel_row(at, "outlet", "apparel", "zh")
    shown = base[["channel_name", "category_name", "note"]].to_numpy().ravel()
    # the source tags of docs/model.md are codes, not words
    english = [
        v for v in shown if re.search(r"[A-Za-z]{3,}", v.replace("MKDN", "").replace("EXCH", ""))
    ]
    assert english == []
    assert "奥特莱斯" in set(base["channel_name"])


def test_reset_forgets_the_channel_terms(open_page):
    at = open_page("assumptions")
    row, _ = _channel_row(at, "livestream", "food")
    at.session_state[f"{CHANNEL_EDITOR}.en"] = {
        "edited_rows": {row: {"fee": 20.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.session_state[ASSUMPTIONS]["liquidate"]["terms"] == [
        {"channel": "livestream", "category": "food", "fee": 0.2}
    ]
    at.button(key=RESET).click().run()
    assert at.session_state[ASSUMPTIONS] == {}
    _, base = _channel_row(at, "livestream", "food")
    assert (
        base.loc[base["category"] == "food"].query("channel == 'livestream'")["fee"].item() == 25.0
    )
