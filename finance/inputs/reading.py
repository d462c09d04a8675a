r"""Read a table file's cells within bounds, refusing a file before it expands.

A small file can stand for a huge table: a workbook's shared string is stored once and
referenced by every cell, a Parquet dictionary holds a long value once for a million rows, a
zip member inflates a thousand-fold, a cell in the sheet's last column (XFD) makes a reader
pad every row to 16,384 cells, and a path may name a pipe or a device that never ends. Each
reader here counts what it decodes *while* it decodes it, against the :class:`Limits`, and
stops with a problem the moment a limit is passed, so that memory and time stay within a
known multiple of the limits whatever the file.

Knowledge of the lot table (which headers are known columns) stays with the caller
(:mod:`finance.inputs.inventory`): it passes ``score``, a function telling how many known
columns a row's cells name, and the readers use it to find the header row and, for Parquet,
to choose the columns to decode.

Limits (defaults; the app passes its own)
-----------------------------------------
- File size :data:`MAX_FILE_BYTES` (1 GiB); a path must name a regular file (not a folder,
  a pipe, a device or a socket), checked with ``os.stat`` before it is opened and with
  ``os.fstat`` once it is, so that nothing can block or run without end.
- Lots :data:`MAX_ROWS` (2,000,000): a CSV's records are counted on every line ending
  (``\\n``, ``\\r\\n`` and a lone ``\\r``) before it is parsed; a workbook's rows while they
  are streamed; a Parquet file's from its footer. A worksheet has no rows beyond Excel's
  last, :data:`EXCEL_MAX_ROWS`.
- Columns :data:`MAX_COLUMNS` (256) in the header; cells of a workbook beyond the header's
  last column are neither padded nor kept.
- Characters in one cell :data:`MAX_CELL_CHARS` (1,000), in every column read: identifiers
  and descriptions are far shorter, and a longer cell is a pasted document, not a lot.
- Cells :data:`MAX_CELLS` (64,000,000: 32 columns at the row limit): rows times columns
  read, and every cell element a worksheet holds.
- Text :data:`MAX_TEXT_CHARS` (256 Mi characters) that a workbook or a Parquet file decodes
  to, counted as it is decoded (a CSV's text is its bytes, bounded by the file size).

Each limit passed is a :class:`finance.errors.Problem` with a catalog code (``problem.*``,
Chinese in ``finance/locale/zh.toml``); a cell too long names its row and column.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple
from xml.etree.ElementTree import Element, XMLPullParser

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from finance.errors import InputError, Problem
from finance.locale import Text

__all__ = [
    "EXCEL_MAX_ROWS",
    "HEADER_SCAN_ROWS",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_TEXT_CHARS",
    "Limits",
    "Table",
    "Unreadable",
    "column_letter",
    "read_source",
    "read_table",
]

#: Largest file read by default, bytes (a million lots is about 110 MB of CSV).
MAX_FILE_BYTES = 1 << 30
#: Most lots read by default.
MAX_ROWS = 2_000_000
#: Most columns a header may have (ERP exports carry a few dozen).
MAX_COLUMNS = 256
#: Most characters in one cell (identifiers, names and descriptions are far shorter).
MAX_CELL_CHARS = 1_000
#: Most cells read by default: 32 columns at the default row limit.
MAX_CELLS = 64_000_000
#: Most characters of text a workbook or Parquet file may decode to by default (256 Mi).
MAX_TEXT_CHARS = 256 * 2**20
#: Excel's last row: a worksheet has no row beyond it.
EXCEL_MAX_ROWS = 1_048_576
#: Excel's last column (XFD): a worksheet row has no more cells than this.
EXCEL_MAX_COLUMNS = 16_384
#: Rows searched for the header row (a title block, a report date and blank rows may come first).
HEADER_SCAN_ROWS = 50
#: Cells too long listed one by one; beyond, one line says how many more.
MAX_LISTED_CELLS = 100

# Bytes read from a file object at a time once past the size it reported.
_READ_CHUNK = 1 << 20
# Bytes of a CSV's head read to find the delimiter and the header row.
_HEAD_BYTES = 1 << 20
# Bytes of worksheet XML fed to the parser at a time (as ElementTree.iterparse does: larger
# chunks leave more elements alive between reads and parse slower).
_XML_CHUNK = 16 << 10
# XML bytes one cell may take before it is known too long without decoding it: each
# character at most 6 bytes (``&quot;``), plus room for rich-text runs and attributes.
_XML_BYTES_PER_CHAR = 8
_XML_SLACK = 1 << 16
# A worksheet's XML beyond this many bytes per cell allowed is refused unopened (cells
# written by Excel take 20 to 60 bytes).
_XML_BYTES_PER_CELL = 64
# Elements one worksheet row may hold: its cells and their values, formulas, text runs.
_ROW_ELEMENTS = 16 * EXCEL_MAX_COLUMNS

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: How many known columns a row's cells name (a header row names several).
Score = Callable[[Sequence[object]], int]


@dataclass(frozen=True)
class Limits:
    """What one file may hold; beyond any of these it is refused with a problem.

    Parameters
    ----------
    bytes : int
        File size, bytes.
    rows : int
        Lots: data rows below the header.
    cells : int
        Cells read (rows times the columns read), and cell elements a worksheet holds.
    text : int
        Characters of text a workbook or Parquet file may decode to (a CSV's text is its
        bytes).
    columns : int
        Columns of the header.
    cell_chars : int
        Characters in one cell.
    """

    bytes: int = MAX_FILE_BYTES
    rows: int = MAX_ROWS
    cells: int = MAX_CELLS
    text: int = MAX_TEXT_CHARS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS


class Unreadable(Exception):
    """The file cannot be read at all: one file-level problem, its message the argument."""


@dataclass
class Table:
    """Raw cells as read: ``headers`` as written, ``data`` with columns 0..n-1.

    ``rows`` gives each data row's spreadsheet row number; ``overlong`` maps the row number of
    a CSV row with more cells than the header to its cell count. ``header_row`` is the
    header's row number; ``uncached`` holds the (row number, column index) of XLSX formula
    cells saved without a value. ``text`` is the UTF-8 text a CSV's cells were read from
    (the file itself, not copied): one search of it can rule a word out of every cell.
    """

    headers: list[str]
    data: pd.DataFrame
    rows: np.ndarray
    overlong: dict[int, int] = field(default_factory=dict)
    header_row: int = 1
    uncached: frozenset[tuple[int, int]] = frozenset()
    text: bytes | None = None


# --------------------------------------------------------------------------------------
# Messages


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def _too_large(size: int | None, max_bytes: int) -> Unreadable:
    what = "the file is larger than" if size is None else f"the file is {_size(size)}, above"
    text = f"{what} the limit of {_size(max_bytes)}; split it, or save it as Parquet"
    if size is None:
        return Unreadable(Text(text, "problem.too_large_unknown", limit=_size(max_bytes)))
    return Unreadable(Text(text, "problem.too_large", size=_size(size), limit=_size(max_bytes)))


def _too_many_rows(rows: int | None, max_rows: int, about: bool = False) -> Unreadable:
    count = f"more than {max_rows:,}" if rows is None else f"{'about ' if about else ''}{rows:,}"
    code = "problem.too_many_rows" + ("_unknown" if rows is None else "_about" if about else "")
    return Unreadable(
        Text(
            f"the file has {count} rows of lots, above the limit of {max_rows:,}; split it",
            code,
            rows=rows,
            limit=max_rows,
        )
    )


def _too_many_columns(limit: int) -> Unreadable:
    return Unreadable(
        Text(
            f"the header has more than {limit:,} columns; keep the columns the model uses",
            "problem.too_many_columns",
            limit=limit,
        )
    )


def _too_many_cells(limit: int) -> Unreadable:
    return Unreadable(
        Text(
            f"the file holds more than {limit:,} cells (rows times columns); keep the columns "
            "the model uses, or split the file",
            "problem.too_many_cells",
            limit=limit,
        )
    )


def _too_much_text(limit: int) -> Unreadable:
    return Unreadable(
        Text(
            f"the file's cells hold more than {limit:,} characters of text once unpacked; "
            "split the file, or shorten its text columns",
            "problem.too_much_text",
            limit=limit,
        )
    )


def _empty() -> Unreadable:
    return Unreadable(Text("the file is empty", "problem.empty"))


def _cell_too_long(file: str, row: int, column: str, length: int, limit: int) -> Problem:
    text = Text(
        f"the cell holds {length:,} characters, above the limit of {limit:,}",
        "problem.cell_too_long",
        length=length,
        limit=limit,
    )
    return Problem(file, text, row=row, column=column)


def _long_cells_error(
    file: str, found: Sequence[tuple[int, int, int]], headers: Sequence[str], limit: int
) -> InputError:
    """The error of cells too long (see :func:`_long_cell_problems`)."""
    return InputError(_long_cell_problems(file, found, headers, limit))


def _long_cell_problems(
    file: str, found: Sequence[tuple[int, int, int]], headers: Sequence[str], limit: int
) -> list[Problem]:
    """The problems of cells too long: ``found`` holds (row, column index, length).

    The first :data:`MAX_LISTED_CELLS` are listed, each naming its row and its column by the
    header as written (or the column's letter when the header is blank or itself too long);
    one more line says how many more there are.
    """
    ordered = sorted(found, key=lambda f: (f[0], f[1]))

    def name(index: int) -> str:
        header = headers[index] if index < len(headers) else ""
        return header if header and len(header) <= limit else column_letter(index)

    problems = [
        _cell_too_long(file, row, name(index), length, limit)
        for row, index, length in ordered[:MAX_LISTED_CELLS]
    ]
    more = len(ordered) - MAX_LISTED_CELLS
    if more > 0:
        problems.append(
            Problem(
                file,
                Text(
                    f"{more:,} more cells hold more than {limit:,} characters",
                    "problem.cells_too_long_more",
                    count=more,
                    limit=limit,
                ),
            )
        )
    return problems


def _stray_problems(
    file: str, found: Sequence[tuple[int, int]], count: int, width: int
) -> list[Problem]:
    """Problems of values past the header's last column: ``count`` rows have one.

    ``found`` holds (row, 0-based column) of the first of them.

    The first :data:`MAX_LISTED_CELLS` rows are listed, naming the stray cell's column by its
    letter; one more line says how many more rows have one.
    """
    last = column_letter(width - 1)
    problems = [
        Problem(
            file,
            Text(
                f"the row has a value in column {column_letter(index)}, past the header's "
                f"last column {last}",
                "problem.past_header",
                letter=column_letter(index),
                last=last,
            ),
            row=row,
            column=column_letter(index),
        )
        for row, index in found[:MAX_LISTED_CELLS]
    ]
    more = count - len(problems)
    if more > 0:
        problems.append(
            Problem(
                file,
                Text(
                    f"{more:,} more rows have values past the header's last column {last}",
                    "problem.past_header_more",
                    count=more,
                    last=last,
                ),
            )
        )
    return problems


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    """Return the 0-based index of a spreadsheet column letter (A -> 0, AA -> 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


# --------------------------------------------------------------------------------------
# Bytes


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder", "directory"),
    (stat.S_ISFIFO, "a pipe (FIFO)", "pipe"),
    (stat.S_ISCHR, "a device", "device"),
    (stat.S_ISBLK, "a device", "device"),
    (stat.S_ISSOCK, "a socket", "socket"),
)


def _not_regular(mode: int) -> Unreadable | None:
    """The problem of a path that is not a regular file, from its ``st_mode``; else None."""
    if stat.S_ISREG(mode):
        return None
    english, code = "not a regular file", "other"
    for test, words, name in _FILE_KINDS:
        if test(mode):
            english, code = words, name
            break
    kind = Text(english, f"file_kind.{code}")
    return Unreadable(
        Text(
            f"the path names {kind}, not a file; give the inventory file itself",
            "problem.not_regular_file",
            kind=kind,
        )
    )


def _cannot_read(exc: OSError) -> Unreadable:
    detail = exc.strerror or exc
    return Unreadable(
        Text(f"cannot read the file: {detail}", "problem.cannot_read", detail=str(detail))
    )


def read_source(source: str | os.PathLike[str] | bytes | BinaryIO, max_bytes: int) -> bytes:
    """Return a file's bytes, at most ``max_bytes`` of them.

    Parameters
    ----------
    source : str, path-like, bytes or binary file object
        A path, the content itself, or an open file (an upload).
    max_bytes : int
        Largest size accepted, bytes.

    Raises
    ------
    Unreadable
        A path that is not a regular file (a folder, a pipe, a device, a socket): refused
        before it is opened (``os.stat``), and again once opened (``os.fstat``, without
        blocking on a pipe), so that a path swapped in between changes nothing; a file
        larger than ``max_bytes`` (by its size, and by reading one byte more than the limit,
        for a file that grows while read); a file that cannot be read.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > max_bytes:
            raise _too_large(len(source), max_bytes)
        return bytes(source)
    try:
        if isinstance(source, str | os.PathLike):
            return _read_path(os.fspath(source), max_bytes)
        return _read_limited(source, max_bytes)
    except OSError as exc:
        raise _cannot_read(exc) from exc


def _read_limited(handle: BinaryIO, max_bytes: int, expected: int = 0) -> bytes:
    """Read a file object to its end, refusing it once it passes ``max_bytes``.

    Reads ``expected`` bytes (the size the file reports) and one more at once, then in
    chunks: asking for ``max_bytes + 1`` at once would make Python set aside that much
    memory for the answer, whatever the file's size.
    """
    parts: list[bytes | str] = []
    total = 0
    size = min(expected, max_bytes) + 1
    while part := handle.read(size):
        parts.append(part)
        total += len(part)
        if total > max_bytes:
            raise _too_large(None, max_bytes)
        size = min(_READ_CHUNK, max_bytes + 1 - total)
    if parts and isinstance(parts[0], str):
        # A text-mode file object still holds the user's text; take it as UTF-8.
        return "".join(map(str, parts)).encode("utf-8")
    return b"".join(map(bytes, parts))  # one part is returned as it is, not copied


def _read_path(path: str, max_bytes: int) -> bytes:
    # Refused before opening: opening a pipe blocks until a writer comes, and a device such
    # as /dev/zero reports size 0 and never ends.
    if (problem := _not_regular(os.stat(path).st_mode)) is not None:
        raise problem
    # O_NONBLOCK: should a pipe replace the file between the stat and the open, opening it
    # does not wait for a writer; fstat then refuses it.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(handle.fileno())
        if (problem := _not_regular(status.st_mode)) is not None:
            raise problem
        if status.st_size > max_bytes:
            raise _too_large(status.st_size, max_bytes)
        return _read_limited(handle, max_bytes, status.st_size)


def count_lines(data: bytes) -> int:
    r"""Lines of a text, ending in ``\n``, ``\r\n`` or a lone ``\r`` (a last one without).

    Counts line endings byte-wise, so it also counts ones inside quoted values: an upper
    bound of the records, cheap enough to run before the file is parsed.
    """
    if not data:
        return 0
    breaks = data.count(b"\n")
    if data.find(b"\r") >= 0:
        breaks += data.count(b"\r") - data.count(b"\r\n")
    return breaks + (data[-1:] not in (b"\n", b"\r"))


# --------------------------------------------------------------------------------------
# Tables


def read_table(data: bytes, file: str, limits: Limits, score: Score) -> Table:
    """Read the cells of a CSV, XLSX or Parquet file (told by ``file``'s suffix), within limits.

    Parameters
    ----------
    data : bytes
        The file's content.
    file : str
        The file's name: its suffix tells the format, and it names the file in problems.
    limits : Limits
    score : callable
        How many known columns a row's cells name: finds the header row, and the Parquet
        columns worth decoding (those whose name scores).

    Raises
    ------
    Unreadable
        A file-level problem.
    InputError
        Cells too long, each naming its row and column.
    """
    suffix = Path(file).suffix.lower()
    kind = _SUFFIXES.get(suffix)
    if kind is None:
        hint = " (old binary Excel: save it as .xlsx)" if suffix == ".xls" else ""
        raise Unreadable(
            Text(
                f"unknown file type {suffix or '(no suffix)'!r}{hint}; "
                "use .csv, .txt, .xlsx, .xlsm, .parquet or .pq",
                "problem.unknown_type_xls" if hint else "problem.unknown_type",
                suffix=suffix,
            )
        )
    if not data or data.isspace():
        raise _empty()
    if kind == "csv":
        return _read_csv(data, file, limits, score)
    if kind == "excel":
        return _read_excel(data, file, limits, score)
    return _read_parquet(data, file, limits, score)


def find_header(records: Sequence[Sequence[object]], score: Score) -> tuple[int, int]:
    """Return the index of the header row among the first records, and its score.

    The header is the first of the first :data:`HEADER_SCAN_ROWS` rows naming the most
    columns, when it names at least two; else row 1 (index 0).
    """
    best, where = 0, 0
    for index, record in enumerate(records[:HEADER_SCAN_ROWS]):
        found = score(record)
        if found > best:
            best, where = found, index
    return (where, best) if best >= 2 else (0, best)


# --------------------------------------------------------------------------------------
# CSV


class _NotUtf8(Exception):
    """The text is not UTF-8: read it again as GB18030."""


def _read_csv(data: bytes, file: str, limits: Limits, score: Score) -> Table:
    """Read a CSV: UTF-8 (with or without BOM) as it is, UTF-16 and GB18030 transcoded.

    UTF-8 is checked by Arrow while it parses (a head is decoded here to find the header),
    so the usual file is never decoded in Python; GBK files are almost never valid UTF-8, so
    trying UTF-8 first is safe.
    """
    if data.startswith(_UTF16_BOMS):
        return _read_csv_utf8(_transcode(data, "utf-16"), file, limits, score)
    try:
        return _read_csv_utf8(data, file, limits, score)
    except _NotUtf8:
        return _read_csv_utf8(_transcode(data, "gb18030"), file, limits, score)


def _transcode(data: bytes, encoding: str) -> bytes:
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(
            Text(
                "the text is neither UTF-8 nor GB18030/GBK; save it as CSV UTF-8",
                "problem.encoding",
            )
        ) from None


def _head(data: bytes, start: int) -> str:
    """The first :data:`_HEAD_BYTES` of a UTF-8 text (a character cut at the end left out).

    Raises
    ------
    _NotUtf8
        The head is not UTF-8.
    Unreadable
        The whole text is blank.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    end = start + _HEAD_BYTES
    try:
        text = decoder.decode(data[start:end], final=len(data) <= end)
        # A head of blank lines: the whole text tells whether the file is empty.
        if not text.strip() and (len(data) <= end or not data[start:].decode("utf-8").strip()):
            raise _empty()
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    return text


def _csv_layout(head: str, score: Score) -> tuple[str, int, int]:
    """Find the delimiter, the header record's index and the characters before it.

    The first :data:`HEADER_SCAN_ROWS` lines are read with each delimiter (comma, tab,
    semicolon); the one whose best row names the most columns wins. Without any header found,
    the delimiter is the one the first line uses most and the header is row 1.
    """
    lines = io.StringIO(head, newline="").readlines()[: HEADER_SCAN_ROWS + 1]
    sample = "".join(lines)
    best: tuple[int, int, str] | None = None
    for sep in (",", "\t", ";"):
        records = []
        try:
            for record in csv.reader(io.StringIO(sample, newline=""), delimiter=sep):
                records.append(record)
        except csv.Error:
            pass  # a quoted value cut at the end of the sample: the rows before it count
        index, found = find_header(records, score)
        if found >= 2 and (best is None or found > best[0]):
            best = (found, index, sep)
    if best is None or best[1] == 0:
        first_line = re.split(r"\r\n|\r|\n", head, maxsplit=1)[0]
        sep = best[2] if best is not None else max((",", "\t", ";"), key=first_line.count)
        return sep, 0, 0
    _, index, sep = best
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=sep)
    for _ in range(index):
        next(reader)
    return sep, index, len("".join(lines[: reader.line_num]))


def _read_csv_utf8(data: bytes, file: str, limits: Limits, score: Score) -> Table:
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    head = _head(data, start)
    sep, skipped, offset = _csv_layout(head, score)
    # The title block above the header is not read; rows keep their spreadsheet numbers.
    start += len(head[:offset].encode("utf-8"))
    first_line = re.split(r"\r\n|\r|\n", head[offset:], maxsplit=1)[0]
    try:
        width = len(next(csv.reader([first_line], delimiter=sep), [""]))
    except csv.Error as exc:
        raise Unreadable(
            Text(f"cannot read the header row: {exc}", "problem.header_unreadable", detail=str(exc))
        ) from exc
    if width > limits.columns:
        raise _too_many_columns(limits.columns)
    # Every line ending counts, a lone CR too: a CR-only file has as many rows as it shows.
    records = count_lines(data) - skipped
    if records - 1 > limits.rows:
        raise _too_many_rows(records - 1, limits.rows, about=True)
    if records * width > limits.cells:
        raise _too_many_cells(limits.cells)
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(start)),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep,
                # A line break inside a value needs quotes around it: without a quote in the
                # file, Arrow may split the text into blocks at any line and parse them in
                # parallel (nearly twice as fast).
                newlines_in_values=data.find(b'"', start) >= 0,
                # Blank lines are spreadsheet rows too: keeping them keeps row numbers right.
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                # Every cell as text, so that validation sees what the user wrote; Arrow
                # checks that the text is UTF-8 as it goes.
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _NotUtf8 from None
        # A row with more or fewer cells than the header: the csv module copes with those.
        try:
            text = data[start:].decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        # Each cell costs a separator or a line ending: a bound of the cells, before parsing.
        if data.count(sep.encode()) + records > limits.cells:
            raise _too_many_cells(limits.cells) from None
        return _read_csv_ragged(text, file, sep, skipped, limits)
    headers = [str(table.column(i)[0]) for i in range(table.num_columns)]
    _check_csv_cells(table, file, headers, skipped, limits)
    body = table.slice(1)
    data_frame = pd.DataFrame(
        {i: body.column(i).to_pandas() for i in range(body.num_columns)}, copy=False
    )
    rows = np.arange(skipped + 2, skipped + table.num_rows + 1, dtype=np.int64)
    return Table(headers, data_frame, rows, header_row=skipped + 1, text=data)


