"""Tests of the exports (finance/export/csv.py, finance/export/excel.py) via ValuationResult."""

from __future__ import annotations

import csv
import dataclasses
import io
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import lot_frame, make_assumptions
from openpyxl.utils.escape import unescape

from finance import InputError, evaluate
from finance.analysis.stress import StressResult
from finance.report import csv_files, neutralize, safe_csv_bytes, workbook_bytes
from finance.report.excel import EXCEL_MAX_ROWS, XLSX_MAX_CHARS, fit_long_text
from finance.report.parquet import write_parquet
from finance.report.tables import export_tables
from finance.routes.receipt_trust import WATERFALL_LINES

BOM = b"\xef\xbb\xbf"

# CONTRACT.md, in order.
LOT_COLUMNS = [
    "sku",
    "category",
    "quantity",
    "unit_cost",
    "unit_price",
    "age_days",
    "market_value",
    "nrv",
    "book_value",
    "olv",
    "flv",
    "eligible",
    "ineligible_reason",
    "haircut",
    "basel_haircut",
    "advance_rate",
    "binding_limit",
    "lendable_value",
    "concentration_excess",
    "expected_holding_loss",
]
OPTION_COLUMNS = [
    "option",
    "cash_now",
    "pv_costs",
    "expected_loss_retained",
    "expected_loss_transferred",
    "loss_retained_p95",
    "npv",
    "npv_vs_hold",
    "effective_annual_cost",
    "feasible",
    "notes",
    "funding_value",
    "rate_effect",
    "npv_std_error",
]
LOT_MONEY = [
    "unit_cost",
    "unit_price",
    "market_value",
    "nrv",
    "book_value",
    "olv",
    "flv",
    "lendable_value",
    "concentration_excess",
    "expected_holding_loss",
]
LOT_PERCENT = ["haircut", "basel_haircut", "advance_rate"]
OPTION_MONEY = [
    "cash_now",
    "pv_costs",
    "expected_loss_retained",
    "expected_loss_transferred",
    "loss_retained_p95",
    "npv",
]

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","c")',
    "+1",
    "-2",
    "@SUM(1)",
    "\t=1",
    "\r=1",
]
CHINESE_SKU = "铜-紫铜管"
CHINESE_TEXT = "紫铜管 TP2，上海仓"


@pytest.fixture(scope="module")
def result():
    lots = lot_frame(
        *[{"sku": text, "description": text} for text in HOSTILE],
        {
            "sku": CHINESE_SKU,
            "description": CHINESE_TEXT,
            "category": "copper",
            "quantity": 2.0,
            "unit_cost": 60000.0,
            "unit_price": 70000.0,
        },
        # a food lot, so that days_to_expiry has a value (365 - 30 = 335)
        {"sku": "F1", "category": "food", "age_days": 30.0},
    )
    return evaluate(lots, make_assumptions(scenarios=500))


