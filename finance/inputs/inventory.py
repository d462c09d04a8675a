"""Read an inventory file into the canonical, validated lots table (docs/model.md section 1).

Accepted files
--------------
The format is told by the file name's suffix:

- ``.csv`` and ``.txt``: delimited text, comma, tab or semicolon (the one that splits a
  header row into the most known columns; without one, whichever the first line uses most).
  Encodings: UTF-8 with or without BOM, UTF-16 with BOM, and GB18030 (a superset of GBK and
  GB2312, which Chinese spreadsheet programs write). Every cell is read as text so that
  validation sees what the user wrote.
- ``.xlsx`` and ``.xlsm``: the first worksheet, via openpyxl. Numbers and dates may be real
  number/date cells or text.
- ``.parquet`` and ``.pq``: via pyarrow, with typed columns (a null or NaN is a blank cell);
  only the columns the model uses are read.

Real exports (Kingdee, Yonyou, SAP in Chinese) carry a title block above the header: a
report name, a report date, cells merged across the columns, blank rows. The header row is
the first of the first :data:`HEADER_SCAN_ROWS` rows that names the most known columns (at
least two); rows above it are not read, and rows keep their spreadsheet numbers (with a
three-row title block the first lot is row 5). Without any such row, row 1 is the header. A
header matches a column name after Unicode NFKC normalisation, stripping, case folding,
turning runs of spaces and hyphens into ``_``, and dropping a unit in parentheses
(``单价(元)``, ``库龄（天）``); Chinese aliases are in :data:`ALIASES`, as docs/model.md section 1
lists them. An item code (商品编码, 物料编码, 存货编码, 货号) is the ``sku``; an item name (品名,
物料名称, 商品名称, 存货名称) is the ``description``, never an identifier; a specification
column (规格型号, :data:`SPEC_HEADERS`) is appended to the description ("男士衬衫 XL").
Columns the model does not use (金额, the amount, among them) are ignored; rows with every
cell blank are dropped.

Totals and subtotal rows are not lots and are left out: a row with 合计, 总计 or 小计 in any
text cell (also "上海仓小计" or "合 计", but not "小计算器", a word that only begins so; and
``Total``/``Subtotal``/``Grand total`` as a whole cell), and a row whose ``sku`` is blank while
one of its numbers (quantity, unit cost, unit price, monthly sales) equals the sum of that
column over the rows above it, since the start or since the last total, to the cent (the
"sum" of a single lot only for a row without a category: one with a category is taken for
that lot's next batch missing its code, and reported). Their cells are not checked. How
many were left out is in ``attrs["totals_left_out"]`` and which rows in
``attrs["totals_rows"]``; ``attrs["header_row"]`` is the header's row number.

XLSX formula cells are read by the value the spreadsheet program saved with them (openpyxl
``data_only=True``). A formula saved without a value (written by a program that cannot
compute, such as openpyxl) in a lot's cell is a problem that says so, rather than a blank.

A lot is one row: the same ``sku`` may appear on several rows (batches in a ``batch`` column,
warehouses); two rows with the same ``sku``, ``batch`` and ``warehouse`` are a duplicate.

Accepted cell values
--------------------
Numbers
    Plain decimal numbers, also with full-width digits, a leading ``¥`` or ``￥`` and
    thousands separators in groups of three (``¥1,234.50``). NaN and infinities are rejected.
    ``quantity`` must be > 0; ``unit_cost``, ``unit_price``, ``age_days``, ``monthly_sales``,
    ``sigma`` and ``erosion`` must be >= 0. Each has a ceiling (:data:`LIMITS`): quantity,
    unit cost, unit price and monthly sales 1e12, ``age_days`` 36,500 (a century),
    ``sigma`` and ``erosion`` 5; and a lot's value, quantity times unit price (or unit
    cost), at most 1e15 (:data:`MAX_LOT_VALUE`), so that no product the engine forms
    overflows.
Dates
    ``YYYY-MM-DD`` (optionally followed by a time), ``YYYY/M/D``, ``YYYY.M.D``,
    ``YYYY年M月D日``, ``YYYYMMDD``, an Excel day number (1 to 2958465, day 0 = 1899-12-30), or
    a real date cell. Day-first and month-first forms such as ``03/04/2026`` are ambiguous and
    rejected. The time of day is dropped: the model counts whole calendar days. Dates must lie
    within 1900-01-01 .. 2199-12-31 (:data:`DATE_RANGE`). An expiry date in
    year 9999, such as the 9999-12-31 ERP systems write for "never", means no expiry.
Booleans
    Blank (false), ``true``/``false``, ``1``/``0``, ``yes``/``no``, ``y``/``n``, ``t``/``f``,
    ``是``/``否``, case-insensitive.
Categories
    A key of the category table (case-insensitive; ``Home Appliances`` finds
    ``home_appliances``), its Chinese label (``服装`` finds ``apparel``), one of its
    ``synonyms`` (``服饰``, ``3C``, ``电解铜``, ...; in ``data/categories.toml``), or a name the
    company maps to it in the assumptions' ``[category_names]`` (``category_names``
    argument). A key wins over everything, the company's names over labels and synonyms.

Limits
------
Reading is bounded (:mod:`finance.inputs.reading`): a path must be a regular file; a file
larger than ``max_bytes`` (default :data:`MAX_FILE_BYTES`, 1 GiB) is refused before it is
read, and one with more than ``max_rows`` lots (default :data:`MAX_ROWS`, 2,000,000) before
it is parsed whole (a CSV's lines counted on every line ending, a lone CR too; the Parquet
footer's row count; the worksheet's rows as they stream). A header has at most 256 columns
and a cell at most 1,000 characters (a longer one is named by row and column). An XLSX or
Parquet file may unpack to at most ``max_cells`` cells (default 64,000,000) and ``max_text``
characters of text (default 256 Mi): a shared string or a dictionary value counts for every
cell that uses it, and is counted before it is expanded. A worksheet's cells past the
header's last column are not read; a value there is a problem, as a CSV row longer than its
header is. Larger inventories can be split, or read from Python with higher limits.

Every problem in the file is collected and raised together as one
:class:`finance.errors.InputError`, each with the spreadsheet row (the header is row 1) and
the column header as written in the file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import numbers
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finance.errors import InputError, Problem
from finance.inputs.categories import Category, default_categories
from finance.inputs.reading import (
    MAX_CELLS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_TEXT_CHARS,
    Limits,
    read_source,
    read_table,
)
from finance.inputs.reading import Table as _Table
from finance.inputs.reading import Unreadable as _Unreadable
from finance.inputs.reading import column_letter as _column_letter
from finance.inputs.reading import typed_text as _typed_text
from finance.locale import Text

__all__ = ["ALIASES", "COLUMNS", "REQUIRED_COLUMNS", "category_texts", "load_inventory"]

#: Canonical columns of the lots table, in output order.
COLUMNS: tuple[str, ...] = (
    "sku",
    "category",
    "quantity",
    "unit_cost",
    "unit_price",
    "received_date",
    "age_days",
    "expiry_date",
    "monthly_sales",
    "batch",
    "warehouse",
    "description",
    "unit",
    "consigned",
    "in_transit",
    "damaged",
    "encumbered",
    "sigma",
    "erosion",
)

#: Columns every file must have (besides one of ``received_date`` and ``age_days``).
REQUIRED_COLUMNS: tuple[str, ...] = ("sku", "category", "quantity", "unit_cost", "unit_price")

#: Other headers accepted for each canonical column (the canonical name always is), as
#: Chinese ERP systems (Kingdee, Yonyou, SAP in Chinese) export them. An item *name*
#: (品名, 物料名称, ...) is a description, never an identifier: the code columns give ``sku``.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "sku": ("商品编码", "物料编码", "存货编码", "货号", "商品编号", "物料代码", "编码", "SKU"),
    "category": ("物料分类", "类别", "存货分类", "品类", "商品类别", "商品分类"),
    "quantity": ("数量", "库存数量", "结存数量", "qty"),
    "unit_cost": ("单位成本", "成本单价", "成本价", "单位成本价"),
    "unit_price": ("单价", "市场价", "售价", "销售单价"),
    "received_date": ("入库日期", "入库时间"),
    "age_days": ("库龄", "库龄(天)", "库龄天数"),
    "expiry_date": ("到期日", "保质期至", "失效日期", "有效期至", "过期日期"),
    "monthly_sales": ("月销量", "月均销量"),
    "batch": ("批次号", "批号", "批次"),
    "warehouse": ("仓库", "仓库名称"),
    "description": ("品名", "物料名称", "商品名称", "存货名称", "描述", "商品描述"),
    "unit": ("计量单位", "单位"),
    "consigned": ("寄售", "代销"),
    "in_transit": ("在途",),
    "damaged": ("残损", "损坏"),
    "encumbered": ("已质押", "已抵押"),
    "sigma": ("波动率",),
    "erosion": ("贬值率", "年贬值率"),
}

#: Headers of the specification column (规格型号): not a column of its own, it is kept with
#: the description, appended after the item name ("男士衬衫 XL").
SPEC_HEADERS: tuple[str, ...] = ("规格型号", "规格", "型号", "specification", "spec")
_SPEC = "spec"

_TEXT = ("sku", "category", "batch", "warehouse", "description", "unit", _SPEC)
_DATES = ("received_date", "expiry_date")
_BOOLS = ("consigned", "in_transit", "damaged", "encumbered")
# Numeric columns and whether zero is allowed (quantity must be positive).
_NUMBERS: Mapping[str, bool] = {
    "quantity": False,
    "unit_cost": True,
    "unit_price": True,
    "age_days": True,
    "monthly_sales": True,
    "sigma": True,
    "erosion": True,
}

#: Largest value of each numeric column, in its own unit. Far beyond any real stock, they
#: keep every product the engine forms (quantity x price, value x scenario factors, sums
#: over two million lots) finite and exact to the cent in float64, and a typo such as an
#: age of 1e300 days from silently passing every test downstream.
LIMITS: Mapping[str, float] = {
    "quantity": 1e12,  # units
    "unit_cost": 1e12,  # currency per unit
    "unit_price": 1e12,  # currency per unit
    "monthly_sales": 1e12,  # units a month
    "age_days": 36_500,  # days: a century
    "sigma": 5.0,  # annual volatility, 500%
    "erosion": 5.0,  # annual continuous erosion: exp(-5) keeps 0.7% of the price after a year
}
#: Largest value of one lot (quantity x unit price, and quantity x unit cost), currency:
#: a thousand trillion, above any company's whole inventory.
MAX_LOT_VALUE = 1e15


# Excel counts days from 1899-12-30 (day 0); 1970-01-01 is day 25569 and 9999-12-31 the last.
_EXCEL_EPOCH_SERIAL = 25569
_EXCEL_MAX_SERIAL = 2958465
#: Dates a lot may carry: wider than any stock's life (an ERP's "never" placeholder of
#: 2099-12-31 included), narrower than datetime64[ns] (1677-09-22 .. 2262-04-11), into
#: which the lots table converts them. Checked on whole days before that conversion, which
#: would wrap a date outside it silently (1677-09-21 becomes a day in 2262).
DATE_RANGE: tuple[str, str] = ("1900-01-01", "2199-12-31")
_MIN_DAY = int(np.datetime64(DATE_RANGE[0], "D").astype("int64"))
_MAX_DAY = int(np.datetime64(DATE_RANGE[1], "D").astype("int64"))
#: ERP systems write 9999-12-31 (or another day of year 9999) for "never expires".
_NEVER_DAY = int(np.datetime64("9999-01-01", "D").astype("int64"))
_DATE_RANGE_TEXT = f"{DATE_RANGE[0]} to {DATE_RANGE[1]}"
_DATE_FORMATS_TEXT = "YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD or an Excel day number"

# (gate, format): the gate keeps strptime's lenient field widths from misreading other shapes,
# e.g. "%Y%m%d" would take "202615" for 2026-01-05.
_DATE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", "%Y-%m-%d"),
    (r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}", "%Y/%m/%d"),
    (r"[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}", "%Y.%m.%d"),
    (r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日", "%Y年%m月%d日"),
    (r"[0-9]{8}", "%Y%m%d"),
)
_TIME_SUFFIX = r"(?:[T ]+|\s+)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?$"
# ASCII digits only: ``\d`` also matches other scripts' digits (Arabic-Indic ٣), which
# NFKC does not turn into ASCII and the date and number parsers do not read.
_SERIAL_GATE = r"[0-9]{1,7}(?:\.[0-9]+)?"
_DATE_SHAPE = re.compile(
    r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})|([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日|([0-9]{4})([0-9]{2})([0-9]{2})"
)

_BOOL_WORDS: Mapping[str, bool] = {
    **dict.fromkeys(("true", "1", "yes", "y", "t", "是"), True),
    **dict.fromkeys(("false", "0", "no", "n", "f", "否"), False),
}
# Stands for the cell's text in messages worked out once per distinct value.
_CELL = "{cell}"
_BOOL_TEXT = "true/false, yes/no, y/n, t/f, 1/0 or 是/否"
# What the Arrow cast takes, so that nothing matching it can fail to convert.
_NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NON_FINITE = frozenset(
    s + w for s in ("", "+", "-") for w in ("nan", "inf", "infinity", "nan(ind)")
)
# Units written after a header, e.g. "单价(元)": they say nothing the column name does not.
_HEADER_UNIT = re.compile(r"(.+?)\s*\((?:元|人民币|rmb|cny|¥|天|日|days?|件|个|pcs)\)")


@dataclass
class _Parsed:
    """One canonical column after parsing.

    ``values`` holds one entry per data row: float64 for numbers, days since 1970-01-01
    (float64, NaN when missing) for dates, bool, or a str Series for text. ``blank`` marks empty
    cells and ``errors`` maps a row position to what is wrong with that cell.
    """

    values: np.ndarray | pd.Series
    blank: np.ndarray
    errors: dict[int, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Public entry point


def load_inventory(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    name: str | None = None,
    categories: Mapping[str, Category] | None = None,
    category_names: Mapping[str, str] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
    max_cells: int = MAX_CELLS,
    max_text: int = MAX_TEXT_CHARS,
) -> pd.DataFrame:
    """Read and validate an inventory file (CSV, XLSX or Parquet).

    Parameters
    ----------
    source : str, path-like, bytes or binary file object
        A path, or the file's content (e.g. a browser upload).
    name : str, optional
        File name: its suffix tells the format (``.csv``/``.txt``, ``.xlsx``/``.xlsm``,
        ``.parquet``/``.pq``) and it names the file in error messages. Default: the path's
        file name, or a file object's ``name``; required for bytes.
    categories : mapping of str to Category, optional
        Known categories; default :func:`finance.inputs.categories.default_categories`.
    category_names : mapping of str to str, optional
        The company's own category names and the category key each stands for
        (``Assumptions.category_names``, the assumptions' ``[category_names]``), e.g.
        ``{"男装": "apparel"}``.
    max_bytes, max_rows : int
        Largest file size (bytes) and most lots accepted; beyond them the file is refused
        (with an :class:`InputError`) before it is parsed whole.
    max_cells : int
        Most cells read (rows times columns read; a worksheet's cell elements; a Parquet
        file's values in the columns read), counted before or while they are decoded.
    max_text : int
        Most characters of text an XLSX or Parquet file may unpack to (shared strings and
        dictionary values count once per cell that uses them), counted before each is
        expanded. A CSV's text is bounded by ``max_bytes``.

    Returns
    -------
    pandas.DataFrame
        One row per lot, indexed by spreadsheet row number (``row``, int64, header = row 1),
        with the columns of :data:`COLUMNS` in that order: ``sku``, ``category`` (the
        canonical key), ``warehouse``, ``description``, ``unit`` as str (``""`` when absent);
        ``quantity``, ``unit_cost``, ``unit_price`` float64; ``received_date`` and
        ``expiry_date`` datetime64[ns] (NaT when absent); ``age_days``, ``monthly_sales``,
        ``sigma``, ``erosion`` float64 (NaN when absent); ``consigned``, ``in_transit``,
        ``damaged``, ``encumbered`` bool (False when absent); ``batch`` str too.
        ``attrs`` holds ``source`` (the file name), ``header_row`` (the header's row
        number), ``totals_left_out`` (how many totals and subtotal rows were left out) and
        ``totals_rows`` (their row numbers).

    Raises
    ------
    InputError
        With every problem found, each naming the file, row and column header.
    """
    file = name or _default_name(source)
    try:
        if file is None:
            file = "<upload>"
            raise _Unreadable(
                Text(
                    "a file name is needed to tell the format (.csv, .xlsx or .parquet)",
                    "problem.name_needed",
                )
            )
        limits = Limits(bytes=max_bytes, rows=max_rows, cells=max_cells, text=max_text)
        table = read_table(read_source(source, max_bytes), file, limits, _header_score)
    except _Unreadable as exc:
        raise InputError([Problem(file, exc.args[0])]) from None
    cats = default_categories() if categories is None else categories
    return _validate(table, file, cats, category_names or {})


def category_texts(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    name: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
    max_cells: int = MAX_CELLS,
    max_text: int = MAX_TEXT_CHARS,
) -> list[str]:
    """The distinct non-blank texts of a file's category column, in the file's order.

    Read by the loader's own bounded reader, header found and column named as
    :func:`load_inventory` finds them, so that a file it refuses costs no more here (an
    app's category picker reads the upload this way, beside the loader). Texts are NFKC
    normalised and stripped.

    Parameters
    ----------
    source, name, max_bytes, max_rows, max_cells, max_text
        As for :func:`load_inventory`.

    Returns
    -------
    list of str
        Empty when the file cannot be read within the limits or has no category column
        (:func:`load_inventory` says why).
    """
    file = name or _default_name(source) or ""
    limits = Limits(bytes=max_bytes, rows=max_rows, cells=max_cells, text=max_text)
    try:
        table = read_table(read_source(source, max_bytes), file, limits, _header_score)
    except (_Unreadable, InputError):
        return []
    found, _ = _map_headers(table.headers, file)
    if "category" not in found:
        return []
    text = _parse_text(table.data[found["category"]]).values
    texts = pd.unique(text.str.normalize("NFKC").str.strip())
    return [t for t in texts if isinstance(t, str) and t and t.lower() != "nan"]


# --------------------------------------------------------------------------------------
# Reading


def _default_name(source: object) -> str | None:
    """Return the file name a path or a named file object (an upload) carries, if any."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    raw = getattr(source, "name", None)
    return Path(raw).name if isinstance(raw, str) and raw else None


def _header_score(cells: Sequence[object]) -> int:
    """How many distinct canonical columns a row's cells name (a header row names several)."""
    names = set()
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            column = _HEADER_LOOKUP.get(_normalise_header(cell))
            if column is not None:
                names.add(column)
    return len(names)


# --------------------------------------------------------------------------------------
# Headers


def _normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().casefold()
    if match := _HEADER_UNIT.fullmatch(text):
        text = match.group(1)
    return re.sub(r"[\s\-]+", "_", text)


_HEADER_LOOKUP: Mapping[str, str] = {
    **{_normalise_header(alias): _SPEC for alias in SPEC_HEADERS},
    **{
        _normalise_header(alias): column
        for column in COLUMNS
        for alias in (column, *ALIASES.get(column, ()))
    },
}


def _map_headers(headers: list[str], file: str) -> tuple[dict[str, int], list[Problem]]:
    """Find the file column of each canonical column; two for one column is a problem."""
    found: dict[str, int] = {}
    problems = []
    for position, header in enumerate(headers):
        column = _HEADER_LOOKUP.get(_normalise_header(header))
        if column is None:
            continue
        if column in found:
            first = found[column]
            problems.append(
                Problem(
                    file,
                    Text(
                        f"columns {headers[first]!r} ({_column_letter(first)}) and {header!r} "
                        f"({_column_letter(position)}) both give {column}; keep one of them",
                        "problem.both_give",
                        first=headers[first],
                        first_letter=_column_letter(first),
                        second=header,
                        second_letter=_column_letter(position),
                        field=column,
                    ),
                    column=header,
                )
            )
            continue
        found[column] = position
    return found, problems


def _missing_columns(found: Mapping[str, int], file: str) -> list[Problem]:
    problems = [
        Problem(
            file,
            Text(
                f"missing column {column!r} (also accepted: {', '.join(ALIASES[column])})",
                "problem.missing_column",
                field=column,
                aliases=list(ALIASES[column]),
            ),
            column=column,
        )
        for column in REQUIRED_COLUMNS
        if column not in found
    ]
    if "received_date" not in found and "age_days" not in found:
        problems.append(
            Problem(
                file,
                Text(
                    "missing column: needs 'received_date' (入库日期) or 'age_days' (库龄)",
                    "problem.missing_date_column",
                ),
                column="received_date",
            )
        )
    return problems


# --------------------------------------------------------------------------------------
# Cells: text and typed values


def _split(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split a column (with a RangeIndex) into text and typed cells.

    Returns ``(text, typed)``: ``text`` has every cell's stripped text (``""`` for blank and
    typed cells) as a str Series; ``typed`` holds the non-blank cells that are not strings
    (numbers, dates, booleans from XLSX or Parquet), indexed by position.
    """
    if isinstance(raw.dtype, pd.StringDtype):
        return (raw.fillna("") if raw.hasnans else raw).str.strip(), raw.iloc[:0]
    text = pd.Series("", index=raw.index, dtype="str")
    if raw.dtype != object:
        if isinstance(raw.dtype, pd.DatetimeTZDtype):
            # Keep the wall-clock date the user sees rather than the UTC one.
            raw = raw.dt.tz_localize(None)
        return text, raw[raw.notna()]
    is_text = raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if is_text.any():
        text[is_text] = raw[is_text].astype("str").str.strip()
    return text, raw[~is_text & raw.notna().to_numpy(dtype=bool)]


def _blank_mask(raw: pd.Series) -> np.ndarray:
    text, typed = _split(raw)
    blank = (text == "").to_numpy(dtype=bool, copy=True)
    blank[typed.index.to_numpy()] = False
    return blank


def _show(value: object) -> str:
    """Show a cell value as the user would recognise it in a message."""
    return repr(value) if isinstance(value, str) else repr(_typed_text(value))


def _typed_number(value: object) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real | decimal.Decimal):
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            return None
    return None


def _is_number_dtype(dtype: object) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _by_unique(
    keys: pd.Series,
    parse: Callable[[pd.Series], tuple[np.ndarray, dict[int, str]]],
    shown: pd.Series | None = None,
) -> tuple[np.ndarray, dict[int, str]]:
    """Parse each distinct key once and spread the results over the cells.

    Categories, flags and dates repeat a few values over many rows, so per-value work on the
    distinct values stays cheap however long the file is.

    Parameters
    ----------
    keys : pandas.Series
        Cell texts, RangeIndex.
    parse : callable
        Takes the distinct keys (a str Series) and returns their values and, for the bad
        ones, a message by position in which ``{cell}`` stands for the cell's text.
    shown : pandas.Series, optional
        The cell text to quote in messages, when it differs from ``keys``.

    Returns
    -------
    values : numpy.ndarray
        One per cell.
    messages : dict of int to str
        By position within ``keys``.
    """
    codes, uniques = _factorize(keys)
    values, reasons = parse(uniques)
    spread = np.asarray(values)[codes]
    if not reasons:
        return spread, {}
    bad = np.zeros(len(uniques), dtype=bool)
    bad[list(reasons)] = True
    shown = keys if shown is None else shown
    messages = {int(p): _fill(reasons[codes[p]], shown.iloc[p]) for p in np.flatnonzero(bad[codes])}
    return spread, messages


def _factorize(keys: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of a text column, in order of first appearance, and its distinct values.

    Arrow's dictionary encoding hashes a text column several times faster than
    ``pandas.factorize`` on the same Arrow-backed strings; object columns (XLSX text) and
    columns with missing values take the pandas way.
    """
    if isinstance(keys.dtype, pd.StringDtype) and not keys.hasnans and len(keys):
        values = pa.array(keys)
        # A chunked column is encoded into chunks that share one dictionary (without copying
        # the chunks together first).
        if isinstance(values, pa.ChunkedArray):
            encoded = values.dictionary_encode().chunks
        else:
            encoded = [values.dictionary_encode()]
        codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded])
        dictionary = encoded[-1].dictionary
        return codes.astype(np.intp, copy=False), pd.Series(dictionary.to_pandas(), dtype="str")
    codes, uniques = pd.factorize(keys)
    return codes, pd.Series(uniques, dtype="str")


def _fill(reason: str, cell: object) -> str:
    """A reason worked out for a distinct value, with the cell's text in place of ``{cell}``."""
    if isinstance(reason, Text):
        return reason.fill(_CELL, cell, value=cell)
    return reason.replace(_CELL, repr(cell))


# --------------------------------------------------------------------------------------
# Column parsers


def _parse_text(raw: pd.Series) -> _Parsed:
    text, typed = _split(raw)
    if len(typed):
        text = text.copy()
        if pd.api.types.is_integer_dtype(typed.dtype):
            text[typed.index] = typed.astype("str")
        else:
            text[typed.index] = typed.map(_typed_text).astype("str")
    return _Parsed(text, (text == "").to_numpy(dtype=bool, copy=True))


def _parse_number(raw: pd.Series) -> _Parsed:
    if _plain_text(raw) and len(raw):
        # The usual CSV column: plain numbers, some cells empty; one Arrow cast for all of
        # it (no copy stripped of spaces first: a cell that needs one fails the cast and
        # takes the way below, as does any other cell that is not a plain number).
        cells = pa.array(raw)
        empty = pc.equal(cells, "")
        if pc.any(empty).as_py():
            cells = pc.if_else(empty, pa.scalar(None, cells.type), cells)
        try:
            values = pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            pass
        else:
            blank = empty.to_numpy(zero_copy_only=False)
            if not np.isinf(values).any() and not np.isnan(values[~blank]).any():
                return _Parsed(np.array(values, dtype=float, copy=True), blank)
    text, typed = _split(raw)
    values = np.full(len(raw), np.nan)
    blank = (text == "").to_numpy(dtype=bool, copy=True)
    errors: dict[int, str] = {}
    if len(typed):
        positions = typed.index.to_numpy()
        blank[positions] = False
        if _is_number_dtype(typed.dtype):
            values[positions] = typed.to_numpy(dtype=float)
        else:
            for position, value in typed.items():
                number = _typed_number(value)
                if number is None:
                    errors[position] = Text(
                        f"{_show(value)} is not a number",
                        "problem.not_number",
                        value=_typed_text(value),
                    )
                else:
                    values[position] = number
    filled_positions = (
        np.flatnonzero(~blank)
        if not len(typed)
        else np.flatnonzero((text != "").to_numpy(dtype=bool))
    )
    if len(filled_positions):
        # Most number columns are full: then the column itself is parsed, not a copy.
        filled = text if len(filled_positions) == len(text) else text.iloc[filled_positions]
        parsed = _text_numbers(pa.array(filled))
        for i in np.flatnonzero(np.isnan(parsed)):
            original = filled.iloc[i]
            clean = unicodedata.normalize("NFKC", original).strip().lower()
            kind = "a finite number" if clean in _NON_FINITE else "a number"
            code = "problem.not_finite" if clean in _NON_FINITE else "problem.not_number"
            errors[int(filled_positions[i])] = Text(
                f"{original!r} is not {kind}", code, value=original
            )
        values[filled_positions] = parsed
    for position in np.flatnonzero(np.isinf(values)):
        shown = text.iloc[position] or _typed_text(values[position])
        errors[int(position)] = Text(
            f"{shown!r} is not a finite number", "problem.not_finite", value=shown
        )
        values[position] = np.nan
    return _Parsed(values, blank, errors)


def _text_numbers(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Parse stripped, non-blank number text to float64; NaN where it is not a number.

    Works in Arrow compute throughout: a column with a ``¥`` in every cell is as fast as a
    clean one, and only the cells that stay NaN get per-cell attention (their messages).
    """
    try:
        # The usual case: plain numbers, one C++ cast for the whole column.
        return np.array(pc.cast(text, pa.float64()), dtype=float, copy=True)
    except pa.ArrowInvalid:
        pass
    # NFKC turns full-width digits, signs, points, commas and ￥ into their ASCII forms.
    text = pc.utf8_trim_whitespace(pc.utf8_normalize(text, form="NFKC"))
    text = pc.replace_substring_regex(text, pattern=r"^([+-]?)\s*¥\s*", replacement=r"\1")
    # Only commas grouping digits in threes are separators: "1,2" stays an error.
    grouped = pc.match_substring_regex(text, pattern=r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
    text = pc.if_else(grouped, pc.replace_substring(text, pattern=",", replacement=""), text)
    valid = pc.match_substring_regex(text, pattern=_NUMBER_PATTERN)
    values = np.full(len(text), np.nan)
    ok = np.array(valid, dtype=bool)
    values[ok] = np.array(pc.cast(pc.filter(text, valid), pa.float64()), dtype=float)
    return values


def _number_text(value: float) -> str:
    """A number as a message shows it: whole numbers with thousands separators, else ``%g``."""
    if abs(value) < 1e16 and value == int(value):
        return f"{value:,.0f}"
    return f"{value:g}"


def _check_range(parsed: _Parsed, column: str) -> None:
    """Record the cells below the column's floor (0) or above its ceiling (:data:`LIMITS`)."""
    allow_zero = _NUMBERS[column]
    values = parsed.values
    with np.errstate(invalid="ignore"):
        bad = values < 0 if allow_zero else values <= 0
        high = values > LIMITS[column]
    need = "must not be negative" if allow_zero else "must be greater than 0"
    code = "problem.negative" if allow_zero else "problem.not_positive"
    for position in np.flatnonzero(bad):
        parsed.errors[int(position)] = Text(
            f"{column} {need}, got {values[position]:g}",
            code,
            field=column,
            value=f"{values[position]:g}",
        )
    limit = _number_text(LIMITS[column])
    for position in np.flatnonzero(high):
        value = _number_text(values[position])
        parsed.errors[int(position)] = Text(
            f"{column} must be at most {limit}, got {value}",
            "problem.above_limit",
            field=column,
            value=value,
            limit=limit,
        )


def _check_lot_values(
    parsed: Mapping[str, _Parsed], report: Callable[[str, int, str], None]
) -> None:
    """Report lots whose value, quantity times a unit price or cost, is above :data:`MAX_LOT_VALUE`.

    Each factor may be within its own limit while their product is not; the lot is reported
    on the price (market value) or cost (book value) column.
    """
    quantity = parsed.get("quantity")
    if quantity is None:
        return
    for column, what, code in (
        ("unit_price", "market value", "problem.market_value_too_large"),
        ("unit_cost", "book value", "problem.book_value_too_large"),
    ):
        price = parsed.get(column)
        if price is None:
            continue
        with np.errstate(invalid="ignore", over="ignore"):
            value = quantity.values * price.values
            high = value > MAX_LOT_VALUE
        limit = _number_text(MAX_LOT_VALUE)
        for position in np.flatnonzero(high):
            if position in quantity.errors or position in price.errors:
                continue  # a factor out of range says it already
            shown = _number_text(float(value[position]))
            report(
                column,
                int(position),
                Text(
                    f"the lot's {what} (quantity x {column}) is {shown}, above the limit of "
                    f"{limit}",
                    code,
                    value=shown,
                    limit=limit,
                ),
            )


def _parse_date(raw: pd.Series, *, never: bool = False) -> _Parsed:
    """Parse dates to days since 1970-01-01 (float, NaN for blank or bad).

    With ``never``, a date in year 9999 (an ERP's "never") counts as blank.
    """
    text, typed = _split(raw)
    days = np.full(len(raw), np.nan)
    blank = (text == "").to_numpy(dtype=bool, copy=True)
    errors: dict[int, str] = {}
    if len(typed):
        positions = typed.index.to_numpy()
        blank[positions] = False
        if pd.api.types.is_datetime64_any_dtype(typed.dtype):
            days[positions] = _datetimes_to_days(typed)
        elif _is_number_dtype(typed.dtype):
            serials = typed.to_numpy(dtype=float)
            days[positions] = _serial_to_days(serials)
            for i in np.flatnonzero(np.isnan(days[positions])):
                errors[int(positions[i])] = _serial_message(
                    _show(typed.iloc[i]), _typed_text(typed.iloc[i])
                )
        else:
            for position, value in typed.items():
                day, message = _typed_day(value)
                if message is None:
                    days[position] = day
                else:
                    errors[position] = message
    filled_positions = np.flatnonzero((text != "").to_numpy(dtype=bool))
    if len(filled_positions):
        filled = text.iloc[filled_positions].reset_index(drop=True)
        # Dropping the time of day first leaves few distinct dates however many timestamps.
        dates = pc.replace_substring_regex(
            pa.array(filled, type=pa.large_string()), pattern=_TIME_SUFFIX, replacement=""
        )
        parsed, messages = _by_unique(pd.Series(dates.to_pandas(), dtype="str"), _text_days, filled)
        days[filled_positions] = parsed
        errors.update({int(filled_positions[i]): m for i, m in messages.items()})
    if never:
        forever = _never_positions(raw, days, errors)
        days[forever] = np.nan
        blank[forever] = True
        for position in forever:
            errors.pop(int(position), None)
    with np.errstate(invalid="ignore"):
        outside = (days < _MIN_DAY) | (days > _MAX_DAY)
    for position in np.flatnonzero(outside):
        shown = np.datetime64(int(days[position]), "D")
        errors[int(position)] = Text(
            f"date {shown} is outside the supported range {_DATE_RANGE_TEXT}",
            "problem.date_range",
            value=str(shown),
            range=_DATE_RANGE_TEXT,
        )
        days[position] = np.nan
    return _Parsed(days, blank, errors)


def _never_positions(raw: pd.Series, days: np.ndarray, errors: Mapping[int, str]) -> np.ndarray:
    """Positions holding a year-9999 date, parsed or rejected as out of range."""
    with np.errstate(invalid="ignore"):
        parsed = np.flatnonzero(days >= _NEVER_DAY)
    rejected = [
        p
        for p, m in errors.items()
        if "outside the supported range" in m and "9999" in str(raw.iloc[p])
    ]
    return np.union1d(parsed, np.asarray(rejected, dtype=np.int64)).astype(np.int64)


def _datetimes_to_days(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    stamps = values.to_numpy(dtype="datetime64[us]")
    # Casting to whole days floors, so a time of day is dropped, not rounded.
    days = stamps.astype("datetime64[D]").astype(np.int64).astype(float)
    days[np.isnat(stamps)] = np.nan
    return days


def _serial_to_days(serials: np.ndarray) -> np.ndarray:
    """Excel day numbers to days since 1970, NaN outside 1..2958465."""
    with np.errstate(invalid="ignore"):
        ok = (serials >= 1) & (serials <= _EXCEL_MAX_SERIAL)
    return np.where(ok, np.floor(serials) - _EXCEL_EPOCH_SERIAL, np.nan)


def _serial_message(shown: str, value: object = None) -> Text:
    return Text(
        f"{shown} is not a date: an Excel day number runs from 1 to {_EXCEL_MAX_SERIAL}",
        "problem.date_serial",
        value=value,
        max=_EXCEL_MAX_SERIAL,
    )


def _typed_day(value: object) -> tuple[float, str | None]:
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value).date()
    if isinstance(value, dt.date):
        return float((value - dt.date(1970, 1, 1)).days), None
    number = _typed_number(value)
    if number is None:
        return np.nan, Text(
            f"{_show(value)} is not a date", "problem.not_date", value=_typed_text(value)
        )
    day = float(_serial_to_days(np.array([number]))[0])
    return day, _serial_message(_show(value), _typed_text(value)) if np.isnan(day) else None


def _text_days(text: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    """Parse distinct non-blank text dates; returns days and messages by position."""
    # ISO dates are what most exports write: one C-speed pass takes them all.
    days = _datetimes_to_days(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))
    todo = np.flatnonzero(np.isnan(days))
    if not len(todo):
        return days, {}
    rest = text.iloc[todo].str.normalize("NFKC").str.strip()
    rest = rest.str.replace(_TIME_SUFFIX, "", regex=True).reset_index(drop=True)
    rest_days = np.full(len(rest), np.nan)
    for gate, fmt in _DATE_PATTERNS:
        candidates = np.isnan(rest_days) & rest.str.fullmatch(gate).to_numpy(dtype=bool)
        if candidates.any():
            stamps = pd.to_datetime(rest[candidates], format=fmt, errors="coerce")
            rest_days[candidates] = _datetimes_to_days(stamps)
    serial = np.isnan(rest_days) & rest.str.fullmatch(_SERIAL_GATE).to_numpy(dtype=bool)
    if serial.any():
        rest_days[serial] = _serial_to_days(pd.to_numeric(rest[serial]).to_numpy(dtype=float))
    days[todo] = rest_days
    messages = {
        int(todo[i]): _date_reason(rest.iloc[i]) for i in np.flatnonzero(np.isnan(rest_days))
    }
    return days, messages


def _date_reason(normalised: str) -> str:
    """Say why a text is not a date (only called for texts that failed); see ``_by_unique``."""
    match = _DATE_SHAPE.fullmatch(normalised)
    if match:
        year, month, day = (int(g) for g in match.groups() if g and g.isdigit())
        try:
            dt.date(year, month, day)
        except ValueError:
            return Text(f"{_CELL} is not a real date", "problem.not_real_date")
        return Text(
            f"{_CELL} is outside the supported range {_DATE_RANGE_TEXT}",
            "problem.date_range",
            range=_DATE_RANGE_TEXT,
        )
    if re.fullmatch(_SERIAL_GATE, normalised):
        return _serial_message(_CELL)
    return Text(
        f"{_CELL} is not a date in an accepted format ({_DATE_FORMATS_TEXT})",
        "problem.date_format",
        formats=_DATE_FORMATS_TEXT,
    )


def _parse_bool(raw: pd.Series) -> _Parsed:
    if _plain_text(raw) and len(raw):
        # A text column (CSV): a handful of distinct cells, each stripped and read once.
        codes, uniques = _factorize(raw)
        stripped = uniques.str.strip()
        blank_u = (stripped == "").to_numpy(dtype=bool)
        flags, reasons = _text_bools(stripped)
        bad = np.zeros(len(uniques), dtype=bool)
        bad[[i for i in reasons if not blank_u[i]]] = True
        errors = {
            int(p): _fill(reasons[codes[p]], stripped.iloc[codes[p]])
            for p in np.flatnonzero(bad[codes])
        }
        return _Parsed(flags[codes] & ~blank_u[codes], blank_u[codes], errors)
    text, typed = _split(raw)
    values = np.zeros(len(raw), dtype=bool)
    blank = (text == "").to_numpy(dtype=bool, copy=True)
    errors: dict[int, str] = {}
    if len(typed):
        positions = typed.index.to_numpy()
        blank[positions] = False
        if pd.api.types.is_bool_dtype(typed.dtype):
            values[positions] = typed.to_numpy(dtype=bool)
            typed = typed.iloc[:0]
        for position, value in typed.items():
            flag = _typed_bool(value)
            if flag is None:
                errors[position] = Text(
                    f"{_show(value)} is not {_BOOL_TEXT}",
                    "problem.not_bool",
                    value=_typed_text(value),
                )
            else:
                values[position] = flag
    filled_positions = np.flatnonzero((text != "").to_numpy(dtype=bool))
    if len(filled_positions):
        filled = text.iloc[filled_positions].reset_index(drop=True)
        flags, messages = _by_unique(filled, _text_bools)
        values[filled_positions] = flags
        errors.update({int(filled_positions[i]): m for i, m in messages.items()})
    return _Parsed(values, blank, errors)


def _text_bools(texts: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    flags = [_BOOL_WORDS.get(unicodedata.normalize("NFKC", t).strip().lower()) for t in texts]
    reason = Text(f"{_CELL} is not {_BOOL_TEXT}", "problem.not_bool")
    messages = {i: reason for i, f in enumerate(flags) if f is None}
    return np.array([bool(f) for f in flags], dtype=bool), messages


def _typed_bool(value: object) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    number = _typed_number(value)
    if number in (0.0, 1.0):
        return bool(number)
    return None


def _normalise_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", text).strip().casefold())


def _category_lookup(
    categories: Mapping[str, Category], names: Mapping[str, str]
) -> dict[str, str]:
    """Normalised name -> category key: synonyms, then labels, the user's names, the keys.

    Each later source wins over an earlier one with the same text: a key over anything, the
    company's own ``[category_names]`` over the shipped labels and synonyms.
    """
    lookup: dict[str, str] = {}
    for key, category in categories.items():
        for synonym in category.synonyms:
            lookup.setdefault(_normalise_key(synonym), key)
    for key, category in categories.items():
        if category.label_zh:
            lookup[_normalise_key(category.label_zh)] = key
    for name, key in names.items():
        if key in categories:
            lookup[_normalise_key(name)] = key
    for key in categories:
        lookup[_normalise_key(key)] = key
    return lookup


def _plain_text(raw: pd.Series) -> bool:
    """A column of text cells only, none missing (a CSV's): read it without stripping first."""
    return isinstance(raw.dtype, pd.StringDtype) and not raw.hasnans


def _parse_category(
    raw: pd.Series, categories: Mapping[str, Category], names: Mapping[str, str]
) -> _Parsed:
    # Typed cells (an XLSX number in the category column) become text first.
    cells = raw if _plain_text(raw) else _parse_text(raw).values
    lookup = _category_lookup(categories, names)
    known = ", ".join(f"{k} ({c.label_zh})" if c.label_zh else k for k, c in categories.items())
    known_zh = "、".join(c.label_zh or k for k, c in categories.items())

    def keys_of(texts: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
        keys = [lookup.get(_normalise_key(t), "") for t in texts]
        reason = Text(
            f"unknown category {_CELL}; known: {known} "
            "(or name it in [category_names] of the assumptions)",
            "problem.unknown_category",
            known=known_zh,
        )
        return np.array(keys, dtype=object), {i: reason for i, k in enumerate(keys) if not k}

    # Each distinct cell is stripped and looked up once, its key spread over the rows by
    # Arrow: a million rows of a dozen categories cost a dozen lookups and one take.
    codes, uniques = _factorize(cells)
    texts = uniques.str.strip()
    blank = (texts == "").to_numpy(dtype=bool)
    found, reasons = keys_of(texts)
    found[blank] = ""  # a blank cell has no category (and no reason)
    keys = pa.array(found.tolist(), type=pa.string()).take(pa.array(codes))
    bad = np.zeros(len(uniques), dtype=bool)
    bad[[i for i in reasons if not blank[i]]] = True
    errors = {
        int(p): _fill(reasons[codes[p]], texts.iloc[codes[p]]) for p in np.flatnonzero(bad[codes])
    }
    return _Parsed(pd.Series(keys.to_pandas(), dtype="str"), blank[codes], errors)


_PARSERS: Mapping[str, Callable[[pd.Series], _Parsed]] = {
    **dict.fromkeys(_TEXT, _parse_text),
    **dict.fromkeys(_NUMBERS, _parse_number),
    "received_date": _parse_date,
    "expiry_date": partial(_parse_date, never=True),
    **dict.fromkeys(_BOOLS, _parse_bool),
}


# --------------------------------------------------------------------------------------
# Validation and assembly


def _drop_blank_rows(table: _Table) -> _Table:
    """Drop rows whose every cell is blank (trailing rows a spreadsheet keeps)."""
    undecided = np.arange(len(table.data))
    # Most rows are decided by their first column; only the blank ones look further.
    for column in table.data.columns:
        if not len(undecided):
            return table
        cells = table.data[column].iloc[undecided].reset_index(drop=True)
        undecided = undecided[_blank_mask(cells)]
    if not len(undecided):
        return table
    keep = np.ones(len(table.data), dtype=bool)
    keep[undecided] = False
    data = table.data[keep].reset_index(drop=True)
    return replace(table, data=data, rows=table.rows[keep])


# Rows from which columns are parsed on several threads.
_PARALLEL_ROWS = 50_000


def _parse_columns(
    parsers: Mapping[str, Callable[[pd.Series], _Parsed]], columns: Mapping[str, pd.Series]
) -> dict[str, _Parsed]:
    """Parse each column, several at once on a large file.

    The parsers work in Arrow, NumPy and pandas' Arrow strings, which let go of the GIL, and
    each reads only its own column, so threads share the work; a small file is parsed in
    turn (threads would cost more than they save).
    """
    rows = max((len(c) for c in columns.values()), default=0)
    workers = min(len(columns), os.cpu_count() or 1, 4)
    if rows < _PARALLEL_ROWS or workers < 2:
        return {name: parsers[name](column) for name, column in columns.items()}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(parsers[name], column) for name, column in columns.items()}
        return {name: future.result() for name, future in futures.items()}


def _validate(
    table: _Table,
    file: str,
    categories: Mapping[str, Category],
    category_names: Mapping[str, str],
) -> pd.DataFrame:
    found, problems = _map_headers(table.headers, file)
    problems += _missing_columns(found, file)
    # The first cell past the header is named by its spreadsheet letter: it has no header.
    problems += [
        Problem(
            file,
            Text(
                f"the row has {n} cells but the header only {len(table.headers)}",
                "problem.overlong",
                cells=n,
                headers=len(table.headers),
            ),
            row=r,
            column=_column_letter(len(table.headers)),
        )
        for r, n in table.overlong.items()
    ]
    table = _drop_blank_rows(table)

    parsers = {
        **_PARSERS,
        "category": partial(_parse_category, categories=categories, names=category_names),
    }
    parsed = _parse_columns(parsers, {c: table.data[i] for c, i in found.items()})
    # Each row's lot key (hashing every SKU is the dearest step) is coded while the totals
    # are looked for: the two read different things and share the cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        lot_codes = pool.submit(_lot_codes, parsed) if "sku" in parsed else None
        # Totals and subtotals are not lots: left out before any of their cells is judged.
        totals = _totals_rows(table, parsed)
        codes = lot_codes.result() if lot_codes is not None else None
    totals_rows = table.rows[totals]
    if totals.any():
        keep = ~totals
        parsed = {column: _subset(result, keep) for column, result in parsed.items()}
        table = replace(table, data=table.data[keep].reset_index(drop=True), rows=table.rows[keep])
        codes = codes[keep] if codes is not None else None
    rows = table.rows
    if not len(rows):
        problems.append(
            Problem(file, Text("the file has a header row but no data rows", "problem.no_rows"))
        )

    def report(column: str, position: int, message: str) -> None:
        header = table.headers[found[column]]
        problems.append(Problem(file, message, row=int(rows[position]), column=header))

    uncached = _uncached_positions(table, found)
    for column, result in parsed.items():
        if column in _NUMBERS:
            _check_range(result, column)
        for position, message in result.errors.items():
            report(column, position, message)
        for position in uncached.get(column, ()):
            report(column, position, _UNCACHED_MESSAGE)
        if column in REQUIRED_COLUMNS:
            for position in np.flatnonzero(result.blank):
                if int(position) not in uncached.get(column, ()):
                    report(
                        column,
                        int(position),
                        Text(f"blank cell: {column} is required", "problem.blank", field=column),
                    )

    _check_lot_values(parsed, report)
    _check_dated(parsed, report)
    _check_expiry(parsed, report)
    if codes is not None:
        _check_duplicates(parsed, codes, rows, report)

    if problems:
        order = {header: i for i, header in reversed(list(enumerate(table.headers)))}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
        raise InputError(problems)
    frame = _assemble(parsed, rows, file)
    frame.attrs["header_row"] = int(table.header_row)
    frame.attrs["totals_left_out"] = len(totals_rows)
    frame.attrs["totals_rows"] = [int(r) for r in totals_rows]
    return frame


_UNCACHED_MESSAGE = Text(
    "the cell holds a formula saved without its value (the program that wrote the file did "
    "not compute it); open the file in Excel or WPS and save it, or paste the values",
    "problem.uncached_formula",
)


def _uncached_positions(table: _Table, found: Mapping[str, int]) -> dict[str, set[int]]:
    """Positions (by column) of the cells of kept rows that are formulas without a value."""
    if not table.uncached:
        return {}
    position_of = {int(r): i for i, r in enumerate(table.rows)}
    column_of = {index: column for column, index in found.items()}
    out: dict[str, set[int]] = {}
    for row, index in table.uncached:
        if row in position_of and index in column_of:
            out.setdefault(column_of[index], set()).add(position_of[row])
    return out


def _subset(parsed: _Parsed, keep: np.ndarray) -> _Parsed:
    """The parsed column for the rows ``keep`` marks, positions renumbered."""
    values = parsed.values[keep]
    if isinstance(values, pd.Series):
        values = values.reset_index(drop=True)
    new_position = np.cumsum(keep) - 1
    errors = {int(new_position[p]): m for p, m in parsed.errors.items() if keep[p]}
    return _Parsed(values, parsed.blank[keep], errors)


# Words of a totals row: 合计 (total), 总计 (grand total), 小计 (subtotal), with or without a
# space inside, anywhere in a cell ("上海仓小计", "合计：") but not as the start of a longer
# word ("小计算器", a calculator); and the English words as a whole cell.
_TOTAL_WORDS = (
    r"(?:合\s*计|总\s*计|小\s*计)(?:$|[^\p{Han}])"
    r"|(?i:^\s*(?:grand\s+|sub-?)?totals?\s*[:：]?\s*$)"
)
# Numbers a totals row may repeat as the sum of the rows above.
_SUMMED = ("quantity", "unit_cost", "unit_price", "monthly_sales")


def _totals_rows(table: _Table, parsed: Mapping[str, _Parsed]) -> np.ndarray:
    """Mark the totals and subtotal rows: not lots, left out (docs/model.md section 1).

    A row is a total when any of its text cells says so (合计, 总计, 小计, total), or when
    its identifier (``sku``) is blank while one of its numbers equals the sum of that column
    over the rows above, since the start (a grand total) or since the last total (a
    subtotal), to the cent. A "sum" of a single lot counts only for a row without a
    category: with one, the row is taken for a lot missing its code (and reported).
    """
    n = len(table.rows)
    totals = np.zeros(n, dtype=bool)
    if not n:
        return totals
    # A CSV is searched whole first: most hold no totals word anywhere.
    columns = table.data.columns if table.text is None or _may_mention_total(table.text) else []
    for column in columns:
        raw = table.data[column]
        if isinstance(raw.dtype, pd.StringDtype):
            text = pa.array(raw.fillna("") if raw.hasnans else raw)
        else:
            text = pa.array(_split(raw)[0])
        if not len(text) or not _may_mention_total(_column_bytes(text)):
            continue
        # Every totals word holds 计 or "total": two substring searches find the few cells
        # worth the full pattern (surrounding spaces change nothing it says).
        hint = pc.or_(
            pc.match_substring(text, "计"), pc.match_substring(text, "total", ignore_case=True)
        )
        positions = np.flatnonzero(hint.to_numpy(zero_copy_only=False))
        if len(positions):
            hits = pc.match_substring_regex(text.take(pa.array(positions)), _TOTAL_WORDS)
            totals[positions[hits.to_numpy(zero_copy_only=False)]] = True
    sku = parsed.get("sku")
    summed = [parsed[c] for c in _SUMMED if c in parsed]
    if sku is None or not summed:
        return totals
    numbers = np.column_stack([np.where(p.blank, np.nan, p.values) for p in summed])
    candidates = sku.blank & ~totals & ~np.isnan(numbers).all(axis=1)
    if not candidates.any():
        return totals
    lots = ~totals & ~candidates
    running = np.cumsum(np.where(lots[:, None], np.nan_to_num(numbers), 0.0), axis=0)
    running = np.vstack([np.zeros(numbers.shape[1]), running])  # running[p]: rows before p
    counts = np.concatenate([[0], np.cumsum(lots)])  # counts[p]: lots before p
    category = parsed.get("category")
    categorised = ~category.blank if category is not None else np.zeros(n, dtype=bool)
    last = 0  # the position after the last total so far
    for position in np.flatnonzero(totals | candidates):
        if totals[position]:
            last = position + 1
            continue
        values = numbers[position]
        for start in (last, 0):  # a subtotal since the last total, or a grand total
            sums = running[position] - running[start]
            # The "sum" of one lot is that lot again: a row with a category is then more
            # likely that lot's next batch missing its code (an error) than a subtotal.
            if counts[position] - counts[start] == 1 and categorised[position]:
                continue
            if (np.isclose(values, sums, rtol=1e-9, atol=0.005) & (sums != 0)).any():
                totals[position] = True
                last = position + 1
                break
    return totals


def _may_mention_total(raw: bytes) -> bool:
    """Whether some cell in this UTF-8 text may hold a totals word (合计, 总计, 小计, total).

    Every one holds 计 or "total" in some case. The text is searched whole, as one Arrow
    string (not copied), for each: RE2 finds a literal at memory speed, several times
    faster than a cell-by-cell match or Python's ``bytes.lower``, so most files and columns
    are ruled out before any cell is matched.
    """
    if not raw:
        return False
    whole = pa.Array.from_buffers(
        pa.large_string(),
        1,
        [None, pa.py_buffer(np.array([0, len(raw)], dtype=np.int64)), pa.py_buffer(raw)],
    )
    return bool(
        pc.match_substring_regex(whole, "计")[0].as_py()
        or pc.match_substring(whole, "total", ignore_case=True)[0].as_py()
    )


def _column_bytes(text: pa.Array | pa.ChunkedArray) -> bytes:
    """The bytes of a text column's values, as one string (may reach past a slice's cells)."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    return b"".join(
        data.to_pybytes() for c in chunks if len(c) and (data := c.buffers()[2]) is not None
    )


def _check_dated(parsed: Mapping[str, _Parsed], report: Callable[[str, int, str], None]) -> None:
    present = [c for c in ("received_date", "age_days") if c in parsed]
    if not present:
        return
    undated = np.logical_and.reduce([parsed[c].blank for c in present])
    for position in np.flatnonzero(undated):
        report(
            present[0],
            int(position),
            Text("blank cell: received_date or age_days is required", "problem.undated"),
        )


def _check_expiry(parsed: Mapping[str, _Parsed], report: Callable[[str, int, str], None]) -> None:
    if "expiry_date" not in parsed or "received_date" not in parsed:
        return
    expiry = parsed["expiry_date"].values
    received = parsed["received_date"].values
    with np.errstate(invalid="ignore"):
        early = expiry < received
    for position in np.flatnonzero(early):
        report(
            "expiry_date",
            int(position),
            Text(
                f"expiry date {np.datetime64(int(expiry[position]), 'D')} is before the received "
                f"date {np.datetime64(int(received[position]), 'D')}",
                "problem.expiry_before_received",
                expiry=str(np.datetime64(int(expiry[position]), "D")),
                received=str(np.datetime64(int(received[position]), "D")),
            ),
        )


def _lot_codes(parsed: Mapping[str, _Parsed]) -> np.ndarray:
    """A code for each row's (sku, batch, warehouse): rows with equal codes are the same lot."""
    codes, uniques = _factorize(parsed["sku"].values)
    if len(uniques) == len(codes):
        return codes  # every SKU differs: so does every lot, whatever its batch or warehouse
    for column in ("batch", "warehouse"):
        if column in parsed:
            # The pair of codes as one integer, coded again.
            other, uniques = _factorize(parsed[column].values)
            codes, _ = pd.factorize(codes.astype(np.int64) * (len(uniques) + 1) + other)
    return codes


def _check_duplicates(
    parsed: Mapping[str, _Parsed],
    codes: np.ndarray,
    rows: np.ndarray,
    report: Callable[[str, int, str], None],
) -> None:
    """Report lots that repeat an earlier row's (sku, batch, warehouse), coded by ``codes``.

    The same SKU on several rows is fine (batches, warehouses): a lot is a row.
    """
    sku = parsed["sku"]
    parts = [c for c in ("batch", "warehouse") if c in parsed]
    if len(codes) < 2 or (np.diff(codes) > 0).all():
        return  # codes rising row by row (every SKU its own, the usual file): none repeats
    # Coded again in order of first appearance (rows may have been left out since), a code
    # seen for the first time is one more than every code before it.
    codes, _ = pd.factorize(codes)
    seen = np.maximum.accumulate(codes) if len(codes) else codes
    new = np.ones(len(codes), dtype=bool)
    new[1:] = codes[1:] > seen[:-1]
    first = np.flatnonzero(new)  # first[code]: the position where the key first appears
    repeated = ~new & ~sku.blank
    for position in np.flatnonzero(repeated):
        what = f"duplicate SKU {sku.values.iloc[position]!r}"
        for column in parts:
            what += f", {column} {parsed[column].values.iloc[position]!r}"
        first_row = rows[first[codes[position]]]
        message = Text(
            f"{what}: first in row {first_row}",
            "problem.duplicate" + ("_lot" if parts else ""),
            value=sku.values.iloc[position],
            lot=" / ".join(f"{parsed[c].values.iloc[position]}" for c in parts),
            first_row=int(first_row),
        )
        report("sku", int(position), message)


def _assemble(parsed: Mapping[str, _Parsed], rows: np.ndarray, file: str) -> pd.DataFrame:
    n = len(rows)
    if _SPEC in parsed:
        # 规格型号 is kept with the description: "name spec", or whichever is there.
        spec = parsed[_SPEC].values
        name = parsed["description"].values if "description" in parsed else spec.where(False, "")
        joined = name.str.cat(spec, sep=" ").str.strip()
        parsed = {**parsed, "description": _Parsed(joined, (joined == "").to_numpy())}
    columns: dict[str, object] = {}
    for column in COLUMNS:
        result = parsed.get(column)
        if column in _TEXT:
            if result is None:
                # An absent text column: n empty strings, built by Arrow (all offsets 0).
                empty = pc.fill_null(pa.nulls(n, pa.string()), "")
                columns[column] = pd.array(empty.to_pandas(), dtype="str")
            else:
                columns[column] = pd.array(result.values, dtype="str")
        elif column in _DATES:
            stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            if result is not None:
                ok = ~np.isnan(result.values)
                stamps[ok] = result.values[ok].astype(np.int64).astype("datetime64[D]")
            columns[column] = stamps
        elif column in _BOOLS:
            columns[column] = result.values if result is not None else np.zeros(n, dtype=bool)
        else:
            columns[column] = result.values if result is not None else np.full(n, np.nan)
    # The parsed columns are this read's own arrays: taken as they are, not stacked into
    # blocks (a copy of the table, 0.17 s at a million lots).
    frame = pd.DataFrame(columns, index=pd.Index(rows.astype(np.int64), name="row"), copy=False)
    frame.attrs["source"] = file
    return frame