def _check_csv_cells(
    table: pa.Table, file: str, headers: Sequence[str], skipped: int, limits: Limits
) -> None:
    """Raise the problems of cells longer than the limit (header row included), vectorised."""
    found: list[tuple[int, int, int]] = []
    for index, column in enumerate(table.columns):
        # Bytes bound characters from above: most columns are cleared by their offsets alone.
        longest = pc.max(pc.binary_length(column)).as_py()
        if longest is None or longest <= limits.cell_chars:
            continue
        lengths = pc.utf8_length(column)
        flags = pc.greater(lengths, limits.cell_chars).to_numpy(zero_copy_only=False)
        long = np.flatnonzero(flags)
        counts = lengths.take(pa.array(long)).to_pylist()
        found += [(skipped + 1 + int(p), index, n) for p, n in zip(long, counts, strict=True)]
    if found:
        raise _long_cells_error(file, found, headers, limits.cell_chars)


def _read_csv_ragged(text: str, file: str, sep: str, skipped: int, limits: Limits) -> Table:
    """Read a CSV whose rows have more or fewer cells than the header, row by row.

    A short row is padded; a long one is cut to the header's width and recorded (a cell past
    the header is a problem); a cell too long is recorded by row and column.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    limit = limits.cell_chars
    long: list[tuple[int, int, int]] = []
    overlong: dict[int, int] = {}
    cells: list[list[str]] = []
    try:
        headers = next(reader, [""])
        width = len(headers)
        long += [(skipped + 1, i, len(c)) for i, c in enumerate(headers) if len(c) > limit]
        for number, record in enumerate(reader, start=skipped + 2):
            if len(record) > width and any(record[width:]):
                overlong[number] = len(record)
            row = record[:width] + [""] * (width - len(record))
            long += [(number, i, len(c)) for i, c in enumerate(row) if len(c) > limit]
            cells.append(row)
    except csv.Error as exc:
        raise Unreadable(
            Text(f"cannot read the file as CSV: {exc}", "problem.csv_unreadable", detail=str(exc))
        ) from exc
    if long:
        raise _long_cells_error(file, long, headers, limit)
    data_frame = pd.DataFrame(cells, columns=range(width), dtype="str")
    rows = np.arange(skipped + 2, skipped + len(cells) + 2, dtype=np.int64)
    return Table(headers, data_frame, rows, overlong, header_row=skipped + 1, text=text.encode())


# --------------------------------------------------------------------------------------
# Excel


#: Parts a workbook may hold: a real one has a few dozen (sheets, styles, themes, pictures).
MAX_WORKBOOK_PARTS = 10_000


def zip_entries(data: bytes) -> int | None:
    """The number of parts a zip's end record declares, read before its directory is.

    Python's zip reader builds an object per part of the directory it reads: a small file
    can declare millions. None when there is no end record (left to the reader to refuse).
    """
    tail = data[-(0xFFFF + 22) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    if entries != 0xFFFF:
        return entries
    # Zip64: the count is in the zip64 end record, which its locator points to.
    locator = tail.rfind(b"PK\x06\x07", 0, at)
    if locator < 0 or locator + 16 > len(tail):
        return None
    offset = int.from_bytes(tail[locator + 8 : locator + 16], "little")
    record = data[offset : offset + 56]
    if len(record) < 40 or record[:4] != b"PK\x06\x06":
        return None
    return int.from_bytes(record[32:40], "little")


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose parts unpack to more than the limits allow, before unpacking.

    Each part's size as the zip directory declares it bounds what is read of it (Python's
    zip reader stops there). A worksheet may take :data:`_XML_BYTES_PER_CELL` bytes per cell
    allowed; every other XML part (shared strings, styles, the workbook), which openpyxl
    reads whole, twice the text allowed; each 64 KiB more for the XML around the cells. A
    file that is no zip is left to openpyxl to say so. Before any of it, the number of
    parts is read from the zip's end record (:func:`zip_entries`).
    """
    entries = zip_entries(data)
    if entries is not None and entries > MAX_WORKBOOK_PARTS:
        raise Unreadable(
            Text(
                f"the workbook declares {entries:,} parts; a workbook has a few dozen (at most "
                f"{MAX_WORKBOOK_PARTS:,} are read)",
                "problem.xlsx_too_many_parts",
                parts=f"{entries:,}",
                limit=f"{MAX_WORKBOOK_PARTS:,}",
            )
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    for part in parts:
        name = part.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            limit = _XML_BYTES_PER_CELL * limits.cells + _XML_SLACK
        elif name.endswith((".xml", ".rels", ".vml")):
            limit = 2 * limits.text + _XML_SLACK
        else:
            continue  # pictures and other parts openpyxl does not read
        if part.file_size > limit:
            raise Unreadable(
                Text(
                    f"the workbook's part {name} unpacks to {_size(part.file_size)}, above the "
                    f"limit of {_size(limit)}",
                    "problem.xlsx_part_too_large",
                    part=name,
                    size=_size(part.file_size),
                    limit=_size(limit),
                )
            )


def _read_excel(data: bytes, file: str, limits: Limits, score: Score) -> Table:
    """Read the first worksheet, streaming its XML: only cells up to the header's last column.

    The header is looked for in the first :data:`HEADER_SCAN_ROWS` rows (read up to column
    ``limits.columns + 1``); below it, rows are cut to the header's width and blank rows are
    skipped (the others keep their row numbers), and every cell kept is counted against the
    limits as it comes. The sheet's declared dimension is not used: it may be wrong or
    hostile. Formula cells are read by the value saved with them.
    """
    import openpyxl

    _check_archive(data, limits)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it skips (data validation, styles) and about
            # dates it cannot show: not the user's concern when only cell values are read.
            warnings.simplefilter("ignore", UserWarning)
            # data_only: a formula cell gives the value the spreadsheet program saved with it.
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                if not book.worksheets:
                    raise Unreadable(Text("the workbook has no worksheet", "problem.no_worksheet"))
                return _read_sheet(book, book.worksheets[0], file, limits, score)
            finally:
                book.close()
    except (Unreadable, InputError):
        raise
    except Exception as exc:
        # A corrupt upload can fail anywhere inside zipfile, XML parsing or openpyxl.
        raise Unreadable(
            Text(
                f"cannot read the file as an Excel workbook: {exc}",
                "problem.excel_unreadable",
                detail=str(exc),
            )
        ) from exc


class _SheetRow(NamedTuple):
    """One worksheet row as read: its number, values, uncached formulas and a stray cell.

    ``values`` ends at the row's last cell read; ``formulas`` holds the 0-based columns of
    formula cells saved without a value; ``stray`` is the 1-based column of the last cell
    with a value past the columns read (0 when there is none).
    """

    number: int
    values: list[object]
    formulas: frozenset[int]
    stray: int


def _read_sheet(book: object, sheet: object, file: str, limits: Limits, score: Score) -> Table:
    limit = limits.cell_chars
    headers: list[str] = []
    long: list[tuple[int, int, int]] = []
    strays: list[tuple[int, int]] = []
    stray_rows = 0
    rows = _sheet_rows(book, sheet, limits.columns + 1, limits)
    # The title block and the header: the first rows, read to the column limit.
    scanned: list[_SheetRow] = []
    more = False
    for item in rows:
        if item.number > HEADER_SCAN_ROWS + 1:
            rows, more = itertools.chain([item], rows), True
            break
        scanned.append(item)
    by_number = {item.number: item.values for item in scanned}
    top = [by_number.get(n, []) for n in range(1, HEADER_SCAN_ROWS + 2)]
    while top and _is_blank_row(top[-1]):
        top.pop()
    if not top and not more:
        raise Unreadable(Text("the first worksheet is empty", "problem.sheet_empty"))
    skipped, _ = find_header(top, score)
    header_row = skipped + 1
    header = top[skipped] if skipped < len(top) else []
    # The header's last filled cell ends the table: cells past it (a stray value in
    # column XFD) are neither padded nor kept.
    width = _last_filled(header) or max((_last_filled(r) for r in top), default=0)
    if width > limits.columns:
        raise _too_many_columns(limits.columns)
    width = max(width, 1)
    headers = [header_text(v) for v in header[:width]]
    headers += [""] * (width - len(headers))
    long += [(header_row, i, len(h)) for i, h in enumerate(headers) if len(h) > limit]

    text = 0
    numbers: list[int] = []
    records: list[list[object]] = []
    uncached: set[tuple[int, int]] = set()
    for number, cells, formulas, stray in itertools.chain(scanned, rows) if more else scanned:
        if number <= header_row:
            continue
        values = cells[:width]
        # A value past the header's last column is no cell of the table: said, as a
        # CSV row longer than its header is, and not kept.
        past = _last_filled(cells[width:])
        if (past or stray) and len(strays) <= MAX_LISTED_CELLS:
            strays.append((number, width + past - 1 if past else stray - 1))
        stray_rows += bool(past or stray)
        if _is_blank_row(values):
            continue
        if len(records) >= limits.rows:
            raise _too_many_rows(None, limits.rows)
        if (len(records) + 1) * width > limits.cells:
            raise _too_many_cells(limits.cells)
        for index, value in enumerate(values):
            if isinstance(value, str):
                text += len(value)
                if len(value) > limit:
                    long.append((number, index, len(value)))
        if text > limits.text:
            if long:
                break  # the cells too long say enough
            raise _too_much_text(limits.text)
        uncached.update((number, c) for c in formulas if c < width)
        numbers.append(number)
        records.append(values + [None] * (width - len(values)))
    if long or strays:
        problems = _long_cell_problems(file, long, headers, limit)
        raise InputError(problems + _stray_problems(file, strays, stray_rows, len(headers)))
    if records:
        data_frame = pd.DataFrame(records, columns=range(width), dtype=object)
    else:
        data_frame = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return Table(
        headers,
        data_frame,
        np.asarray(numbers, dtype=np.int64),
        header_row=header_row,
        uncached=frozenset(uncached),
    )


def _is_blank_row(values: Sequence[object]) -> bool:
    return all(is_blank_scalar(v) for v in values)


def _last_filled(values: Sequence[object]) -> int:
    """One past the index of the last non-blank value (0 when all are blank)."""
    for index in range(len(values) - 1, -1, -1):
        if not is_blank_scalar(values[index]):
            return index + 1
    return 0


def _sheet_rows(book: Any, sheet: Any, max_col: int, limits: Limits) -> Iterator[_SheetRow]:
    """Yield each row element of a worksheet, read up to column ``max_col``.

    The XML is fed to the parser in chunks and each row let go once read, so memory holds
    one row at a time; cells past ``max_col`` are looked at (a stray value) but not decoded.
    Only end events are asked for, as openpyxl does: half the events of start and end.

    Raises
    ------
    Unreadable
        A row of more elements than a worksheet row can hold, more cell elements than
        ``limits.cells``, a row past Excel's last, or a cell or other element whose XML
        outgrows what a cell of ``limits.cell_chars`` characters takes.
    """
    from openpyxl.worksheet._reader import CELL_TAG, DATA_TAG, ROW_TAG

    decode = _CellDecoder(book, sheet)
    parser = XMLPullParser(events=("end",))
    row_number = elements = cells = 0
    quiet = 0  # bytes fed since the parser last reported an element
    quiet_limit = _XML_BYTES_PER_CHAR * limits.cell_chars + _XML_SLACK
    with book._archive.open(sheet._worksheet_path) as stream:
        while chunk := stream.read(_XML_CHUNK):
            parser.feed(chunk)
            quiet += len(chunk)
            for _, element in parser.read_events():
                quiet = 0
                tag = element.tag
                if tag == ROW_TAG:
                    number = element.get("r")
                    previous, row_number = row_number, int(number) if number else row_number + 1
                    if row_number > EXCEL_MAX_ROWS:
                        raise _rows_beyond_excel()
                    if row_number <= previous:
                        # Excel writes rows in order, once each; openpyxl would drop this one.
                        raise _rows_out_of_order(row_number, previous)
                    yield _decode_row(decode, element, row_number, max_col)
                    # Let the row's cells go; the emptied row stays under sheetData, a few
                    # dozen bytes each (as in openpyxl's own reader).
                    element.clear()
                    elements = 0
                    continue
                if tag == DATA_TAG:
                    return
                # Elements of the row being read (its cells, their values and text runs),
                # or before the sheet data: a row holds at most so many.
                elements += 1
                if elements > _ROW_ELEMENTS:
                    raise _row_too_wide(row_number + 1)
                if tag == CELL_TAG:
                    cells += 1
                    if cells > limits.cells:
                        raise _too_many_cells(limits.cells)
            if quiet > quiet_limit:
                raise Unreadable(
                    Text(
                        f"past row {row_number:,}, the worksheet holds a cell or element larger "
                        f"than {_size(quiet_limit)} (a cell may hold {limits.cell_chars:,} "
                        "characters)",
                        "problem.sheet_element_too_large",
                        row=row_number,
                        limit=_size(quiet_limit),
                        chars=limits.cell_chars,
                    )
                )
        parser.close()


def _row_too_wide(row: int) -> Unreadable:
    return Unreadable(
        Text(
            f"row {row:,} of the worksheet holds more cells than a sheet has columns "
            f"({EXCEL_MAX_COLUMNS:,})",
            "problem.sheet_row_too_wide",
            row=row,
            limit=EXCEL_MAX_COLUMNS,
        )
    )


def _rows_out_of_order(row: int, previous: int) -> Unreadable:
    return Unreadable(
        Text(
            f"the worksheet's row {row:,} comes after its row {previous:,}: rows out of order or "
            "repeated; open the file in Excel or WPS and save it again",
            "problem.sheet_rows_out_of_order",
            row=row,
            previous=previous,
        )
    )


def _rows_beyond_excel() -> Unreadable:
    return Unreadable(
        Text(
            f"the worksheet has rows past row {EXCEL_MAX_ROWS:,}, the last an Excel sheet has",
            "problem.sheet_rows_beyond_excel",
            limit=EXCEL_MAX_ROWS,
        )
    )


class _CellDecoder:
    """A worksheet cell element's value, as openpyxl gives it (``data_only``).

    Shared strings and plain numbers, nearly every cell of a stock list, are decoded here;
    dates (a number with a date style), inline strings, ISO dates and the rest go to
    openpyxl's own decoder, so that values are exactly those of its reader.
    """

    def __init__(self, book: Any, sheet: Any):
        from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

        self.value_tag = VALUE_TAG
        self.shared = sheet._shared_strings
        self.dates = book._date_formats
        self.openpyxl = WorkSheetParser(
            None,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )

    def __call__(self, cell: Element, row: int, column: int) -> object:
        kind = cell.get("t", "n")
        if kind == "s":
            text = cell.findtext(self.value_tag)
            return self.shared[int(text)] if text else None
        if kind == "n" and (not self.dates or int(cell.get("s", 0) or 0) not in self.dates):
            text = cell.findtext(self.value_tag)
            if not text:
                return None
            if "." in text or "E" in text or "e" in text:
                return float(text)
            return int(text)
        if kind == "b":
            text = cell.findtext(self.value_tag)
            return bool(int(text)) if text else None
        parser = self.openpyxl
        parser.row_counter, parser.col_counter = row, column - 1  # for a cell without "r"
        return parser.parse_cell(cell)["value"]


def _decode_row(decode: _CellDecoder, row: Element, number: int, max_col: int) -> _SheetRow:
    """The values of one row element's cells up to ``max_col``, and its uncached formulas."""
    from openpyxl.worksheet._reader import CELL_TAG, FORMULA_TAG, INLINE_STRING, VALUE_TAG

    values: list[object] = []
    formulas: set[int] = set()
    column = stray = 0
    for cell in row:
        if cell.tag != CELL_TAG:
            continue
        ref = cell.get("r")
        column = _cell_column(ref) if ref else column + 1
        if column > max_col:
            # Not decoded, only seen: a value (or inline text) there is a stray cell.
            if (cell.findtext(VALUE_TAG) or "").strip() or cell.find(INLINE_STRING) is not None:
                stray = column
            continue
        value = decode(cell, number, column)
        if column - 1 < len(values):
            values[column - 1] = value  # a cell out of order or repeated: the last wins
        else:
            values.extend([None] * (column - 1 - len(values)))
            values.append(value)
        # A formula saved without its value (by a program that cannot compute, such as
        # openpyxl): <c><f>SUM(D4:D6)</f></c>, or with an empty <v/>.
        if (
            value is None
            and cell.find(FORMULA_TAG) is not None
            and not (cell.findtext(VALUE_TAG) or "").strip()
        ):
            formulas.add(column - 1)
    return _SheetRow(number, values, frozenset(formulas), stray)


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
# Column letters seen -> 1-based column: a sheet has at most 16,384 columns.
_COLUMN_OF: dict[str, int] = {}


def _cell_column(ref: str) -> int:
    """The 1-based column of a cell reference such as ``B7``."""
    letters = ref.rstrip("0123456789")
    column = _COLUMN_OF.get(letters)
    if column is None:
        match = _CELL_REF.fullmatch(ref)
        if match is None:
            raise ValueError(f"{ref!r} is not a cell reference")
        column = _column_index(match.group(1).upper()) + 1
        if len(_COLUMN_OF) < 4 * EXCEL_MAX_COLUMNS:
            _COLUMN_OF[letters] = column
    return column


# --------------------------------------------------------------------------------------
# Parquet


def _parquet_unreadable(exc: Exception) -> Unreadable:
    return Unreadable(
        Text(
            f"cannot read the file as Parquet: {exc}",
            "problem.parquet_unreadable",
            detail=str(exc),
        )
    )


def _leaves(kind: pa.DataType) -> int:
    """How many leaf (Parquet) columns a field of this type is stored as."""
    if pa.types.is_struct(kind):
        return sum(_leaves(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_map(kind):
        return _leaves(kind.key_type) + _leaves(kind.item_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _leaves(kind.value_type)
    return 1


def _is_text(kind: pa.DataType) -> bool:
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _read_parquet(data: bytes, file: str, limits: Limits, score: Score) -> Table:
    """Read the columns the model uses (by header) of a Parquet file, within the limits.

    The footer is read first: rows, columns, the values each column chunk holds and its
    size once decompressed are checked before any page is. Text columns are then read as
    dictionaries (each distinct value once, a small index per row), so that a long value
    repeated over many rows is measured (per cell and in total) before it is expanded.
    """
    source = pa.BufferReader(pa.py_buffer(data))
    try:
        footer = pq.ParquetFile(source)
        metadata, schema = footer.metadata, footer.schema_arrow
        row_groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
        rows = sum(group.num_rows for group in row_groups)
    except Exception as exc:
        # pyarrow raises several unrelated types (ArrowInvalid, OSError, ...) for bad files.
        raise _parquet_unreadable(exc) from exc
    names = [str(n) for n in schema.names]
    if rows > limits.rows:
        raise _too_many_rows(rows, limits.rows)
    if not names:
        raise Unreadable(Text("the file has no columns", "problem.no_columns"))
    if len(names) > limits.columns:
        raise _too_many_columns(limits.columns)
    # A columnar file lets us read only the columns the model uses (by header); the others
    # are never decoded. Positions stay those of the file, so messages name them right.
    used = [i for i, n in enumerate(names) if score([n])]
    if len({names[i] for i in used}) < len(used):
        used = list(range(len(names)))  # repeated names cannot be selected by name
    kinds = {i: schema.field(i).type for i in used}
    nested = [i for i in used if _leaves(kinds[i]) != 1 or pa.types.is_nested(kinds[i])]
    if nested:
        raise InputError(
            [
                Problem(
                    file,
                    Text(
                        "the column holds lists or records, not one value a cell",
                        "problem.parquet_nested",
                    ),
                    column=names[i],
                )
                for i in nested
            ]
        )
    _check_parquet_footer(schema, row_groups, used, limits)
    text_columns = [names[i] for i in used if _is_text(kinds[i])]
    try:
        reader = pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)), read_dictionary=text_columns)
        table = reader.read(columns=[names[i] for i in used])
    except Exception as exc:
        raise _parquet_unreadable(exc) from exc
    _check_parquet_text(table, file, [names[i] for i in used], limits)
    frame = {}
    for i, j in zip(used, range(table.num_columns), strict=True):
        column = table.column(j)
        if pa.types.is_dictionary(column.type):
            # Measured and within the limits: expanded to plain text, as pandas' Arrow
            # strings read fastest downstream.
            column = column.cast(column.type.value_type)
        column = column.to_pandas()
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        frame[i] = column.reset_index(drop=True)
    data_frame = pd.DataFrame(frame, index=pd.RangeIndex(rows), copy=False)
    return Table(names, data_frame, np.arange(2, rows + 2, dtype=np.int64))


def _check_parquet_footer(
    schema: pa.Schema, row_groups: Sequence[Any], used: Sequence[int], limits: Limits
) -> None:
    """Refuse, from the footer alone, columns that hold or unpack to more than allowed.

    The values of the columns read count as cells; a text column's pages, once
    decompressed, hold its text with a few bytes a value (a length, a dictionary index), so
    more than ``limits.text`` plus eight bytes a value is more text than allowed.
    """
    first_leaf = np.concatenate([[0], np.cumsum([_leaves(f.type) for f in schema])])
    values = text_bytes = 0
    for i in used:
        leaf = int(first_leaf[i])
        text = _is_text(schema.field(i).type)
        for group in row_groups:
            chunk = group.column(leaf)
            values += chunk.num_values
            if text:
                text_bytes += chunk.total_uncompressed_size
    if values > limits.cells:
        raise _too_many_cells(limits.cells)
    if text_bytes > limits.text + 8 * values:
        raise _too_much_text(limits.text)


def _check_parquet_text(table: pa.Table, file: str, headers: Sequence[str], limits: Limits) -> None:
    """Measure the text columns, still dictionary-encoded, before they are expanded.

    Each distinct value's length is taken once and spread over the rows by the indices, so
    a repeated long value costs its length once here however many rows hold it.
    """
    total = 0
    found: list[tuple[int, int, int]] = []
    for index, column in enumerate(table.columns):
        for chunk, offset in zip(column.chunks, _offsets(column), strict=True):
            if pa.types.is_dictionary(chunk.type):
                values = chunk.dictionary
                lengths = _char_lengths(values).take(chunk.indices)
            elif _is_text(chunk.type):
                lengths = _char_lengths(chunk)
            else:
                break
            total += pc.sum(lengths).as_py() or 0
            flags = pc.greater(lengths, limits.cell_chars).to_numpy(zero_copy_only=False)
            long = np.flatnonzero(flags)
            if len(long):
                counts = lengths.take(pa.array(long)).to_pylist()
                found += [
                    (offset + 2 + int(p), index, n) for p, n in zip(long, counts, strict=True)
                ]
    if found:
        raise _long_cells_error(file, found, headers, limits.cell_chars)
    if total > limits.text:
        raise _too_much_text(limits.text)


def _offsets(column: pa.ChunkedArray) -> list[int]:
    """The row position each chunk of a column starts at."""
    return [0, *np.cumsum([len(c) for c in column.chunks])[:-1].tolist()]


def _char_lengths(values: pa.Array) -> pa.Array:
    """Characters of each text value (bytes of a binary one); null stays null."""
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        return pc.binary_length(values)
    return pc.utf8_length(values)


# --------------------------------------------------------------------------------------
# Cells


def is_blank_scalar(value: object) -> bool:
    """A cell that holds nothing: None, NaN/NaT, or text of only whitespace."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        # pd.isna of an array-valued cell is an array: not blank.
        return False


def typed_text(value: object) -> str:
    """A typed cell (number, date, boolean) as the text a spreadsheet shows for it."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating) and np.isfinite(value) and value == int(value):
        # Excel stores every number as a float: SKU 10023 must not become "10023.0".
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    return str(value).strip()


def header_text(value: object) -> str:
    """A header cell's text ("" for a blank one)."""
    return "" if is_blank_scalar(value) else typed_text(value)
