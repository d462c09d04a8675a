"""Financing options page: the comparison, the recommendation, the structures, stresses."""

from __future__ import annotations

import pytest

from finance import evaluate, load_inventory, parse_assumptions
from streamlit_app.support import DOC, SAMPLE
from ui.state import ASSUMPTIONS, CASH_TARGET


def test_comparison_and_recommendation(open_page, sample_result):
    at = open_page("financing")
    rec = sample_result.recommendation
    labels = {"pledge_loan": "Pledge loan", "abs": "Receivables ABS", "hold": "Hold",
              "liquidate": "Liquidate", "receipt_trust": "Receipt trust"}  # fmt: skip
    assert at.success[0].value == f"Recommended: {labels[rec.option]}"
    words = at.markdown[0].value
    assert labels[rec.option] in words and f"CNY {rec.npv:,.0f}" in words
    table = at.dataframe[0].value
    assert table["option"].tolist() == [labels[o] for o in sample_result.options["option"]]
    assert table["npv"].tolist() == pytest.approx(sample_result.options["npv"].tolist())
    assert table.columns[:4].tolist() == ["option", "cash_now", "effective_annual_cost", "npv"]


def test_cash_target_changes_the_recommendation(open_page):
    at = open_page("financing")
    at.number_input(key=CASH_TARGET).set_value(60_000_000.0).run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["cash_target"] == 60_000_000.0
    expected = evaluate(
        load_inventory(SAMPLE), parse_assumptions({**DOC, "cash_target": 60_000_000.0})
    ).recommendation
    assert expected.option == "abs"  # the loan raises about CNY 50m
    assert at.success[0].value == "Recommended: Receivables ABS"
    assert "among the routes raising CNY 60,000,000" in at.markdown[0].value


def test_structures_and_stress(open_page, sample_result):
    at = open_page("financing")
    loan = sample_result.pledge_loan
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["All-in annual cost"] == f"{loan.all_in_cost:.2%}"
    assert metrics["Coverage at drawdown"] == f"{loan.coverage:.2f}×"
    frames = [d.value for d in at.dataframe]
    triggers = next(f for f in frames if "collateral_at_line" in f)
    assert triggers["line"].tolist() == ["Warning line", "Top-up line", "Forced-sale line"]
    tranches = next(f for f in frames if "attachment" in f)
    assert tranches["tranche"].tolist() == ["Senior", "Mezzanine", "Equity (company)"]
    headline = next(f for f in frames if "recommended_option" in f)
    assert headline["stress"].tolist()[0] == "Base"
    assert len(headline) == 6
    assert headline["borrowing_base"].iloc[0] == pytest.approx(
        sample_result.summary["borrowing_base"]
    )


def test_chinese_recommendation(open_page):
    at = open_page("financing", lang="zh")
    assert at.success[0].value.startswith("推荐")
    assert "库存质押融资" in at.success[0].value or "质押" in at.success[0].value