@pytest.fixture(scope="module")
def csv_folder(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    paths = result.to_csv(folder)
    assert [p.name for p in paths] == ["lots.csv", "options.csv", "mix.csv", "borrowing_base.csv"]
    return folder


@pytest.fixture(scope="module")
def workbook(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "valuation.xlsx"
    assert result.to_excel(path) == path
    return openpyxl.load_workbook(path)


def read_csv_rows(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def sheet_columns(ws) -> dict[str, list]:
    """Header -> data cells of a sheet."""
    headers = [c.value for c in ws[1]]
    columns: dict[str, list] = {h: [] for h in headers}
    for row in ws.iter_rows(min_row=2):
        for header, cell in zip(headers, row, strict=True):
            columns[header].append(cell)
    return columns


# ---------------------------------------------------------------------------- neutralize


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("紫铜管", "紫铜管"),
        ("a=1", "a=1"),
        ("", ""),
        (-3.5, -3.5),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def test_safe_csv_bytes_keeps_numbers_and_neutralises_text():
    frame = pd.DataFrame({"n": [-3.5, 2.0], "t": ["-3.5", "ok"]})
    data = safe_csv_bytes(frame)
    assert data.startswith(BOM)
    # Text in quotes, numbers bare (finance/report/csv.py); read back, the cells are those
    # pandas' own writer gave: -3.5, '-3.5, 2, ok.
    assert data[len(BOM) :].decode("utf-8").split("\r\n") == [
        "n,t",
        '-3.5,"\'-3.5"',
        '2,"ok"',
        "",
    ]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["n", "t"], ["-3.5", "'-3.5"], ["2", "ok"]]
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")["n"].tolist() == [-3.5, 2.0]


# ---------------------------------------------------------------------------- CSV


def test_to_csv_writes_the_files_with_bom(csv_folder):
    assert sorted(p.name for p in csv_folder.iterdir()) == [
        "borrowing_base.csv",
        "lots.csv",
        "mix.csv",
        "options.csv",
    ]
    for name in ("lots.csv", "options.csv", "borrowing_base.csv"):
        assert (csv_folder / name).read_bytes().startswith(BOM)
        assert not (csv_folder / name).read_bytes()[3:].startswith(BOM)


def test_lots_csv_header_has_contract_columns_in_order(csv_folder, result):
    header = read_csv_rows(csv_folder / "lots.csv")[0]
    assert header[: len(LOT_COLUMNS)] == LOT_COLUMNS
    assert len(read_csv_rows(csv_folder / "lots.csv")) == 1 + len(result.lots)


def test_options_csv_header_is_the_contract(csv_folder):
    rows = read_csv_rows(csv_folder / "options.csv")
    assert rows[0] == OPTION_COLUMNS
    assert [r[0] for r in rows[1:]][:2] == ["hold", "liquidate"]


def test_chinese_text_round_trips(csv_folder):
    rows = read_csv_rows(csv_folder / "lots.csv")
    header = rows[0]
    by_sku = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_sku[CHINESE_SKU]["description"] == CHINESE_TEXT
    assert by_sku[CHINESE_SKU]["category"] == "copper"
    # The raw bytes are UTF-8, not GBK or escaped.
    assert CHINESE_TEXT.encode("utf-8") in (csv_folder / "lots.csv").read_bytes()


def test_hostile_text_is_prefixed_in_csv(csv_folder):
    rows = read_csv_rows(csv_folder / "lots.csv")
    header = rows[0]
    sku_col, desc_col = header.index("sku"), header.index("description")
    skus = [r[sku_col] for r in rows[1:]]
    descriptions = [r[desc_col] for r in rows[1:]]
    for text in HOSTILE:
        assert "'" + text in skus
        assert "'" + text in descriptions
        assert text not in skus
    # nothing in the file starts a cell with a formula trigger
    for row in rows[1:]:
        for cell in row:
            if cell and not _is_number(cell):
                assert cell[0] not in "=+-@\t\r", cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_negative_numbers_stay_numbers_in_csv(csv_folder, result):
    assert (result.options["npv"] < 0).any(), "the fixture needs a negative npv"
    rows = read_csv_rows(csv_folder / "options.csv")
    npv_col = rows[0].index("npv")
    for row, expected in zip(rows[1:], result.options["npv"], strict=True):
        cell = row[npv_col]
        assert not cell.startswith("'")
        # Money is exported to the cent.
        assert float(cell) == pytest.approx(expected, abs=0.005)


def test_numbers_round_trip_in_lots_csv(csv_folder, result):
    # Money to the cent, rates to six decimals.
    frame = pd.read_csv(csv_folder / "lots.csv", encoding="utf-8-sig")
    for column in ("market_value", "lendable_value", "expected_holding_loss"):
        np.testing.assert_allclose(frame[column], result.lots[column], rtol=0, atol=0.005)
    np.testing.assert_allclose(frame["haircut"], result.lots["haircut"], rtol=0, atol=5e-7)


# ---------------------------------------------------------------------------- workbook


def test_nan_cells_are_written_blank(workbook, result):
    # hold and liquidate borrow nothing: their effective_annual_cost is NaN and must be a
    # blank cell, not an error value or the text "nan"
    costs = result.options["effective_annual_cost"]
    assert costs.isna().any() and costs.notna().any()
    ws = workbook["Options"]
    assert [c.value for c in ws[1]] == OPTION_COLUMNS
    cells = sheet_columns(ws)["effective_annual_cost"]
    assert len(cells) == len(result.options)
    for cell, cost in zip(cells, costs, strict=True):
        assert (cell.value is None) if np.isnan(cost) else cell.value == pytest.approx(cost)


BASE_SHEETS = [
    "Summary",
    "Lots",
    "Options",
    "Mix",
    "Haircuts",
    "Borrowing base",
    "Assumptions",
    "Channels",
]
STRUCTURE_SHEETS = [
    "Loan schedule", "Loan triggers", "Trust waterfall", "ABS tranches", "ABS payments"
]  # fmt: skip


def test_workbook_sheets(workbook):
    assert workbook.sheetnames == BASE_SHEETS + STRUCTURE_SHEETS


def test_structure_sheets_hold_the_structures(workbook, result):
    schedule = sheet_columns(workbook["Loan schedule"])
    # Dates are date cells, not text.
    expected_dates = list(result.pledge_loan.schedule["date"])
    assert [c.value.date() for c in schedule["date"]] == expected_dates
    assert all(c.is_date for c in schedule["date"])
    assert [c.value for c in schedule["interest"]] == pytest.approx(
        result.pledge_loan.schedule["interest"].tolist()
    )
    assert schedule["interest"][1].number_format == "#,##0.00"
    waterfall = sheet_columns(workbook["Trust waterfall"])
    assert [c.value for c in waterfall["line"]] == list(WATERFALL_LINES)
    tranches = sheet_columns(workbook["ABS tranches"])
    assert [c.value for c in tranches["tranche"]] == ["senior", "mezzanine", "equity"]
    assert tranches["attachment"][0].number_format == "0.00%"
    triggers = sheet_columns(workbook["Loan triggers"])
    assert [c.value for c in triggers["probability"]] == pytest.approx(
        result.pledge_loan.triggers["probability"].tolist()
    )


def test_stress_sheets_are_added_when_given(result, tmp_path):
    stress = StressResult(
        comparison=pd.DataFrame({"stress": ["base"], "option": ["hold"], "npv": [-1.0]}),
        headline=pd.DataFrame({"stress": ["base"], "recommended_option": ["hold"]}),
        sensitivity=pd.DataFrame({"confidence": [0.99], "borrowing_base": [10.0]}),
    )
    path = result.to_excel(tmp_path / "v.xlsx", stress=stress)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        *BASE_SHEETS, *STRUCTURE_SHEETS, "Stress", "Stress summary", "Sensitivity"
    ]  # fmt: skip
    assert book["Sensitivity"]["A2"].number_format == "0.00%"


def test_every_sheet_has_a_frozen_header(workbook):
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2", ws.title


def test_lots_sheet_columns(workbook, result):
    ws = workbook["Lots"]
    header = [c.value for c in ws[1]]
    assert header == list(result.lots.columns)
    assert header[: len(LOT_COLUMNS)] == LOT_COLUMNS
    assert ws.max_row == 1 + len(result.lots)


def test_hostile_text_stays_text_in_the_workbook(workbook):
    columns = sheet_columns(workbook["Lots"])
    for name in ("sku", "description"):
        cells = columns[name][: len(HOSTILE) + 1]  # the hostile lots and the Chinese one
        assert all(c.data_type == "s" for c in cells)
        # openpyxl leaves OOXML's escape of a carriage return (_x000D_) in the text
        assert [unescape(c.value) for c in cells][: len(HOSTILE)] == HOSTILE
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_chinese_text_in_the_workbook(workbook):
    columns = sheet_columns(workbook["Lots"])
    values = [c.value for c in columns["description"]]
    assert CHINESE_TEXT in values


@pytest.mark.parametrize(
    ("sheet", "column", "fmt"),
    [("Lots", c, "#,##0.00") for c in LOT_MONEY]
    + [("Options", c, "#,##0.00") for c in OPTION_MONEY]
    + [("Lots", c, "0.00%") for c in LOT_PERCENT],
)
def test_number_formats(workbook, sheet, column, fmt):
    cells = sheet_columns(workbook[sheet])[column]
    assert cells
    for cell in cells:
        assert cell.data_type == "n", (column, cell.value)
        assert cell.number_format == fmt, (column, cell.coordinate)


def test_negative_numbers_stay_numbers_in_the_workbook(workbook, result):
    cells = sheet_columns(workbook["Options"])["npv"]
    values = [c.value for c in cells]
    np.testing.assert_allclose(values, result.options["npv"], rtol=1e-14)
    assert min(values) < 0


def test_summary_values_match_the_result(workbook, result):
    ws = workbook["Summary"]
    assert [c.value for c in ws[1]] == ["key", "item", "value"]
    sheet = {row[0].value: row[2].value for row in ws.iter_rows(min_row=2)}
    expected = {}
    for key, value in result.summary.items():
        if isinstance(value, dict):
            expected.update({f"{key}.{sub}": v for sub, v in value.items()})
        else:
            expected[key] = value
    assert set(sheet) == set(expected)
    for key, value in expected.items():
        if isinstance(value, float) and math.isfinite(value):
            assert sheet[key] == pytest.approx(value, rel=1e-14), key
        else:
            assert sheet[key] == value, key
    for required in ("valuation_date", "currency", "borrowing_base", "recommended_option"):
        assert required in sheet
    assert sheet["valuation_date"] == "2026-11-24"


def test_summary_number_formats(workbook):
    formats = {
        row[0].value: row[2].number_format for row in workbook["Summary"].iter_rows(min_row=2)
    }
    assert formats["market_value"] == "#,##0.00"
    assert formats["borrowing_base"] == "#,##0.00"
    assert formats["portfolio_haircut"] == "0.00%"
    assert formats["pledge_regulatory_lgd"] == "0.00%"


def test_assumptions_sheet(workbook):
    values = {row[0].value: row[1].value for row in workbook["Assumptions"].iter_rows(min_row=2)}
    assert values["valuation_date"] == "2026-11-24"
    assert values["confidence"] == 0.99
    assert values["scenarios"] == 500
    assert values["curve.1M"] == 0.014
    assert values["curve.5Y"] == 0.019
    assert values["pledge_loan.rate"] == 0.045
    assert values["receipt_trust.buyback"] is False
    assert values["liquidate.channels"] == "supplier_return, outlet, livestream, lower_tier"


def test_assumptions_sheet_names_each_channel_term_changed():
    from types import SimpleNamespace

    from finance.report.excel import _assumptions_frame

    offer = {"channel": "outlet", "category": "food", "discount": 0.45, "days_to_cash": 20}
    a = make_assumptions(liquidate={"channels": ["outlet"], "terms": [offer]})
    values = dict(_assumptions_frame(SimpleNamespace(assumptions=a)).to_numpy())
    assert values["liquidate.channels"] == "outlet"
    assert {k: v for k, v in values.items() if k.startswith("liquidate.terms")} == {
        "liquidate.terms[1].channel": "outlet",
        "liquidate.terms[1].category": "food",
        "liquidate.terms[1].discount": 0.45,
        "liquidate.terms[1].days_to_cash": 20,
    }


def test_haircuts_sheet_has_every_category(workbook, result):
    columns = sheet_columns(workbook["Haircuts"])
    assert [c.value for c in columns["category"]] == list(result.assumptions.categories)
    assert all(c.number_format == "0.00%" for c in columns["volatility_haircut"])


def test_excel_writes_no_stray_files(result, tmp_path):
    result.to_excel(tmp_path / "v.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["v.xlsx"]


def test_too_many_lots_for_a_sheet(result):
    big = dataclasses.replace(result, lots=pd.DataFrame({"sku": np.zeros(EXCEL_MAX_ROWS + 1)}))
    with pytest.raises(ValueError, match="CSV"):
        workbook_bytes(big)


def test_workbook_bytes_is_a_zip(result):
    data = workbook_bytes(result)
    assert data[:2] == b"PK"
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == "Summary"


# ---------------------------------------------------------------------------- long text

LONG = 40_000


@pytest.fixture(scope="module")
def long_text_result():
    """A lot whose description is longer than an XLSX cell holds."""
    lots = lot_frame(
        {"sku": "LONG", "description": "長" * LONG},
        {"sku": "SHORT", "description": "ok"},
    )
    return evaluate(lots, make_assumptions(scenarios=200))


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "the whole text is in lots.csv, row 2"), ("zh", "全文见 lots.csv 第 2 行")],
)
def test_a_cell_too_long_for_xlsx_points_to_the_csv(long_text_result, lang, words):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter's "truncated" warning would fail here
        data = workbook_bytes(long_text_result, lang=lang)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[1]  # Lots
    cells = [c.value for c in next(ws.iter_cols(min_row=2)) if c.value is not None]
    description = [c.value for c in ws[1]].index("description" if lang == "en" else "描述")
    pointer = ws.cell(2, description + 1).value
    assert words in pointer and "40,000" in pointer and "32,767" in pointer
    assert ws.cell(3, description + 1).value == "ok"
    assert len(cells) == 2
    # The CSV the pointer names holds the whole text, on that row.
    rows = list(csv.reader(io.StringIO(csv_files(long_text_result, lang)["lots.csv"].decode(
        "utf-8-sig"), newline="")))  # fmt: skip
    assert rows[1][description] == "長" * LONG


