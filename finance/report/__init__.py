"""Exports: CSV for any spreadsheet, a formatted workbook for people."""

from finance.report.csv import neutralize, safe_csv_bytes, write_csvs
from finance.report.excel import workbook_bytes, write_workbook

__all__ = ["neutralize", "safe_csv_bytes", "workbook_bytes", "write_csvs", "write_workbook"]
