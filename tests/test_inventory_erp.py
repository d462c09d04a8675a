"""Stock lists as Chinese ERP systems (Kingdee, Yonyou, SAP in Chinese) export them.

Each file here is built the way those systems write it: a title block above the header
(a report name, a date, cells merged across the columns), item codes and names in separate
columns, batches of one item in several warehouses, money with thousands separators and
¥/￥, and a totals row (合计) or subtotal rows at the bottom, in GBK or UTF-8 CSV or in XLSX
with formula cells. MODEL.md section 1.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl
import pandas as pd
import pytest

from finance import load_assumptions, load_inventory
from finance.errors import InputError, Problem
from finance.inputs.inventory import ALIASES, SPEC_HEADERS

ERP_HEADER = (
    "物料编码,物料名称,规格型号,物料分类,批号,仓库,计量单位,结存数量,成本单价,单价,金额,入库日期"
)
# One 物料编码 in two batches and two warehouses, and a second item; money as an ERP writes it.
ERP_ROWS = (
    'M-001,男士衬衫,XL,服饰,B2026-01,上海一号仓,件,"1,200",50.00,"￥80.00","60,000.00",2026/1/5',
    'M-001,男士衬衫,XL,服饰,B2026-02,上海一号仓,件,800,52.00,80,"41,600.00",2026/3/5',
    'M-001,男士衬衫,XL,服饰,B2026-01,北京仓,件,300,50,80,"15,000.00",2026/1/5',
    'E-9,蓝牙耳机,,3C,,北京仓,个,"1,000",120,"￥1,199.00","120,000.00",2026/6/1',
)
ERP_TITLE = ("库存明细表,,,,,,,,,,,", "报表日期：2026-11-28,,,,,,,,,,,", ",,,,,,,,,,,")
ERP_TOTAL = '合计,,,,,,,"3,300",,,"236,600.00",'


def erp_csv(*rows: str, encoding: str, title: Sequence[str] = ERP_TITLE) -> bytes:
    text = "\r\n".join([*title, ERP_HEADER, *rows, ""])
    if encoding.startswith("utf-8"):
        text = text.replace("￥", "¥")  # UTF-8 exports write the half-width sign too
    return text.encode(encoding)


def load_problems(data: bytes, name: str, **kw: Any) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_inventory(data, name=name, **kw)
    return list(info.value.problems)


# --------------------------------------------------------------------------------------
# CSV: title rows, batches, totals


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_erp_csv_with_title_batches_and_totals_row(encoding):
    frame = load_inventory(erp_csv(*ERP_ROWS, ERP_TOTAL, encoding=encoding), name="库存明细.csv")
    # Rows keep their spreadsheet numbers below the three title rows and the header (row 4).
    assert frame.index.tolist() == [5, 6, 7, 8]
    assert frame.attrs["header_row"] == 4
    assert frame.attrs["totals_left_out"] == 1
    assert frame.attrs["totals_rows"] == [9]
    assert frame["sku"].tolist() == ["M-001", "M-001", "M-001", "E-9"]
    assert frame["batch"].tolist() == ["B2026-01", "B2026-02", "B2026-01", ""]
    assert frame["warehouse"].tolist() == ["上海一号仓", "上海一号仓", "北京仓", "北京仓"]
    assert frame["description"].tolist() == ["男士衬衫 XL"] * 3 + ["蓝牙耳机"]
    assert frame["category"].tolist() == ["apparel"] * 3 + ["electronics"]
    assert frame["unit"].tolist() == ["件", "件", "件", "个"]
    assert frame["quantity"].tolist() == [1200.0, 800.0, 300.0, 1000.0]
    assert frame["unit_cost"].tolist() == [50.0, 52.0, 50.0, 120.0]
    assert frame["unit_price"].tolist() == [80.0, 80.0, 80.0, 1199.0]
    assert frame.loc[6, "received_date"] == pd.Timestamp("2026-03-05")


def test_tab_separated_export_with_a_title_line():
    title = ("库存明细表", "日期\t2026-11-28", "")
    rows = [r.replace('"1,200"', "1200").replace('"1,000"', "1000") for r in ERP_ROWS]
    rows = [re.sub(r'"[^"]*"', "0", r).replace(",", "\t") for r in rows]
    data = "\n".join([*title, ERP_HEADER.replace(",", "\t"), *rows, ""]).encode("utf-16")
    frame = load_inventory(data, name="库存.txt")
    assert frame.index.tolist() == [5, 6, 7, 8]
    assert frame["quantity"].tolist() == [1200.0, 800.0, 300.0, 1000.0]


TOTALS_CASES = {
    # label: (rows after the lots, rows left out)
    "合计 in the code column": ([ERP_TOTAL], [9]),
    "总计 with a colon in the name column": ([',总计：,,,,,,"3,300",,,,'], [9]),
    "subtotals per warehouse, then a grand total": (
        [
            ',上海一号仓小计,,,,,,"2,000",,,,',
            ',北京仓 小计,,,,,,"1,300",,,,',
            '合 计,,,,,,,"3,300",,,,',
        ],
        [9, 10, 11],
    ),
    "no word: a blank code and the sum of the rows above": ([',,,,,,,"3,300",,,,'], [9]),
    "English total": (['Total,,,,,,,"3,300",,,,'], [9]),
}


@pytest.mark.parametrize(("after", "left_out"), TOTALS_CASES.values(), ids=TOTALS_CASES)
def test_totals_and_subtotal_rows_are_left_out_and_counted(after, left_out):
    frame = load_inventory(erp_csv(*ERP_ROWS, *after, encoding="gbk"), name="stock.csv")
    assert frame.index.tolist() == [5, 6, 7, 8]
    assert frame.attrs["totals_left_out"] == len(left_out)
    assert frame.attrs["totals_rows"] == left_out


def test_blank_code_rows_with_unsummed_numbers_are_still_errors():
    # 999 is no sum of the rows above: a lot without its code, not a total.
    found = load_problems(
        erp_csv(*ERP_ROWS, ",无编码,,服饰,,,件,999,1,2,,2026/1/1", encoding="gbk"), "s.csv"
    )
    assert [(p.row, p.column, p.message) for p in found] == [
        (9, "物料编码", "blank cell: sku is required")
    ]


SINGLE_LOT_CASES = {
    # (rows, rows left out): the "sum" of one lot is that lot again
    "a blank code and a category after one lot: a lot missing its code": (
        ["A,服装,5,1,2,2026-01-05", ",服装,5,1,2,2026-01-05"],
        None,
    ),
    "a blank code and no category after one lot: its subtotal": (
        ["A,服装,5,1,2,2026-01-05", ",,5,,,"],
        [3],
    ),
    "a category beside a sum of two lots: a total": (
        ["A,服装,5,1,2,2026-01-05", "B,服装,7,1,2,2026-01-05", ",服装,12,,,"],
        [4],
    ),
}


@pytest.mark.parametrize(("rows", "left_out"), SINGLE_LOT_CASES.values(), ids=SINGLE_LOT_CASES)
def test_the_sum_of_a_single_lot(rows, left_out):
    data = "\n".join(["货号,类别,数量,单位成本,单价,入库日期", *rows, ""]).encode()
    if left_out is None:
        found = load_problems(data, "s.csv")
        assert [(p.row, p.column) for p in found] == [(3, "货号")]
        return
    frame = load_inventory(data, name="s.csv")
    assert frame.attrs["totals_rows"] == left_out


def test_a_word_that_only_begins_with_subtotal_is_a_lot():
    # 小计算器 is a pocket calculator, not a subtotal.
    row = "K-1,小计算器,,电子,,上海一号仓,个,5,10,20,100,2026/1/5"
    frame = load_inventory(erp_csv(*ERP_ROWS, row, encoding="gbk"), name="s.csv")
    assert frame.loc[9, "description"] == "小计算器"
    assert frame.attrs["totals_left_out"] == 0


def test_problems_in_a_totals_row_are_not_reported():
    # A totals row's blank cells and text in number columns are not the user's mistakes.
    total = '合计,,,合计,,,,"3,300",合计,合计,,'
    frame = load_inventory(erp_csv(*ERP_ROWS, total, encoding="gbk"), name="s.csv")
    assert len(frame) == 4


def test_errors_name_the_files_own_headers_and_rows_below_the_title():
    rows = [
        ERP_ROWS[0],
        ERP_ROWS[1].replace(",800,", ",很多,"),
        ERP_ROWS[2].replace("服饰", "家具"),
    ]
    found = load_problems(erp_csv(*rows, ERP_TOTAL, encoding="gbk"), "stock.csv")
    assert [(p.file, p.row, p.column) for p in found] == [
        ("stock.csv", 6, "结存数量"),
        ("stock.csv", 7, "物料分类"),
    ]
    assert "'很多' is not a number" in found[0].message
    assert "[category_names]" in found[1].message


# --------------------------------------------------------------------------------------
# XLSX: merged title, formula cells with and without saved values


def xlsx_with_cached_values(
    rows: Sequence[Sequence[Any]], cached: Mapping[str, float], merge: str | None = None
) -> bytes:
    """A workbook as Excel saves it: formulas with their values.

    openpyxl writes a formula with an empty value (it cannot compute); Excel, WPS and ERP
    exports store the value beside the formula. The sheet XML is rewritten to hold the
    values of ``cached`` (cell reference -> value), as those programs write it.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                for ref, value in cached.items():
                    pattern = rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>'
                    text, n = re.subn(pattern, rf"\g<1><v>{value}</v>", text)
                    assert n == 1, ref
                data = text.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


