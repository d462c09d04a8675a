"""The entry point: language picker and navigation over every page."""

from __future__ import annotations

import pytest

from streamlit_app.support import PAGES
from ui.i18n import catalog
from ui.state import LANG, LANG_PICKER


def test_switch_language_keeps_the_page(open_page):
    at = open_page("collateral")
    assert at.title[0].value == catalog("en")["collateral.title"]
    at.selectbox(key=LANG_PICKER).set_value("zh").run()
    assert not at.exception
    assert at.session_state[LANG] == "zh"
    assert at.title[0].value == catalog("zh")["collateral.title"]
    at.selectbox(key=LANG_PICKER).set_value("en").run()
    assert at.title[0].value == catalog("en")["collateral.title"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(open_page, page, lang):
    at = open_page(page, lang=lang)
    assert at.title[0].value == catalog(lang)[f"{page}.title"]
    assert not at.error
