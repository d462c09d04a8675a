"""Inventory page: the sample by default, uploads (good and bad), the summaries."""

from __future__ import annotations

import io
import tomllib

import pandas as pd
import pytest

from finance import load_assumptions, load_inventory
from streamlit_app.support import SAMPLE_TEXT, bad_upload, problem_table, sample_rows
from tests.hostile_files import shared_string_bomb
from ui.state import APPLY_MAPPING, ASSUMPTIONS, INVENTORY, MAPPING_PREFIX, UPLOAD, USE_SAMPLE


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
    problems = problem_table(at)
    assert sorted(zip(problems["Row"], problems["Column or key"], strict=True)) == expected
    assert not at.success  # nothing is valued
    # The other pages show the same problems instead of figures.
    at.switch_page("app_pages/collateral.py").run()
    assert not at.exception
    assert "bad stock.csv has 3 problem(s)" in at.error[0].value
    assert not at.metric


def test_a_chinese_session_says_the_problems_in_chinese(open_page):
    # Problems are cached as they are and said in each session's language: an English
    # session's cached table never reaches a Chinese one.
    data, expected = bad_upload()
    english = open_page("inventory")
    english.file_uploader(key=UPLOAD).set_value(("bad stock.csv", data, "text/csv")).run()
    assert "must not be negative" in " ".join(problem_table(english)["Problem"])
    at = open_page("inventory", lang="zh")
    at.file_uploader(key=UPLOAD).set_value(("bad stock.csv", data, "text/csv")).run()
    assert not at.exception
    assert "bad stock.csv 有 3 个问题" in at.error[0].value
    problems = problem_table(at)
    assert list(problems.columns) == ["文件", "行", "列或键", "问题"]
    assert sorted(zip(problems["行"], problems["列或键"], strict=True)) == expected
    by_row = dict(zip(problems["行"], problems["问题"], strict=True))
    assert by_row[3] == "“twelve”不是数字"
    assert by_row[9] == "不能为负数，实际为 -5"
    assert "spaceships" in by_row[6] and "must" not in by_row[6]


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


@pytest.fixture
def served(monkeypatch):
    """Every file the app hands to a download button, by file name: (mimetype, bytes)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, tuple[str, bytes]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes) and filename:
            files[filename] = (mimetype, path_or_data)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


@pytest.mark.parametrize(
    ("lang", "labels", "stem", "headers"),
    [
        ("en", ["Template (CSV)", "Template (Excel)"], "stock-list-template",
         ["sku", "description", "category", "unit", "quantity"]),
        ("zh", ["模板（CSV）", "模板（Excel）"], "库存清单模板",
         ["物料编码", "物料名称", "物料分类", "计量单位", "数量"]),
    ],
)  # fmt: skip
def test_template_downloads_load_back(open_page, served, lang, labels, stem, headers):
    at = open_page("inventory", lang=lang)
    assert [b.proto.label for b in at.get("download_button")] == labels
    for suffix in ("csv", "xlsx"):
        mimetype, data = served[f"{stem}.{suffix}"]
        if suffix == "csv":
            assert mimetype == "text/csv"
            frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
        else:
            frame = pd.read_excel(io.BytesIO(data), dtype=str)
        assert list(frame.columns[:5]) == headers
        if lang == "zh":
            assert {"单位成本", "单价", "入库日期", "保质期至", "月销量", "仓库", "批次号"} <= set(
                frame.columns
            )
        lots = load_inventory(data, name=f"template.{suffix}")
        assert len(lots) == 3
        assert list(lots["category"]) == ["apparel", "apparel", "food"]
        assert lots["batch"].tolist() == ["B2608", "B2610", "B2609"]
        # The template, uploaded as it is, is read and valued.
    at.file_uploader(key=UPLOAD).set_value((f"{stem}.xlsx", data, "application/zip")).run()
    assert not at.exception
    assert at.success and "3" in at.success[0].value


ERP_TEXT = (
    "库存明细表 2026-11-28,,,,,,,,\n"
    "物料编码,物料名称,物料分类,批次号,仓库,数量,单位成本,单价,入库日期\n"
    'M-1,衬衫,男装,B1,上海仓,"1,200",50,80,2026-10-01\n'
    "M-1,衬衫,男装,B2,成都仓,800,50,80,2026-09-01\n"
    "E-7,耳机,电子,B1,上海仓,300,90,150,2026-08-01\n"
    '合计,,,,,"2,300",,,\n'
)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_unknown_category_name_is_mapped_in_the_app(open_page, served, lang):
    at = open_page("inventory", lang=lang)
    data = ERP_TEXT.encode("gbk")
    at.file_uploader(key=UPLOAD).set_value(("库存.csv", data, "text/csv")).run()
    assert not at.exception
    assert not at.success  # not read yet: 男装 is no category
    pickers = [s for s in at.selectbox if str(s.key).startswith(MAPPING_PREFIX)]
    assert len(pickers) == 1  # 电子 is a synonym of electronics: only 男装 is asked about
    picker = pickers[0]
    assert "男装" in picker.label
    assert picker.value is None
    # The choices are the categories, labelled in the session's language.
    apparel = "服装" if lang == "zh" else "Apparel"
    assert apparel in picker.options
    assert at.button(key=APPLY_MAPPING).disabled
    picker.select_index(picker.options.index(apparel)).run()
    at.button(key=APPLY_MAPPING).click().run()
    assert not at.exception
    assert at.session_state[ASSUMPTIONS]["category_names"] == {"男装": "apparel"}
    assert at.success, [e.value for e in at.error]
    assert "3" in at.success[0].value
    assert not [s for s in at.selectbox if str(s.key).startswith(MAPPING_PREFIX)]
    # Valued: the Financing page shows its options.
    at.switch_page("app_pages/financing.py").run()
    assert not at.exception
    assert not at.error
    # The saved assumptions carry the mapping.
    at.switch_page("app_pages/assumptions.py").run()
    saved = tomllib.loads(served["assumptions.toml"][1].decode("utf-8"))
    assert saved["category_names"] == {"男装": "apparel"}
    # And loaded back, the same file reads without asking again.
    assert load_assumptions(served["assumptions.toml"][1], name="a.toml").category_names == {
        "男装": "apparel"
    }


def test_the_valuation_date_is_shown_in_the_sidebar(open_page):
    at = open_page("inventory", lang="zh")
    assert any("估值日：2026-11-24" in m.value for m in at.sidebar.markdown)
    at = open_page("inventory")
    assert any("Valuation date: 2026-11-24" in m.value for m in at.sidebar.markdown)


def test_a_small_workbook_that_unpacks_to_too_much_text_is_refused_before_anything_is_drawn(
    open_page,
):
    # 20,000 rows whose sku and description reference one 999-character shared string:
    # about 15 KB on disk, 40 million characters unpacked, more than a 50 MB CSV can hold.
    data = io.BytesIO()
    shared_string_bomb(data, rows=20_000, length=999)
    assert len(data.getvalue()) < 50_000
    at = open_page("inventory")
    at.file_uploader(key=UPLOAD).set_value(
        ("bomb.xlsx", data.getvalue(), "application/octet-stream")
    ).run()
    assert not at.exception
    assert "bomb.xlsx has 1 problem(s)" in at.error[0].value
    (message,) = problem_table(at)["Problem"]
    assert "characters of text once unpacked" in message
    assert not at.success and not at.metric
    assert len(at.table) == 1 and not at.dataframe  # the problems, and no table of lots