XLSX_HEADER = ["存货编码", "存货名称", "规格型号", "存货分类", "批次号", "仓库", "结存数量",
               "成本单价", "单价", "金额", "入库日期"]  # fmt: skip
XLSX_LOTS = [
    ["C-1", "电解铜", "1#", "电解铜", "L2611", "青岛保税仓", 10, 60000, 70000, "=G4*H4",
     dt.date(2026, 10, 8)],
    ["C-1", "电解铜", "1#", "电解铜", "L2612", "青岛保税仓", 5, 61000, 70000, "=G5*H5",
     dt.date(2026, 11, 2)],
    ["C-1", "电解铜", "1#", "电解铜", "L2611", "上海仓", 8, 60000, 70000, "=G6*H6",
     dt.date(2026, 10, 8)],
    ["S-7", "螺纹钢", "HRB400 Φ20", "钢铁", "", "上海仓", 120, 3600, 3900, "=G7*H7",
     dt.date(2026, 9, 1)],
]  # fmt: skip
XLSX_TITLE = [["存货收发存汇总表"], ["报表日期", dt.date(2026, 11, 28), None, "单位：元"]]
XLSX_CACHED = {"J4": 600000, "J5": 305000, "J6": 480000, "J7": 432000}


@pytest.mark.parametrize("total_label", ["合计", None])
def test_xlsx_with_merged_title_and_a_formula_totals_row(total_label):
    total = [total_label, None, None, None, None, None, "=SUM(G4:G7)", None, None, "=SUM(J4:J7)"]
    data = xlsx_with_cached_values(
        [*XLSX_TITLE, XLSX_HEADER, *XLSX_LOTS, total],
        {**XLSX_CACHED, "G8": 143, "J8": 1817000},
        merge="A1:K1",
    )
    frame = load_inventory(data, name="存货.xlsx")
    assert frame.index.tolist() == [4, 5, 6, 7]
    assert frame.attrs["header_row"] == 3
    assert (frame.attrs["totals_left_out"], frame.attrs["totals_rows"]) == (1, [8])
    assert frame["sku"].tolist() == ["C-1", "C-1", "C-1", "S-7"]
    assert frame["batch"].tolist() == ["L2611", "L2612", "L2611", ""]
    assert frame["warehouse"].tolist() == ["青岛保税仓", "青岛保税仓", "上海仓", "上海仓"]
    assert frame["category"].tolist() == ["copper", "copper", "copper", "steel"]
    assert frame["description"].tolist() == ["电解铜 1#"] * 3 + ["螺纹钢 HRB400 Φ20"]
    assert frame["quantity"].tolist() == [10.0, 5.0, 8.0, 120.0]


