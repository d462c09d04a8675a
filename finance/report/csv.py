"""CSV exports: UTF-8 with BOM (so Excel shows Chinese), text neutralised against formulas.

OWASP CSV injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab, carriage
return (or line feed, or NUL) is prefixed with a single quote so that no spreadsheet
evaluates it. Numbers stay numbers (a numeric -3 is not text and is not touched).

The files are written by Arrow (``pyarrow.csv``), a column at a time: the neutralising is
one regular-expression pass over each text column, not a Python call per cell, so a
million lots take seconds. How a cell is written:

- text is always in double quotes (Arrow's ``quoting_style="needed"`` quotes every string
  and no number), a quote inside doubled (RFC 4180). ``"needed"`` rather than
  ``"all_valid"``: a quoted cell is text and a bare one a number, which is what readers
  that type by quoting (Python's ``csv.QUOTE_NONNUMERIC``, LibreOffice's "quoted field as
  text") rely on; spreadsheets and pandas read both back to the same values;
- the header is written as before the switch to Arrow, quoted only where a name needs it
  (``lots.csv`` starts ``sku,category,...``), for scripts that read the first line;
- numbers bare, in the shortest form that reads back to the same float (``0.00001``,
  ``2.5e-7``); a float column whose every value is whole keeps its ``.0`` (``3.0``), so that
  pandas reads it back as floats, as it does the other float columns;
- a missing value (NaN, None) is an empty cell (``""`` in a table of one column, whose
  row would otherwise be an empty line), infinity ``inf``; booleans ``True`` and
  ``False`` (in quotes: Arrow writes ``true`` for a boolean) as pandas wrote them.

Lines end in CRLF. Files are written to a temporary name and moved into place, so a
failure leaves no partial file.
"""

from __future__ import annotations

import collections
import csv
import io
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from finance.locale import DEFAULT
from finance.report.tables import (  # noqa: F401  (the names callers import from here)
    MONEY_DECIMALS,
    OTHER_DECIMALS,
    export_table,
    export_tables,
    rounded,
)

if TYPE_CHECKING:
    from finance.analysis.stress import StressResult
    from finance.result import ValuationResult

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# The same triggers for Arrow's regular expressions (RE2): one of them at the very start.
# Without the multi-line flag ``^`` matches only there, never after a line feed inside.
_TRIGGER_AT_START = "^([" + re.escape("".join(FORMULA_TRIGGERS)) + "])"
BOM = "\ufeff".encode()
EOL = "\r\n"
# Rows per batch Arrow converts at once: large enough that the per-batch overhead vanishes,
# small enough to keep the converted text of a batch in cache.
_BATCH_ROWS = 16_384
# Rows of one slice when a large table is encoded on several threads (and the size from
# which it is): each slice is a few megabytes of text.
_PARALLEL_ROWS = 65_536
# A whole float below this is written exactly with one decimal by a decimal128(18, 1).
_EXACT_WHOLE = 1e15


def neutralize(value: Any) -> Any:
    """Prefix a text value that a spreadsheet would treat as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


#: The trigger characters as bytes (each is one byte in UTF-8).
_TRIGGER_BYTES = np.frombuffer("".join(FORMULA_TRIGGERS).encode("ascii"), dtype=np.uint8)


def _any_trigger(values: pa.Array) -> bool:
    """Whether some text of one Arrow string array starts with a trigger character.

    Reads the first byte of each value straight from the array's buffers: a scan of one
    byte per row, where a regular expression over the column costs five times as much.
    """
    if len(values) == 0 or values.null_count == len(values):
        return False
    wide = pa.types.is_large_string(values.type)
    _, offset_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64 if wide else np.int32)
    offsets = offsets[values.offset : values.offset + len(values) + 1]
    starts = offsets[:-1][np.diff(offsets) > 0]  # empty and null values have no byte
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    return bool(np.isin(data[starts], _TRIGGER_BYTES).any())


def neutralize_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`neutralize` over a whole Arrow text column at once; nulls stay null.

    Parameters
    ----------
    values : pyarrow.Array or ChunkedArray
        A ``string`` or ``large_string`` column.

    Returns
    -------
    pyarrow.Array or ChunkedArray
        The same column with ``'`` before each text that starts with a formula trigger
        (the column itself when none does, the usual case).
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    if not any(_any_trigger(chunk) for chunk in chunks):
        return values
    return pc.replace_substring_regex(
        values, pattern=_TRIGGER_AT_START, replacement=r"'\1", max_replacements=1
    )


def _missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
    )


def _text_column(series: pd.Series) -> pa.Array:
    """A text (or mixed object) column, neutralised; numbers in it stay unneutralised."""
    try:
        values = pa.array(series, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # A column mixing text with numbers or other objects (a table of settings): only
        # its text is neutralised, as pandas' writer did; the rest is written as str().
        cells = [
            None if _missing(v) else neutralize(v) if isinstance(v, str) else str(v)
            for v in series.astype(object)
        ]
        return pa.array(cells, type=pa.large_string())
    return neutralize_text(values)


def _float_column(series: pd.Series) -> pa.Array:
    values = series.to_numpy(dtype=float, na_value=np.nan)
    column = pa.array(values, from_pandas=True)  # NaN -> null: an empty cell
    finite = np.isfinite(values)
    if (
        len(values)
        and finite.all()
        and np.all(np.abs(values) < _EXACT_WHOLE)
        and np.all(values == np.trunc(values))
    ):
        # Arrow writes the float 3.0 as "3", which pandas reads back as an integer column;
        # a decimal with one place writes "3.0", as pandas' own writer did.
        return column.cast(pa.decimal128(18, 1))
    return column


def csv_column(series: pd.Series) -> pa.Array:
    """One column as the CSV holds it: text neutralised, numbers as numbers.

    Parameters
    ----------
    series : pandas.Series

    Returns
    -------
    pyarrow.Array
        Text as ``large_string`` (neutralised), booleans as the text ``True``/``False``,
        floats, integers and dates as Arrow numbers and dates, missing values as nulls.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        flags = pa.array(series, type=pa.bool_(), from_pandas=True)
        return pc.if_else(flags, "True", "False")
    if pd.api.types.is_float_dtype(dtype):
        return _float_column(series)
    if pd.api.types.is_integer_dtype(dtype):
        return pa.array(series, from_pandas=True)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pa.array(series, from_pandas=True)
        # pandas wrote a column of midnights as dates: 2026-11-24.
        midnight = series.isna() | (series == series.dt.normalize())
        return stamps.cast(pa.date32()) if bool(midnight.all()) else stamps
    return _text_column(series)


