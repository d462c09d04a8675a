"""CSV/formula injection through every export (CONTRACT.md "Exports", OWASP CSV injection).

An inventory whose every user-controlled text cell is hostile (sku, description, warehouse,
unit, and category names and Chinese labels added through the assumptions) is valued and
exported every way the project exports: the CLI's files (with and without ``--stress``), the
app's CSV downloads (Export and Collateral pages) and the workbook. Read back, no CSV cell
may start with ``=``, ``+``, ``-``, ``@``, tab or CR unless it is a number, no workbook cell
may be a formula, text must survive as text and numbers as numbers.

What the code does, asserted exactly: CSV text cells starting with a trigger get a leading
``'`` (finance/export/csv.py); the workbook writes text verbatim as string cells
(xlsxwriter, ``strings_to_formulas`` off), with no apostrophe. The inventory loader strips
surrounding whitespace (tab, CR, U+3000, U+00A0, U+2003 ...) from text cells, so a payload
like ``"\\u3000=1+1"`` arrives as ``"=1+1"`` and is then neutralised like any other.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import numbers
import re

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from finance import evaluate, load_inventory, parse_assumptions
from finance.analysis.stress import stress_test
from finance.cli import main
from finance.report import neutralize, safe_csv_bytes, workbook_bytes
from finance.report.certificate import borrowing_base_certificate, certificate_table
from finance.report.csv import neutralize_text, rounded
from finance.report.excel import (
    _assumptions_frame,
    _summary_frame,
    stress_sheets,
    structure_sheets,
)

T0 = dt.date(2026, 11, 24)

#: The contract's triggers; the code also prefixes a leading LF or NUL.
CONTRACT_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CODE_TRIGGERS = (*CONTRACT_TRIGGERS, "\n", "\0")
# A number as pandas writes one (float() alone would accept " 1", "\t1" or "1_0").
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?inf|nan")

# (raw cell text, the text after load_inventory, the text in a CSV export)
PAYLOADS = [
    pytest.param(
        '=HYPERLINK("http://x","y")',
        '=HYPERLINK("http://x","y")',
        '\'=HYPERLINK("http://x","y")',
        id="hyperlink",
    ),
    pytest.param("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", id="dde"),
    pytest.param("=1+1", "=1+1", "'=1+1", id="equals"),
    pytest.param("+1+1", "+1+1", "'+1+1", id="plus"),
    pytest.param("-2+3", "-2+3", "'-2+3", id="minus"),
    pytest.param("@SUM(A1)", "@SUM(A1)", "'@SUM(A1)", id="at"),
    pytest.param("\t=1", "=1", "'=1", id="tab"),
    pytest.param("\r=1", "=1", "'=1", id="cr"),
    pytest.param("\u3000=1+1", "=1+1", "'=1+1", id="ideographic-space"),
    pytest.param("\u00a0=1+1", "=1+1", "'=1+1", id="no-break-space"),
    pytest.param("\u2003=1+1", "=1+1", "'=1+1", id="em-space"),
    # Not whitespace to str.strip, not a trigger: kept as it is.
    pytest.param("\u200b=1+1", "\u200b=1+1", "\u200b=1+1", id="zero-width-space"),
    pytest.param("＝1+1", "＝1+1", "＝1+1", id="fullwidth-equals"),
    pytest.param('"=1"', '"=1"', '"=1"', id="quoted"),
    pytest.param("紫铜管 TP2，上海仓", "紫铜管 TP2，上海仓", "紫铜管 TP2，上海仓", id="chinese"),
    # Text that looks like a number is still text in a text column.
    pytest.param("-13480930.77", "-13480930.77", "'-13480930.77", id="number-as-text"),
    pytest.param("note\r\n=1+1", "note\r\n=1+1", "note\r\n=1+1", id="formula-on-line-2"),
]
RAW = [p.values[0] for p in PAYLOADS]
LOADED = [p.values[1] for p in PAYLOADS]

# New categories from the assumptions document: hostile keys and Chinese labels. A key with
# a leading tab or CR reaches the lots table as it is (the loader matches cells to keys
# after stripping, but reports the key).
HOSTILE_CATEGORY = '=HYPERLINK("http://x","y")'
CATEGORIES = {
    HOSTILE_CATEGORY: {"label_zh": "=1+1"},
    "\t@cat": {"label_zh": "-2+3"},
    "\r-cat": {"label_zh": "@类别"},
    "+cat": {"label_zh": "紫铜"},
}
# Category cells of the stock list: keys or labels, and what each resolves to.
CATEGORY_CELLS = [
    ("generic", "generic"),
    (HOSTILE_CATEGORY, HOSTILE_CATEGORY),
    ("=1+1", HOSTILE_CATEGORY),
    ("\t@cat", "\t@cat"),
    ("-2+3", "\t@cat"),
    ("\r-cat", "\r-cat"),
    ("@类别", "\r-cat"),
    ("+cat", "+cat"),
    ("紫铜", "+cat"),
]
DOCUMENT = {"valuation_date": T0, "scenarios": 500, "categories": CATEGORIES}


def sku_of(i: int) -> str:
    # Unique after the loader strips whitespace; the payload stays at the start.
    return f"{RAW[i]} #{i}"


HEADER = [
    "sku", "category", "quantity", "unit_cost", "unit_price", "age_days",
    "warehouse", "description", "unit",
]  # fmt: skip


def hostile_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for i, text in enumerate(RAW):
        category = CATEGORY_CELLS[i % len(CATEGORY_CELLS)][0]
        # Millions per lot (so that some exported amounts are large negative numbers);
        # every fifth lot is too old to be eligible.
        age = 400 if i % 5 == 4 else 30 + i
        writer.writerow([sku_of(i), category, 1000 + i, 8000, 10000, age, text, text, text])
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def assumptions():
    return parse_assumptions(DOCUMENT, file="hostile.toml")


@pytest.fixture(scope="module")
def lots(assumptions):
    return load_inventory(hostile_csv(), name="hostile.csv", categories=assumptions.categories)


@pytest.fixture(scope="module")
def result(lots, assumptions):
    return evaluate(lots, assumptions)


@pytest.fixture(scope="module")
def stress(lots, assumptions, result):
    return stress_test(lots, assumptions, base=result)


CLI_RUNS = {"plain": [], "stress": ["--stress"], "stress-csv": ["--stress", "--format", "csv"]}


@pytest.fixture(scope="module")
def cli_out(tmp_path_factory):
    """Run the CLI on the hostile files once per flag set; return {run: folder}."""
    base = tmp_path_factory.mktemp("cli")
    (base / "hostile.csv").write_bytes(hostile_csv())
    (base / "hostile.toml").write_text(tomli_w.dumps(DOCUMENT), encoding="utf-8")
    folders = {}
    for run, flags in CLI_RUNS.items():
        out = base / run
        argv = ["evaluate", str(base / "hostile.csv"), "--assumptions", str(base / "hostile.toml")]
        with contextlib.redirect_stdout(io.StringIO()):
            code = main([*argv, "--out", str(out), *flags])
        assert code == 0, run
        folders[run] = out
    return folders


def collateral_certificate_csv(result, lang: str) -> bytes:
    """The certificate download of the Collateral page (the one certificate CSV)."""
    from finance.report.csv import certificate_csv_bytes

    return certificate_csv_bytes(result, lang)


@pytest.fixture(scope="module")
def csv_exports(result, stress, cli_out):
    """Every CSV the project writes: name -> (bytes, the frame it was made from)."""
    files = {
        "app:lots.csv": (safe_csv_bytes(result.lots), result.lots),
        "app:options.csv": (safe_csv_bytes(result.options), result.options),
        "app:borrowing_base.csv": (
            safe_csv_bytes(borrowing_base_certificate(result)),
            borrowing_base_certificate(result),
        ),
        "app:stress.csv": (safe_csv_bytes(stress.comparison), stress.comparison),
    }
    for lang in ("en", "zh"):
        files[f"collateral:certificate-{lang}.csv"] = (
            collateral_certificate_csv(result, lang),
            None,
        )
    # The command line exports money to the cent and other figures to six decimals.
    sources = {
        "lots.csv": rounded(result.lots),
        "options.csv": rounded(result.options),
        "mix.csv": rounded(result.mix),
        "borrowing_base.csv": certificate_table(result),
        "stress.csv": rounded(stress.comparison),
        "sensitivity.csv": rounded(stress.sensitivity),
    }
    for run, folder in cli_out.items():
        expected = ["lots.csv", "options.csv", "mix.csv", "borrowing_base.csv"]
        if "--stress" in CLI_RUNS[run]:
            expected += ["stress.csv", "sensitivity.csv"]
        written = sorted(p.name for p in folder.iterdir() if p.suffix == ".csv")
        assert written == sorted(expected), run
        for name in expected:
            files[f"cli-{run}:{name}"] = ((folder / name).read_bytes(), sources[name])
    return files


CSV_NAMES = [
    "app:lots.csv",
    "app:options.csv",
    "app:borrowing_base.csv",
    "app:stress.csv",
    "collateral:certificate-en.csv",
    "collateral:certificate-zh.csv",
    *(
        f"cli-{run}:{name}"
        for run, flags in CLI_RUNS.items()
        for name in ["lots.csv", "options.csv", "mix.csv", "borrowing_base.csv"]
        + (["stress.csv", "sensitivity.csv"] if "--stress" in flags else [])
    ),
]


def read_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_text(value: str) -> str:
    """What the CSV export writes for a text value: a quote before a trigger."""
    return "'" + value if value.startswith(CODE_TRIGGERS) else value


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------------------- the input


def test_the_loader_keeps_hostile_text(lots):
    """The hostile cells arrive (stripped of surrounding whitespace) for the exports."""
    assert len(lots) == len(PAYLOADS)
    for column in ("description", "warehouse", "unit"):
        assert lots[column].tolist() == LOADED
    assert lots["sku"].tolist() == [sku_of(i).strip() for i in range(len(RAW))]
    expected = [CATEGORY_CELLS[i % len(CATEGORY_CELLS)][1] for i in range(len(RAW))]
    assert lots["category"].tolist() == expected


def test_the_result_has_hostile_categories_and_negative_amounts(result, stress):
    haircuts = result.haircuts.set_index("category")
    for name, table in CATEGORIES.items():
        assert haircuts.loc[name, "label_zh"] == table["label_zh"]
    assert (result.options["npv"] < -1e6).any()
    assert (stress.comparison["npv"] < -1e6).any()


# ---------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("name", CSV_NAMES)
def test_no_csv_cell_starts_a_formula(csv_exports, name):
    rows = read_rows(csv_exports[name][0])
    assert len(rows) > 1
    for row in rows:
        for cell in row:
            if cell.startswith(CONTRACT_TRIGGERS):
                assert NUMBER.fullmatch(cell), (name, cell)


@pytest.mark.parametrize("name", [n for n in CSV_NAMES if not n.startswith("collateral:")])
def test_csv_cells_match_the_table(csv_exports, name):
    """Text is the neutralised text, numbers are bare numbers, booleans True/False."""
    data, frame = csv_exports[name]
    rows = read_rows(data)
    assert rows[0] == list(frame.columns)
    assert len(rows) == 1 + len(frame)
    for j, column in enumerate(frame.columns):
        series = frame[column]
        cells = [row[j] for row in rows[1:]]
        for cell, value in zip(cells, series.astype(object), strict=True):
            if is_missing(value):
                assert cell == "", (column, cell)
            elif pd.api.types.is_bool_dtype(series):
                assert cell == str(bool(value)), (column, cell)
            elif pd.api.types.is_numeric_dtype(series):
                assert NUMBER.fullmatch(cell), (column, cell)
                assert float(cell) == pytest.approx(float(value), rel=1e-12), (column, cell)
            else:
                assert cell == csv_text(value), (column, cell)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_collateral_certificate_csv_keeps_amounts_numeric(csv_exports, result, lang):
    rows = read_rows(csv_exports[f"collateral:certificate-{lang}.csv"][0])
    certificate = borrowing_base_certificate(result)
    assert len(rows) == 1 + len(certificate)
    # line, item (in the language), kind, lots, amount (to the cent)
    for row, lots_on_line, amount in zip(
        rows[1:], certificate["lots"], certificate["amount"], strict=True
    ):
        assert not row[0].startswith(CONTRACT_TRIGGERS)
        assert not row[1].startswith(CONTRACT_TRIGGERS)
        assert row[3] == ("" if is_missing(lots_on_line) else str(int(lots_on_line)))
        if math.isnan(amount):
            assert row[4] == ""
        else:
            assert NUMBER.fullmatch(row[4]) and float(row[4]) == pytest.approx(amount, abs=0.005)
    assert any(row[4].startswith("-") for row in rows[1:]), "deductions are negative numbers"


@pytest.mark.parametrize("name", ["app:options.csv", "app:stress.csv", "cli-stress:stress.csv"])
def test_large_negative_numbers_stay_numbers_in_csv(csv_exports, name):
    data, frame = csv_exports[name]
    rows = read_rows(data)
    j = rows[0].index("npv")
    cells = [row[j] for row in rows[1:]]
    negatives = [c for c in cells if c.startswith("-")]
    assert any(float(c) < -1e6 for c in negatives)
    for cell, value in zip(cells, frame["npv"], strict=True):
        assert not cell.startswith("'")
        assert float(cell) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("raw", "loaded", "exported"), PAYLOADS)
def test_payload_in_lots_csv(csv_exports, raw, loaded, exported):
    i = RAW.index(raw)
    for name in ("app:lots.csv", "cli-plain:lots.csv", "cli-stress:lots.csv"):
        rows = read_rows(csv_exports[name][0])
        header = rows[0]
        row = dict(zip(header, rows[1 + i], strict=True))
        for column in ("description", "warehouse", "unit"):
            assert row[column] == exported, (name, column)
        assert row["sku"] == csv_text(f"{loaded} #{i}"), name


@pytest.mark.parametrize("key", list(CATEGORIES))
def test_hostile_category_in_lots_csv(csv_exports, key):
    rows = read_rows(csv_exports["app:lots.csv"][0])
    j = rows[0].index("category")
    categories = {row[j] for row in rows[1:]}
    assert csv_text(key) in categories
    assert (key in categories) == (not key.startswith(CODE_TRIGGERS))


# ---------------------------------------------------------------------------- workbook


WORKBOOKS = ["bytes", "bytes-stress", "cli-plain", "cli-stress"]


@pytest.fixture(scope="module")
def workbooks(result, stress, cli_out):
    """name -> (openpyxl workbook, whether it has the stress sheets)."""
    data = {
        "bytes": (workbook_bytes(result), False),
        "bytes-stress": (workbook_bytes(result, stress), True),
        "cli-plain": ((cli_out["plain"] / "valuation.xlsx").read_bytes(), False),
        "cli-stress": ((cli_out["stress"] / "valuation.xlsx").read_bytes(), True),
    }
    assert not (cli_out["stress-csv"] / "valuation.xlsx").exists()
    return {
        name: (openpyxl.load_workbook(io.BytesIO(raw), data_only=False), has_stress)
        for name, (raw, has_stress) in data.items()
    }


def sheet_frames(result, stress) -> dict[str, pd.DataFrame]:
    """Each sheet's source table, as the workbook writer sees it."""
    frames = {
        "Summary": _summary_frame(result.summary),
        "Lots": result.lots,
        "Options": result.options,
        "Mix": result.mix,
        "Haircuts": result.haircuts,
        "Borrowing base": certificate_table(result),
        "Assumptions": _assumptions_frame(result),
        "Channels": result.channels,
        **structure_sheets(result),
    }
    if stress is not None:
        frames |= stress_sheets(stress)
    return frames