def test_xlsx_formula_lot_values_are_read_from_their_saved_values():
    rows = [*XLSX_TITLE, XLSX_HEADER, *[list(r) for r in XLSX_LOTS]]
    rows[3][7] = "=J4/G4"  # the unit cost computed from the amount
    rows[3][9] = 600000
    data = xlsx_with_cached_values(
        rows, {"H4": 60000, **{k: v for k, v in XLSX_CACHED.items() if k != "J4"}}
    )
    frame = load_inventory(data, name="存货.xlsx")
    assert frame.loc[4, "unit_cost"] == 60000.0


def test_xlsx_formula_without_a_saved_value_is_a_clear_error():
    rows = [*XLSX_TITLE, XLSX_HEADER, *[list(r) for r in XLSX_LOTS]]
    rows[4][7] = "=H4+1000"  # written by a program that cannot compute: no value saved
    rows.append(["合计", None, None, None, None, None, "=SUM(G4:G7)"])  # uncached, left out
    data = xlsx_with_cached_values(rows, XLSX_CACHED)
    found = load_problems(data, "存货.xlsx")
    assert [(p.row, p.column) for p in found] == [(5, "成本单价")]
    assert "formula saved without its value" in found[0].message
    assert "save it" in found[0].message


# --------------------------------------------------------------------------------------
# Headers: codes, names and the aliases of MODEL.md section 1

