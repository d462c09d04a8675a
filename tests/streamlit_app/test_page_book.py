"""The Book page: the demo book valued on a local cluster, a broken borrower, Chinese labels.

Each distinct book starts a local Dask cluster of two workers (a few seconds); the
valuation is cached by the files' digest, so the demo book is valued once per process.
"""

from __future__ import annotations

import getpass
import io
import re
import zipfile
from pathlib import Path

import pytest

from finance.inputs.sample import write_book
from streamlit_app.conftest import page_path
from streamlit_app.support import bad_upload
from ui import book
from ui.i18n import catalog
from ui.state import BOOK_DEMO, BOOK_FILES, BOOK_OPEN, BOOK_PICK, BOOK_SHOW, INVENTORY, LANG

EN, ZH = catalog("en"), catalog("zh")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH = re.compile(r"\b[A-Za-z]*[a-z][A-Za-z]*\b")


def _book_frame(at):
    return next(d.value for d in at.dataframe if "lender_expected_loss" in d.value.columns)


def _demo(open_page, lang: str = "en"):
    at = open_page("book", lang=lang)
    at.button(key=BOOK_DEMO).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_demo_book_is_valued_with_its_double_pledges(open_page):
    at = _demo(open_page)
    frame = _book_frame(at)
    names = [f"borrower_{i:02d}" for i in range(1, 5)]
    assert list(frame["borrower"]) == names
    assert (frame["problems"] == "").all() and frame["market_value"].gt(0).all()
    # The double pledges, in an error box that names both borrowers.
    boxes = [e.value.replace("\\", "") for e in at.error]  # markdown escapes
    assert len(boxes) == 1 and "2 double pledge(s)" in boxes[0]
    assert boxes[0].count("borrower_01, borrower_02") == 2
    assert "R01-00001" in boxes[0] and "R01-00002" in boxes[0]
    # The summary figures and the loss table.
    labels = [m.label for m in at.metric]
    for statistic in ("mean", "p95", "p99", "es95", "es99"):
        assert any(label.startswith(EN[f"book.stat.{statistic}"]) for label in labels)
    loss = next(d.value for d in at.dataframe if "sum_of_borrowers" in d.value.columns)
    assert list(loss["statistic"]) == [EN[f"book.stat.{s}"] for s in book_stats()]
    # The filters: no borrower of the demo has a problem.
    at.segmented_control(key=BOOK_SHOW).set_value("problems").run()
    assert _book_frame(at).empty
    at.text_input(key="book_filter").input("03").run()
    at.segmented_control(key=BOOK_SHOW).set_value("all").run()
    assert list(_book_frame(at)["borrower"]) == ["borrower_03"]


def book_stats() -> tuple[str, ...]:
    return ("mean", "p95", "p99", "es95", "es99")


def test_opening_a_borrower_makes_it_the_sessions(open_page):
    at = _demo(open_page)
    at.selectbox(key=BOOK_PICK).set_value("borrower_02").run()
    at.button(key=BOOK_OPEN).click().run()
    assert not at.exception
    assert at.session_state[INVENTORY][0] == "borrower_02.csv"
    assert [s.value.replace("\\", "") for s in at.success][-1].startswith("borrower_02")
    at.switch_page(page_path("collateral")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("borrower_02.csv" in c.value.replace("\\", "") for c in at.caption)


def _broken_book(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "book"
    write_book(folder, 3, 30, scenarios=500)
    (folder / "borrower_03.csv").write_bytes(bad_upload()[0])
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_broken_borrower_shows_its_problems_and_the_others_are_valued(open_page, tmp_path, lang):
    files = _broken_book(tmp_path)
    at = open_page("book", lang=lang)
    at.session_state[BOOK_FILES] = (files, book.digest_files(files))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    frame = _book_frame(at).set_index("borrower")
    assert frame.loc[["borrower_01", "borrower_02"], "market_value"].gt(0).all()
    assert frame.loc[["borrower_01", "borrower_02"], "problems"].eq("").all()
    said = frame.loc["borrower_03", "problems"]
    assert "quantity" in said  # the column named, as the file has it
    if lang == "en":
        assert "row 3" in said or "3" in said
    else:
        assert _CJK.search(said), said
    at.segmented_control(key=BOOK_SHOW).set_value("problems").run()
    assert list(_book_frame(at)["borrower"]) == ["borrower_03"]


def test_a_chinese_session_reads_the_page_in_chinese(open_page):
    at = _demo(open_page, lang="zh")
    assert at.session_state[LANG] == "zh"
    assert at.title[0].value == ZH["book.title"]
    assert list(_book_frame(at)["borrower"]) == [f"借款人{i:02d}" for i in range(1, 5)]
    texts = [
        *(s.value for s in at.subheader),
        *(m.label for m in at.metric),
        *(e.value for e in at.error),
        *(c.value for c in at.caption),
        *(b.label for b in at.button),
    ]
    assert all(_CJK.search(text) for text in texts), texts
    # No English word, once the figures, the codes and the file names are left out.
    words = {
        w
        for text in texts
        for w in _ENGLISH.findall(re.sub(r"`[^`]*`|\S+\.(csv|toml)|[A-Z]{2,}", "", text))
    }
    assert words - {getpass.getuser()} == set(), words  # the sidebar's user name is a name


def test_a_zip_of_the_book_is_read_and_a_name_leaving_the_folder_refused(tmp_path):
    files = _broken_book(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"book/{name}", data)
    read = book.files_from_uploads([("book.zip", buffer.getvalue())])
    assert read == {f"book/{n}": d for n, d in files.items()}
    assert book.manifest_name(read) == "book/manifest.toml"
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("../evil.csv", b"x")
    with pytest.raises(book.BookFilesError):
        book.read_zip(bad.getvalue())
    with pytest.raises(book.BookFilesError):
        book.read_zip(b"not a zip")
