"""AppTest fixtures: the app with a pinned valuation date and a light scenario count."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from finance import evaluate, load_inventory, parse_assumptions
from streamlit_app.support import DOC, SAMPLE
from ui import history
from ui.history import DB_ENV
from ui.state import ASSUMPTIONS, LANG

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def page_path(name: str) -> str:
    """The page module's path as st.navigation knows it."""
    return f"app_pages/{name}.py"


@pytest.fixture(autouse=True)
def run_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new run database per test (``FINANCE_DB_URL``), never the working folder's."""
    url = f"sqlite:///{tmp_path / 'valuations.db'}"
    monkeypatch.setenv(DB_ENV, url)
    yield url
    # One store per process and URL: let the test's go with its folder.
    history._store.clear()


@pytest.fixture
def open_page() -> Callable[..., AppTest]:
    """Open a page of a fresh session: ``open_page("collateral", lang="zh", doc={...})``."""

    def opener(name: str, *, lang: str = "en", doc: dict | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state[LANG] = lang
        at.session_state[ASSUMPTIONS] = {**DOC, **(doc or {})}
        at.run()
        if name != "inventory":
            at.switch_page(page_path(name)).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return opener


@pytest.fixture(scope="session")
def sample_result():
    """The sample valued directly by finance with the app tests' assumptions."""
    return evaluate(load_inventory(SAMPLE), parse_assumptions(DOC))
