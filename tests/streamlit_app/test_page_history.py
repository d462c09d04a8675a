"""The run history in the app: saving on the Export page, the History page.

Every test has its own database (``FINANCE_DB_URL`` on a temporary SQLite file: the
``run_database`` fixture of conftest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from finance.history import record_message, rollforward
from finance.history.store import open_store
from streamlit_app.conftest import page_path
from streamlit_app.support import DOC, SAMPLE_TEXT, T0
from ui import compute, history
from ui.i18n import catalog
from ui.state import ASSUMPTIONS, BORROWER, BORROWER_INPUT, INVENTORY, LANG, SAVE_RUN

#: The second valuation: four months later, 200 of the sample's lots, the first five of
#: them aged past any limit and ten of them damaged (they turn ineligible), the others held
#: in half their quantity or more.
LATER = {**DOC, "valuation_date": T0 + dt.timedelta(days=120)}


def later_stock() -> bytes:
    frame = pd.read_csv(io.StringIO(SAMPLE_TEXT), dtype=str, keep_default_na=False).head(200)
    frame.loc[:4, "age_days"] = "5000"
    frame.loc[5:14, "damaged"] = "True"
    frame.loc[20:80, "quantity"] = [f"{float(q) * 0.5:.3f}" for q in frame.loc[20:80, "quantity"]]
    return frame.to_csv(index=False).encode("utf-8")


def _save(at: AppTest, borrower: str) -> None:
    at.text_input(key=BORROWER_INPUT).input(borrower).run()
    at.button(key=SAVE_RUN).click().run()
    assert not at.exception, [e.message for e in at.exception]


@pytest.fixture
def two_runs(open_page) -> AppTest:
    """A session that saved the sample, then 200 of its lots four months later, for Acme."""
    at = open_page("export")
    _save(at, "Acme")
    assert [s.value for s in at.success] == ["Saved as run 1 for Acme."]
    at.session_state[ASSUMPTIONS] = LATER
    at.session_state[INVENTORY] = compute.as_upload("stock.csv", later_stock())
    at.run()
    at.button(key=SAVE_RUN).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == ["Saved as run 2 for Acme."]
    return at


def test_saving_records_runs_with_their_inputs_and_alerts(two_runs, run_database):
    at = two_runs
    assert at.session_state[BORROWER] == "Acme"  # remembered for the next save
    with open_store(run_database) as store:
        runs = store.runs("Acme")
        assert list(runs["id"]) == [1, 2]
        first, second = store.load_run(1), store.load_run(2)
    assert first.inventory == compute.sample_upload()[1] and first.inventory_name.endswith(
        "sample_inventory.csv"
    )
    assert second.inventory == later_stock() and second.inventory_name == "stock.csv"
    assert second.valuation_date == LATER["valuation_date"]
    assert second.load_assumptions().valuation_date == LATER["valuation_date"]
    assert second.user == history.current_user()
    # The second run's alerts are against the first, shown under the success message.
    codes = [a["code"] for a in second.alerts]
    assert "collateral_change" in codes and "turned_ineligible" in codes
    shown = at.warning[-1].value
    assert shown.startswith(f"{len(codes)} alert(s):")
    for alert in second.alerts:
        assert record_message(alert, "en") in shown.replace("\\", "")


def test_saving_twice_appends(open_page, run_database):
    at = open_page("export")
    _save(at, "Acme")
    at.button(key=SAVE_RUN).click().run()
    assert [s.value for s in at.success] == ["Saved as run 2 for Acme."]
    with open_store(run_database) as store:
        assert list(store.runs()["id"]) == [1, 2]


def test_saving_needs_a_borrower(open_page, run_database):
    at = open_page("export")
    at.button(key=SAVE_RUN).click().run()
    assert [w.value for w in at.warning] == [catalog("en")["history.save_needs_borrower"]]
    with open_store(run_database) as store:
        assert store.runs().empty


def test_the_history_page_lists_the_runs_and_reconciles(two_runs, run_database):
    at = two_runs
    at.switch_page(page_path("history")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "History"
    assert at.selectbox(key="history_borrower_pick").value == "Acme"
    listed = at.dataframe[0].value
    assert list(listed["id"]) == [1, 2]
    assert list(listed["valuation_date"]) == [T0.isoformat(), LATER["valuation_date"].isoformat()]
    assert "Collateral change" in listed["alerts"].iloc[1]
    assert listed["alerts"].iloc[0] in ("", "Concentration")  # a first run: no change alerts
    assert all(re.fullmatch(r"[0-9a-f]{12}", h) for h in listed["inventory_hash"])
    # The latest run's alerts, in words.
    with open_store(run_database) as store:
        first, second = store.load_run(1), store.load_run(2)
    assert [w.value for w in at.warning] == [record_message(a, "en") for a in second.alerts]

    # The roll-forward, run 1 to run 2 by default: its lines add up to the closing figures.
    table = at.dataframe[1].value
    assert table["line"].iloc[0] == "Opening" and table["line"].iloc[-1] == "Closing"
    assert {"Sold or removed", "Quantity change", "Turned ineligible: Damaged"} <= set(
        table["line"]
    )
    for column in ("eligible_value", "borrowing_base"):
        moves = table[column].iloc[1:-1].sum()
        # Rounded to the cent line by line: within a cent a line of the closing figure.
        assert table[column].iloc[0] + moves == pytest.approx(
            table[column].iloc[-1], abs=0.01 * len(table)
        )
        exact = rollforward(first.lots, second.lots)[column]
        assert exact.iloc[0] + exact.iloc[1:-1].sum() == pytest.approx(exact.iloc[-1], abs=0.005)
        assert table[column].iloc[0] == pytest.approx(
            {"eligible_value": first.eligible_value, "borrowing_base": first.borrowing_base}[
                column
            ],
            abs=0.005,
        )
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["rollforward.csv", "Credit memo of run 2 (PDF)"]


def test_a_run_memo_is_the_stored_run_valued_again(two_runs):
    pdf = history.memo_pdf(1, "en", history.db_url())
    assert pdf.startswith(b"%PDF-")


def test_the_history_page_in_chinese(two_runs, run_database):
    at = two_runs
    at.session_state[LANG] = "zh"
    at.switch_page(page_path("history")).run()
    assert not at.exception, [e.message for e in at.exception]
    zh = catalog("zh")
    assert at.title[0].value == zh["history.title"]
    with open_store(run_database) as store:
        second = store.load_run(2)
    shown = [w.value for w in at.warning]
    assert shown == [record_message(a, "zh") for a in second.alerts]
    for text in shown:
        # No English word but codes (SKUs, the currency) in a Chinese alert.
        words = re.findall(r"[A-Za-z]{3,}", re.sub(r"[A-Z0-9]+-[A-Z0-9-]+", "", text))
        assert set(words) <= {"CNY", "SKU"}, text
        assert re.search(r"[\u4e00-\u9fff]", text), text
    listed = at.dataframe[0].value
    assert zh["history.alert.collateral_change"] in listed["alerts"].iloc[1]
    table = at.dataframe[1].value
    assert table["line"].iloc[0] == zh["history.line.opening"]


def test_an_empty_history_points_to_the_export_page(open_page):
    at = open_page("history")
    assert [i.value for i in at.info] == [catalog("en")["history.empty"]]


def test_a_database_that_cannot_be_opened_is_said(open_page, monkeypatch):
    monkeypatch.setenv("FINANCE_DB_URL", "nonsense://")
    at = open_page("history", lang="zh")
    assert len(at.error) == 1 and "nonsense" in at.error[0].value
