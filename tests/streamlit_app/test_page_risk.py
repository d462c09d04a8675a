"""Risk page: holding-loss figures, value decay, haircut profile by category."""

from __future__ import annotations

from ui.state import RISK_CATEGORY


def test_holding_loss_figures(open_page, sample_result):
    at = open_page("risk")
    s = sample_result.summary
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Expected holding loss (CNY)"] == f"{s['expected_holding_loss'] / 1e6:,.2f}m"
    assert metrics["Holding loss, 95% (CNY)"] == f"{s['holding_loss_p95'] / 1e6:,.2f}m"
    assert metrics["Holding loss, 99% (CNY)"] == f"{s['holding_loss_p99'] / 1e6:,.2f}m"
    # The carrying cost: the same loss at the company's rate, its difference said on hover.
    at_rate = next(m for m in at.metric if m.label == "Holding loss at 8.0% (CNY)")
    assert at_rate.value == f"{s['holding_loss_at_company_rate'] / 1e6:,.2f}m"
    carrying = s["holding_loss_at_company_rate"] - s["expected_holding_loss"]
    assert carrying > 0 and f"CNY {carrying:,.0f} more than on the curve" in at_rate.help
    expected = next(m for m in at.metric if m.label == "Expected holding loss (CNY)")
    share = s["expected_holding_loss"] / s["market_value"]
    assert f"{share:.2%} of today's market value" in expected.help
    # Loss by cause after the horizon: the parts add up to the value lost.
    decay = at.dataframe[0].value
    lost = decay["market_value"] - decay["expected_value"]
    parts = decay["erosion_loss"] + decay["markdown_loss"] + decay["expiry_loss"]
    assert (lost - parts).abs().max() < 1e-6
    assert set(decay["category"]) >= {"Copper", "Apparel", "Food"}


def test_haircut_profile_by_category(open_page):
    at = open_page("risk")
    box = at.selectbox(key=f"{RISK_CATEGORY}.en")
    assert box.value == "all"
    box.set_value("copper").run()
    assert not at.exception
    assert at.selectbox(key=f"{RISK_CATEGORY}.en").value == "copper"
    haircuts = at.dataframe[-1].value
    assert len(haircuts) == 8


def test_chinese(open_page):
    at = open_page("risk", lang="zh")
    assert "风险" in at.title[0].value
