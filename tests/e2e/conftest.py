"""Fixtures of the end-to-end tests: one app server and one Chromium per session.

Every test gets a fresh browser context (its own cookies, so its own Streamlit session)
from :func:`new_page`. The whole suite skips when Chromium is missing: Debian's
``/usr/bin/chromium``, or the path in ``$E2E_CHROMIUM`` (set it to ``/nonexistent`` to
check the skip).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .helpers import (
    BROWSER_ARGS,
    EXPECT_TIMEOUT_MS,
    RUN_TIMEOUT_MS,
    VIEWPORT,
    chromium_path,
    serve_app,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; skips the e2e tests when it is missing."""
    path = chromium_path()
    if not Path(path).is_file():
        pytest.skip(f"end-to-end tests need Chromium at {path} (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def app_url(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The running app's URL (started after the Chromium check, stopped at the end)."""
    log = tmp_path_factory.mktemp("e2e") / "streamlit.log"
    with serve_app(log) as url:
        yield url


@pytest.fixture(scope="session")
def playwright(chromium: str) -> Iterator[Playwright]:
    """Playwright's driver."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    sync_api.expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    b = playwright.chromium.launch(executable_path=chromium, headless=True, args=BROWSER_ARGS)
    yield b
    b.close()


@pytest.fixture
def new_page(browser: Browser, app_url: str) -> Iterator[Callable[[str], Page]]:
    """Open a page in a fresh context with the given browser locale (e.g. ``"zh-CN"``)."""
    contexts = []

    def make(locale: str = "en-US") -> Page:
        context = browser.new_context(locale=locale, viewport=VIEWPORT, accept_downloads=True)
        context.set_default_timeout(RUN_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
