"""The output folder under hostile conditions, through the command line in a child process.

Every run goes through :func:`tests.hostile.run_cli` (``python -m finance`` under an
address-space limit) and must end with 0 or 2, never 1: a failed run (bad input found
before or after the valuation, a folder that may not be replaced, a parent that cannot be
written) leaves the previous output byte for byte as it was, and no staging folder; a
successful run leaves only its own files (CONTRACT.md, "--format").
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finance.paths import DATA_DIR
from finance.report.csv import FORMULA_TRIGGERS
from finance.report.output import MARKER
from tests.hostile import run_cli, unwritable

SAMPLE = DATA_DIR / "sample_inventory.csv"
FAST = ["--valuation-date", "2026-11-24", "--scenarios", "500"]
CSVS = ["borrowing_base.csv", "lots.csv", "mix.csv", "options.csv"]
BAD_INVENTORY = "sku,category,quantity,unit_cost,unit_price,age_days\nA1,apparel,ten,5,8,3\n"


def evaluate(out: Path, *flags: str, inventory: Path = SAMPLE) -> subprocess.CompletedProcess:
    """``python -m finance evaluate INVENTORY --out OUT`` in a child; never exit 1."""
    done = run_cli(["evaluate", str(inventory), "--out", str(out), *FAST, *flags])
    assert done.returncode in (0, 2), done.stderr
    return done


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry under ``folder``: its bytes and modification time (a folder: b"")."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def leftovers(folder: Path) -> list[str]:
    """Staging or set-aside folders of a run in ``folder``."""
    return [p.name for p in folder.iterdir() if ".partial-" in p.name or ".previous-" in p.name]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def earlier_run(tmp_path) -> Path:
    """The output folder of a good run with the stress test: CSVs, stress tables, workbook."""
    out = tmp_path / "out"
    done = evaluate(out, "--stress")
    assert done.returncode == 0, done.stderr
    assert listing(out) == sorted([MARKER, *CSVS, "stress.csv", "sensitivity.csv",
                                   "valuation.xlsx"])  # fmt: skip
    return out


# ---------------------------------------------------------------------------- failed runs


def test_bad_input_after_a_good_run_leaves_the_output_byte_identical(earlier_run, tmp_path):
    before = snapshot(earlier_run)
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_INVENTORY, encoding="utf-8")
    done = evaluate(earlier_run, inventory=bad)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "bad.csv, row 2, column 'quantity': 'ten' is not a number"
    ]
    assert done.stdout == ""
    assert snapshot(earlier_run) == before
    assert leftovers(tmp_path) == []


def test_a_failure_while_writing_leaves_the_output_byte_identical(earlier_run, tmp_path):
    """The run values the stock, then its workbook refuses a text: nothing is replaced."""
    before = snapshot(earlier_run)
    toml = tmp_path / "long.toml"
    toml.write_text(f'[categories.widgets]\nlabel_zh = "{"长" * 40_000}"\n', encoding="utf-8")
    done = evaluate(earlier_run, "--assumptions", str(toml))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines and all(line.startswith("valuation.xlsx, row ") for line in lines), lines
    assert "the Haircuts sheet's text is 40,000 characters long" in lines[0]
    assert snapshot(earlier_run) == before
    assert leftovers(tmp_path) == []


def test_a_parent_that_cannot_be_written_after_a_good_run(tmp_path):
    parent = tmp_path / "reports"
    parent.mkdir()
    out = parent / "out"
    assert evaluate(out).returncode == 0
    before = snapshot(parent)
    with unwritable(parent):
        done = evaluate(out, "--format", "csv")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{parent}: cannot be written to (permission denied), so the output folder {out} "
        "cannot be made there"
    )
    assert snapshot(parent) == before


def test_a_parent_that_cannot_be_written_exits_2_before_the_valuation(tmp_path):
    parent = tmp_path / "reports"
    parent.mkdir()
    with unwritable(parent):
        done = evaluate(parent / "out", "--lang", "zh")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{parent}：无法写入（没有写入权限），因此无法在此创建输出文件夹 {parent / 'out'}"
    )
    assert done.stdout == ""
    assert list(parent.iterdir()) == []


# ---------------------------------------------------------------- refused before reading


def test_out_that_is_a_file_exits_2_before_anything_is_read(tmp_path):
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"the user's own file")
    # The inventory does not exist: a run that read it would say so.
    done = evaluate(out, inventory=tmp_path / "missing.csv")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{out}: is a file, not a folder: --out names the folder the results are written to"
    )
    assert out.read_bytes() == b"the user's own file"
    assert leftovers(tmp_path) == []


def test_out_that_is_a_file_costs_no_valuation(tmp_path):
    """A million scenarios: a run that valued would take long or outgrow the child's memory."""
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"x")
    start = time.monotonic()
    done = run_cli(["evaluate", str(SAMPLE), "--out", str(out), "--scenarios", "1000000"])
    elapsed = time.monotonic() - start
    assert done.returncode == 2, done.stderr
    assert "is a file, not a folder" in done.stderr
    assert "[" not in done.stderr  # no progress bar: nothing was valued
    assert elapsed < 30, elapsed  # an interpreter's start, and no more


