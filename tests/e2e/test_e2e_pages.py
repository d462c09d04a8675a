"""Every page renders in English and in Chinese: its title, no exception, no error."""

from __future__ import annotations

import pytest

from .helpers import LOCALES, PAGES, catalog, cjk_count, go_to, nav_labels, open_page, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders(new_page, app_url: str, lang: str) -> None:
    # One session per language, moving page to page through the sidebar as a user does: a
    # fresh context per page would reload Streamlit's frontend each time (about 2 s a page).
    messages = catalog(lang)
    page = new_page(LOCALES[lang])
    main = page.get_by_test_id("stMain")
    open_page(page, app_url, "inventory")
    for name, path in PAGES.items():
        if name != "inventory":
            go_to(page, messages[f"nav.{name}"])
        title = messages[f"{name}.title"]
        # The title comes first on the page, after the valuation on the result pages: once
        # it shows, this run has started, and waiting for the run's end covers the rest.
        expect(main.locator("h1"), f"{lang} {name}: title").to_have_text(title)
        wait_for_run(page)
        assert page.url.rstrip("/") == f"{app_url}/{path}".rstrip("/")
        expect(page.get_by_test_id("stException"), f"{lang} {name}: exception").to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError"), f"{lang} {name}").to_have_count(0)
        assert nav_labels(page) == [messages[f"nav.{n}"] for n in PAGES], name

        if lang == "zh":
            assert cjk_count(title) > 0, name
            # Beyond the title, the catalog's Chinese reaches the page. The sample's Chinese
            # descriptions and warehouses show in both languages, so count catalog strings
            # (headings, labels, captions without {fields}), not just Chinese characters.
            text = main.inner_text()
            shown = [
                m for m in messages.values() if "{" not in m and cjk_count(m) >= 2 and m in text
            ]
            assert len(shown) >= 3, (name, shown)
        else:
            assert cjk_count(title) == 0, name
