"""Sign-in (ui/auth.py): the landing view with [auth], the open app and the OS user without.

The sign-off itself (the History page's buttons, the sidebar's list) is test_page_signoff.py's.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from finance.history import reviews
from finance.history.identity import default_user
from finance.history.store import open_store
from ui.i18n import catalog

APP = Path(__file__).resolve().parents[2] / "app.py"
EN = catalog("en")
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "finance-app",
    "client_secret": "finance-secret",
    "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration",
}


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_without_auth_the_app_is_open_to_the_os_user():
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == EN["inventory.title"]
    line = EN["auth.user"].format(name=default_user(), role=EN["role.none"])
    assert line in _captions(at)
    assert not [b for b in at.sidebar.button if b.label == EN["auth.sign_out"]]


def test_the_role_comes_from_the_run_database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with open_store(url) as store:
        reviews.set_role(store, default_user(), "analyst")
    monkeypatch.setenv("FINANCE_DB_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception
    line = EN["auth.user"].format(name=default_user(), role=EN["role.analyst"])
    assert line in _captions(at)


def test_with_auth_nobody_gets_in_before_signing_in():
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == [EN["auth.title"]]
    assert [b.label for b in at.button] == [EN["auth.sign_in"]]
    assert not _captions(at)  # no user line before sign-in
