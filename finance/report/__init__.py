"""Exports: CSV for any spreadsheet, a formatted workbook for people, in English or Chinese."""

from finance.report.certificate import certificate_table
from finance.report.csv import (
    certificate_csv_bytes,
    csv_files,
    export_table,
    neutralize,
    safe_csv_bytes,
    write_csvs,
)
from finance.report.excel import workbook_bytes, write_workbook

__all__ = [
    "certificate_csv_bytes",
    "certificate_table",
    "csv_files",
    "export_table",
    "neutralize",
    "safe_csv_bytes",
    "workbook_bytes",
    "write_csvs",
    "write_workbook",
]
