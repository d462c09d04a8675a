"""Hostile inventories through the command line, in a child held to an address-space limit.

Small files that expand to gigabytes when read (a shared string referenced by every row, a
cell in column XFD on every row, a dictionary-encoded Parquet value), paths that never end
(a pipe, a device), and values the engine cannot carry. Each must be refused as bad input:
exit code 2 with the problem on stderr (naming row and column where there is one), within
the child's address space (:data:`tests.hostile.DEFAULT_LIMIT_MB`), without a traceback,
leaving no output behind; never exit 1 (an internal error) or a kill.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile import DEFAULT_LIMIT_MB, run_cli
from tests.hostile_files import dictionary_bomb, last_column_padding, shared_string_bomb

HEADER = "sku,category,quantity,unit_cost,unit_price,age_days"


def csv_file(*rows: str, header: str = HEADER, ending: str = "\n") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "x.csv"
        path.write_bytes(ending.join([header, *rows, ""]).encode())
        return path

    return build


def cr_only_over_the_row_limit(folder: Path) -> Path:
    # 2,000,001 lots with lone CR line endings: one line to a reader that counts only LF.
    path = folder / "x.csv"
    path.write_bytes(HEADER.encode() + b"\r" + b"A,b,1,1,1,1\r" * 2_000_001)
    return path


def dev_zero(folder: Path) -> Path:
    path = folder / "x.csv"
    path.symlink_to("/dev/zero")
    return path


def fifo(folder: Path) -> Path:
    path = folder / "x.csv"
    os.mkfifo(path)  # nobody ever writes to it: opening it to read would wait for ever
    return path


def directory(folder: Path) -> Path:
    path = folder / "x.csv"
    path.mkdir()
    return path


def long_xlsx_cell(folder: Path) -> Path:
    from tests.hostile_files import HEADER as COLUMNS
    from tests.hostile_files import inline_row, workbook

    row = inline_row(["A1", "apparel", 1, 1, 2, 3, "y" * 40_000])
    return workbook(folder / "x.xlsx", [inline_row(COLUMNS), row])


CASES: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "shared-string bomb (xlsx)": (
        lambda folder: shared_string_bomb(folder / "x.xlsx"),
        ["x.xlsx: the file's cells hold more than 268,435,456 characters of text once unpacked"],
    ),
    "value in column XFD on every row (xlsx)": (
        lambda folder: last_column_padding(folder / "x.xlsx"),
        [
            "x.xlsx, row 2, column 'XFD': the row has a value in column XFD, past the "
            "header's last column G",
            "19,900 more rows have values past the header's last column G",
        ],
    ),
    "dictionary-encoded bomb (parquet)": (
        lambda folder: dictionary_bomb(folder / "x.parquet"),
        ["x.parquet: the file's cells hold more than 268,435,456 characters of text"],
    ),
    "CR-only CSV over the row limit": (
        cr_only_over_the_row_limit,
        ["x.csv: the file has about 2,000,001 rows of lots, above the limit of 2,000,000"],
    ),
    "/dev/zero behind x.csv": (dev_zero, ["x.csv: the path names a device, not a file"]),
    "a FIFO named x.csv": (fifo, ["x.csv: the path names a pipe (FIFO), not a file"]),
    "a directory named x.csv": (directory, ["x.csv: the path names a folder, not a file"]),
    "age_days 1e300": (
        csv_file("A1,apparel,1,1,2,1e300"),
        ["x.csv, row 2, column 'age_days': age_days must be at most 36,500, got 1e+300"],
    ),
    "date 1677-09-22": (
        csv_file("A1,apparel,1,1,2,1677-09-22", header=HEADER.replace("age_days", "入库日期")),
        [
            "x.csv, row 2, column '入库日期': date 1677-09-22 is outside the supported range "
            "1900-01-01 to 2199-12-31"
        ],
    ),
    "quantity 1e308": (
        csv_file("A1,apparel,1e308,1,2,3"),
        ["x.csv, row 2, column 'quantity': quantity must be at most 1,000,000,000,000"],
    ),
    "a 40,000-character cell (csv)": (
        csv_file(f"A1,apparel,1,1,2,3,{'y' * 40_000}", header=f"{HEADER},description"),
        [
            "x.csv, row 2, column 'description': the cell holds 40,000 characters, above the "
            "limit of 1,000"
        ],
    ),
    "a 40,000-character cell (xlsx)": (
        long_xlsx_cell,
        ["x.xlsx, row 2, column 'description': the cell holds 40,000 characters"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_inventory_is_refused_as_bad_input(case, tmp_path):
    build, expected = CASES[case]
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = build(inputs)
    out = tmp_path / "out"
    done = run_cli(
        ["evaluate", str(path), "--out", str(out), "--scenarios", "200"],
        limit_mb=DEFAULT_LIMIT_MB,
        timeout=120,
    )
    # 2 is bad input; 1 would be an internal error (a MemoryError under the limit among
    # them) and a negative code a kill.
    assert done.returncode == 2, done.stderr[-2000:]
    for line in expected:
        assert line in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert not (out / "lots.csv").exists()


def _zip_of(parts: int) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(parts):
            archive.writestr(f"x{i}", b"")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("parts", "declared"),
    [(1, 1), (9_000, 9_000), (20_000, 20_000), (70_000, 70_000)],  # 70,000: a zip64 count
)
def test_the_parts_a_zip_declares_are_read_from_its_end_record(parts, declared):
    from finance.inputs.reading import zip_entries

    assert zip_entries(_zip_of(parts)) == declared


def test_a_workbook_of_too_many_parts_is_refused_before_its_directory_is_read(tmp_path):
    # 70,000 empty parts: 6 MB on disk, a directory Python would build 70,000 objects for.
    path = tmp_path / "parts.xlsx"
    path.write_bytes(_zip_of(70_000))
    done = run_cli(["evaluate", str(path), "--out", str(tmp_path / "out")])
    assert done.returncode == 2, done.stderr[-2000:]
    assert "the workbook declares 70,000 parts" in done.stderr
    assert "Traceback" not in done.stderr
