"""An uploaded stock list flows through the app: its problems, or its figures to the workbook."""

from __future__ import annotations

import openpyxl
import pytest

from .helpers import (
    LOCALES,
    catalog,
    csv_bytes,
    dataframe,
    go_to,
    grid,
    html_table,
    metric,
    metric_help,
    open_page,
    sample_rows,
    upload,
    wait_for_run,
)

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

EN = catalog("en")


def _bad_file() -> tuple[bytes, dict[int, str]]:
    """The sample's first ten lots with four broken cells; their spreadsheet rows and columns."""
    header, rows = sample_rows()
    rows = rows[:10]
    broken = {  # spreadsheet row (header = row 1) -> (column, bad value)
        3: ("quantity", "lots"),
        5: ("category", "spaceships"),
        7: ("unit_price", "-5"),
        9: ("unit_cost", ""),
    }
    for row, (column, value) in broken.items():
        rows[row - 2][header.index(column)] = value
    return csv_bytes(header, rows), {row: column for row, (column, _) in broken.items()}


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_upload_with_errors_lists_every_problem_row(new_page, app_url: str, lang: str) -> None:
    messages = catalog(lang)
    data, expected = _bad_file()
    page = new_page(LOCALES[lang])
    open_page(page, app_url, "inventory")
    expect(page.get_by_test_id("stAlertContentInfo")).to_contain_text("sample_inventory.csv")

    upload(page, "bad.csv", data)
    error = page.get_by_test_id("stAlertContentError")
    headline = messages["problems.inventory"].format(file="bad.csv", n=len(expected))
    expect(error).to_have_text(headline)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # The problems table is the page's only table (the page stops before the lots); it wraps
    # its text, so that every message is read whole.
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    tables = page.get_by_test_id("stTable")
    expect(tables).to_have_count(1)
    headers, cells = html_table(tables.first)
    assert headers == [messages[f"problems.{c}"] for c in ("file", "row", "column", "message")]
    assert len(cells) == len(expected)  # every problem
    found = {int(row): column for _, row, column, _ in cells}
    assert found == expected
    assert {file for file, *_ in cells} == {"bad.csv"}

    # The result pages value nothing: they repeat the problems and link back.
    go_to(page, messages["nav.collateral"])
    expect(page.get_by_test_id("stAlertContentError")).to_have_text(headline)
    expect(page.get_by_test_id("stPageLink")).to_contain_text(messages["problems.fix_inventory"])
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _millions(amount: float) -> str:
    """How the English pages show a headline amount in millions: ``12.20m``."""
    return f"{amount / 1e6:,.2f}m"


@pytest.mark.e2e
def test_upload_flows_to_collateral_and_workbook(new_page, app_url: str, tmp_path) -> None:
    header, rows = sample_rows()
    assert len(rows) > 60  # a subset: the figures below cannot be the sample's
    page = new_page("en-US")
    open_page(page, app_url, "inventory")
    upload(page, "good.csv", csv_bytes(header, rows[:60]))
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
        EN["inventory.valid"].format(lots="60")
    )
    expect(metric(page, EN["metric.lots"]).get_by_test_id("stMetricValue")).to_have_text("60")

    go_to(page, EN["nav.collateral"])
    expect(page.get_by_test_id("stMain").locator("h1")).to_have_text(EN["collateral.title"])
    wait_for_run(page)
    expect(
        page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first
    ).to_contain_text("Inventory: good.csv · 60 lots")
    labels = {
        "borrowing_base": f"{EN['metric.borrowing_base']} (CNY)",
        "market_value": f"{EN['metric.market_value']} (CNY)",
    }
    shown = {
        k: metric(page, v).get_by_test_id("stMetricValue").inner_text() for k, v in labels.items()
    }
    exact = {k: metric_help(page, v) for k, v in labels.items()}  # "CNY 12,201,106"
    # The certificate's accessible table holds the raw amounts; it has 20 rows, all in view.
    headers, cells, aria_rows = grid(dataframe(page, EN["certificate.col_line"]))
    assert headers == [
        EN["certificate.col_line"],
        EN["col.lots"],
        EN["certificate.col_amount"].format(currency="CNY"),
    ]
    assert len(cells) == aria_rows - 1
    lines = {line: float(amount) for line, _, amount in cells}
    certified = lines[EN["certificate.borrowing_base"]]

    go_to(page, EN["nav.export"])
    button = page.get_by_role("button", name=EN["export.workbook_button"])
    expect(button).to_be_visible()
    wait_for_run(page)  # the stress test runs before the page finishes
    for key, label in labels.items():  # Export shows the same headline figures
        expect(metric(page, label).get_by_test_id("stMetricValue")).to_have_text(shown[key])
    with page.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename == "valuation.xlsx"
    saved = tmp_path / "valuation.xlsx"
    download.value.save_as(saved)

    book = openpyxl.load_workbook(saved, read_only=True)
    summary = {
        key: value for key, _, value in book["Summary"].iter_rows(min_row=2, values_only=True)
    }
    book.close()
    assert summary["lots"] == 60
    assert summary["currency"] == "CNY"
    for key in labels:
        amount = summary[key]
        assert _millions(amount) == shown[key], key
        assert exact[key] == f"CNY {amount:,.0f}", key
    assert summary["borrowing_base"] == pytest.approx(certified, abs=0.01)

    # Back on Inventory the uploader is empty (Streamlit drops a widget's file when its
    # page is left), but the session kept the upload.
    go_to(page, EN["nav.inventory"])
    expect(page.get_by_test_id("stAlertContentInfo")).to_have_text(
        EN["inventory.using_upload"].format(file="good.csv")
    )
    expect(metric(page, EN["metric.lots"]).get_by_test_id("stMetricValue")).to_have_text("60")
