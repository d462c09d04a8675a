"""Sign-in for a team, end to end: the app behind an OIDC provider, two users, one run.

``oidc-provider-mock`` serves an OpenID provider on a free port (any client id and secret
are accepted; its authorization page lets the test type the user's ``sub``, whose claims the
test set beforehand through its ``PUT /users/<sub>``). The app runs with a temporary
``secrets.toml`` (``--secrets.files``) whose ``[auth]`` points at it, and a temporary SQLite
run database (``FINANCE_DB_URL``). The flow, all through the browser:

1. Alice (borrower, by her ``roles`` claim) signs in; the sidebar shows her name and role.
2. She uses the sample inventory, saves the valuation on the Export page for "Acme", and
   submits the run on the History page (:func:`save_and_submit`).
3. She signs out (through the provider's end-session page) and the landing view is back.
4. Bob (approver, by his ``groups`` claim) signs in, finds Alice's run in the sidebar's
   list of runs awaiting a decision, which opens it on the History page, and approves it
   there (:func:`approve`).
5. The History page's sign-off of the run names both (:func:`sign_off_names`); the
   database agrees.
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

from .helpers import (
    catalog,
    dataframe,
    free_port,
    go_to,
    grid,
    html_table,
    serve_app,
    wait_for_run,
)

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


def save_and_submit(page: Page, borrower: str) -> int:
    """Value the sample, save it for ``borrower`` on the Export page, submit it on History."""
    from playwright.sync_api import expect

    main = page.get_by_test_id("stMain")
    main.get_by_role("button", name=EN["inventory.use_sample"]).click()
    expect(main.get_by_text(EN["inventory.using_sample"].split("{")[0].strip())).to_be_visible()
    wait_for_run(page)
    go_to(page, EN["nav.export"])
    name = main.get_by_role("textbox", name=EN["history.save_borrower"])
    name.fill(borrower)
    name.press("Enter")
    wait_for_run(page)
    main.get_by_role("button", name=EN["history.save_button"]).click()
    saved = re.escape(EN["history.saved"]).replace(r"\{id\}", "([0-9]+)")
    saved = saved.replace(r"\{borrower\}", re.escape(borrower))
    success = main.get_by_test_id("stAlertContentSuccess").filter(has_text=re.compile(saved))
    expect(success).to_be_visible()
    run = int(re.search(saved, success.inner_text()).group(1))

    go_to(page, EN["nav.history"])
    expect(main.locator("h1")).to_have_text(EN["history.title"])
    expect(main).to_contain_text(EN["history.signoff_none"].format(id=run))
    main.get_by_role("button", name=EN["signoff.submit"], exact=True).click()
    done = EN["signoff.done"].format(action=EN["signoff.submitted"], id=run)
    expect(main.get_by_test_id("stAlertContentSuccess")).to_have_text(done)
    return run


def approve(page: Page, run: int, borrower: str) -> None:
    """The signed-in approver opens the run from the sidebar's list and approves it."""
    from playwright.sync_api import expect

    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stExpander").filter(has_text=EN["signoff.title"])
    label = EN["signoff.run"].format(id=run, borrower=borrower, date="")
    box.get_by_role("button", name=re.compile("^" + re.escape(label))).click()
    main = page.get_by_test_id("stMain")
    expect(main.locator("h1")).to_have_text(EN["history.title"])
    wait_for_run(page)
    main.get_by_role("button", name=EN["signoff.approve"], exact=True).click()
    done = EN["signoff.done"].format(action=EN["signoff.approved"], id=run)
    expect(main.get_by_test_id("stAlertContentSuccess")).to_have_text(done)
    expect(box).to_contain_text(EN["signoff.none"])


def sign_off_names(page: Page) -> list[list[str]]:
    """The History page's sign-off table of the run picked: (step, who, role) per row."""
    from playwright.sync_api import expect

    table = page.get_by_test_id("stMain").get_by_test_id("stTable")
    expect(table).to_contain_text(EN["signoff.approved"])
    headers, rows = html_table(table)
    assert headers[:3] == [EN[f"signoff.col.{c}"] for c in ("action", "user", "role")]
    return [row[:3] for row in rows]


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
        run = save_and_submit(page, "Acme")

        sign_out(page, provider)
        expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(0)

        sign_in(page, app_url, provider, BOB["sub"])
        assert user_line(page) == EN["auth.user"].format(name=BOB["name"], role=EN["role.approver"])
        approve(page, run, "Acme")
        assert sign_off_names(page) == [
            [EN["signoff.submitted"], ALICE["email"], EN["role.borrower"]],
            [EN["signoff.approved"], BOB["email"], EN["role.approver"]],
        ]
        # The runs table: saved by Alice, approved by Bob.
        status = EN["signoff.step"].format(action=EN["signoff.approved"], user=BOB["email"])
        headers, rows, _ = grid(dataframe(page, EN["history.col.status"]))
        row = dict(zip(headers, rows[0], strict=False))
        assert row[EN["history.col.user"]] == ALICE["email"]
        assert row[EN["history.col.status"]] == status
    finally:
        context.close()
    print(f"\nsign-in flow: {time.monotonic() - started:.1f} s")
    from finance.history.store import open_store

    with open_store(db_url) as store:
        assert store.reviews(run)["user"].tolist() == [ALICE["email"], BOB["email"]]
