"""Sign-in for a team, end to end: the app behind an OIDC provider, two users, one run.

``oidc-provider-mock`` serves an OpenID provider on a free port (any client id and secret
are accepted; its authorization page lets the test type the user's ``sub``, whose claims the
test set beforehand through its ``PUT /users/<sub>``). The app runs with a temporary
``secrets.toml`` (``--secrets.files``) whose ``[auth]`` points at it, and a temporary SQLite
run database (``FINANCE_DB_URL``). The flow:

1. Alice (borrower) signs in; the sidebar shows her name and role.
2. A run is saved for her and she submits it (:func:`save_and_submit`).
3. She signs out (through the provider's end-session page) and the landing view is back.
4. Bob (approver, by his ``groups`` claim) signs in, sees Alice's submission in the
   sidebar's sign-off box and approves it there (:func:`approve`).
5. Both names are on the run's sign-off (:func:`sign_off_names`).

Steps 2 and 5 go through ``finance.history`` for now: the save button and the History page
are built on another branch; each step is one function here, to be replaced by the UI's
clicks (and :func:`approve` by the History page's button) when they are joined.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from .helpers import ROOT, catalog, free_port, serve_app, wait_for_run

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytest.importorskip("oidc_provider_mock", reason="the sign-in test needs oidc-provider-mock")
pytest.importorskip("authlib", reason="st.login needs Authlib")

EN = catalog("en")
ALICE = {
    "sub": "alice@example.com",
    "email": "alice@example.com",
    "name": "Alice Borrower",
    "roles": ["borrower"],
}
BOB = {
    "sub": "bob@example.com",
    "email": "bob@example.com",
    "name": "Bob Approver",
    "groups": ["staff", "approver"],
}


def _answers(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200
    return False


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock OpenID provider's issuer URL (``http://localhost:<port>``)."""
    port = free_port()
    url = f"http://localhost:{port}"
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            end = time.monotonic() + 30
            while not _answers(f"{url}/.well-known/openid-configuration"):
                if proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"the OIDC provider did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            proc.wait(10)


def set_user(provider: str, claims: dict) -> None:
    """Tell the provider a user's claims (``sub`` names the user)."""
    body = {k: v for k, v in claims.items() if k != "sub"}
    request = urllib.request.Request(
        f"{provider}/users/{quote(claims['sub'], safe='')}",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204


@pytest.fixture(scope="module")
def team_app(
    chromium: str, provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The app with ``[auth]`` configured: (its URL on ``localhost``, its database URL)."""
    folder = tmp_path_factory.mktemp("team")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "e2e-cookie-secret-0123456789abcdef"\n'
        'client_id = "finance-app"\n'
        'client_secret = "finance-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    db_url = f"sqlite:///{folder / 'runs.db'}"
    with serve_app(
        folder / "streamlit.log",
        port=port,
        args=[f"--secrets.files={secrets}"],
        env={"FINANCE_DB_URL": db_url},
    ):
        # The browser uses the host of redirect_uri, so that the auth cookie is sent back.
        yield f"http://localhost:{port}", db_url


def sign_in(page: Page, app_url: str, provider: str, sub: str) -> None:
    """From the landing view: sign in, pick the user on the provider's page, come back."""
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("button", name=EN["auth.sign_in"]).click()
    page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/authorize"))
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(re.compile(re.escape(app_url) + r"/?(\?.*)?$"))
    wait_for_run(page)


def sign_out(page: Page, provider: str) -> None:
    """The sidebar's sign-out, through the provider's end-session page, to the landing view."""
    page.get_by_test_id("stSidebar").get_by_role("button", name=EN["auth.sign_out"]).click()
    page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name=EN["auth.sign_in"]).wait_for()


def user_line(page: Page) -> str:
    """The sidebar's line naming the signed-in user and their role."""
    line = EN["auth.user"].format(name="(.+)", role="(.+)")
    caption = page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer")
    caption.filter(has_text=re.compile(line)).first.wait_for()
    return caption.filter(has_text=re.compile(line)).first.inner_text().strip()


# The steps the History branch will do through the UI: one function each, to swap.


def save_and_submit(db_url: str, user: dict) -> int:
    """Record a run as ``user`` and submit it (later: the save button, then Submit)."""
    from finance import evaluate, load_inventory, parse_assumptions
    from finance.history.store import open_store

    sample = ROOT / "data" / "sample_inventory.csv"
    assumptions = parse_assumptions({"scenarios": 200, "valuation_date": "2026-11-24"})
    data = sample.read_bytes()
    result = evaluate(load_inventory(data, name=sample.name), assumptions)
    with open_store(db_url) as store:
        run = store.record_run(
            result, assumptions, data, borrower="Acme", user=user["email"],
            inventory_name=sample.name,
        )  # fmt: skip
        store.submit(run, user["email"], claims=user)
    return run


def approve(page: Page, run: int, submitter: dict) -> None:
    """The signed-in approver approves the run in the sidebar's sign-off box.

    (Later: the History page's Approve button.)
    """
    from playwright.sync_api import expect

    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stExpander").filter(has_text=EN["signoff.title"])
    label = EN["signoff.run"].format(id=run, borrower="Acme", date="2026-11-24")
    expect(box.get_by_role("combobox", name=EN["signoff.pick"])).to_have_value(label)
    step = EN["signoff.step"].format(action=EN["signoff.submitted"], user=submitter["email"])
    expect(box).to_contain_text(step)
    box.get_by_role("button", name=EN["signoff.approve"]).click()
    expect(box).to_contain_text(EN["signoff.none"])


def sign_off_names(db_url: str, run: int) -> list[str]:
    """Who took each step of the run (later: read from the History page)."""
    from finance.history.store import open_store

    with open_store(db_url) as store:
        return store.reviews(run)["user"].tolist()


def test_two_users_sign_in_submit_and_approve(
    browser, team_app: tuple[str, str], provider: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    app_url, db_url = team_app
    set_user(provider, ALICE)
    set_user(provider, BOB)
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    started = time.monotonic()
    try:
        # Signed out: the landing view, no navigation to the pages.
        page.goto(app_url, wait_until="domcontentloaded")
        wait_for_run(page)
        expect(page.get_by_role("button", name=EN["auth.sign_in"])).to_be_visible()
        expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(0)

        sign_in(page, app_url, provider, ALICE["sub"])
        assert user_line(page) == EN["auth.user"].format(
            name=ALICE["name"], role=EN["role.borrower"]
        )
        expect(page.get_by_test_id("stSidebarNavLink").first).to_be_visible()
        run = save_and_submit(db_url, ALICE)

        sign_out(page, provider)
        expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(0)

        sign_in(page, app_url, provider, BOB["sub"])
        assert user_line(page) == EN["auth.user"].format(name=BOB["name"], role=EN["role.approver"])
        approve(page, run, ALICE)
        assert sign_off_names(db_url, run) == [ALICE["email"], BOB["email"]]
    finally:
        context.close()
    print(f"\nsign-in flow: {time.monotonic() - started:.1f} s")