def test_a_folder_of_the_users_own_files_is_never_replaced(tmp_path):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(mine)
    done = evaluate(mine)
    assert done.returncode == 2
    assert f"no {MARKER} file" in done.stderr
    assert snapshot(mine) == before


def test_an_input_inside_the_output_folder_is_refused(earlier_run):
    inventory = earlier_run / "stock.csv"
    inventory.write_bytes(SAMPLE.read_bytes())
    before = snapshot(earlier_run)
    done = evaluate(earlier_run, inventory=inventory)
    assert done.returncode == 2
    assert "holds the input file" in done.stderr
    assert snapshot(earlier_run) == before


# ---------------------------------------------------------------------------- successful runs


def test_a_later_run_leaves_no_file_of_an_earlier_one(earlier_run, tmp_path):
    assert evaluate(earlier_run, "--format", "csv").returncode == 0
    assert listing(earlier_run) == sorted([MARKER, *CSVS])  # no stress.csv, no workbook
    assert evaluate(earlier_run, "--format", "parquet").returncode == 0
    parquet = [name.replace(".csv", ".parquet") for name in CSVS]
    assert listing(earlier_run) == sorted([MARKER, *parquet])
    assert leftovers(tmp_path) == []


def test_missing_parents_are_made(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    assert evaluate(out, "--format", "csv").returncode == 0
    assert listing(out) == sorted([MARKER, *CSVS])
    assert leftovers(tmp_path) == []


def texts(series: pd.Series, *, from_csv: bool) -> list:
    """Text cells to compare: missing and "" as None; a CSV's quote before a trigger undone."""
    cells = []
    for cell in series.astype(object):
        if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)):
            cells.append(None)
        elif from_csv and cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS):
            cells.append(cell[1:])
        else:
            cells.append(cell or None)
    return cells


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_parquet_reads_back_equal_to_the_csv(tmp_path, lang):
    csvs, parquets = tmp_path / "csv", tmp_path / "parquet"
    for out, form in ((csvs, "csv"), (parquets, "parquet")):
        assert evaluate(out, "--stress", "--format", form, "--lang", lang).returncode == 0
    names = ["borrowing_base", "lots", "mix", "options", "sensitivity", "stress"]
    assert listing(parquets) == sorted([MARKER, *(f"{n}.parquet" for n in names)])
    for name in names:
        typed = pd.read_parquet(parquets / f"{name}.parquet")
        text = pd.read_csv(csvs / f"{name}.csv", encoding="utf-8-sig")
        assert list(typed.columns) == list(text.columns), name
        assert len(typed) == len(text), name
        for column in typed.columns:
            a, b = typed[column], text[column]
            if pd.api.types.is_bool_dtype(a) or pd.api.types.is_numeric_dtype(a):
                # Numbers stay numbers, equal to the last bit (CSV writes the shortest
                # form that reads back to the same float).
                np.testing.assert_array_equal(a.to_numpy(float), b.to_numpy(float), column)
            else:
                # Text is the same, less the CSV's quote before a trigger ("" reads from
                # a CSV as missing).
                assert texts(a, from_csv=False) == texts(b, from_csv=True), (name, column)


def test_a_description_too_long_for_any_cell_is_refused_before_anything_is_written(tmp_path):
    # The reader refuses a cell over 1,000 characters (finance/inputs/reading.py), so an
    # input never reaches an XLSX cell's 32,767; the workbook's pointer to the CSV for a
    # longer text is tested on the writer itself (tests/test_report.py).
    inventory = tmp_path / "long.csv"
    description = "长" * 40_000
    inventory.write_text(
        "sku,category,quantity,unit_cost,unit_price,age_days,description\n"
        f"A1,apparel,10,50,80,30,{description}\nA2,copper,1,50000,70000,5,ok\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = evaluate(out, inventory=inventory)
    assert done.returncode == 2
    assert "row 2, column 'description': the cell holds 40,000 characters" in done.stderr
    assert not out.exists()


def test_the_output_folder_is_readable_by_the_group(tmp_path):
    umask = os.umask(0o022)
    try:
        assert evaluate(tmp_path / "out", "--format", "csv").returncode == 0
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