@pytest.mark.parametrize("name", WORKBOOKS)
def test_no_workbook_cell_is_a_formula(workbooks, name):
    book, _ = workbooks[name]
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(CONTRACT_TRIGGERS):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)


@pytest.mark.parametrize("name", WORKBOOKS)
def test_workbook_cells_match_the_tables(workbooks, result, stress, name):
    """Text is verbatim string cells (no apostrophe), numbers number cells, bools booleans."""
    book, has_stress = workbooks[name]
    frames = sheet_frames(result, stress if has_stress else None)
    assert book.sheetnames == list(frames)
    for title, frame in frames.items():
        ws = book[title]
        frame = frame.replace([np.inf, -np.inf], np.nan)
        assert [c.value for c in ws[1]] == list(frame.columns), title
        assert ws.max_row == 1 + len(frame) or (len(frame) == 0 and ws.max_row == 1), title
        values = frame.astype(object).to_numpy()
        for r, row in enumerate(ws.iter_rows(min_row=2, max_col=frame.shape[1])):
            for value, cell in zip(values[r], row, strict=True):
                where = (name, title, cell.coordinate, value)
                if is_missing(value) or (isinstance(value, str) and not value):
                    assert cell.value is None, where
                elif isinstance(value, bool | np.bool_):
                    assert cell.data_type == "b" and cell.value == bool(value), where
                elif isinstance(value, pd.Timestamp):
                    # Dates are date cells (the loan schedule, the ABS payments).
                    assert cell.is_date and cell.value == value.to_pydatetime(), where
                elif isinstance(value, numbers.Number):
                    assert cell.data_type == "n", where
                    assert cell.value == pytest.approx(float(value), rel=1e-14), where
                elif isinstance(value, str):
                    assert cell.data_type == "s", where
                    # openpyxl leaves OOXML's escape of a CR (_x000D_) in the text.
                    assert unescape(cell.value) == value, where
                else:
                    pytest.fail(f"unexpected {type(value).__name__} in {where}")


