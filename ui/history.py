"""The run history as the app uses it: which database, who is signed in, saving a run.

The database is the one ``FINANCE_DB_URL`` names (a SQLAlchemy URL, e.g.
``sqlite:////srv/finance/valuations.db`` or ``postgresql+psycopg://user:pass@host/db``),
else ``sqlite:///valuations.db`` in the server's working folder. One
:class:`finance.history.store.Store` per process and URL (``st.cache_resource``): its
connection pool is shared by every session; SQLite runs in WAL mode with a busy timeout,
so sessions saving at once wait for each other.

The figures all come from ``finance``; this module only chooses the database and reads runs
back (cached by id: a run never changes once recorded). The user recorded on a run is
:func:`ui.auth.current_user`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from ui.auth import current_user
from ui.compute import CACHE_TTL

if TYPE_CHECKING:  # the run database's modules are imported when a page first uses them
    from finance import Assumptions, ValuationResult
    from finance.history.store import Store, StoredRun

#: The database the app uses when ``FINANCE_DB_URL`` names none (as
#: :data:`finance.history.store.DEFAULT_URL`, without importing SQLAlchemy to say so).
DEFAULT_URL = "sqlite:///valuations.db"

#: The environment variable that names the run database.
DB_ENV = "FINANCE_DB_URL"


def db_configured() -> bool:
    """Whether ``FINANCE_DB_URL`` names a database (a team's), not the default file."""
    return bool(os.environ.get(DB_ENV, "").strip())


def db_url() -> str:
    """The run database's URL: ``$FINANCE_DB_URL``, else ``sqlite:///valuations.db``."""
    return os.environ.get(DB_ENV, "").strip() or DEFAULT_URL


# Bounded and renewed hourly like every cache of the app (tests/streamlit_app/
# test_server_config.py): a renewed store opens its own engine.
@st.cache_resource(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _store(url: str) -> Store:
    from finance.history.store import open_store

    return open_store(url)


def store() -> Store:
    """The process's store for :func:`db_url` (opened, and migrated if new, on first use).

    Raises
    ------
    finance.history.store.StoreError
        The database cannot be opened (not cached: the next call tries again).
    """
    return _store(db_url())


def save_run(
    result: ValuationResult,
    assumptions: Assumptions,
    upload: tuple[str, bytes, str],
    borrower: str,
) -> tuple[int, list[dict[str, Any]]]:
    """Record the session's valuation for ``borrower``; return the run id and its alerts.

    The alerts compare the valuation with the borrower's latest run in the database (none
    for a first run) and are stored with the run, each with its words in every language.
    Saving again records another run: the history is append-only.
    """
    from finance.history.recording import record_with_alerts

    name, data, _ = upload
    run_id, _, records = record_with_alerts(
        store(), result, assumptions, data, borrower=borrower, user=current_user(),
        inventory_name=name,
    )  # fmt: skip
    return run_id, records


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_TTL)
def _load(url: str, run_id: int) -> StoredRun:
    return _store(url).load_run(run_id)


def load(run_id: int) -> StoredRun:
    """The run ``run_id`` of the current database (cached: runs are never changed)."""
    return _load(db_url(), int(run_id))


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_TTL)
def _summary(url: str, run_id: int) -> dict[str, Any]:
    return _store(url).load_run(run_id).summary


def summary(run_id: int) -> dict[str, Any]:
    """The summary of run ``run_id`` (cached apart from the runs: it is small, runs many)."""
    return _summary(db_url(), int(run_id))


def runs() -> pd.DataFrame:
    """Every run of the database, oldest first (not cached: another session may save)."""
    return store().runs()


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def _memo(url: str, run_id: int, lang: str) -> bytes:
    from finance.history.run_memo import run_memo

    return run_memo(_load(url, run_id), lang)


def memo_pdf(run_id: int, lang: str, url: str | None = None) -> bytes:
    """The credit memo of a stored run in ``lang``, valued again from its stored inputs.

    The run keeps its inventory's bytes and its whole assumptions, so valuing them again
    gives the figures it recorded. Safe on a download's own thread (no element is drawn;
    pass ``url``, read on the script's thread); cached by database, run and language.
    """
    return _memo(url or db_url(), int(run_id), lang)