def _header(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator=EOL).writerow(
        [str(c) for c in frame.columns]
    )
    return buffer.getvalue().encode("utf-8")


def _write(frame: pd.DataFrame, sink: pa.NativeFile) -> None:
    """BOM, header and rows of ``frame`` to ``sink`` (left open)."""
    sink.write(BOM + _header(frame))
    if not len(frame.columns) or not len(frame):
        return
    columns = [csv_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if len(columns) == 1 and columns[0].null_count:
        # A row of one missing cell would be an empty line, which readers skip (pandas)
        # or take for no cells (csv): written "" instead, as pandas' writer did.
        columns[0] = pc.fill_null(pc.cast(columns[0], pa.large_string()), "")
    # Positional names: the header is already written, and names need not be unique.
    table = pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(columns))])
    options = pacsv.WriteOptions(
        include_header=False, batch_size=_BATCH_ROWS, eol=EOL, quoting_style="needed"
    )
    if table.num_rows < _PARALLEL_ROWS:
        pacsv.write_csv(table, sink, options)
        return

    # Arrow's writer works on one thread and lets go of the GIL: slices encoded on every
    # core, written in order, a few in flight at a time (so the file is never all in memory).
    def encode(part: pa.Table) -> pa.Buffer:
        out = pa.BufferOutputStream()
        pacsv.write_csv(part, out, options)
        return out.getvalue()

    workers = max(os.cpu_count() or 1, 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: collections.deque = collections.deque()
        for start in range(0, table.num_rows, _PARALLEL_ROWS):
            pending.append(pool.submit(encode, table.slice(start, _PARALLEL_ROWS)))
            if len(pending) > 2 * workers:
                sink.write(pending.popleft().result())
        while pending:
            sink.write(pending.popleft().result())


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Encode a table as a neutralised UTF-8-with-BOM CSV (RFC 4180 quoting)."""
    sink = pa.BufferOutputStream()
    _write(frame, sink)
    return sink.getvalue().to_pybytes()


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as :func:`safe_csv_bytes` does, straight to ``path``.

    The file is streamed (a million lots never sit in memory as one string); write into a
    staging folder (:mod:`finance.report.output`) or use :func:`atomic_write` for a file
    that must appear whole or not at all.
    """
    with pa.OSFile(str(path), "wb") as sink:
        _write(frame, sink)
    return path


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


def csv_files(
    result: ValuationResult, lang: str = DEFAULT, stress: StressResult | None = None
) -> dict[str, bytes]:
    """Every CSV export as bytes, by file name.

    ``lots.csv``, ``options.csv``, ``mix.csv``, ``borrowing_base.csv`` (the certificate:
    the same file the app's Collateral and Export pages offer) and, given a stress test,
    ``stress.csv`` and ``sensitivity.csv``.
    """
    return {
        f"{name}.csv": safe_csv_bytes(frame)
        for name, frame in export_tables(result, lang, stress).items()
    }


def certificate_csv_bytes(result: ValuationResult, lang: str = DEFAULT) -> bytes:
    """``borrowing_base.csv``: the borrowing-base certificate as one CSV, in ``lang``."""
    return safe_csv_bytes(export_table(result, "borrowing_base", lang))


def write_csvs(result: ValuationResult, folder: Path, lang: str = DEFAULT) -> list[Path]:
    """Write ``lots.csv``, ``options.csv``, ``mix.csv`` and ``borrowing_base.csv``.

    Returns their paths. ``lang`` sets the headers and notes (default English).
    """
    contents = csv_files(result, lang)
    return [atomic_write(folder / name, data) for name, data in contents.items()]