# Exactly as MODEL.md section 1 lists them.
MODEL_ALIASES = {
    "sku": ("商品编码", "物料编码", "存货编码", "货号"),
    "description": ("品名", "物料名称", "商品名称", "存货名称"),
    "category": ("物料分类", "类别", "存货分类"),
    "quantity": ("数量", "库存数量", "结存数量"),
    "unit_cost": ("单位成本", "成本单价"),
    "unit_price": ("单价", "市场价", "售价"),
    "received_date": ("入库日期",),
    "expiry_date": ("到期日", "保质期至", "失效日期"),
    "monthly_sales": ("月销量",),
    "warehouse": ("仓库",),
    "batch": ("批次号", "批号"),
    "unit": ("计量单位", "单位"),
}


@pytest.mark.parametrize(
    ("column", "alias"), [(c, a) for c, aliases in MODEL_ALIASES.items() for a in aliases]
)
def test_every_alias_of_model_section_1(column, alias):
    assert alias in ALIASES[column]
    assert all(alias not in ALIASES[other] for other in ALIASES if other != column)


@pytest.mark.parametrize("name", MODEL_ALIASES["description"])
@pytest.mark.parametrize("code", MODEL_ALIASES["sku"])
def test_a_code_and_a_name_give_sku_and_description(code, name):
    header = f"{code},{name},类别,数量,单位成本,单价,入库日期"
    frame = load_inventory(f"{header}\nA-1,男士衬衫,服装,1,1,2,2026-01-05\n".encode(), name="s.csv")
    assert (frame.loc[2, "sku"], frame.loc[2, "description"]) == ("A-1", "男士衬衫")


def test_a_name_alone_is_not_an_identifier():
    found = load_problems(
        "品名,类别,数量,单位成本,单价,入库日期\n男士衬衫,服装,1,1,2,2026-01-05\n".encode(), "s.csv"
    )
    assert [(p.row, p.column) for p in found] == [(None, "sku")]
    assert "物料编码" in found[0].message  # the code headers are named


@pytest.mark.parametrize("spec", SPEC_HEADERS[:1])
@pytest.mark.parametrize(
    ("name", "spec_value", "expected"),
    [("衬衫", "XL", "衬衫 XL"), ("衬衫", "", "衬衫"), ("", "XL", "XL"), ("", "", "")],
)
def test_the_specification_is_kept_with_the_description(spec, name, spec_value, expected):
    header = f"货号,品名,{spec},类别,数量,单位成本,单价,入库日期"
    row = f"A-1,{name},{spec_value},服装,1,1,2,2026-01-05"
    frame = load_inventory(f"{header}\n{row}\n".encode(), name="s.csv")
    assert frame.loc[2, "description"] == expected


def test_an_amount_column_is_ignored():
    header = "货号,类别,数量,单位成本,单价,金额,金额(元),入库日期"
    row = 'A-1,服装,2,1,3,"not a number",6,2026-01-05'
    frame = load_inventory(f"{header}\n{row}\n".encode(), name="s.csv")
    assert frame.loc[2, "quantity"] == 2.0


# --------------------------------------------------------------------------------------
# Categories: labels, synonyms and the company's own names

