"""Small files built to expand when read: the hostile inputs of the reading tests.

Each builder writes into a folder the test owns (``tmp_path``) and returns the path; the
files stay small on disk (kilobytes to a few megabytes) however much they stand for once
unpacked, as an attacker's would. Workbooks are written as XML in a zip directly, so that a
row can reference one shared string, carry a cell in column XFD, or omit its row numbers
(identical rows compress a thousand-fold).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: The header of the hostile files: every required column and a description.
HEADER = ("sku", "category", "quantity", "unit_cost", "unit_price", "age_days", "description")

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def inline_row(cells: Sequence[object], number: int | None = None) -> bytes:
    """One ``<row>`` of inline text and number cells (no row number when ``number`` is None)."""
    parts = []
    for cell in cells:
        if isinstance(cell, int | float):
            parts.append(f"<c><v>{cell}</v></c>")
        else:
            parts.append(f'<c t="inlineStr"><is><t>{escape(str(cell))}</t></is></c>')
    opening = "<row>" if number is None else f'<row r="{number}">'
    return (opening + "".join(parts) + "</row>").encode()


def workbook(
    path: Path | BinaryIO, rows: Iterable[bytes], shared: Sequence[str] = ()
) -> Path | BinaryIO:
    """Write a one-sheet workbook whose sheet data is ``rows`` (``<row>`` elements, as bytes).

    ``path`` may also be a binary buffer, for a test that keeps the file in memory.

    ``shared`` is the shared-string table cells with ``t="s"`` index into. The sheet's XML is
    streamed into the zip, so a million rows cost no memory here.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{_TYPES}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{_TYPES}.sharedStrings+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}">'
            '<sheets><sheet name="Stock" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        z.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_NS}" count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">{items}</sst>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            opening = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}">'
            sheet.write(opening.encode() + b"<sheetData>")
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def shared_string_bomb(
    path: Path | BinaryIO, rows: int = 150_000, length: int = 999
) -> Path | BinaryIO:
    """Every row's sku and description reference one shared string of ``length`` characters.

    Rows carry no numbers, so they are identical and compress to almost nothing: 150,000
    rows of two 999-character cells stand for 300 Mi characters of text in about 100 KB.
    """
    row = (
        b'<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c><v>1</v></c><c><v>1</v></c>'
        b'<c><v>1</v></c><c><v>1</v></c><c t="s"><v>0</v></c></row>'
    )
    return workbook(
        path, chain([inline_row(HEADER)], _repeat(row, rows)), ["x" * length, "apparel"]
    )


def last_column_padding(path: Path, rows: int = 20_000) -> Path:
    """Each lot row also has a value in column XFD, the last a sheet has (16,384 columns).

    A reader that pads rows to the sheet's width holds 16,384 cells a row: 20,000 rows are
    330 million cells from a file of about 100 KB.
    """
    lots = (
        inline_row([f"A{i}", "apparel", 1, 1, 2, 3, "shirt"])[:-6]
        + f'<c r="XFD{i + 2}"><v>1</v></c></row>'.encode()
        for i in range(rows)
    )
    return workbook(path, chain([inline_row(HEADER)], lots))


def dictionary_bomb(path: Path, rows: int = 200_000, length: int = 999) -> Path:
    """A Parquet file whose sku and description repeat one long value on every row.

    Dictionary-encoded, the value is stored once and each row is an index of a few bits:
    200,000 rows of two 999-character cells (400 Mi characters) in a file of kilobytes.
    """

    def repeated(value: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int32)), [value])

    table = pa.table(
        {
            "sku": repeated("x" * length),
            "category": repeated("apparel"),
            "quantity": pa.array([1.0] * rows),
            "unit_cost": pa.array([1.0] * rows),
            "unit_price": pa.array([2.0] * rows),
            "age_days": pa.array([3.0] * rows),
            "description": repeated("x" * length),
        }
    )
    pq.write_table(table, path, compression="zstd")
    return path


def _repeat(item: bytes, times: int) -> Iterable[bytes]:
    # In blocks: a million single-row writes to the zip stream would be slow.
    block = item * 1000
    for _ in range(times // 1000):
        yield block
    yield item * (times % 1000)
