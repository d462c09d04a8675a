"""Financing options page: the recommendation, the mix, the comparison, structures, stresses."""

from __future__ import annotations

import json
import re

import pytest

from finance import evaluate, load_inventory, parse_assumptions
from finance.decision.recommendation import Recommendation
from streamlit_app.support import DOC, SAMPLE
from ui.recommendation import ROUTES
from ui.state import ASSUMPTIONS, CASH_TARGET, DETAILS_TAB, MAX_LOSS, STRESS_OPEN

LABELS = {"pledge_loan": "Pledge loan", "abs": "Receivables ABS", "hold": "Hold",
          "liquidate": "Liquidate", "receipt_trust": "Receipt trust",
          "mix": "Mix of routes"}  # fmt: skip
CATEGORIES = {"apparel": "Apparel", "electronics": "Electronics", "food": "Food",
              "home_appliances": "Home appliances", "auto_parts": "Auto parts", "steel": "Steel",
              "copper": "Copper", "generic": "Other"}  # fmt: skip


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _valued(**doc):
    return evaluate(load_inventory(SAMPLE), parse_assumptions({**DOC, **doc}))


#: No clearance channel and an ABS too small for its fees: a CNY 40m target is met by the
#: pledge loan (the mix, no better by more than its materiality, is the loan too).
PLEDGE = {
    "cash_target": 40_000_000.0,
    "liquidate": {"channels": []},
    "abs": {"max_fixed_cost_share": 0.001},
}


def test_recommendation_box_names_the_risks(open_page, sample_result):
    at = open_page("financing")
    rec = sample_result.recommendation
    assert rec.is_recommendation and rec.option in ("liquidate", "mix")
    assert at.success[0].value == f"Recommended: {LABELS[rec.option]}"
    assert not at.warning
    words = at.markdown[0].value
    assert LABELS[rec.option] in words and f"CNY {rec.npv:,.0f}" in words
    risks = dict(rec.risks)
    assert f"95% loss kept is CNY {risks['loss_p95']:,.0f}" in words
    first = next(m for m in at.metric if m.label == "Cash now (CNY)")  # the ABS tab has one too
    assert first.help == f"CNY {rec.cash_now:,.0f}"


def test_a_recommended_loan_names_its_coverage_and_lines(open_page):
    at = open_page("financing", doc=PLEDGE)
    rec = _valued(**PLEDGE).recommendation
    assert rec.option in ("pledge_loan", "mix")
    assert at.success[0].value == f"Recommended: {LABELS[rec.option]}"
    words = at.markdown[0].value
    risks = dict(rec.risks)
    assert f"coverage {risks['coverage']:.2f}×" in words
    assert f"forced-sale line in {risks['p_forced_sale']:.2%}" in words
    assert f"warning line in {risks['p_warning']:.2%} of scenarios" in words


def test_a_mix_says_what_goes_where(open_page):
    doc = {"cash_target": 100_000_000.0}
    at = open_page("financing", doc=doc)
    rec = _valued(**doc).recommendation
    assert rec.option == "mix"
    words = at.markdown[0].value
    category, route, share = rec.allocation[0]
    assert f"{share:.0%} of {CATEGORIES[category]} into {LABELS[route]}" in words


def test_comparison_leads_with_npv_vs_hold(open_page, sample_result):
    at = open_page("financing")
    table = _frame(at, "npv_vs_hold")
    assert table.columns[:3].tolist() == ["option", "cash_now", "npv_vs_hold"]
    assert table["option"].tolist() == [LABELS[o] for o in sample_result.options["option"]]
    assert "Mix of routes" in table["option"].tolist()
    assert table["npv_vs_hold"].tolist() == pytest.approx(
        sample_result.options["npv_vs_hold"].tolist()
    )
    assert set(table["status"]) == {"Feasible"}


