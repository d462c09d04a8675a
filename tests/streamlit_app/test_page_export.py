"""Export page: every download is offered under its file name."""

from __future__ import annotations

import pytest

from finance import parse_assumptions
from streamlit_app.support import DOC
from ui import compute


def test_downloads_offered(open_page):
    at = open_page("export")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Download valuation.xlsx",
        "Credit memo (PDF)",
        "lots.csv",
        "options.csv",
        "mix.csv",
        "borrowing_base.csv",
        "stress.csv",
        "assumptions.toml",
    ]


def test_chinese(open_page):
    at = open_page("export", lang="zh")
    assert at.title[0].value == "导出"


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Credit memo (PDF)"), ("zh", "授信报告（PDF）")]
)
def test_credit_memo_offered_in_the_sessions_language(open_page, lang, words):
    at = open_page("export", lang=lang)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[1] == words
    assert words.split("（")[0].split(" (")[0] in [h.value for h in at.subheader]


def test_credit_memo_built_through_the_cache(sample_result):
    # What the button's callable returns: the memo of the session's valuation, cached.
    given, problems = compute.inputs_from(None, parse_assumptions(DOC))
    assert problems is None
    identity = {"inventory_file": given.source}
    pdf = compute.memo_pdf(given, sample_result, "zh", identity)
    assert pdf.startswith(b"%PDF-")
    assert compute.memo_pdf(given, sample_result, "zh", identity) == pdf  # from the cache
