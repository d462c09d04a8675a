"""Risk page: holding-loss figures, value decay, haircut profile by category."""

from __future__ import annotations

import getpass
import json
import re

import pytest

from finance import load_inventory, parse_assumptions
from finance.analysis.drivers import loss_drivers
from streamlit_app.support import DOC, SAMPLE
from ui.state import RISK_CATEGORY, RISK_GRID_OPEN


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
    decay = next(d.value for d in at.dataframe if "erosion_loss" in d.value.columns)
    lost = decay["market_value"] - decay["expected_value"]
    parts = decay[["erosion_loss", "markdown_loss", "expiry_loss", "aging_loss"]].sum(axis=1)
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


PARTS_EN = {
    "price": "Price: erosion, markdowns, expiry",
    "costs": "Selling, storage, final-sale costs",
    "demand": "Demand falling short",
    "age": "Aging reserve",
    "carrying_cost": "Carrying cost at the company's rate",
    "total": "Holding loss at the company's rate",
}
PARTS_ZH = {
    "price": "价格：损耗、降价、过期",
    "costs": "销售、仓储及处置成本",
    "demand": "需求不足",
    "age": "库龄跌价准备",
    "carrying_cost": "按公司折现率的资金占用成本",
    "total": "按公司折现率的持有损失",
}


@pytest.fixture(scope="module")
def sample_drivers():
    return loss_drivers(load_inventory(SAMPLE), parse_assumptions(DOC))


def _charts(at) -> list[str]:
    return [
        json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("vega_lite_chart")
    ]


def test_holding_loss_parts_are_loss_drivers(open_page, sample_drivers, sample_result):
    at = open_page("risk")
    assert [s.value for s in at.subheader][:2] == [
        "Where the holding loss comes from",
        "The 95% loss against demand risk",
    ]
    parts = next(d.value for d in at.dataframe if "driver" in d.value.columns)
    assert parts["driver"].tolist() == list(PARTS_EN.values())
    expected = [*sample_drivers.parts.values(), sample_drivers.holding_loss_at_company_rate]
    assert parts["amount"].tolist() == pytest.approx(expected, rel=1e-12)
    mv = sample_result.summary["market_value"]
    assert parts["share_of_market_value"].tolist() == pytest.approx(
        [v / mv for v in expected], rel=1e-12
    )
    # the parts add up to the headline at the company's rate
    s = sample_result.summary
    assert parts["amount"].iloc[-1] == pytest.approx(s["holding_loss_at_company_rate"], rel=1e-9)
    charts = _charts(at)
    waterfall = next(c for c in charts if PARTS_EN["demand"] in c)
    assert all(name in waterfall for name in PARTS_EN.values())
    # The grid opens with the page for the sample: one line per correlation, our point ringed.
    grid = next(c for c in charts if "Current assumptions" in c)
    assert all(f"Correlation {r}" in grid for r in ("0", "0.5", "0.9"))
    own = sample_drivers.sensitivity
    point = own[(own["demand_sigma_scale"] == 1.0) & (own["price_demand_correlation"] == 0.5)][
        "holding_loss_p95"
    ].iloc[0]
    caption = next(c.value for c in at.caption if "same 2,000 scenarios" in c.value)
    assert f"CNY {point:,.0f}" in caption
    assert f"CNY {s['holding_loss_p95']:,.0f}" in caption


def test_grid_runs_when_opened(open_page):
    at = open_page("risk")
    at.session_state[RISK_GRID_OPEN] = False
    at.run()
    assert not at.exception
    assert not any("Current assumptions" in c for c in _charts(at))
    at.session_state[RISK_GRID_OPEN] = True
    at.run()
    assert any("Current assumptions" in c for c in _charts(at))


def test_chinese_parts_and_grid(open_page, sample_drivers):
    at = open_page("risk", lang="zh")
    assert [s.value for s in at.subheader][:2] == ["持有损失从何而来", "95% 损失与需求风险"]
    parts = next(d.value for d in at.dataframe if "driver" in d.value.columns)
    assert parts["driver"].tolist() == list(PARTS_ZH.values())
    charts = _charts(at)
    waterfall = next(c for c in charts if PARTS_ZH["demand"] in c)
    assert all(name in waterfall for name in PARTS_ZH.values())
    assert not any(name in waterfall for name in PARTS_EN.values())
    grid = next(c for c in charts if "当前假设" in c)
    assert "相关系数 0.9" in grid and "需求波动率" in grid
    assert "Correlation" not in grid and "Current assumptions" not in grid
    # The section's words: the currency and numbers only, no English.
    words = [c.value for c in at.caption] + [e.label for e in at.expander]
    for text in words:
        # the sidebar names the app's user: the operating system's without sign-in
        assert set(re.findall(r"[A-Za-z]+", text)) <= {"CNY", getpass.getuser()}, text
    # the labels, axis titles and legends of both charts
    for chart in (waterfall, grid):
        spec = json.loads(chart)
        titles = re.findall(r'"(?:title|text)": "([^"]*)"', json.dumps(spec, ensure_ascii=False))
        for title in titles:
            assert set(re.findall(r"[A-Za-z]+", title)) <= {"CNY"}, title
