"""The Financing options page in a browser: the recommendation, the mix, an unreachable target."""

from __future__ import annotations

import re

import pytest

from .helpers import catalog, cjk_count, dataframe, open_page, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

EN, ZH = catalog("en"), catalog("zh")


@pytest.mark.e2e
def test_recommendation_mix_and_unreachable_target(new_page, app_url: str) -> None:
    page = new_page("en-US")
    open_page(page, app_url, "financing")
    main = page.get_by_test_id("stMain")
    expect(main.locator("h1")).to_have_text(EN["financing.title"])
    # On the sample, liquidating where a channel beats holding is best; the mix is the same.
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(
        EN["financing.recommended"].format(option=EN["option.liquidate"])
    )
    expect(main.get_by_role("heading", name=EN["financing.mix"])).to_be_visible()
    expect(dataframe(page, EN["col.npv_vs_hold"] + " (CNY)")).to_have_count(1)

    target = main.get_by_role("spinbutton", name=EN["field.cash_target"] + " (CNY)")
    target.fill("500000000")
    target.press("Enter")
    wait_for_run(page)
    warning = page.get_by_test_id("stAlertContentWarning").first
    expect(warning).to_contain_text("no route raises the cash target of CNY 500,000,000")
    expect(warning).to_contain_text("The most any route raises is CNY ")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.e2e
def test_chinese_financing_page(new_page, app_url: str) -> None:
    page = new_page("zh-CN")
    open_page(page, app_url, "financing")
    main = page.get_by_test_id("stMain")
    expect(main.locator("h1")).to_have_text(ZH["financing.title"])
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(
        ZH["financing.recommended"].format(option=ZH["option.liquidate"])
    )
    expect(main.get_by_role("heading", name=ZH["financing.mix"])).to_be_visible()
    sentence = main.get_by_test_id("stMarkdownContainer").filter(has_text="净现值最高").first
    text = sentence.inner_text()
    assert cjk_count(text) > 25
    assert set(re.findall(r"[A-Za-z]+", text)) <= {"CNY", "NPV", "ABS"}
