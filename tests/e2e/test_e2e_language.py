"""The language: from the browser's locale at first, then the sidebar's picker."""

from __future__ import annotations

import pytest

from .helpers import PAGES, catalog, go_to, nav_labels, open_page, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

EN, ZH = catalog("en"), catalog("zh")
PICKER = "Language · 语言"


def _picker(page):
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name=PICKER)


def _pick(page, language: str) -> None:
    _picker(page).click()
    page.get_by_role("option", name=language, exact=True).click()
    wait_for_run(page)


@pytest.mark.e2e
def test_sidebar_switches_english_to_chinese(new_page, app_url: str) -> None:
    page = new_page("en-US")
    open_page(page, app_url, "inventory")
    h1 = page.get_by_test_id("stMain").locator("h1")
    expect(h1).to_have_text(EN["inventory.title"])
    expect(_picker(page)).to_have_value("English")
    assert nav_labels(page) == [EN[f"nav.{n}"] for n in PAGES]

    _pick(page, "简体中文")
    expect(h1).to_have_text(ZH["inventory.title"])
    expect(_picker(page)).to_have_value("简体中文")
    assert nav_labels(page) == [ZH[f"nav.{n}"] for n in PAGES]

    # The choice holds on the other pages of the session, and can be undone.
    go_to(page, ZH["nav.risk"])
    expect(h1).to_have_text(ZH["risk.title"])
    _pick(page, "English")
    expect(h1).to_have_text(EN["risk.title"])
    assert nav_labels(page) == [EN[f"nav.{n}"] for n in PAGES]
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.e2e
def test_chinese_browser_opens_in_chinese(new_page, app_url: str) -> None:
    page = new_page("zh-CN")
    open_page(page, app_url, "collateral")  # a deep link, not the default page
    expect(page.get_by_test_id("stMain").locator("h1")).to_have_text(ZH["collateral.title"])
    expect(_picker(page)).to_have_value("简体中文")
    assert nav_labels(page) == [ZH[f"nav.{n}"] for n in PAGES]
    expect(page.get_by_test_id("stException")).to_have_count(0)
