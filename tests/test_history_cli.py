"""``evaluate --db --borrower`` and ``history``: on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from finance.cli import DEFAULT_DB, main
from finance.history.store import DEFAULT_URL, open_store
from finance.inputs.sample import generate_inventory, write_inventory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stock(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stock") / "stock.csv"
    write_inventory(generate_inventory(25, seed=5), path)
    return path


def _evaluate(stock: Path, out: Path, *extra: str) -> list[str]:
    return ["evaluate", str(stock), "--out", str(out), "--format", "csv", "--scenarios", "100",
            "--valuation-date", "2026-11-24", *extra]  # fmt: skip


def test_the_default_database_is_the_stores(stock):
    assert DEFAULT_DB == DEFAULT_URL


def test_evaluate_records_and_history_lists(database_url, stock, tmp_path, capsys):
    assert main(_evaluate(stock, tmp_path / "o", "--db", database_url, "--borrower", "Acme")) == 0
    shown = open_store(database_url).url
    assert f"Recorded run 1 for Acme in {shown}" in capsys.readouterr().out
    args = _evaluate(stock, tmp_path / "o", "--db", database_url, "--borrower", "Bolt", "--json")
    assert main(args) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # stdout is the JSON only
    assert f"Recorded run 2 for Bolt in {shown}" in err

    assert main(["history", "--db", database_url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [1, 2] and [r["borrower"] for r in rows] == ["Acme", "Bolt"]
    for key in ("id", "borrower", "valuation_date", "borrowing_base", "eligible_value",
                "recommended_option", "alerts"):  # fmt: skip
        assert key in rows[0]
    assert rows[0]["valuation_date"] == "2026-11-24" and rows[0]["alerts"] == []
    assert rows[0]["inventory_sha256"] == rows[1]["inventory_sha256"]

    assert main(["history", "--db", database_url, "--borrower", "Bolt"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"Runs in {shown}"
    assert "borrowing base" in text and "Bolt" in text and "Acme" not in text
    assert rows[1]["inventory_sha256"][:12] in text
    assert rows[1]["inventory_sha256"][:13] not in text

    assert main(["history", "--db", database_url, "--lang", "zh"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"估值记录：{shown}" and "可贷额度" in text

    assert main(["history", "--db", database_url, "--borrower", "Nobody"]) == 0
    assert "No runs recorded for Nobody" in capsys.readouterr().out


def test_db_without_a_url_is_valuations_db_in_the_working_folder(
    stock, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(_evaluate(stock, tmp_path / "o", "--borrower", "Acme", "--db")) == 0
    assert "Recorded run 1 for Acme in sqlite:///valuations.db" in capsys.readouterr().out
    assert (tmp_path / "valuations.db").is_file()
    assert main(["history", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_borrower_is_required_with_db(stock, tmp_path, capsys, monkeypatch, lang):
    monkeypatch.chdir(tmp_path)
    assert main([*_evaluate(stock, tmp_path / "o", "--db"), "--lang", lang]) == 2
    err = capsys.readouterr().err.strip()
    assert ("--borrower NAME is required with --db" if lang == "en" else "必须用 --borrower") in err
    assert main([*_evaluate(stock, tmp_path / "o", "--borrower", "A"), "--lang", lang]) == 2
    assert "--borrower" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "valuations.db").exists()


def test_a_database_that_cannot_be_opened_is_one_line_without_the_password(stock, tmp_path, capsys):
    url = "postgresql+psycopg://bob:s3cret@127.0.0.1:1/runs"
    assert main(_evaluate(stock, tmp_path / "o", "--db", url, "--borrower", "A")) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and "s3cret" not in err
    assert err.startswith("--db: cannot open the run database postgresql+psycopg://bob:***@")
    assert not (tmp_path / "o").exists()  # checked before anything was valued

    missing = f"sqlite:///{tmp_path / 'never.db'}"
    assert main(["history", "--db", missing, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "无法打开估值记录数据库" in err
    assert not (tmp_path / "never.db").exists()
    assert main(["history", "--db", "nonsense"]) == 2
    assert "not a database URL" in capsys.readouterr().err


def test_history_from_a_process_exits_2_on_a_bad_url(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "finance", "history", "--db", "postgresql://u:pw@127.0.0.1:1/x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    err = done.stderr.strip()
    assert err.startswith("--db: cannot open the run database postgresql://u:***@127.0.0.1:1/x: ")
    assert "\n" not in err and ":pw@" not in err
