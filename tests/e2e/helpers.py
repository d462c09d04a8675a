"""Helpers for the end-to-end tests: the server, the catalogs, and reading Streamlit's DOM.

Plain functions over ``playwright.sync_api`` objects (no pytest-playwright). Playwright is
imported only for type checking here, so that importing this module never fails; the test
modules skip themselves when Playwright is missing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_inventory.csv"
LOCALES_DIR = ROOT / "ui" / "locales"

#: Where Debian puts Chromium; the environment variable ``E2E_CHROMIUM`` overrides it.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 1000}
LOCALES = {"en": "en-US", "zh": "zh-CN"}

#: Each page: its URL path (the file's stem; the default page is "/") and catalog section.
PAGES = {
    "inventory": "",
    "assumptions": "assumptions",
    "calibrate": "calibrate",
    "collateral": "collateral",
    "risk": "risk",
    "financing": "financing",
    "export": "export",
    "history": "history",
    "book": "book",
}

#: Milliseconds. A first valuation takes seconds, the stress test a few more.
RUN_TIMEOUT_MS = 120_000
#: Milliseconds Playwright's ``expect`` retries an assertion (its default is 5 s).
EXPECT_TIMEOUT_MS = 60_000
HEALTH_DEADLINE_S = 60.0

_CJK = re.compile(r"[\u4e00-\u9fff]")


def chromium_path() -> str:
    """The Chromium executable the tests use.

    Returns
    -------
    str
        ``$E2E_CHROMIUM`` when set (e.g. ``/nonexistent`` to check the skip), else
        ``/usr/bin/chromium``.
    """
    return os.environ.get("E2E_CHROMIUM") or DEFAULT_CHROMIUM


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on.

    Returns
    -------
    int
        The port number.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    with (
        contextlib.suppress(OSError),
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
    ):
        return response.read() == b"ok"
    return False


@contextlib.contextmanager
def serve_app(
    log: Path,
    deadline_s: float = HEALTH_DEADLINE_S,
    *,
    port: int | None = None,
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``streamlit run app.py`` from the repository root until the block ends.

    Parameters
    ----------
    log : Path
        File that receives the server's stdout and stderr (quoted when it fails to start).
        The app's run history is ``FINANCE_DB_URL`` when set, else a SQLite file beside
        it (``log`` with the suffix ``.db``).
    deadline_s : float
        Seconds to wait for ``/_stcore/health`` to answer ``ok``.
    port : int, optional
        The port to serve on (a free one by default).
    args : sequence of str
        More options for ``streamlit run`` (e.g. ``--secrets.files=...``).
    env : dict of str to str, optional
        Environment variables to set for the server, over the test's own.

    Yields
    ------
    str
        The app's base URL, e.g. ``http://127.0.0.1:8765``.

    Raises
    ------
    RuntimeError
        If the server exits or is not healthy before the deadline.
    """
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
        "--server.address=127.0.0.1", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", *args,
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # The run history in a file next to the log, unless the caller names one: never the
    # repository's valuations.db.
    environ = {**os.environ, **(env or {})}
    environ.setdefault("FINANCE_DB_URL", f"sqlite:///{log.with_suffix('.db')}")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=environ
        )
        try:
            end = time.monotonic() + deadline_s
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > end:
                    tail = log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the app did not start within {deadline_s:.0f} s:\n{tail}")
                time.sleep(0.25)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def catalog(lang: str) -> dict[str, str]:
    """One language's messages, flattened to ``section.name`` keys as ``ui.i18n`` does.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"zh"``.

    Returns
    -------
    dict of str to str
        Every message of ``ui/locales/<lang>.toml``.
    """

    def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
        flat: dict[str, str] = {}
        for key, value in table.items():
            if isinstance(value, dict):
                flat |= flatten(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = str(value)
        return flat

    with (LOCALES_DIR / f"{lang}.toml").open("rb") as handle:
        return flatten(tomllib.load(handle))


def cjk_count(text: str) -> int:
    """How many CJK ideographs ``text`` holds.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    int
        The number of characters in U+4E00..U+9FFF.
    """
    return len(_CJK.findall(text))


def sample_rows() -> tuple[list[str], list[list[str]]]:
    """The shipped sample inventory as text cells.

    Returns
    -------
    tuple of (list of str, list of list of str)
        The header and the data rows (fresh lists, safe to edit).
    """
    text = SAMPLE.read_text(encoding="utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    return header, [list(r) for r in rows]


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """A CSV file's bytes (UTF-8, no BOM, ``\\n`` line ends).

    Parameters
    ----------
    header : sequence of str
        Column names.
    rows : sequence of sequence of str
        Data rows.

    Returns
    -------
    bytes
        The encoded file.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def wait_for_run(page: Page, timeout_ms: float = RUN_TIMEOUT_MS) -> None:
    """Wait until the app's script has finished its run.

    Streamlit's own e2e suite waits on ``data-test-script-state``. A rerun triggered by a
    click may not have started when this is called, so the tests also wait on the content
    they expect (Playwright's ``expect`` retries) rather than on this alone.

    Parameters
    ----------
    page : Page
        The app's page.
    timeout_ms : float
        Longest wait, in milliseconds.
    """
    page.wait_for_timeout(300)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout_ms
    )


def open_page(page: Page, base_url: str, name: str) -> None:
    """Load one page by URL (a new Streamlit session) and wait for its run.

    Parameters
    ----------
    page : Page
        A browser page.
    base_url : str
        The app's URL.
    name : str
        A key of :data:`PAGES`.
    """
    page.goto(f"{base_url}/{PAGES[name]}", wait_until="domcontentloaded")
    wait_for_run(page)


def nav_labels(page: Page) -> list[str]:
    """The sidebar navigation's labels, in order, without the icons' ligature names.

    Parameters
    ----------
    page : Page
        The app's page.

    Returns
    -------
    list of str
        E.g. ``["Inventory", "Assumptions", ...]``.
    """
    texts = page.get_by_test_id("stSidebarNavLink").all_inner_texts()
    # Each link reads "<icon name>\n\n<label>": the Material icon is a ligature.
    return [t.strip().split("\n")[-1].strip() for t in texts]


def go_to(page: Page, label: str) -> None:
    """Follow a sidebar link (same session, so the upload is kept) and wait for the run.

    Parameters
    ----------
    page : Page
        The app's page.
    label : str
        The link's label in the session's language, e.g. ``"Collateral"``.
    """
    link = page.get_by_test_id("stSidebarNavLink").filter(has=page.get_by_text(label, exact=True))
    link.click()
    wait_for_run(page)


def upload(page: Page, name: str, data: bytes, mime: str = "text/csv") -> None:
    """Give the page's file uploader one file and wait for the rerun.

    Parameters
    ----------
    page : Page
        A page with one ``st.file_uploader``.
    name : str
        The file's name as the browser reports it.
    data : bytes
        Its content.
    mime : str
        Its MIME type.
    """
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    wait_for_run(page)


def grid(frame: Locator) -> tuple[list[str], list[list[str]], int]:
    """Read an ``st.dataframe`` through the accessible table its data grid keeps in the DOM.

    The grid (Glide Data Grid) paints its cells on a ``<canvas>``, so the text on screen is
    not in the DOM. For screen readers it also renders, as the canvas's fallback content, a
    ``<table role="grid">`` with ``aria-rowcount`` and one ``<td role="gridcell">`` per
    rendered cell. Playwright counts that table as hidden (it has no box), but its text is
    readable. The cells hold the raw values (``12201106.050695``, not the ``12,201,106.05``
    on screen). The grid is virtualised: only the rows in view get a ``<tr>`` (11 of the
    sample's 240 lots at a 360 px height), so compare the rows read with ``aria-rowcount``
    before trusting that a table was read whole.

    Parameters
    ----------
    frame : Locator
        The ``[data-testid='stDataFrame']`` element.

    Returns
    -------
    tuple of (list of str, list of list of str, int)
        The column headers, the rendered rows' cell texts, and the table's ``aria-rowcount``
        (data rows + 1 for the header row).
    """
    table = frame.locator("table[role='grid']")
    table.wait_for(state="attached")
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
    rows = [
        [c.strip() for c in row.locator("td").all_text_contents()]
        for row in table.locator("tbody tr[role='row']").all()
    ]
    return headers, rows, int(table.get_attribute("aria-rowcount") or 0)


def html_table(table: Locator) -> tuple[list[str], list[list[str]]]:
    """Read an ``st.table`` (real HTML, unlike the data grid): its headers and its rows.

    Parameters
    ----------
    table : Locator
        The ``[data-testid='stTable']`` element.

    Returns
    -------
    tuple of (list of str, list of list of str)
        The column headers (the index's first) and each row's cells, index cell first.
    """
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]
    return headers, rows


def dataframe(page: Page, header: str) -> Locator:
    """The ``st.dataframe`` with a column headed exactly ``header``.

    Parameters
    ----------
    page : Page
        The app's page.
    header : str
        A column header, e.g. ``"Line"``.

    Returns
    -------
    Locator
        The ``[data-testid='stDataFrame']`` element.
    """
    # The accessible table is out of view (the canvas is what shows): include hidden nodes.
    header_cell = page.get_by_role("columnheader", name=header, exact=True, include_hidden=True)
    return page.get_by_test_id("stDataFrame").filter(has=header_cell)


def metric(page: Page, label: str) -> Locator:
    """The ``st.metric`` whose label is exactly ``label``.

    Parameters
    ----------
    page : Page
        The app's page.
    label : str
        E.g. ``"Borrowing base (CNY)"``.

    Returns
    -------
    Locator
        The ``[data-testid='stMetric']`` element.
    """
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )


def metric_help(page: Page, label: str) -> str:
    """The help text of a metric, read from the tooltip its help icon shows on hover.

    Parameters
    ----------
    page : Page
        The app's page.
    label : str
        The metric's label.

    Returns
    -------
    str
        The tooltip's text, e.g. ``"CNY 12,201,106"``.
    """
    page.mouse.move(0, 0)  # close any tooltip still open
    page.get_by_test_id("stTooltipContent").first.wait_for(state="detached", timeout=5_000)
    metric(page, label).get_by_test_id("stTooltipHoverTarget").hover()
    tooltip = page.get_by_test_id("stTooltipContent")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text().strip()
    page.mouse.move(0, 0)
    return text
