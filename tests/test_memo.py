"""Tests of finance/report/memo.py: the PDF credit memo, read back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import T0

from finance import evaluate, load_inventory, parse_assumptions
from finance.locale import catalog, label
from finance.paths import DATA_DIR
from finance.report import memo
from finance.report.memo import FontNotFoundError, credit_memo

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext (Debian poppler-utils) is not installed"
)
IDENTITY = {
    "run_id": "17",
    "borrower": "Acme Trading Co.",
    "user": "analyst",
    "created_at": "2026-11-24 10:31",
    "inputs_hash": "0f" * 32,
    "package_version": "0.1.0",
}


@pytest.fixture(scope="module")
def sample():
    assumptions = parse_assumptions({"valuation_date": T0, "scenarios": 1000})
    result = evaluate(load_inventory(DATA_DIR / "sample_inventory.csv"), assumptions)
    return result, assumptions


@pytest.fixture(scope="module")
def memos(sample):
    result, assumptions = sample
    return {
        lang: credit_memo(result, assumptions, lang=lang, identity=IDENTITY)
        for lang in ("en", "zh")
    }


def text_of(pdf: bytes) -> str:
    """The PDF's text, as pdftotext reads it (layout kept, so a table row stays on a line)."""
    out = subprocess.run(
        [PDFTOTEXT, "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_pdf(memos, lang):
    pdf = memos[lang]
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    # The font goes in as a subset of the glyphs used: a few tens of kilobytes, not 5 MB.
    assert len(pdf) < 300_000


def test_font_embedded(memos):
    # The font is a subset embedded as a TrueType font file, in either language.
    for pdf in memos.values():
        assert b"/FontFile2" in pdf
        assert b"/Type /Font" in pdf and b"/Subtype /Type0" in pdf


@needs_pdftotext
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_and_recommendation(sample, memos, lang):
    result, _ = sample
    text = text_of(memos[lang])
    s = result.summary
    # The borrowing base: its headline (whole currency units) and the certificate's line.
    assert f"{s['borrowing_base']:,.0f}" in text
    assert f"{s['borrowing_base']:,.2f}" in text
    option = result.recommendation.option
    assert option
    shown = {"en": catalog("en")[f"memo.route_name.{option}"], "zh": label("option", option, "zh")}
    assert shown[lang] in text
    # The identity on the first page.
    first = text.split("\f")[0]
    assert "Acme Trading Co." in first and "0f" * 32 in first
    assert "17" in first


@needs_pdftotext
def test_chinese_headings(memos):
    text = text_of(memos["zh"])
    for heading in (
        "授信报告",
        "一、摘要",
        "二、可贷额度证明",
        "三、押品",
        "四、风险",
        "六、所用假设",
    ):
        assert heading in text
    assert "推荐：" in text
    assert "第 1 页" in text
    # Nothing of the English memo's words is left in the Chinese one.
    for english in ("Summary", "Borrowing base", "Recommended", "Page 1"):
        assert english not in text


@needs_pdftotext
def test_english_headings(memos):
    text = text_of(memos["en"])
    for heading in ("Credit memo", "1. Summary", "2. Borrowing-base certificate", "Page 1 of"):
        assert heading in text
    # The sample's warehouses are Chinese names: the CJK font sets them in English too.
    assert "上海嘉定仓" in text


def test_tables_repeat_their_headings(sample):
    # The certificate breaks across the first two pages; its headings come again.
    result, assumptions = sample
    pdf = credit_memo(result, assumptions, lang="en")
    if PDFTOTEXT is None:
        pytest.skip("pdftotext is not installed")
    pages = text_of(pdf).split("\f")
    assert sum("Amount (CNY)" in page for page in pages) >= 2


def test_no_identity_no_identity_section(sample):
    result, assumptions = sample
    pdf = credit_memo(result, assumptions, lang="en")
    assert pdf.startswith(b"%PDF-")
    if PDFTOTEXT is not None:
        assert "Run identity" not in text_of(pdf)


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path, sample):
    result, assumptions = sample
    monkeypatch.setattr(memo, "FONT_CANDIDATES", (tmp_path / "none.ttc",))
    monkeypatch.delenv(memo.FONT_ENV, raising=False)
    with pytest.raises(FontNotFoundError, match="fonts-wqy-microhei"):
        credit_memo(result, assumptions)
    with pytest.raises(FontNotFoundError, match="FINANCE_CJK_FONT"):
        credit_memo(result, assumptions, lang="zh")


def test_unknown_language(sample):
    result, assumptions = sample
    with pytest.raises(ValueError, match="unknown language"):
        credit_memo(result, assumptions, lang="fr")
