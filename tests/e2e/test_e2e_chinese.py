"""A Chinese session reads Chinese everywhere: no English word on any page, error tables included.

Every text node of the page's main area and sidebar is read, hidden ones too (the tabs not
selected, closed expanders, the accessible tables behind the data grids, which hold their
headers and text cells), and split into tokens. A token is English when it is a word of
letters with a lowercase letter in it; codes (``COP-659875``, ``60Ah``), acronyms (``CNY``,
``SKU``, ``NPV``), file names (``lots.csv``) and numbers are not words.
"""

from __future__ import annotations

import getpass
import re

import pytest

from .helpers import LOCALES, PAGES, catalog, go_to, open_page, upload, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

ZH, EN = catalog("zh"), catalog("en")

#: Words that stay as they are in a Chinese session: the language picker's own name (it
#: reads "Language · 语言" so that a user who cannot read the current language finds it),
#: product and format names, and the grid's text for a boolean (drawn as a check box).
# The signed-in user is a name, not English: without sign-in the app's user is the
# operating system's (the sidebar shows it).
ALLOWED = {"Language", "Excel", "Parquet", "true", "false", getpass.getuser()}

_TOKEN = re.compile(r"[.A-Za-z0-9][A-Za-z0-9_./+-]*")  # ".csv" of 库存.csv is no word
_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")

#: Every text node under the main area and the sidebar, hidden ones included, as the user
#: reads it: a text shrunk to nothing counts as the words drawn in its place (the uploader's,
#: see ui/uploader.py). Left out: the Material icons (their text is a ligature name such as
#: ``trending_down``), Streamlit's labels for screen readers, code spans (commands and keys,
#: such as ``python -m finance``) and the grid column of codes a user types (the category
#: editor's key column: ``apparel``, ``steel``).
_TEXTS = """
(root, codeHeader) => {
  const icons = '[data-testid="stIconMaterial"], [role="img"][translate="no"]';
  // A grid cell under the header of the codes a user types (the category editor's key).
  const isCode = el => {
    const cell = el.closest('td[aria-colindex]');
    if (!cell) return false;
    const col = cell.getAttribute('aria-colindex');
    const th = cell.closest('table').querySelector(`th[aria-colindex="${col}"]`);
    return th !== null && th.textContent.trim() === codeHeader;
  };
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el.closest(icons + ', code, style, script') || isCode(el)) continue;
    const style = getComputedStyle(el);
    // Streamlit's own screen-reader labels ("add icon"), clipped to one pixel, unseen.
    if (style.position === 'absolute' && style.overflow === 'hidden' && style.width === '1px') {
      continue;
    }
    const text = n.textContent.trim();
    if (!text) continue;
    if (style.fontSize === '0px') {
      const drawn = getComputedStyle(el, '::after').content;
      if (drawn && drawn !== 'none') out.push(drawn.replace(/^"|"$/g, ''));
    } else {
      out.push(text);
    }
  }
  return out;
}
"""

#: A Kingdee-style stock list with one defect of each common kind, under Chinese headers.
BAD_ERP_CSV = (
    "库存明细表 2026-11-28,,,,,,,,\n"
    "物料编码,物料名称,物料分类,批次号,仓库,数量,单位成本,单价,入库日期\n"
    "M-1001,男士衬衫,服装,B2608,上海仓,一千,52.50,89.00,2026-08-15\n"
    "M-1001,男士衬衫,服装,B2608,上海仓,800,53.00,89.00,2026-10-02\n"
    "M-1002,男士夹克,服装,B2609,上海仓,450,,299.00,2026-09-12\n"
    "E-2001,蓝牙耳机,电子,B2607,上海仓,300,90.00,-150.00,2026-13-20\n"
).encode("gbk")


def english_words(texts: list[str]) -> dict[str, str]:
    """The English words in ``texts``, each with the first text it appears in.

    Parameters
    ----------
    texts : list of str
        Text nodes.

    Returns
    -------
    dict of str to str
        Word -> the text holding it (for the failure message).
    """
    found: dict[str, str] = {}
    for text in texts:
        for token in _TOKEN.findall(text):
            if _WORD.fullmatch(token) and token not in ALLOWED:
                found.setdefault(token, text[:120])
    return found


def _shown_words(page) -> dict[str, str]:
    # A data grid builds its accessible table a moment after it draws: wait for each in view.
    for frame in page.get_by_test_id("stDataFrame").all():
        if frame.is_visible():
            frame.locator("table[role='grid']").wait_for(state="attached")
    code_header = ZH["assumptions.category_key"]
    texts = page.get_by_test_id("stMain").evaluate(_TEXTS, code_header)
    texts += page.get_by_test_id("stSidebar").evaluate(_TEXTS, code_header)
    return english_words(texts)


def _page_words(page) -> dict[str, str]:
    """The English words of the page, with its expanders open and each tab in turn."""
    for details in page.get_by_test_id("stMain").locator("details:not([open]) > summary").all():
        details.click()  # an expander may rerun the page to draw what it holds
        wait_for_run(page)
    found = _shown_words(page)
    tabs = page.get_by_test_id("stMain").get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        wait_for_run(page)  # a tab may rerun the page to draw what it holds
        found |= _shown_words(page)
    return found


@pytest.mark.parametrize(
    ("texts", "words"),
    [
        (["估值日：2026-11-29", "CNY 13,676.19万", "COP-659875", "蓄电池 60Ah"], set()),
        (["下载 valuation.xlsx", "NPV (CNY)", "Language · 语言", "F-IRB 监管违约损失率"], set()),
        (["Upload", "50MB per file • CSV"], {"Upload", "per", "file"}),
        (["必须是数字 (must be a number)"], {"must", "be", "a", "number"}),
    ],
)
def test_the_detector_finds_english_words_and_passes_codes(texts, words) -> None:
    assert set(english_words(texts)) == words


@pytest.mark.e2e
def test_a_chinese_session_shows_no_english_on_any_page(new_page, app_url: str) -> None:
    page = new_page(LOCALES["zh"])
    main = page.get_by_test_id("stMain")
    open_page(page, app_url, "inventory")
    for name in PAGES:
        if name != "inventory":
            go_to(page, ZH[f"nav.{name}"])
        expect(main.locator("h1")).to_have_text(ZH[f"{name}.title"])
        wait_for_run(page)
        assert _page_words(page) == {}, name
        if name == "calibrate":
            # The sample history calibrated: the estimates, charts and backtest in Chinese.
            main.get_by_role("button", name=ZH["calibrate.use_sample"]).click()
            expect(main.get_by_text(ZH["calibrate.backtest"], exact=True)).to_be_visible()
            wait_for_run(page)
            assert _page_words(page) == {}, "calibrate with the sample history"

    # The problems of a bad file: every message, header and value in the problems table.
    go_to(page, ZH["nav.inventory"])
    upload(page, "库存明细表.csv", BAD_ERP_CSV)
    expect(page.get_by_test_id("stAlertContentError").first).to_be_visible()
    assert _page_words(page) == {}, "problems"

    # The same detector on an English page finds English: the check above can fail.
    english = new_page(LOCALES["en"])
    open_page(english, app_url, "inventory")
    expect(english.get_by_test_id("stMain").locator("h1")).to_have_text(EN["inventory.title"])
    assert len(_page_words(english)) > 20
