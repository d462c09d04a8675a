"""The lender's book: shared scenarios, Dask, double pledges, broken borrowers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import evaluate
from finance.book import double_pledges, read_manifest, value_book
from finance.book.book import expected_shortfall
from finance.book.manifest import Manifest
from finance.cli import main
from finance.collateral.lots import prepare_lots
from finance.evaluate import scenario_days
from finance.inputs.inventory import load_inventory
from finance.inputs.sample import write_book
from finance.market.shared import draw_shared

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    manifest = write_book(folder, 3, 30, seed=0, scenarios=500)
    return manifest


@pytest.fixture(scope="module")
def book(book_dir, client):
    return value_book(read_manifest(book_dir), client=client)


def test_one_borrower_shared_set_is_its_own_valuation(book_dir):
    """Shared scenarios drawn for one borrower alone give exactly its plain evaluate."""
    b = read_manifest(book_dir).borrowers[0]
    a = b.assumptions
    lots = load_inventory(b.inventory)
    days = scenario_days(prepare_lots(lots, a.categories, a.valuation_date), a)
    shared = draw_shared(
        days.categories, days.grid, days.assessed, days.horizons, a.correlation, 500, a.seed
    )
    plain, on_shared = evaluate(lots, a), evaluate(lots, a, scenarios=shared)
    pd.testing.assert_frame_equal(plain.lots, on_shared.lots)
    pd.testing.assert_frame_equal(plain.options, on_shared.options)
    assert np.array_equal(plain.pledge_loan.lender_losses, on_shared.pledge_loan.lender_losses)
    assert plain.pledge_loan.lender_losses.mean() == pytest.approx(
        plain.pledge_loan.lender_expected_loss, rel=1e-12
    )


def test_book_rows_equal_standalone_evaluate_on_the_shared_scenarios(book_dir, book):
    table = book.book_table().set_index("borrower")
    for b in read_manifest(book_dir).borrowers:
        alone = evaluate(load_inventory(b.inventory), b.assumptions, scenarios=book.shared)
        row = table.loc[b.name]
        assert row["market_value"] == alone.summary["market_value"]
        assert row["borrowing_base"] == alone.summary["borrowing_base"]
        assert row["lender_expected_loss"] == alone.pledge_loan.lender_expected_loss
        p = alone.pledge_loan.triggers.set_index("line")["probability"]
        assert row["p_forced_sale"] == p["forced_sale_line"]
        assert row["coverage"] == pytest.approx(alone.summary["eligible_value"] / b.loan)
        assert np.array_equal(book.valued[b.name].lender_losses, alone.pledge_loan.lender_losses)


def test_missing_category_or_day_is_a_clear_error(book_dir, book):
    b = read_manifest(book_dir).borrowers[0]
    lots = load_inventory(b.inventory)
    with pytest.raises(ValueError, match="not in the shared scenarios"):
        book.shared.for_valuation(("no_such_category",), np.array([1]))
    with pytest.raises(ValueError, match="day 99999 not in the shared scenarios"):
        book.shared.for_valuation(book.shared.categories[:1], np.array([99999]))
    with pytest.raises(ValueError, match="scenarios"):
        evaluate(lots, b.assumptions.__class__(**{**vars_of(b.assumptions), "scenarios": 400}),
                 scenarios=book.shared)  # fmt: skip


def vars_of(a):
    return {f: getattr(a, f) for f in a.__dataclass_fields__}


def test_book_quantile_between_largest_borrower_and_sum(book):
    # Not a theorem (a quantile is not subadditive: docs/model.md, "The book"), but this
    # book's losses overlap enough in the tail for both bounds to hold.
    losses = book.losses
    own = [v.lender_losses for v in book.valued.values()]
    assert np.allclose(losses, np.sum(own, axis=0))
    q99 = np.quantile(losses, 0.99)
    singles = [np.quantile(x, 0.99) for x in own]
    assert max(singles) <= q99 <= sum(singles) + 1e-9
    assert q99 > 0
    loss = book.loss_table().set_index("statistic")
    assert loss.loc["p99", "book"] == q99
    assert loss.loc["p99", "diversification"] == pytest.approx(sum(singles) - q99)


def test_double_pledge_across_files_and_exposures(book):
    dp = book.double_pledges
    assert list(dp.columns) == ["warehouse", "batch", "sku", "borrowers"]
    assert len(dp) == 2
    assert set(dp["borrowers"]) == {"borrower_01; borrower_02"}
    exposure = book.exposure_table()
    assert set(exposure["by"]) == {"category", "warehouse"}
    total = sum(v.row["market_value"] for v in book.valued.values())
    for by in ("category", "warehouse"):
        assert exposure.loc[exposure["by"] == by, "market_value"].sum() == pytest.approx(total)


def test_progress_counts_the_borrowers_as_they_complete(book_dir, book, client):
    calls = []
    again = value_book(read_manifest(book_dir), client=client, progress=lambda *c: calls.append(c))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert again.book_table().equals(book.book_table())  # in the manifest's order still


def test_double_pledges_of_three_borrowers_and_by_sku(book):
    lots = {
        "a": pd.DataFrame({"warehouse": ["W1", "W1", "W2"], "batch": ["B1", "", ""],
                           "sku": ["S1", "S2", "S3"]}),
        "b": pd.DataFrame({"warehouse": ["W1", "W1", ""], "batch": ["B1", "", ""],
                           "sku": ["S9", "S2", "S3"]}),
        "c": pd.DataFrame({"warehouse": ["W1"], "batch": ["B1"], "sku": ["S1"]}),
    }  # fmt: skip
    found = double_pledges(lots)
    assert found.values.tolist() == [["W1", "", "S2", "a; b"], ["W1", "B1", "S1; S9", "a; b; c"]]


def _copy_book(book_dir: Path, target: Path) -> Path:
    shutil.copytree(book_dir.parent, target)
    return target / "manifest.toml"


def test_repeated_row_in_one_file_is_a_duplicate_not_a_double_pledge(book_dir, tmp_path, client):
    manifest = _copy_book(book_dir, tmp_path / "dup")
    path = manifest.parent / "borrower_03.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([*lines, lines[5]]) + "\n", encoding="utf-8-sig")
    result = value_book(read_manifest(manifest), client=client)
    assert "borrower_03" in result.failed
    assert any(p.code == "problem.duplicate_lot" for p in result.failed["borrower_03"])
    assert not result.double_pledges["borrowers"].str.contains("borrower_03").any()
    assert set(result.valued) == {"borrower_01", "borrower_02"}


def test_broken_borrower_leaves_the_others_and_all_broken_exits_2(book_dir, tmp_path, capsys):
    manifest = _copy_book(book_dir, tmp_path / "broken")
    bad = manifest.parent / "borrower_02.csv"
    text = bad.read_text(encoding="utf-8-sig").splitlines()
    header = text[0].split(",")
    q = header.index("quantity")
    for i in (1, 2):
        cells = text[i].split(",")
        cells[q] = "many"
        text[i] = ",".join(cells)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    out = tmp_path / "out"
    assert main(["book", str(manifest), "--out", str(out), "--workers", "1"]) == 0
    table = pd.read_csv(out / "book.csv", encoding="utf-8-sig", keep_default_na=False)
    broken = table.set_index("borrower").loc["borrower_02"]
    assert "row 2" in broken["problems"] and "row 3" in broken["problems"]
    assert table.set_index("borrower").loc["borrower_01", "market_value"] != ""

    # Every borrower broken: exit 2, every problem on stderr, the output kept as it was.
    for name in ("borrower_01", "borrower_03"):
        shutil.copy(bad, manifest.parent / f"{name}.csv")
    before = (out / "book.csv").read_bytes()
    capsys.readouterr()
    assert main(["book", str(manifest), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("many") >= 6 and "Traceback" not in err
    assert (out / "book.csv").read_bytes() == before


def test_chinese_output_and_bad_manifest(book_dir, tmp_path, capsys):
    manifest = _copy_book(book_dir, tmp_path / "zh")
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("loan = ", "loan = -", 1), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["book", str(manifest), "--out", str(out), "--lang", "zh", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "贷款组合" in printed and "重复质押" not in printed.split("\n")[-3]
    table = pd.read_csv(out / "book.csv", encoding="utf-8-sig", keep_default_na=False)
    first = table.set_index("borrower").loc["borrower_01", "problems"]
    assert "贷款金额" in first and "borrower[1].loan" in first
    assert "覆盖率" in table.set_index("borrower").loc["borrower_02", "alerts"]

    empty = tmp_path / "empty.toml"
    empty.write_text("scenarios = 500\n", encoding="utf-8")
    assert main(["book", str(empty), "--out", str(out), "--lang", "zh"]) == 2
    assert "[[borrower]]" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_separate_scheduler_and_worker_processes_give_the_same_book(book_dir, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    common = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--dashboard-address", ":0", "--no-show"], **common,
    )  # fmt: skip
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
    workers = [subprocess.Popen([*worker, "--no-dashboard"], **common) for _ in range(2)]
    try:
        with Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
            paths = c.run(lambda: __import__("finance").__file__)
            assert all(p.startswith(str(ROOT)) for p in paths.values())
        remote, local = tmp_path / "remote", tmp_path / "local"
        assert main(["book", str(book_dir), "--out", str(remote), "--scheduler", address]) == 0
        assert main(["book", str(book_dir), "--out", str(local), "--workers", "2"]) == 0
        for name in ("book", "book_exposure", "book_loss", "double_pledges"):
            assert (remote / f"{name}.csv").read_bytes() == (local / f"{name}.csv").read_bytes()
    finally:
        for proc in [*workers, scheduler]:
            proc.terminate()
        deadline = time.time() + 20
        for proc in [*workers, scheduler]:
            try:
                proc.wait(timeout=max(deadline - time.time(), 1))
            except subprocess.TimeoutExpired:
                proc.kill()


def test_sample_book_command(tmp_path, capsys):
    assert main(["sample", "--book", "2", "--lots", "5", "--out", str(tmp_path / "b")]) == 0
    manifest = read_manifest(tmp_path / "b" / "manifest.toml")
    assert isinstance(manifest, Manifest) and len(manifest.borrowers) == 2
    assert re.search(r"2 borrowers", capsys.readouterr().out)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.floats(0.0, 1e6), min_size=50, max_size=50), min_size=1, max_size=5),
    st.sampled_from([0.9, 0.95, 0.99]),
)
def test_expected_shortfall_lies_between_the_largest_part_and_the_sum(parts, level):
    # Losses that add up scenario by scenario: the book's expected shortfall is at least
    # each borrower's (monotone) and at most their sum (subadditive), whatever the losses.
    own = [np.array(p) for p in parts]
    book = np.sum(own, axis=0)
    es = expected_shortfall(book, level)
    singles = [expected_shortfall(x, level) for x in own]
    assert max(singles) <= es + 1e-6 * (1 + es)
    assert es <= sum(singles) + 1e-6 * (1 + sum(singles))


@pytest.mark.parametrize(
    ("losses", "level", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 0.5, 3.5),  # the worst 2 of 4
        ([5.0] + [0.0] * 99, 0.99, 5.0),  # the worst 1 of 100
        ([5.0, 3.0] + [0.0] * 98, 0.98, 4.0),
    ],
)
def test_expected_shortfall_by_hand(losses, level, expected):
    assert expected_shortfall(np.array(losses), level) == pytest.approx(expected)


def test_the_book_reports_expected_shortfalls(book):
    loss = book.loss_table().set_index("statistic")
    own = [v.lender_losses for v in book.valued.values()]
    for statistic, level in (("es95", 0.95), ("es99", 0.99)):
        assert loss.loc[statistic, "book"] == pytest.approx(expected_shortfall(book.losses, level))
        assert loss.loc[statistic, "diversification"] >= -1e-9
        assert loss.loc[statistic, "book"] >= max(expected_shortfall(x, level) for x in own) - 1e-9