def test_mix_table_and_chart(open_page, sample_result):
    at = open_page("financing")
    mix = sample_result.mix
    table = _frame(at, "liquidate")  # one row per category, one share column per route used
    routes = [r for r in ROUTES if r in set(mix["route"])]
    assert table.columns.tolist() == ["category", "market_value", "cash_now", *routes]
    assert sorted(table["category"]) == sorted(CATEGORIES[c] for c in mix["category"].unique())
    assert table["market_value"].is_monotonic_decreasing
    shares = table.set_index("category")
    for row in mix.itertuples():
        assert shares.loc[CATEGORIES[row.category], row.route] == pytest.approx(row.share)
    assert shares[routes].sum(axis=1).tolist() == pytest.approx([1.0] * len(shares))
    assert table["cash_now"].sum() == pytest.approx(mix["cash_now"].sum())
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 2  # the mix and the cash-against-loss chart
    spec = charts[0].proto.spec
    assert '"Liquidate"' in spec and "#b5543c" in spec  # a fixed colour per route


def test_cash_target_out_of_reach_recommends_nothing(open_page):
    at = open_page("financing")
    at.number_input(key=CASH_TARGET).set_value(500_000_000.0).run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["cash_target"] == 500_000_000.0
    expected = _valued(cash_target=500_000_000.0).recommendation
    assert expected.kind == "target_out_of_reach"
    assert not at.success
    box = at.warning[0].value
    assert "no route raises the cash target of CNY 500,000,000" in box
    assert f"CNY {expected.max_cash:,.0f}, by {LABELS[expected.max_cash_option]}" in box
    # The mix raising the most cash is shown, short of the target.
    table = _frame(at, "npv_vs_hold")
    mix = table.loc[table["option"] == "Mix of routes"]
    assert mix["cash_now"].item() == pytest.approx(expected.max_cash)


def test_cash_target_changes_the_recommendation(open_page):
    at = open_page("financing")
    at.number_input(key=CASH_TARGET).set_value(90_000_000.0).run()
    assert not at.exception
    expected = _valued(cash_target=90_000_000.0).recommendation
    assert at.success[0].value == f"Recommended: {LABELS[expected.option]}"
    assert "among the routes raising CNY 90,000,000" in at.markdown[0].value
    assert f"It raises CNY {expected.cash_now:,.0f} now" in at.markdown[0].value


def test_risk_limit_sets_max_loss_p95(open_page):
    at = open_page("financing")
    assert at.number_input(key=MAX_LOSS).value == 0.0
    at.number_input(key=MAX_LOSS).set_value(1_000_000.0).run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["max_loss_p95"] == 1_000_000.0
    expected = _valued(max_loss_p95=1_000_000.0).recommendation
    assert expected.kind == "target_out_of_reach"
    assert not at.success
    box = at.warning[0].value
    assert "within the risk limit of CNY 1,000,000" in box
    assert f"CNY {expected.max_cash:,.0f}" in box
    assert "The smallest 95% loss kept is" in at.markdown[0].value
    # The limit reaches the Assumptions page's field too.
    at.switch_page("app_pages/assumptions.py").run()
    assert at.number_input(key="a.max_loss_p95").value == 1_000_000.0


def test_an_infeasible_route_shows_its_reason(open_page):
    at = open_page("financing", doc={"liquidate": {"channels": []}})
    reasons = [m.value for m in at.markdown if "is not feasible" in m.value]
    assert reasons == ["**Liquidate** is not feasible: no channel pays more than holding the stock"]
    table = _frame(at, "npv_vs_hold")
    row = table[table["option"] == "Liquidate"]
    assert row["status"].item() == "Not feasible"
    assert row["notes"].item() == "no channel pays more than holding the stock"


