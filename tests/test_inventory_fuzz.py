"""Fuzzing the loader: whatever the file, only InputError escapes, naming row and column.

Structured fuzzing: files that look like stock lists (right headers, plausible rows) with
cells drawn from what ERPs and spreadsheets actually write (full-width digits, thousands
separators, currency signs, whitespace, NaN and infinities, huge numbers, dates in many
forms, Chinese text), then damaged (truncated, re-encoded, mixed encodings, extra or
missing columns, empty sheets). Bounded so that it runs in seconds in CI.
"""

from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance import InputError, load_inventory
from finance.inputs.inventory import DATE_RANGE, LIMITS, MAX_LOT_VALUE
from finance.inputs.reading import MAX_CELL_CHARS
from tests.hostile_files import inline_row, workbook

HEADERS = ["sku", "category", "quantity", "unit_cost", "unit_price", "received_date",
           "expiry_date", "warehouse", "consigned", "monthly_sales"]  # fmt: skip
CHINESE_HEADERS = ["商品编码", "品类", "数量", "单位成本", "单价", "入库日期", "到期日", "仓库",
                   "代销", "月销量"]  # fmt: skip

numbers = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["１２３", "１,２３４.５", "¥1,234.50", "￥12", "1,234,567", "12,34", "1 234",
                     " 42 ", "\t7\t", "nan", "NaN", "inf", "-inf", "1e400", "0", "-0", "", "—",
                     "12.5%", "1.2.3", "0x1F", "٣", "1_000", "1e308", "1e300", "1e12", "1e13",
                     "36500", "36501", "5", "5.01"]),
)  # fmt: skip
dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2026-01-05", "2026/1/5", "2026年1月5日", "20260105", "45000", "9999-12-31",
                     "03/04/2026", "2026-02-30", "0", "-1", "99999999", "", "昨天", "1677-09-22",
                     "1677-09-21", "1899-12-31", "1900-01-01", "2199-12-31", "2262-04-11", "1"]),
)  # fmt: skip
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["apparel", "服装", "Home Appliances", "copper ", "unknown", "=1+1", "",
                     "是", "否", "true", "FALSE", "y", "x" * 1000, "x" * 1001, "长" * 1001]),
)  # fmt: skip
cells = st.one_of(numbers, dates, texts)


@st.composite
def stock_lists(draw) -> tuple[list[str], list[list[str]]]:
    """Headers (maybe Chinese, maybe with extras, maybe missing some) and rows of cells."""
    headers = list(draw(st.sampled_from([HEADERS, CHINESE_HEADERS])))
    if draw(st.booleans()):
        headers = headers[: draw(st.integers(1, len(headers)))]
    headers += draw(st.lists(st.text(max_size=6), max_size=2))  # extra columns
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(headers) + 2), max_size=8))
    return headers, rows


def assert_only_named_input_errors(data: bytes, name: str, **limits: int) -> None:
    try:
        frame = load_inventory(data, name=name, **limits)
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == name
            assert problem.message
            if problem.row is not None:
                assert problem.row >= 1
                assert problem.column is not None, problem
        return
    # What passes is clean: finite, in range, one row per lot.
    for column in ("quantity", "unit_cost", "unit_price"):
        values = frame[column].to_numpy(dtype=float)
        assert np.isfinite(values).all()
        assert (values >= 0).all()
    assert (frame["quantity"] > 0).all()
    assert frame.index.is_unique
    for column, ceiling in LIMITS.items():
        assert not (frame[column] > ceiling).any(), column
    assert not (frame["quantity"] * frame["unit_price"] > MAX_LOT_VALUE).any()
    for column in ("received_date", "expiry_date"):
        dates = frame[column].dropna()
        assert dates.between(pd.Timestamp(DATE_RANGE[0]), pd.Timestamp(DATE_RANGE[1])).all()
    for column in ("sku", "description", "warehouse", "batch"):
        assert frame[column].str.len().max() <= MAX_CELL_CHARS or frame.empty


