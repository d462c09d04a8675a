"""The valuation workbook, one sheet per table.

Summary, Lots, Options, Mix, Haircuts, Borrowing base (the certificate), Assumptions and
Channels, then one sheet per structure
(Loan schedule, Loan triggers, Trust waterfall, ABS tranches, ABS payments) and, when a
stress test was run, Stress, Stress summary and Sensitivity.

Written with xlsxwriter with ``strings_to_formulas`` and ``strings_to_urls`` off, so a
text cell such as ``=HYPERLINK(...)`` from an ERP export stays text: no spreadsheet
evaluates it. Money has thousands separators, rates show as percentages, dates are date
cells, the header row is bold, frozen and filterable. Every sheet is ready to print: one
page wide (landscape when wide), the header row repeated on each page, the title and the
valuation date in the page header. ``lang="zh"`` gives the sheet names, headers and the
Summary in Chinese. XLSX sheets stop at 1,048,576 rows; larger inventories are exported as
CSV.

An XLSX cell holds at most 32,767 characters, and xlsxwriter cuts longer text without a word.
So no text is cut: in a sheet whose rows a CSV export holds too (Lots, Options, Mix,
Borrowing base, Stress, Sensitivity: :data:`CSV_OF_SHEET`) a longer cell says how long the
text is and where it is whole ("... the whole text is in lots.csv, row 12"; the command
line writes that CSV beside the workbook, the app offers it on the Export page); in any
other sheet (the Summary, Haircuts, Assumptions...: text from the assumptions, which no CSV
holds) it is an input problem, raised as :class:`finance.errors.InputError` naming the
sheet, the row and the column.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finance.errors import InputError, Problem
from finance.locale import DEFAULT, Text, catalog, check_lang, display_width, label, t
from finance.report.certificate import certificate_table
from finance.report.csv import atomic_write
from finance.report.text import localise_frame, sheet_name

if TYPE_CHECKING:
    from finance.analysis.stress import StressResult
    from finance.result import ValuationResult

EXCEL_MAX_ROWS = 1_048_575  # data rows below the header
#: Most characters an XLSX cell holds (Excel's limit; xlsxwriter cuts longer text).
XLSX_MAX_CHARS = 32_767
#: The sheets whose rows a CSV export holds in the same order, by sheet: a cell too long
#: for the workbook points to its row there.
CSV_OF_SHEET = {
    "Lots": "lots.csv",
    "Options": "options.csv",
    "Mix": "mix.csv",
    "Borrowing base": "borrowing_base.csv",
    "Stress": "stress.csv",
    "Sensitivity": "sensitivity.csv",
}

MONEY = {
    "unit_cost", "unit_price", "market_value", "nrv", "book_value", "olv", "flv",
    "lendable_value", "concentration_excess", "expected_holding_loss", "cash_now", "pv_costs",
    "expected_loss_retained", "expected_loss_transferred", "loss_retained_p95", "npv",
    "interest", "monitoring_fee", "principal", "payment", "pv", "expected_collateral",
    "collateral_at_line", "expected", "p05", "p95", "face", "price", "collections",
    "senior_principal", "mezzanine_principal", "equity_principal", "npv_vs_base_value",
    "borrowing_base", "eligible_value", "volatility_limit", "holding_loss_p95", "amount",
    "npv_vs_hold", "funding_value", "rate_effect", "npv_std_error", "outstanding",
}  # fmt: skip
PERCENT = {
    "haircut", "basel_haircut", "advance_rate", "effective_annual_cost", "volatility_haircut",
    "sigma", "erosion", "markdown", "salvage", "selling_cost", "orderly_discount",
    "forced_discount", "storage_cost", "cost_advance", "share", "discount", "fee", "net",
    "pv_rate", "capacity", "probability", "probability_closed_form", "std_error",
    "attachment", "detachment", "sold_share", "spread", "yield", "probability_of_loss",
    "probability_of_loss_simulated", "expected_loss", "margin_call_probability",
    "weighted_haircut", "confidence", "company_rate",
}  # fmt: skip

SUMMARY_LABELS: dict[str, str] = {
    "valuation_date": "Valuation date (估值日)",
    "currency": "Currency (币种)",
    "lots": "Lots (批次数)",
    "market_value": "Market value (市值)",
    "book_value": "Lower of cost and NRV (账面价值)",
    "nrv": "Net realizable value (可变现净值)",
    "olv": "Orderly liquidation value (有序清算价值)",
    "flv": "Forced liquidation value (强制清算价值)",
    "eligible_value": "Eligible market value (合格押品市值)",
    "ineligible_value": "Ineligible market value (不合格押品市值)",
    "concentration_excess": "Concentration excess (集中度超限)",
    "borrowing_base": "Borrowing base (可贷额度)",
    "portfolio_haircut": "Portfolio haircut (组合折扣率)",
    "weighted_lot_haircut": "Value-weighted lot haircut (加权单批折扣率)",
    "expected_holding_loss": "Expected holding loss (预期持有损失)",
    "holding_loss_at_company_rate": "Holding loss at the company's rate (按资金成本计的持有损失)",
    "holding_loss_p95": "Holding loss, 95% quantile",
    "holding_loss_p99": "Holding loss, 99% quantile",
    "holding_loss_mean_simulated": "Holding loss, simulated mean",
    "holding_loss_std_error": "Holding loss, standard error of the mean",
    "holding_npv": "NPV of holding at the company's rate (持有净现值)",
    "loan_amount": "Pledge loan amount (质押贷款金额)",
    "loan_all_in_cost": "Pledge loan all-in annual cost (综合年化成本)",
    "loan_margin_at_drawdown": "Margin posted at drawdown (放款时保证金)",
    "margin_call_probability": "Margin-call probability (补仓概率)",
    "lender_expected_loss": "Lender's expected loss (贷款方预期损失)",
    "pledge_regulatory_lgd": "Pledge loan F-IRB LGD (监管违约损失率)",
    "trust_pool_value": "Trust pool market value (信托资产池市值)",
    "trust_fair_senior_coupon": "Fair senior coupon for investors (优先级合理收益率)",
    "trust_senior_coupon": "Senior coupon priced (优先级定价收益率)",
    "abs_issue_size": "ABS issue size (ABS发行规模)",
    "mix_feasible": "Mix meets the target and limit (组合方案可行)",
    "recommended_option": "Recommended option (推荐方案)",
    "recommendation": "Why",
    "cash_target": "Cash target (融资目标)",
    "max_loss_p95": "Risk limit on the 95% loss kept (风险限额)",
    "scenarios": "Scenarios",
    "seed": "Seed",
}
PERCENT_KEYS = {
    "portfolio_haircut", "weighted_lot_haircut", "pledge_regulatory_lgd", "loan_all_in_cost",
    "margin_call_probability", "trust_fair_senior_coupon", "trust_senior_coupon",
}  # fmt: skip


#: Columns wider than this print in landscape.
LANDSCAPE_COLUMNS = 6


def _summary_frame(summary: dict[str, Any], lang: str = DEFAULT) -> pd.DataFrame:
    words = catalog(lang)
    rows = []
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, amount in value.items():
                if lang == DEFAULT:
                    item = f"  {key.replace('_', ' ')}: {sub}"
                else:
                    item = "  " + words.get(f"summary.{key}", key) + label("reason", sub, lang)
                rows.append((f"{key}.{sub}", item, amount))
        elif lang == DEFAULT:
            rows.append((key, SUMMARY_LABELS.get(key, key), value))
        else:
            rows.append((key, words.get(f"summary.{key}", SUMMARY_LABELS.get(key, key)), value))
    return pd.DataFrame(rows, columns=["key", "item", "value"])


def _summary_value(key: str, value: Any, result: ValuationResult, lang: str) -> Any:
    """A Summary value as the sheet shows it: the why in words, names for keys in Chinese."""
    if key == "recommendation":
        return result.recommendation_text(lang)
    if lang == DEFAULT:
        return value
    if key == "recommended_option":
        return label("option", value, lang) if value else value
    if isinstance(value, bool):
        return t("summary.yes" if value else "summary.no", lang)
    return value


def _assumptions_frame(result: ValuationResult) -> pd.DataFrame:
    a = result.assumptions
    rows: list[tuple[str, Any]] = []
    for f in dataclasses.fields(a):
        value = getattr(a, f.name)
        if f.name == "categories":
            continue
        if f.name == "curve":
            rows += [(f"curve.{tenor}", rate) for tenor, rate in value]
        elif f.name == "category_names":
            # The company's own category names, one row each (none: no row).
            rows += [(f"category_names.{name}", key) for name, key in value.items()]
        elif f.name == "liquidate":
            rows.append(("liquidate.channels", value.channels))
            # Each channel term changed, one row per key, named as the TOML file names it
            # (none: no row).
            rows += [
                (f"liquidate.terms[{number}].{k}", v)
                for number, term in enumerate(value.terms, start=1)
                for k, v in term.as_table().items()
            ]
        elif dataclasses.is_dataclass(value):
            rows += [(f"{f.name}.{k}", v) for k, v in dataclasses.asdict(value).items()]
        else:
            rows.append((f.name, value))
    frame = pd.DataFrame(rows, columns=["key", "value"])
    frame["value"] = frame["value"].map(
        lambda v: ", ".join(v) if isinstance(v, tuple | list) else v
    )
    # One column must hold text and numbers; keep numbers as numbers for the spreadsheet.
    frame["value"] = frame["value"].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return frame


def _print_setup(sheet: Any, title: str, date: str, lang: str, cols: int) -> None:
    """One page wide, landscape when wide, header row repeated, title and date on top."""
    sheet.set_paper(9)  # A4
    if cols > LANDSCAPE_COLUMNS:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    head = f"&L&B{_header_text(title)}&R{_header_text(t('print.date', lang, date=date))}"
    sheet.set_header(head, {"margin": 0.3})
    sheet.set_footer(f"&C{t('print.page', lang)}", {"margin": 0.3})


def _text_lengths(series: pd.Series) -> np.ndarray:
    """Characters of each text cell (0 for a number, a date or a missing value)."""
    if pd.api.types.is_string_dtype(series) and series.dtype != object:
        return series.str.len().fillna(0).to_numpy(dtype=np.int64)
    return np.fromiter(
        (len(v) if isinstance(v, str) else 0 for v in series), dtype=np.int64, count=len(series)
    )


def fit_long_text(
    shown: pd.DataFrame, name: str, lang: str, problems: list[Problem]
) -> pd.DataFrame:
    """``shown`` with every text over :data:`XLSX_MAX_CHARS` dealt with; never cut.

    Parameters
    ----------
    shown : DataFrame
        A sheet's table as it is to be written (headers in ``lang``).
    name : str
        The sheet's English name.
    lang : str
        ``en`` or ``zh``: the words of the pointer and of the problems.
    problems : list of Problem
        Gets a problem for each cell too long in a sheet no CSV holds.

    Returns
    -------
    DataFrame
        ``shown`` itself when no cell is too long; else a copy whose long cells in a sheet
        of :data:`CSV_OF_SHEET` say where the whole text is (in another sheet, emptied).
    """
    out = shown
    for j, column in enumerate(shown.columns):
        series = shown.iloc[:, j]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        lengths = _text_lengths(series)
        for i in np.flatnonzero(lengths > XLSX_MAX_CHARS):
            # Row i is the sheet's (and the CSV's) row i + 2: the header is row 1.
            length, row = int(lengths[i]), int(i) + 2
            if out is shown:
                out = shown.copy()
            if name in CSV_OF_SHEET:
                out.iloc[i, j] = t(
                    "export.too_long",
                    lang,
                    length=length,
                    limit=XLSX_MAX_CHARS,
                    file=CSV_OF_SHEET[name],
                    row=row,
                )
                continue
            # The workbook is not kept (the problem is raised); emptied so that it is not
            # written cut either, nor warned about.
            out.iloc[i, j] = ""
            sheet = sheet_name(name, lang)
            problems.append(Problem("valuation.xlsx", Text(
                f"the {sheet} sheet's text is {length:,} characters long, more than an XLSX "
                f"cell holds ({XLSX_MAX_CHARS:,}): shorten it",
                "problem.xlsx_text_too_long", sheet=sheet, length=length, limit=XLSX_MAX_CHARS,
            ), row=row, column=str(column)))  # fmt: skip
    return out


def _header_text(text: str) -> str:
    # An ampersand starts a control code in a page header.
    return text.replace("&", "&&")


def _write_sheet(
    writer: pd.ExcelWriter,
    name: str,
    frame: pd.DataFrame,
    formats: dict[str, Any],
    *,
    lang: str = DEFAULT,
    names: dict[str, str] | None = None,
    title: str = "",
    date: str = "",
    problems: list[Problem] | None = None,
) -> Any:
    """Write one table: bold header, number and date formats, print set-up.

    A text too long for a cell points to the CSV that holds it or, in a sheet no CSV holds,
    adds a problem to ``problems`` (:func:`fit_long_text`); without ``problems`` it is raised.
    """
    frame = frame.replace([np.inf, -np.inf], np.nan)
    kinds = []
    for col in frame.columns:
        if col in MONEY:
            kinds.append("money")
        elif col in PERCENT:
            kinds.append("pct")
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            kinds.append("date")
        else:
            kinds.append("")
    found: list[Problem] = []
    shown = fit_long_text(localise_frame(frame, lang, names), name, lang, found)
    if problems is None and found:
        raise InputError(found)
    if problems is not None:
        problems += found
    label_of = sheet_name(name, lang)
    shown.to_excel(
        writer, sheet_name=label_of, index=False, header=False, startrow=1, freeze_panes=(1, 0)
    )
    sheet = writer.sheets[label_of]
    rows, cols = shown.shape
    for i, header in enumerate(shown.columns):
        sheet.write_string(0, i, str(header), formats["header"])
    if cols:
        sheet.autofilter(0, 0, max(rows, 1), cols - 1)
    for i, (col, kind) in enumerate(zip(shown.columns, kinds, strict=True)):
        longest = max((display_width(str(v)) for v in shown[col].head(200)), default=0)
        width = min(max(display_width(str(col)), longest) + 2, 60)
        fmt = formats[kind] if kind else None
        sheet.set_column(i, i, max(width, 12 if fmt else 8), fmt)
    _print_setup(sheet, f"{title} - {label_of}" if title else label_of, date, lang, cols)
    return sheet


def structure_sheets(result: ValuationResult) -> dict[str, pd.DataFrame]:
    """The structure sheets: loan schedule and triggers, trust waterfall, ABS tables.

    Dates are datetime64 columns, written as date cells.
    """
    schedule = result.pledge_loan.schedule.assign(date=lambda t: pd.to_datetime(t["date"]))
    payments = result.abs.payments.assign(date=lambda t: pd.to_datetime(t["date"]))
    return {
        "Loan schedule": schedule,
        "Loan triggers": result.pledge_loan.triggers,
        "Trust waterfall": result.receipt_trust.waterfall_table,
        "ABS tranches": result.abs.tranches,
        "ABS payments": payments,
    }


def stress_sheets(stress: StressResult) -> dict[str, pd.DataFrame]:
    """The stress sheets: the comparison per stress, its headline, the sensitivity grid."""
    return {
        "Stress": stress.comparison,
        "Stress summary": stress.headline,
        "Sensitivity": stress.sensitivity,
    }


def workbook_bytes(
    result: ValuationResult, stress: StressResult | None = None, lang: str = DEFAULT
) -> bytes:
    """Build the workbook in memory (with the stress sheets when ``stress`` is given).

    Parameters
    ----------
    result : ValuationResult
    stress : StressResult, optional
    lang : str
        ``en`` (the documented sheet and column names) or ``zh``.

    Raises
    ------
    ValueError
        If the lot table has more rows than an XLSX sheet holds (export CSV instead).
    InputError
        If a text longer than an XLSX cell holds is in a sheet no CSV holds (the Summary,
        Haircuts, Assumptions...): one problem per cell. In the other sheets such a cell
        says where its whole text is (:func:`fit_long_text`).
    """
    if len(result.lots) > EXCEL_MAX_ROWS:
        raise ValueError(
            f"{len(result.lots):,} lots do not fit in an XLSX sheet; export CSV (--format csv)"
        )
    lang = check_lang(lang)
    names = result.category_labels(lang)
    date = str(result.summary.get("valuation_date", ""))
    title = t("print.title", lang)
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        engine_kwargs={"options": options},
        date_format="yyyy-mm-dd",
        datetime_format="yyyy-mm-dd",
    ) as writer:
        book = writer.book
        formats = {
            "money": book.add_format({"num_format": "#,##0.00"}),
            "pct": book.add_format({"num_format": "0.00%"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "bold": book.add_format({"bold": True}),
            "header": book.add_format(
                {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
            ),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        problems: list[Problem] = []
        _write_summary(writer, result, formats, lang, title, date, problems)
        common = {"lang": lang, "names": names, "title": title, "date": date, "problems": problems}
        _write_sheet(writer, "Lots", result.lots, formats, **common)
        options = result.options.copy()
        options["notes"] = result.option_notes(lang)
        options_sheet = _write_sheet(writer, "Options", options, formats, **common)
        notes = options.columns.get_loc("notes")
        options_sheet.set_column(notes, notes, 80, formats["wrap"])
        _write_sheet(writer, "Mix", result.mix, formats, **common)
        _write_sheet(writer, "Haircuts", result.haircuts, formats, **common)
        certificate = certificate_table(result, lang)
        sheet = _write_sheet(
            writer, "Borrowing base", certificate.set_axis(
                ["line", "item", "kind", "lots", "amount"], axis=1
            ), formats, **common
        )  # fmt: skip
        # The advance rate is the one ratio among the amounts: shown as a percentage.
        kinds = borrowing_base_kinds(result)
        for row in np.flatnonzero(kinds == "ratio"):
            value = float(certificate.iloc[row, 4])
            if np.isfinite(value):
                sheet.write_number(row + 1, 4, value, formats["pct"])
        _write_sheet(writer, "Assumptions", _assumptions_frame(result), formats, **common)
        _write_sheet(writer, "Channels", result.channels, formats, **common)
        sheets = structure_sheets(result)
        if stress is not None:
            sheets |= stress_sheets(stress)
        for name, frame in sheets.items():
            _write_sheet(writer, name, frame, formats, **common)
    if problems:
        raise InputError(problems)
    return buffer.getvalue()


def borrowing_base_kinds(result: ValuationResult) -> np.ndarray:
    """The ``kind`` of each certificate line (``item``, ``less``, ``total``, ...)."""
    from finance.report.certificate import borrowing_base_certificate

    return borrowing_base_certificate(result)["kind"].to_numpy(dtype=object)


def _write_summary(
    writer: pd.ExcelWriter,
    result: ValuationResult,
    formats: dict[str, Any],
    lang: str,
    title: str,
    date: str,
    problems: list[Problem],
) -> None:
    """The Summary: key, item and value in English; item and value in Chinese.

    A text too long for a cell adds a problem to ``problems`` (no CSV holds the Summary).
    """
    summary = _summary_frame(result.summary, lang)
    summary["value"] = [
        _summary_value(k, v, result, lang)
        for k, v in zip(summary["key"], summary["value"], strict=True)
    ]
    shown = summary if lang == DEFAULT else summary[["item", "value"]]
    headers = (
        list(shown.columns) if lang == DEFAULT else [t("col.item", lang), t("col.value", lang)]
    )
    shown = fit_long_text(shown.set_axis(headers, axis=1), "Summary", lang, problems).set_axis(
        shown.columns, axis=1
    )
    name = sheet_name("Summary", lang)
    shown.to_excel(writer, sheet_name=name, index=False, header=False, startrow=1)
    sheet = writer.sheets[name]
    sheet.freeze_panes(1, 0)
    for i, header in enumerate(headers):
        sheet.write_string(0, i, header, formats["header"])
    value_col = len(headers) - 1
    if lang == DEFAULT:
        sheet.set_column(0, 0, 30)
    sheet.set_column(value_col - 1, value_col - 1, 44 if lang == DEFAULT else 36)
    sheet.set_column(value_col, value_col, 60, formats["wrap"])
    for i, (key, value) in enumerate(zip(summary["key"], summary["value"], strict=True), start=1):
        if isinstance(value, float) and np.isfinite(value):
            fmt = formats["pct"] if key in PERCENT_KEYS else formats["money"]
            sheet.write_number(i, value_col, value, fmt)
        elif isinstance(value, float):
            sheet.write_blank(i, value_col, None)
        elif key == "recommendation":
            sheet.write_string(i, value_col - 1, str(summary["item"].iloc[i - 1]), formats["wrap"])
            sheet.write_string(i, value_col, str(value), formats["wrap"])
            sheet.set_row(i, 15 * max(2, 1 + display_width(str(value)) // 60))
    sheet.set_portrait()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 1)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)
    head = f"&L&B{_header_text(title)}&R{_header_text(t('print.date', lang, date=date))}"
    sheet.set_header(head, {"margin": 0.3})


def write_workbook(
    result: ValuationResult, path: Path, stress: StressResult | None = None, lang: str = DEFAULT
) -> Path:
    """Write ``valuation.xlsx`` (or ``path``) atomically, in ``lang``."""
    return atomic_write(path, workbook_bytes(result, stress, lang))
