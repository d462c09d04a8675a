"""``evaluate --db`` alerts, ``rollforward`` and ``report``: on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finance.cli import main
from finance.history.rollforward import rollforward
from finance.history.store import open_store
from finance.inputs.sample import generate_inventory, write_inventory


@pytest.fixture(scope="module")
def month_apart(tmp_path_factory) -> tuple[Path, Path]:
    """A stock list, and the same a month later: some lots sold, some received, prices down
    20% on half of them, one lot damaged."""
    folder = tmp_path_factory.mktemp("stock")
    before = generate_inventory(30, seed=8)
    after = before.iloc[3:].copy()  # three lots sold
    after.loc[after.index[::2], "unit_price"] *= 0.8  # repriced
    after.loc[after.index[1], "damaged"] = True  # turned ineligible
    received = generate_inventory(4, seed=9).assign(sku=lambda f: "NEW-" + f["sku"])
    after = pd.concat([after, received], ignore_index=True)
    paths = folder / "before.csv", folder / "after.csv"
    write_inventory(before, paths[0])
    write_inventory(after, paths[1])
    return paths


def _record(stock: Path, date: str, db: str, out: Path, *extra: str) -> int:
    args = ["evaluate", str(stock), "--out", str(out), "--format", "csv", "--scenarios", "200",
            "--valuation-date", date, "--db", db, "--borrower", "Acme", *extra]  # fmt: skip
    return main(args)


@pytest.fixture
def two_runs(database_url, month_apart, tmp_path) -> str:
    before, after = month_apart
    assert _record(before, "2026-10-24", database_url, tmp_path / "a") == 0
    assert _record(after, "2026-11-24", database_url, tmp_path / "b") == 0
    return database_url


def test_rollforward_writes_lines_that_reconcile_to_the_cent(two_runs, tmp_path, capsys):
    capsys.readouterr()
    assert main(["rollforward", "1", "2", "--db", two_runs, "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(tmp_path / "rollforward.csv")
    assert table.columns.tolist() == ["line", "eligible_value", "borrowing_base", "lots"]
    assert table["line"].iloc[0] == "opening" and table["line"].iloc[-1] == "closing"
    for column in ("eligible_value", "borrowing_base"):
        cents = np.round(table[column].to_numpy() * 100).astype(np.int64)
        assert cents[0] + cents[1:-1].sum() == cents[-1]
    # the lines are the stored runs' roll-forward, and name what happened
    store = open_store(two_runs)
    exact = rollforward(store.load_run(1).lots, store.load_run(2).lots)
    store.close()
    np.testing.assert_allclose(table["eligible_value"], exact["eligible_value"], atol=0.05)
    moved = table.set_index("line")
    assert moved.loc["received", "lots"] == 4
    assert moved.loc["sold_or_removed", "lots"] == 3
    assert moved.loc["price_change", "eligible_value"] < 0
    assert moved.loc["turned_ineligible:damaged", "lots"] == 1
    assert "Roll-forward of Acme: run 1 (2026-10-24) to run 2 (2026-11-24)" in printed
    assert "Turned ineligible: damaged" in printed


def test_rollforward_in_chinese(two_runs, tmp_path, capsys):
    capsys.readouterr()
    args = ["rollforward", "1", "2", "--db", two_runs, "--out", str(tmp_path), "--lang", "zh"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Acme 的滚动调节：第 1 次（2026-10-24）至第 2 次（2026-11-24）" in printed
    for words in ("期初", "新入库", "售出或移除", "价格变动", "转为不合格", "期末"):
        assert words in printed


def test_the_second_run_raises_and_keeps_its_alerts(two_runs, capsys):
    capsys.readouterr()
    assert main(["history", "--db", two_runs, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert "turned_ineligible" in runs[1]["alerts"]
    assert "turned_ineligible" not in runs[0]["alerts"]
    assert main(["history", "--db", two_runs, "--json", "--lang", "zh"]) == 0
    messages = json.loads(capsys.readouterr().out)[1]["alert_messages"]
    assert any("转为不合格" in m for m in messages)


@pytest.mark.parametrize(
    ("args", "snippet"),
    [
        (["rollforward", "1", "9"], "no run 9 in"),
        (["report", "9", "--pdf", "x.pdf"], "no run 9 in"),
    ],
)
def test_an_unknown_run_is_a_clear_error(two_runs, tmp_path, capsys, args, snippet):
    capsys.readouterr()
    assert main([*args, "--db", two_runs]) == 2
    err = capsys.readouterr().err
    assert snippet in err and "Traceback" not in err


def test_runs_of_two_borrowers_do_not_roll_forward(two_runs, month_apart, tmp_path, capsys):
    other = ["evaluate", str(month_apart[0]), "--out", str(tmp_path / "c"), "--format", "csv",
             "--scenarios", "200", "--db", two_runs, "--borrower", "Bolt"]  # fmt: skip
    assert main(other) == 0
    capsys.readouterr()
    assert main(["rollforward", "1", "3", "--db", two_runs, "--out", str(tmp_path)]) == 2
    assert "runs 1 and 3 are of different borrowers (Acme, Bolt)" in capsys.readouterr().err
    assert not (tmp_path / "rollforward.csv").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize(("lang", "words"), [("en", "Borrowing base"), ("zh", "可贷额度")])
def test_report_writes_the_runs_memo(two_runs, tmp_path, capsys, lang, words):
    pdf = tmp_path / "memo.pdf"
    assert main(["report", "2", "--db", two_runs, "--pdf", str(pdf), "--lang", lang]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert words in text
    store = open_store(two_runs)
    run = store.load_run(2)
    store.close()
    assert run.inventory_sha256[:12] in text.replace("\n", "")
    # the figures valued again from the stored inputs are the stored ones
    assert f"{run.borrowing_base:,.0f}" in text
