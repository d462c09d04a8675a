"""Inventory page: the sample by default, uploads (good and bad), the summaries."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from streamlit_app.support import SAMPLE_TEXT, bad_upload, sample_rows
from ui.state import INVENTORY, UPLOAD, USE_SAMPLE


def test_sample_by_default(open_page):
    at = open_page("inventory")
    assert "240 lots read" in at.success[0].value
    values = {m.label: m.value for m in at.metric}
    assert values["Lots"] == "240"
    assert values["Market value (CNY)"] == "136.76m"
    assert values["Warehouses"] == "8"
    by_category = at.dataframe[0].value
    assert len(by_category) == 8
    assert by_category["market_value"].sum() == pytest.approx(136_761_919.29, abs=0.01)
    assert by_category["share"].sum() == pytest.approx(1.0)
    assert at.dataframe[2].value.shape[0] == 240


def test_bad_upload_lists_every_problem_with_its_row(open_page):
    at = open_page("inventory")
    data, expected = bad_upload()
    at.file_uploader(key=UPLOAD).set_value(("bad stock.csv", data, "text/csv")).run()
    assert not at.exception
    assert "bad stock.csv has 3 problem(s)" in at.error[0].value
    problems = at.dataframe[0].value
    assert sorted(zip(problems["Row"], problems["Column or key"], strict=True)) == expected
    assert not at.success  # nothing is valued
    # The other pages show the same problems instead of figures.
    at.switch_page("app_pages/collateral.py").run()
    assert not at.exception
    assert "bad stock.csv has 3 problem(s)" in at.error[0].value
    assert not at.metric


def test_good_upload_flows_through(open_page, tmp_path):
    at = open_page("inventory")
    at.file_uploader(key=UPLOAD).set_value(("part.csv", sample_rows(60), "text/csv")).run()
    assert "60 lots read" in at.success[0].value
    assert at.session_state[INVENTORY][0] == "part.csv"
    at.switch_page("app_pages/collateral.py").run()
    assert not at.exception
    assert "part.csv · 60 lots" in at.caption[0].value
    # Back to the sample with one click.
    at.switch_page("app_pages/inventory.py").run()
    at.button(key=USE_SAMPLE).click().run()
    assert at.session_state[INVENTORY] is None
    assert "240 lots read" in at.success[0].value


@pytest.mark.parametrize("kind", ["xlsx", "parquet"])
def test_excel_and_parquet_uploads(open_page, kind):
    frame = pd.read_csv(io.StringIO(SAMPLE_TEXT), dtype=str).head(25)
    buffer = io.BytesIO()
    if kind == "xlsx":
        frame.to_excel(buffer, index=False)
    else:
        frame.to_parquet(buffer, index=False)
    at = open_page("inventory")
    at.file_uploader(key=UPLOAD).set_value(
        (f"stock.{kind}", buffer.getvalue(), "application/octet-stream")
    ).run()
    assert not at.exception
    assert "25 lots read" in at.success[0].value


def test_chinese(open_page):
    at = open_page("inventory", lang="zh")
    assert at.title[0].value == "库存"
    assert any("批" in m.label or "批次" in m.label for m in at.metric)


def test_an_erp_export_says_which_totals_rows_it_left_out(open_page):
    text = (
        "库存明细表,,,,,,,\n"
        "报表日期：2026-11-28,,,,,,,\n"
        "物料编码,物料名称,物料分类,批号,仓库,结存数量,成本单价,单价,库龄\n"
        'M-1,衬衫,服饰,B1,上海仓,"1,200",50,80,30\n'
        "M-1,衬衫,服饰,B2,上海仓,800,50,80,60\n"
        '合计,,,,,"2,000",,,\n'
    )
    at = open_page("inventory")
    at.file_uploader(key=UPLOAD).set_value(("库存.csv", text.encode("gbk"), "text/csv")).run()
    assert not at.exception
    assert "2 lots read" in at.success[0].value
    note = " ".join(c.value for c in at.caption)
    assert "Header found in row 3; 1 totals or subtotal rows left out (rows 6)" in note
