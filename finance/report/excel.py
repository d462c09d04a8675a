"""The valuation workbook, one sheet per table.

Summary, Lots, Options, Mix, Haircuts, Borrowing base (the certificate), Assumptions and
Channels, then one sheet per structure
(Loan schedule, Loan triggers, Trust waterfall, ABS tranches, ABS payments) and, when a
stress test was run, Stress, Stress summary and Sensitivity.

Written with xlsxwriter with ``strings_to_formulas`` and ``strings_to_urls`` off, so a
text cell such as ``=HYPERLINK(...)`` from an ERP export stays text: no spreadsheet
evaluates it. Money has thousands separators, rates show as percentages, the header row
is frozen and filterable. XLSX sheets stop at 1,048,576 rows; larger inventories are
exported as CSV.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finance.report.certificate import borrowing_base_certificate
from finance.report.csv import atomic_write

if TYPE_CHECKING:
    from finance.analysis.stress import StressResult
    from finance.result import ValuationResult

EXCEL_MAX_ROWS = 1_048_575  # data rows below the header

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


def _summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, amount in value.items():
                rows.append((f"{key}.{sub}", f"  {key.replace('_', ' ')}: {sub}", amount))
        else:
            rows.append((key, SUMMARY_LABELS.get(key, key), value))
    return pd.DataFrame(rows, columns=["key", "item", "value"])


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


def _write_sheet(
    writer: pd.ExcelWriter, name: str, frame: pd.DataFrame, formats: dict[str, Any]
) -> None:
    frame = frame.replace([np.inf, -np.inf], np.nan)
    frame.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
    sheet = writer.sheets[name]
    rows, cols = frame.shape
    if cols:
        sheet.autofilter(0, 0, max(rows, 1), cols - 1)
    for i, col in enumerate(frame.columns):
        longest = max((len(str(v)) for v in frame[col].head(200)), default=0)
        width = min(max(len(str(col)), longest) + 2, 60)
        fmt = formats["money"] if col in MONEY else formats["pct"] if col in PERCENT else None
        sheet.set_column(i, i, max(width, 12 if fmt else 8), fmt)


def structure_sheets(result: ValuationResult) -> dict[str, pd.DataFrame]:
    """The structure sheets: loan schedule and triggers, trust waterfall, ABS tables."""
    schedule = result.pledge_loan.schedule.assign(
        date=lambda t: t["date"].map(lambda d: d.isoformat())
    )
    payments = result.abs.payments.assign(date=lambda t: t["date"].map(lambda d: d.isoformat()))
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


def workbook_bytes(result: ValuationResult, stress: StressResult | None = None) -> bytes:
    """Build the workbook in memory (with the stress sheets when ``stress`` is given).

    Raises
    ------
    ValueError
        If the lot table has more rows than an XLSX sheet holds (export CSV instead).
    """
    if len(result.lots) > EXCEL_MAX_ROWS:
        raise ValueError(
            f"{len(result.lots):,} lots do not fit in an XLSX sheet; export CSV (--format csv)"
        )
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        book = writer.book
        formats = {
            "money": book.add_format({"num_format": "#,##0.00"}),
            "pct": book.add_format({"num_format": "0.00%"}),
            "bold": book.add_format({"bold": True}),
        }
        summary = _summary_frame(result.summary)
        summary.to_excel(writer, sheet_name="Summary", index=False, freeze_panes=(1, 0))
        sheet = writer.sheets["Summary"]
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 1, 44)
        sheet.set_column(2, 2, 22)
        for i, (key, value) in enumerate(
            zip(summary["key"], summary["value"], strict=True), start=1
        ):
            if isinstance(value, float) and np.isfinite(value):
                fmt = formats["pct"] if key in PERCENT_KEYS else formats["money"]
                sheet.write_number(i, 2, value, fmt)
            elif isinstance(value, float):
                sheet.write_blank(i, 2, None)
        _write_sheet(writer, "Lots", result.lots, formats)
        _write_sheet(writer, "Options", result.options, formats)
        _write_sheet(writer, "Mix", result.mix, formats)
        _write_sheet(writer, "Haircuts", result.haircuts, formats)
        certificate = borrowing_base_certificate(result)
        _write_sheet(writer, "Borrowing base", certificate, formats)
        # The advance rate is the one ratio among the amounts: shown as a percentage.
        column = certificate.columns.get_loc("amount")
        for row in np.flatnonzero(certificate["kind"] == "ratio"):
            value = float(certificate["amount"].iloc[row])
            if np.isfinite(value):
                writer.sheets["Borrowing base"].write_number(row + 1, column, value, formats["pct"])
        _write_sheet(writer, "Assumptions", _assumptions_frame(result), formats)
        _write_sheet(writer, "Channels", result.channels, formats)
        sheets = structure_sheets(result)
        if stress is not None:
            sheets |= stress_sheets(stress)
        for name, frame in sheets.items():
            _write_sheet(writer, name, frame, formats)
    return buffer.getvalue()


def write_workbook(result: ValuationResult, path: Path, stress: StressResult | None = None) -> Path:
    """Write ``valuation.xlsx`` (or ``path``) atomically."""
    return atomic_write(path, workbook_bytes(result, stress))
