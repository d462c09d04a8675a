"""The run history (finance.history.store), the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from finance import evaluate, load_inventory, parse_assumptions
from finance.history.store import (
    RUN_COLUMNS,
    Store,
    StoreError,
    jsonable,
    open_store,
    package_version,
)
from finance.inputs.sample import generate_inventory, write_inventory

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_inventory.csv"


@pytest.fixture(scope="module")
def valued():
    """The sample inventory valued quickly: (result, assumptions, inventory bytes)."""
    assumptions = parse_assumptions({"scenarios": 300, "valuation_date": "2026-11-24"})
    data = SAMPLE.read_bytes()
    lots = load_inventory(data, name=SAMPLE.name)
    return evaluate(lots, assumptions), assumptions, data


def _record(store: Store, valued, borrower: str = "Acme", **kwargs) -> int:
    result, assumptions, data = valued
    return store.record_run(
        result, assumptions, data, borrower=borrower, user="alice",
        inventory_name=SAMPLE.name, **kwargs,
    )  # fmt: skip


def test_a_new_database_is_migrated_on_first_use(database_url):
    with open_store(database_url) as store:
        names = inspect(store.engine).get_table_names()
        assert {"runs", "reviews", "roles", "alembic_version"} <= set(names)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        runs = store.runs()
        assert runs.empty and list(runs.columns) == list(RUN_COLUMNS)
    # Opening it again finds it migrated and changes nothing.
    with open_store(database_url) as store:
        assert store.runs().empty


def test_a_run_is_kept_whole(database_url, valued):
    result, _, data = valued
    before = dt.datetime.now(dt.UTC)
    alerts = [{"code": "concentration", "sku": "A-1", "share": 0.31}]
    with open_store(database_url) as store:
        run_id = _record(store, valued, alerts=alerts)
        run = store.load_run(run_id)
    assert run.id == run_id and run.borrower == "Acme" and run.user == "alice"
    assert run.valuation_date == dt.date(2026, 11, 24)
    assert run.created_at.tzinfo is not None and run.created_at.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=5) <= run.created_at <= dt.datetime.now(dt.UTC)
    assert run.package_version == package_version()
    assert run.inventory == data and run.inventory_name == SAMPLE.name
    assert run.inventory_sha256 == hashlib.sha256(data).hexdigest()
    toml = run.assumptions_toml.encode("utf-8")
    assert run.assumptions_sha256 == hashlib.sha256(toml).hexdigest()
    assert run.summary == jsonable(result.summary)
    pd.testing.assert_frame_equal(run.options, result.options)
    pd.testing.assert_frame_equal(run.lots, result.lots)
    pd.testing.assert_frame_equal(run.mix, result.mix)
    assert run.certificate["line"].iloc[0] == "gross_inventory"
    assert run.certificate["amount"].iloc[0] == pytest.approx(result.summary["market_value"])
    assert run.borrowing_base == result.summary["borrowing_base"]
    assert run.eligible_value == result.summary["eligible_value"]
    assert run.recommended_option == result.summary["recommended_option"]
    assert run.coverage == pytest.approx(result.pledge_loan.coverage)
    assert run.alerts == alerts


def test_a_stored_run_values_again_to_the_same_summary(database_url, valued):
    with open_store(database_url) as store:
        run = store.load_run(_record(store, valued))
    assumptions = run.load_assumptions()
    again = evaluate(run.load_inventory(assumptions), assumptions)
    assert jsonable(again.summary) == run.summary
    pd.testing.assert_frame_equal(again.options, run.options)


def test_runs_are_appended_never_updated(database_url, valued):
    with open_store(database_url) as store:
        first = _record(store, valued)
        second = _record(store, valued)
        runs = store.runs()
    assert second > first
    assert list(runs["id"]) == [first, second]
    # Identical inputs: the same hashes, two rows all the same.
    assert runs["inventory_sha256"].nunique() == 1 and runs["assumptions_sha256"].nunique() == 1
    assert not [n for n in dir(Store) if n.startswith(("update", "delete", "remove", "set_"))]


def test_runs_of_a_borrower_and_the_previous_run(database_url, valued):
    with open_store(database_url) as store:
        a1 = _record(store, valued, "Acme")
        b1 = _record(store, valued, "Bolt")
        a2 = _record(store, valued, "Acme", alerts=[{"code": "collateral_change", "change": 0.12}])
        listed = store.runs("Acme")
        assert list(listed["id"]) == [a1, a2]
        assert list(listed["alerts"]) == [[], [{"code": "collateral_change", "change": 0.12}]]
        assert list(store.runs()["borrower"]) == ["Acme", "Bolt", "Acme"]
        assert store.runs("Nobody").empty
        assert store.previous_run("Acme", a2).id == a1
        assert store.previous_run("Acme", a1) is None
        assert store.previous_run("Bolt", a2).id == b1
        with pytest.raises(KeyError):
            store.load_run(a2 + 100)


def test_bad_arguments_are_refused(database_url, valued):
    with open_store(database_url) as store:
        with pytest.raises(ValueError, match="borrower"):
            _record(store, valued, "  ")
        with pytest.raises(TypeError, match="code"):
            _record(store, valued, alerts=[{"sku": "A"}])
        assert store.runs().empty


def test_threads_recording_at_once_lose_nothing(database_url, valued):
    threads, each = 4, 5
    errors: list[BaseException] = []
    with open_store(database_url) as shared:

        def work(k: int) -> None:
            try:
                # Half the threads share one store (one engine, its pool), half open their own.
                store = shared if k % 2 else open_store(database_url)
                for _ in range(each):
                    _record(store, valued, f"thread-{k}")
                if store is not shared:
                    store.close()
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert not errors
        runs = shared.runs()
    assert len(runs) == threads * each and runs["id"].is_unique
    counts = runs["borrower"].value_counts().to_dict()
    assert counts == {f"thread-{k}": each for k in range(threads)}


_WORKER = textwrap.dedent(
    """
    import sys
    from finance import evaluate, load_inventory, parse_assumptions
    from finance.history.store import open_store

    url, path, borrower, count = sys.argv[1:]
    assumptions = parse_assumptions({"scenarios": 100, "valuation_date": "2026-11-24"})
    data = open(path, "rb").read()
    result = evaluate(load_inventory(data, name="stock.csv"), assumptions)
    with open_store(url) as store:  # the database is new: both processes migrate it
        for _ in range(int(count)):
            store.record_run(result, assumptions, data, borrower=borrower, user="worker")
    """
)


def test_processes_recording_at_once_lose_nothing(database_url, tmp_path):
    stock = tmp_path / "stock.csv"
    write_inventory(generate_inventory(15, seed=3), stock)
    each = 10
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, database_url, str(stock), f"proc-{k}", str(each)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with open_store(database_url) as store:
        runs = store.runs()
    assert len(runs) == 2 * each and runs["id"].is_unique
    assert runs["borrower"].value_counts().to_dict() == {"proc-0": each, "proc-1": each}


def test_a_database_that_cannot_be_opened_names_its_url_without_the_password(tmp_path):
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://bob:s3cret@127.0.0.1:1/runs")
    message = str(caught.value)
    assert "postgresql+psycopg://bob:***@127.0.0.1:1/runs" in message
    assert "s3cret" not in message and "\n" not in message
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url")
    with pytest.raises(StoreError, match="no such file"):
        open_store(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    with pytest.raises(StoreError, match="in-memory"):
        open_store("sqlite://")
    with pytest.raises(StoreError, match=r"sqlite:///.*nowhere"):
        open_store(f"sqlite:///{tmp_path / 'nowhere' / 'runs.db'}")


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'runs.db'}") as store, store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_stored_run_gives_the_alerts_its_result_gives(tmp_path, valued):
    # view_of reads a RunView back from a stored run: the same alerts as the result's own
    # view, and a stored alert is said in either language without its parameters.
    from finance.history import alerts, as_record, record_message, run_view, view_of
    from finance.locale import render

    result = valued[0]
    strict = parse_assumptions(
        {"scenarios": 300, "valuation_date": "2026-11-24", "concentration_limit": 0.05}
    )
    with open_store(f"sqlite:///{tmp_path / 'runs.db'}") as store:
        first = store.load_run(_record(store, valued))
        view = view_of(first)
        direct = run_view(result, "Acme")
        assert view.loan == pytest.approx(direct.loan) and view.loan > 0
        assert view.coverage == pytest.approx(direct.coverage)
        assert (view.warning_line, view.top_up_line, view.forced_sale_line) == (
            direct.warning_line, direct.top_up_line, direct.forced_sale_line,
        )  # fmt: skip
        found = alerts(view, view_of(first, strict), strict)
        assert found == alerts(direct, run_view(result, "Acme"), strict)
        assert found and {a.code for a in found} == {"concentration"}
        second = store.load_run(_record(store, valued, alerts=[as_record(a) for a in found]))
    stored = second.alerts[0]
    assert stored["code"] == "concentration" and stored["message"] == str(found[0].message)
    assert record_message(stored, "zh") == render(found[0].message, "zh")
    assert "集中度上限" in record_message(stored, "zh")
    assert record_message(stored, "en") == str(found[0].message)
    # An alert recorded without its words: the code's name in the language.
    assert record_message({"code": "warning_line"}, "zh") == "触及警戒线"
