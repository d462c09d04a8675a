"""The Export page's credit memo downloads as a PDF in the session's language."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .helpers import LOCALES, catalog, go_to, open_page, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.mark.e2e
def test_credit_memo_downloads_in_chinese(new_page, app_url: str, tmp_path) -> None:
    # Built on the download's own thread, through the cache (ui.compute.memo_pdf).
    messages = catalog("zh")
    page = new_page(LOCALES["zh"])
    open_page(page, app_url, "inventory")
    go_to(page, messages["nav.export"])
    button = page.get_by_role("button", name=messages["export.memo_button"])
    expect(button).to_be_visible()
    wait_for_run(page)
    with page.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename.endswith("-zh.pdf")
    saved = tmp_path / "memo.pdf"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(saved), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        assert "授信报告" in text and "可贷额度证明" in text
