"""Collateral page: the lender's figures are finance's, shown and certified."""

from __future__ import annotations

import pytest

from finance.report.certificate import borrowing_base_certificate


def test_figures_are_finance_figures(open_page, sample_result):
    at = open_page("collateral")
    s = sample_result.summary
    metrics = {m.label: m for m in at.metric}
    assert metrics["Market value (CNY)"].value == f"{s['market_value'] / 1e6:,.2f}m"
    assert metrics["Borrowing base (CNY)"].value == f"{s['borrowing_base'] / 1e6:,.2f}m"
    assert metrics["Eligible value (CNY)"].value == f"{s['eligible_value'] / 1e6:,.2f}m"
    assert metrics["Portfolio haircut"].value == f"{s['portfolio_haircut']:.2%}"
    # The exact amount is in the metric's help.
    assert f"CNY {s['borrowing_base']:,.0f}" in metrics["Borrowing base (CNY)"].help


def test_certificate_adds_up_to_the_borrowing_base(open_page, sample_result):
    at = open_page("collateral")
    shown = at.dataframe[1].value  # concentration is [0], the certificate [1]
    expected = borrowing_base_certificate(sample_result)
    expected = expected[expected["kind"] != "ratio"]
    assert shown["amount"].tolist() == pytest.approx(expected["amount"].tolist())
    assert shown["line"].iloc[0] == "Gross inventory at market value"
    assert "Borrowing base" in shown["line"].tolist()
    assert any("Effective advance rate" in m.value for m in at.markdown)
    assert at.get("download_button")[0].proto.label == "Download the certificate (CSV)"


def test_lot_table_and_concentration(open_page, sample_result):
    at = open_page("collateral")
    lots = at.dataframe[-1].value
    assert len(lots) == 240
    assert lots["lendable_value"].sum() == pytest.approx(sample_result.summary["borrowing_base"])
    # Codes are shown as words.
    assert "Aged" in set(lots["ineligible_reason"])
    assert set(lots["binding_limit"]) <= {"", "Haircut", "Cost", "NOLV"}
    top = at.dataframe[0].value
    assert top["share"].iloc[0] > 0.25  # the sample's largest copper lot is capped
    assert top["concentration_excess"].iloc[0] > 0


def test_chinese(open_page):
    at = open_page("collateral", lang="zh")
    assert at.title[0].value == "押品：贷款方视角" or "押品" in at.title[0].value
    assert any("可贷额度" in m.label for m in at.metric)