SYNONYMS = {
    "服装": "apparel",
    "服饰": "apparel",
    "电子": "electronics",
    "电子产品": "electronics",
    "3C": "electronics",
    "3c": "electronics",
    "食品": "food",
    "家电": "home_appliances",
    "家用电器": "home_appliances",
    "汽配": "auto_parts",
    "汽车配件": "auto_parts",
    "钢材": "steel",
    "钢铁": "steel",
    "铜": "copper",
    "电解铜": "copper",
    "其他": "generic",
}


@pytest.mark.parametrize(("text", "key"), SYNONYMS.items())
def test_category_synonyms(text, key):
    frame = load_inventory(
        f"sku,category,quantity,unit_cost,unit_price,age_days\nA,{text},1,1,1,3\n".encode(),
        name="s.csv",
    )
    assert frame.loc[2, "category"] == key


CSV_WITH_OWN_NAMES = (
    "货号,类别,数量,单位成本,单价,入库日期\nA,男装,1,1,2,2026-01-05\nB,服饰,1,1,2,2026-01-05\n"
)


def test_the_companys_own_category_names():
    data = CSV_WITH_OWN_NAMES.encode()
    found = load_problems(data, "s.csv")
    assert [(p.row, p.column) for p in found] == [(2, "类别")]
    assert "unknown category '男装'" in found[0].message
    frame = load_inventory(data, name="s.csv", category_names={"男装": "apparel"})
    assert frame["category"].tolist() == ["apparel", "apparel"]


def test_the_companys_names_come_from_the_assumptions(tmp_path):
    path = tmp_path / "a.toml"
    # The company's name wins over a shipped synonym: here 服饰 is their accessories line.
    path.write_text('[category_names]\n"男装" = "apparel"\n"服饰" = "generic"\n', encoding="utf-8")
    a = load_assumptions(path)
    frame = load_inventory(
        CSV_WITH_OWN_NAMES.encode(),
        name="s.csv",
        categories=a.categories,
        category_names=a.category_names,
    )
    assert frame["category"].tolist() == ["apparel", "generic"]


def test_a_category_key_wins_over_the_companys_names():
    data = "货号,类别,数量,单位成本,单价,入库日期\nA,steel,1,1,2,2026-01-05\n".encode()
    frame = load_inventory(data, name="s.csv", category_names={"steel": "copper"})
    assert frame.loc[2, "category"] == "steel"


# --------------------------------------------------------------------------------------
# Lots and duplicates

DUP_HEADER = "物料编码,批号,仓库,类别,数量,单位成本,单价,入库日期"

DUPLICATE_CASES = {
    "same code, two batches": (["A,B1,W1", "A,B2,W1"], []),
    "same code and batch, two warehouses": (["A,B1,W1", "A,B1,W2"], []),
    "same code, batch and warehouse": (
        ["A,B1,W1", "A,B2,W1", "A,B1,W1"],
        [(4, "duplicate SKU 'A', batch 'B1', warehouse 'W1': first in row 2")],
    ),
    "blank batches count as equal": (
        ["A,,W1", "A,,W1"],
        [(3, "duplicate SKU 'A', batch '', warehouse 'W1': first in row 2")],
    ),
}


@pytest.mark.parametrize(("lots", "expected"), DUPLICATE_CASES.values(), ids=DUPLICATE_CASES)
def test_a_duplicate_repeats_sku_batch_and_warehouse(lots, expected):
    rows = [f"{lot},服装,1,1,2,2026-01-05" for lot in lots]
    data = "\n".join([DUP_HEADER, *rows, ""]).encode()
    if not expected:
        assert len(load_inventory(data, name="s.csv")) == len(lots)
        return
    found = load_problems(data, "s.csv")
    assert [(p.row, p.message) for p in found] == expected
    assert {p.column for p in found} == {"物料编码"}


def test_without_batch_or_warehouse_columns_a_repeated_sku_is_a_duplicate():
    data = "sku,category,quantity,unit_cost,unit_price,age_days\nA,food,1,1,1,1\nA,food,1,1,1,1\n"
    found = load_problems(data.encode(), "s.csv")
    assert [(p.row, p.message) for p in found] == [(3, "duplicate SKU 'A': first in row 2")]