@pytest.mark.parametrize(("raw", "loaded", "exported"), PAYLOADS)
def test_payload_in_the_workbook(workbooks, raw, loaded, exported):
    i = RAW.index(raw)
    for name in WORKBOOKS:
        ws = workbooks[name][0]["Lots"]
        header = [c.value for c in ws[1]]
        row = dict(zip(header, ws[2 + i], strict=True))
        for column in ("description", "warehouse", "unit"):
            cell = row[column]
            assert cell.data_type == "s", (name, column)
            assert unescape(cell.value) == loaded, (name, column)
        assert row["sku"].data_type == "s"
        assert unescape(row["sku"].value) == f"{loaded} #{i}"


@pytest.mark.parametrize("name", WORKBOOKS)
def test_hostile_categories_in_the_workbook(workbooks, name):
    book, _ = workbooks[name]
    ws = book["Haircuts"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2)]
    labels = {unescape(r["category"].value): r["label_zh"] for r in rows}
    for key, table in CATEGORIES.items():
        assert labels[key].data_type == "s"
        assert labels[key].value == table["label_zh"]
    lots_categories = {
        unescape(c.value) for c in next(book["Lots"].iter_cols(min_row=2, max_col=2, min_col=2))
    }
    assert set(CATEGORIES) <= lots_categories


