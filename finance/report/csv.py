"""CSV exports: UTF-8 with BOM (so Excel shows Chinese), text neutralised against formulas.

OWASP CSV injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab, carriage
return (or line feed, or NUL) is prefixed with a single quote so that no spreadsheet
evaluates it. Numbers stay numbers (a numeric -3 is not text and is not touched).
Files are written to a temporary name and moved into place, so a failure leaves no
partial file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
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


def write_csvs(result: ValuationResult, folder: Path) -> list[Path]:
    """Write ``lots.csv``, ``options.csv`` and ``mix.csv`` into ``folder``; return their paths."""
    tables = {"lots.csv": result.lots, "options.csv": result.options, "mix.csv": result.mix}
    contents = {name: safe_csv_bytes(table) for name, table in tables.items()}
    return [atomic_write(folder / name, data) for name, data in contents.items()]
