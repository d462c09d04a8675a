"""CSV exports: UTF-8 with BOM (so Excel shows Chinese), text neutralised against formulas.

OWASP CSV injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab, carriage
return (or line feed, or NUL) is prefixed with a single quote so that no spreadsheet
evaluates it. Numbers stay numbers (a numeric -3 is not text and is not touched).
Files are written to a temporary name and moved into place, so a failure leaves no
partial file.

Money is rounded to the cent and every other figure (rates, shares, probabilities) to six
decimals, so that a cell reads 136761919.29, not 136761919.28666002. With ``lang="zh"``
the headers, the options' notes and the route names are in Chinese.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from finance.locale import DEFAULT, check_lang

if TYPE_CHECKING:
    from finance.analysis.stress import StressResult
    from finance.result import ValuationResult

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralize(value: Any) -> Any:
    """Prefix a text value that a spreadsheet would treat as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with every text cell neutralised; numeric columns untouched."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_string_dtype(series) or series.dtype == object:
            out[col] = series.map(neutralize)
    return out


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Encode a table as a neutralised UTF-8-with-BOM CSV (RFC 4180 quoting)."""
    text = neutralize_frame(frame).to_csv(
        index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    return text.encode("utf-8-sig")


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


#: Decimals of money (to the cent) and of every other non-integer figure in a CSV.
MONEY_DECIMALS = 2
OTHER_DECIMALS = 6


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with money to the cent and other floats to six decimals (NaN stays NaN)."""
    from finance.report.excel import MONEY

    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            places = MONEY_DECIMALS if column in MONEY else OTHER_DECIMALS
            out[column] = np.round(out[column].to_numpy(dtype=float), places) + 0.0
    return out


def export_table(result: ValuationResult, table: str, lang: str = DEFAULT) -> pd.DataFrame:
    """One of the exported tables, rounded, in ``lang``.

    Parameters
    ----------
    result : ValuationResult
    table : str
        ``lots``, ``options``, ``mix`` or ``borrowing_base`` (the certificate).
    lang : str
        ``en`` (the documented column names) or ``zh``.
    """
    from finance.report.certificate import certificate_table
    from finance.report.text import localise_frame

    lang = check_lang(lang)
    if table == "borrowing_base":
        return certificate_table(result, lang)
    frame = {"lots": result.lots, "options": result.options, "mix": result.mix}[table]
    frame = rounded(frame)
    if table == "options" and lang != DEFAULT:
        frame["notes"] = result.option_notes(lang)
    return localise_frame(frame, lang, result.category_labels(lang))


def csv_files(
    result: ValuationResult, lang: str = DEFAULT, stress: StressResult | None = None
) -> dict[str, bytes]:
    """Every CSV export as bytes, by file name.

    ``lots.csv``, ``options.csv``, ``mix.csv``, ``borrowing_base.csv`` (the certificate:
    the same file the app's Collateral and Export pages offer) and, given a stress test,
    ``stress.csv`` and ``sensitivity.csv``.
    """
    from finance.report.text import localise_frame

    files = {
        f"{name}.csv": safe_csv_bytes(export_table(result, name, lang))
        for name in ("lots", "options", "mix", "borrowing_base")
    }
    if stress is not None:
        files["stress.csv"] = safe_csv_bytes(localise_frame(rounded(stress.comparison), lang))
        files["sensitivity.csv"] = safe_csv_bytes(localise_frame(rounded(stress.sensitivity), lang))
    return files


def certificate_csv_bytes(result: ValuationResult, lang: str = DEFAULT) -> bytes:
    """``borrowing_base.csv``: the borrowing-base certificate as one CSV, in ``lang``."""
    return safe_csv_bytes(export_table(result, "borrowing_base", lang))


def write_csvs(result: ValuationResult, folder: Path, lang: str = DEFAULT) -> list[Path]:
    """Write ``lots.csv``, ``options.csv``, ``mix.csv`` and ``borrowing_base.csv``.

    Returns their paths. ``lang`` sets the headers and notes (default English).
    """
    contents = csv_files(result, lang)
    return [atomic_write(folder / name, data) for name, data in contents.items()]