def test_structures_and_stress(open_page, sample_result):
    at = open_page("financing")
    loan = sample_result.pledge_loan
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["All-in annual cost"] == f"{loan.all_in_cost:.2%}"
    assert metrics["Coverage at drawdown"] == f"{loan.coverage:.2f}×"
    frames = [d.value for d in at.dataframe]
    triggers = next(f for f in frames if "collateral_at_line" in f)
    assert triggers["line"].tolist() == ["Warning line", "Top-up line", "Forced-sale line"]
    # Only the open structure tab is drawn: the ABS tab's tables come with a click on it.
    assert not any("attachment" in f for f in frames)
    at.session_state[f"{DETAILS_TAB}.en"] = LABELS["abs"]
    at.run()
    frames = [d.value for d in at.dataframe]
    assert not any("collateral_at_line" in f for f in frames)
    tranches = next(f for f in frames if "attachment" in f)
    assert tranches["tranche"].tolist() == ["Senior", "Mezzanine", "Equity (company)"]
    # The stress test runs when opened.
    assert not any("recommended_option" in f for f in frames)
    at.session_state[STRESS_OPEN] = True
    at.run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    headline = next(f for f in frames if "recommended_option" in f)
    assert headline["stress"].tolist()[0] == "Base"
    assert len(headline) == 6
    assert set(headline["recommended_option"]) <= set(LABELS.values())
    assert headline["borrowing_base"].iloc[0] == pytest.approx(
        sample_result.summary["borrowing_base"]
    )
    by_route = next(f for f in frames if "Mix of routes" in f.columns)
    assert by_route.columns.tolist() == [
        "stress",
        *[LABELS[o] for o in sample_result.options["option"]],
    ]


def test_chinese_page_reads_chinese(open_page, sample_result):
    at = open_page("financing", lang="zh", doc=PLEDGE)
    assert at.success[0].value in ("推荐：库存质押融资", "推荐：组合方案")
    words = at.markdown[0].value
    assert "覆盖率" in words and "平仓线" in words
    # Codes, the currency and numbers only: no English words in the sentence.
    assert set(re.findall(r"[A-Za-z]+", words)) <= {"CNY", "NPV", "ABS"}
    mix = _frame(at, "pledge_loan")
    assert "铜" in mix["category"].tolist()
    chart = json.dumps(json.loads(at.get("vega_lite_chart")[0].proto.spec), ensure_ascii=False)
    assert "库存质押融资" in chart and "Pledge loan" not in chart
    table = _frame(at, "npv_vs_hold")
    assert "组合方案" in table["option"].tolist()
    for note in table["notes"]:
        assert set(re.findall(r"[A-Za-z]+", note)) <= {"CNY", "ABS"}, note


def test_chinese_out_of_reach(open_page):
    at = open_page("financing", lang="zh", doc={"cash_target": 500_000_000.0})
    assert not at.success
    expected = _valued(cash_target=500_000_000.0).recommendation
    box = at.warning[0].value
    assert box.startswith("不作推荐") and f"CNY {expected.max_cash:,.0f}" in box
    assert "组合方案" in box  # the mix raising the most cash


def test_hold_within_noise_is_said_plainly(monkeypatch, sample_result):
    from ui import recommendation

    rec = Recommendation(
        "hold", "", "hold_within_noise", "pledge_loan", 91_424.0, -18_361_990.0, 0.0,
        risks=(("loss_p95", 19_711_100.0),),
    )  # fmt: skip
    options = sample_result.options.assign(
        npv_std_error=sample_result.options["npv_std_error"].where(
            sample_result.options["option"] != "pledge_loan", 60_000.0
        )
    )
    for lang, box, words in (
        (
            "en",
            "Recommended: Hold. No financing route",
            "Pledge loan leads it by only CNY 91,424, within the simulation's noise (CNY 120,000)",
        ),
        ("zh", "推荐：持有。", "“库存质押融资”仅领先 CNY 91,424，在模拟误差（CNY 120,000）之内"),
    ):
        monkeypatch.setattr("ui.i18n.lang", lambda lang=lang: lang)
        assert recommendation.headline(rec, "CNY", 0.0, 0.0).startswith(box)
        assert words in recommendation.sentence(rec, "CNY", 0.0, 0.08, options)


def test_trust_risks_in_both_languages(monkeypatch):
    from ui import recommendation

    rec = Recommendation(
        "receipt_trust", "", "beats", "hold", 1.0, 1.0, 1.0,
        risks=(("fair_coupon", 0.0712), ("offered_coupon", 0.05), ("loss_p95", 1.0)),
    )  # fmt: skip
    monkeypatch.setattr("ui.i18n.lang", lambda: "en")
    assert "need a senior coupon of 7.12%, above the 5.00% offered" in recommendation.risk_words(
        rec, "CNY"
    )
    monkeypatch.setattr("ui.i18n.lang", lambda: "zh")
    assert "优先级票面利率为 7.12%，高于提供的 5.00%" in recommendation.risk_words(rec, "CNY")