def test_a_cell_too_long_in_a_sheet_no_csv_holds_is_a_problem():
    assumptions = make_assumptions(scenarios=200, categories={"widgets": {"label_zh": "长" * LONG}})
    result = evaluate(lot_frame({"category": "widgets"}, {"category": "copper"}), assumptions)
    with pytest.raises(InputError) as info:
        workbook_bytes(result)
    (problem,) = info.value.problems
    assert problem.file == "valuation.xlsx"
    assert problem.column == "label_zh"
    assert problem.row is not None and problem.row >= 2
    assert "Haircuts" in problem.message and "40,000" in problem.message
    # Named as the workbook names it: a Chinese workbook's sheets are in Chinese.
    assert "“Haircuts”工作表" in problem.render("zh")
    with pytest.raises(InputError) as info:
        workbook_bytes(result, lang="zh")
    assert all("“折扣率”工作表" in p.render("zh") for p in info.value.problems)
    # The CSV exports do not hold the category table: they are written whole.
    assert csv_files(result)["lots.csv"]


def test_fit_long_text_leaves_short_tables_alone():
    frame = pd.DataFrame({"a": ["x" * XLSX_MAX_CHARS, "y"], "n": [1, 2]})
    problems: list = []
    assert fit_long_text(frame, "Haircuts", "en", problems) is frame
    assert problems == []


# ---------------------------------------------------------------------------- Parquet


def test_parquet_holds_the_csv_tables_typed(result, tmp_path):
    for name, frame in export_tables(result).items():
        path = write_parquet(frame, tmp_path / f"{name}.parquet")
        back = pd.read_parquet(path)
        pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_exact=True)
        from_csv = pd.read_csv(io.BytesIO(safe_csv_bytes(frame)), encoding="utf-8-sig")
        assert list(back.columns) == list(from_csv.columns)
        for column in back.columns:
            if pd.api.types.is_numeric_dtype(back[column]):
                assert pd.api.types.is_numeric_dtype(from_csv[column]), (name, column)
                np.testing.assert_array_equal(back[column].to_numpy(float),
                                              from_csv[column].to_numpy(float))  # fmt: skip
    # Text as it is: no quote before a formula trigger (typed cells are never formulas).
    lots = pd.read_parquet(tmp_path / "lots.parquet")
    assert set(HOSTILE) <= set(lots["description"])