@pytest.mark.parametrize("name", WORKBOOKS)
def test_large_negative_numbers_stay_numbers_in_the_workbook(workbooks, result, name):
    ws = workbooks[name][0]["Options"]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("npv")] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in cells)
    assert min(c.value for c in cells) < -1e6
    np.testing.assert_allclose([c.value for c in cells], result.options["npv"], rtol=1e-14)


# ---------------------------------------------------------------------------- neutralize


def recover(cell: str) -> str:
    """Undo neutralize: drop the quote it puts before a trigger."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(CODE_TRIGGERS) else cell


text_with_triggers = st.one_of(
    st.text(),
    st.builds(
        str.__add__,
        st.sampled_from([*CODE_TRIGGERS, "'", "＝", "\u3000", " ", "\u200b"]),
        st.text(),
    ),
)


@settings(max_examples=300, deadline=None)
@given(text_with_triggers)
def test_neutralize_never_starts_a_formula_and_is_reversible(text):
    out = neutralize(text)
    assert not out.startswith(CODE_TRIGGERS)
    assert out == ("'" + text if text.startswith(CODE_TRIGGERS) else text)
    if not (text.startswith("'") and text[1:].startswith(CODE_TRIGGERS)):
        assert recover(out) == text


def test_an_already_quoted_cell_is_left_as_it_is():
    # Safe (it starts with a quote), but it reads back the same as a neutralised cell:
    # the recovery above is exact for every text except one starting with a quote and a
    # trigger.
    assert neutralize("'=1") == "'=1" == neutralize("=1")


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.booleans(),
        st.none(),
    )
)
def test_neutralize_leaves_non_text_alone(value):
    out = neutralize(value)
    assert out is value


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(text_with_triggers, st.floats(-1e12, 1e12)), min_size=1, max_size=6))
def test_safe_csv_bytes_property(values):
    """A text column is neutralised cell by cell; a float column stays bare numbers."""
    texts = [v for v in values if isinstance(v, str)] or [""]
    floats = [v for v in values if isinstance(v, float)] or [-13480930.77]
    n = max(len(texts), len(floats))
    frame = pd.DataFrame({"t": (texts * n)[:n], "x": pd.Series((floats * n)[:n], dtype="float64")})
    rows = read_rows(safe_csv_bytes(frame))
    assert rows[0] == ["t", "x"]
    for row, text, number in zip(rows[1:], frame["t"], frame["x"], strict=True):
        assert row[0] == ("'" + text if text.startswith(CODE_TRIGGERS) else text)
        assert NUMBER.fullmatch(row[1]) and float(row[1]) == number


# ---------------------------------------------------------------------------- the Arrow writer

# (a text cell, what the CSV holds once read back): the rule of finance/report/csv.py, cell
# by cell, for the vectorised writer.
WRITER_CELLS = [
    pytest.param("=1+1", "'=1+1", id="equals"),
    pytest.param("+CNY", "'+CNY", id="plus"),
    pytest.param("-5", "'-5", id="minus-number-as-text"),
    pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
    pytest.param("\t=1", "'\t=1", id="tab"),
    pytest.param("\r=1", "'\r=1", id="cr"),
    pytest.param("\n=1", "'\n=1", id="lf"),
    pytest.param("\0=1", "'\0=1", id="nul"),
    pytest.param("a=b", "a=b", id="trigger-inside"),
    pytest.param("x\n=1", "x\n=1", id="trigger-on-line-2"),
    pytest.param("'=1", "'=1", id="already-quoted"),
    pytest.param("＝1", "＝1", id="fullwidth-equals"),
    pytest.param(" =1", " =1", id="space-first"),
    pytest.param('"=1"', '"=1"', id="double-quotes"),
    pytest.param("a,b", "a,b", id="comma"),
    pytest.param("紫铜管 TP2", "紫铜管 TP2", id="chinese"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), WRITER_CELLS)
def test_the_writer_neutralises_text_cells(text, expected):
    frame = pd.DataFrame(
        {
            "t": pd.Series([text, "ok"], dtype="str"),
            "o": pd.Series([text, "ok"], dtype=object),
            "x": [-5.0, 2.5],
            "w": [-5.0, 3.0],
            "n": [-5, 3],
        }
    )
    data = safe_csv_bytes(frame)
    rows = read_rows(data)
    assert rows[0] == ["t", "o", "x", "w", "n"]
    # Text neutralised in a str and in an object column alike; numbers untouched.
    assert rows[1] == [expected, expected, "-5", "-5.0", "-5"]
    assert rows[2] == ["ok", "ok", "2.5", "3.0", "3"]
    # Numbers are bare in the file, text quoted.
    line = data.decode("utf-8-sig").split("\r\n")[-2]
    assert line == '"ok","ok",2.5,3.0,3'


@pytest.mark.parametrize(("text", "expected"), WRITER_CELLS)
def test_neutralize_text_agrees_with_neutralize(text, expected):
    column = pa.array([text, None], type=pa.large_string())
    assert neutralize_text(column).to_pylist() == [neutralize(text), None]
    assert neutralize(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(text_with_triggers, min_size=1, max_size=20))
def test_neutralize_text_is_neutralize_on_every_cell(texts):
    column = pa.array(texts, type=pa.large_string())
    assert neutralize_text(column).to_pylist() == [neutralize(t) for t in texts]


def test_the_writer_calls_no_python_per_cell(monkeypatch):
    """Text columns are neutralised by Arrow: the scalar function is never called for them."""
    import finance.report.csv as writer

    def per_cell(value):
        raise AssertionError("neutralize called per cell")

    monkeypatch.setattr(writer, "neutralize", per_cell)
    frame = pd.DataFrame({"t": pd.Series(["=1", "ok", None] * 1000, dtype="str")})
    rows = read_rows(safe_csv_bytes(frame))
    assert rows[1:4] == [["'=1"], ["ok"], [""]]


def test_a_column_of_text_and_numbers_neutralises_only_the_text():
    frame = pd.DataFrame({"value": pd.Series(["-2+3", -2, 0.5, None, "ok"], dtype=object)})
    assert read_rows(safe_csv_bytes(frame))[1:] == [["'-2+3"], ["-2"], ["0.5"], [""], ["ok"]]


def test_the_writer_reads_back_as_pandas_wrote_it():
    """Values and dtypes read back by pandas as they did from pandas' own writer."""
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", "b,c", 'q"x', None, "紫铜"], dtype="str"),
            "money": [136761919.29, -0.5, np.nan, 1e-5, 2.5e-7],
            "whole": [1.0, 2.0, 3.0, -4.0, 0.0],
            "count": [1, 2, 3, 4, 5],
            "flag": [True, False, True, True, False],
            "infinite": [np.inf, -np.inf, 1.0, 2.0, 3.5],
            "lots": pd.array([1, None, 3, 4, 5], dtype="Int64"),
        }
    )
    ours = pd.read_csv(io.BytesIO(safe_csv_bytes(frame)), encoding="utf-8-sig")
    theirs = pd.read_csv(
        io.BytesIO(frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")),
        encoding="utf-8-sig",
    )
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert ours["whole"].dtype == np.float64  # written 1.0, not 1


def test_an_empty_table_is_its_header():
    frame = pd.DataFrame({"sku": pd.Series([], dtype="str"), "x": pd.Series([], dtype=float)})
    assert safe_csv_bytes(frame) == b"\xef\xbb\xbfsku,x\r\n"


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet="=+-@\t\r\n\x00ab中 '", max_size=4)), max_size=12
    ),
    wide=st.booleans(),
    cut=st.integers(0, 3),
    chunked=st.booleans(),
)
def test_the_column_rule_is_the_cell_rule(texts, wide, cut, chunked):
    # The fast path reads each value's first byte from Arrow's buffers: sliced arrays,
    # 32- and 64-bit offsets, nulls, empty texts and chunks must all agree with the rule
    # applied cell by cell.
    kind = pa.large_string() if wide else pa.string()
    array = pa.array(texts, type=kind)[cut:]
    values = pa.chunked_array([array[:2], array[2:]], type=kind) if chunked else array
    expected = [neutralize(v) for v in texts[cut:]]
    assert neutralize_text(values).to_pylist() == expected


def test_a_large_table_is_written_in_slices_on_threads_as_it_would_be_whole(monkeypatch):
    import finance.report.csv as csv_module

    n = 10_000
    frame = pd.DataFrame(
        {
            "sku": [f"=S{i}" if i % 7 == 0 else f"S-{i}" for i in range(n)],
            "value": np.arange(n) * 1.25,
            "lots": np.arange(n),
            "flag": np.arange(n) % 2 == 0,
        }
    )
    monkeypatch.setattr(csv_module, "_PARALLEL_ROWS", 10**9)
    whole = safe_csv_bytes(frame)
    monkeypatch.setattr(csv_module, "_PARALLEL_ROWS", 999)  # eleven slices, in order
    assert safe_csv_bytes(frame) == whole
    assert pd.read_csv(io.BytesIO(whole), encoding="utf-8-sig")["sku"].iloc[7] == "'=S7"