def csv_text(headers: list[str], rows: list[list[str]], sep: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    writer.writerows(rows)
    return sep.join(headers) + "\n" + buffer.getvalue()


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    stock_lists(),
    st.sampled_from([",", "\t", ";"]),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_csv(stock, sep, encoding):
    headers, rows = stock
    text = csv_text(headers, rows, sep)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    assert_only_named_input_errors(data, "stock.csv")


@FUZZ
@given(stock_lists(), st.floats(0, 1), st.binary(max_size=20))
def test_truncated_and_mixed_bytes(stock, cut, noise):
    headers, rows = stock
    data = csv_text(headers, rows).encode("utf-8")
    truncated = data[: math.floor(len(data) * cut)]
    assert_only_named_input_errors(truncated, "stock.csv")
    # A GBK row inside a UTF-8 file, and random bytes in the middle.
    mixed = data + "A9,服装,1,1,1\n".encode("gb18030") + noise
    assert_only_named_input_errors(mixed, "stock.csv")


# Control characters cannot be stored in an XLSX cell at all.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
typed_cells = st.one_of(
    cells.map(lambda s: _ILLEGAL.sub("", s)),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.none(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(typed_cells, max_size=len(HEADERS) + 1), max_size=6), st.booleans())
def test_excel(rows, with_header):
    book = openpyxl.Workbook()
    sheet = book.active
    if with_header:
        sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    assert_only_named_input_errors(buffer.getvalue(), "stock.xlsx")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=6),
    st.lists(texts, min_size=1, max_size=6),
)
def test_parquet(values, labels):
    n = min(len(values), len(labels))
    frame = pd.DataFrame(
        {
            "sku": labels[:n],
            "category": ["apparel"] * n,
            "quantity": values[:n],
            "unit_cost": values[:n],
            "unit_price": values[::-1][:n],
            "age_days": [1.0] * n,
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    assert_only_named_input_errors(buffer.getvalue(), "stock.parquet")


def test_empty_sheet_and_header_only_files():
    for data, name in [(b"", "a.csv"), (b"\n\n", "a.csv"), (",".join(HEADERS).encode(), "a.csv")]:
        assert_only_named_input_errors(data, name)
    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    assert_only_named_input_errors(buffer.getvalue(), "empty.xlsx")


ERP_HEADERS = ["物料编码", "物料名称", "物料分类", "批号", "仓库", "结存数量", "成本单价", "单价",
               "金额", "入库日期"]  # fmt: skip


@FUZZ
@given(
    # Line breaks inside a title cell would make more title rows than the test counts.
    st.lists(st.lists(texts.map(lambda s: re.sub(r"[\r\n]", "", s)), max_size=4), max_size=5),
    st.lists(st.integers(1, 10**7), min_size=1, max_size=8),
    st.sampled_from(["合计", "总计", "小计", " 合 计 ", "Total", None]),
    st.sampled_from(["utf-8-sig", "gb18030", "utf-16"]),
)
def test_erp_shaped_files_keep_their_lots_and_leave_the_total_out(title, units, word, encoding):
    """A title block of anything, lots with thousands separators, a totals row at the end."""
    rows = [
        [
            f"M-{i}",
            "衬衫",
            "服饰",
            f"B{i % 2}",
            "上海仓",
            f"{q:,}",
            "1.50",
            "￥2.00",
            "",
            "2026/1/5",
        ]
        for i, q in enumerate(units)
    ]
    total = [word or "", "", "", "", "", f"{sum(units):,}", "", "", "", ""]
    text = csv_text(ERP_HEADERS, [*rows, total])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(title)
    data = (buffer.getvalue() + text).encode(encoding)
    frame = load_inventory(data, name="erp.csv")
    assert frame.attrs["header_row"] == 1 + len(title)
    assert frame["quantity"].tolist() == [float(q) for q in units]
    assert frame.attrs["totals_left_out"] == 1
    assert frame.attrs["totals_rows"] == [frame.index[-1] + 1]
    assert frame["category"].eq("apparel").all()


# --------------------------------------------------------------------------------------
# Files built to expand: small budgets, so that a handful of rows passes them.


@st.composite
def hostile_rows(draw) -> tuple[list[bytes], list[str]]:
    """Worksheet rows as XML: shared strings referenced again and again, stray cells out to
    column XFD, row numbers given, skipped or missing, long inline text."""
    shared = draw(st.lists(st.sampled_from(["apparel", "A1", "x" * 300, "y" * 1001]), min_size=1,
                           max_size=4))  # fmt: skip
    rows = [inline_row(HEADERS[:6])]
    number = 1
    for _ in range(draw(st.integers(0, 40))):
        cells = []
        for _ in range(draw(st.integers(0, 8))):
            kind = draw(st.sampled_from(["shared", "number", "inline"]))
            if kind == "shared":
                cells.append(f'<c t="s"><v>{draw(st.integers(0, len(shared) - 1))}</v></c>')
            elif kind == "number":
                cells.append(
                    f"<c><v>{draw(st.sampled_from(['1', '2.5', '1e308', '45000']))}</v></c>"
                )
            else:
                text = draw(st.sampled_from(["apparel", "z" * 999, "z" * 1000, "长" * 1001]))
                cells.append(f'<c t="inlineStr"><is><t>{text}</t></is></c>')
        number += draw(st.integers(1, 3))
        if draw(st.booleans()):
            column = draw(st.sampled_from(["G", "AA", "IW", "XFD"]))
            cells.append(f'<c r="{column}{number}"><v>1</v></c>')
        opening = f'<row r="{number}">' if draw(st.booleans()) else "<row>"
        rows.append((opening + "".join(cells) + "</row>").encode())
    return rows, shared


@FUZZ
@given(hostile_rows(), st.integers(10, 5000), st.integers(100, 50_000), st.integers(1, 60))
def test_hostile_workbooks_within_small_budgets(sheet, cells, text, rows):
    rows_xml, shared = sheet
    buffer = io.BytesIO()
    workbook(buffer, rows_xml, shared)
    assert_only_named_input_errors(
        buffer.getvalue(), "stock.xlsx", max_cells=cells, max_text=text, max_rows=rows
    )


@FUZZ
@given(
    st.lists(st.sampled_from(["A1,apparel,1,1,1,2026-01-05", "", "x,,", "A2,服装,2,2,2,5"]),
             max_size=30),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=30),
    st.integers(1, 30),
)  # fmt: skip
def test_every_line_ending_counts_towards_the_row_limit(rows, endings, max_rows):
    lines = [",".join(HEADERS[:6]), *rows]
    text = "".join(line + endings[i % len(endings)] for i, line in enumerate(lines))
    try:
        frame = load_inventory(text.encode(), name="stock.csv", max_rows=max_rows)
    except InputError as exc:
        assert all(p.file == "stock.csv" for p in exc.problems)
        return
    assert len(frame) <= max_rows


@FUZZ
@given(
    st.lists(st.sampled_from(["A1", "x" * 999, "x" * 1001, "长" * 1500, ""]), min_size=1,
             max_size=30),
    st.booleans(),
    st.integers(100, 100_000),
)  # fmt: skip
def test_dictionary_encoded_parquet_within_a_small_text_budget(values, dictionary, text):
    column = pa.array(values)
    frame = pa.table(
        {
            "sku": column.dictionary_encode() if dictionary else column,
            "category": ["apparel"] * len(values),
            "quantity": [1.0] * len(values),
            "unit_cost": [1.0] * len(values),
            "unit_price": [1.0] * len(values),
            "age_days": [1.0] * len(values),
            "description": column.dictionary_encode() if dictionary else column,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(frame, buffer)
    assert_only_named_input_errors(buffer.getvalue(), "stock.parquet", max_text=text)
