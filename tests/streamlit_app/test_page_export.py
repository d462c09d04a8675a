"""Export page: every download is offered under its file name."""

from __future__ import annotations


def test_downloads_offered(open_page):
    at = open_page("export")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Download valuation.xlsx",
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
