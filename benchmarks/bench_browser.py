"""What a user waits for in a real browser: the app timed in headless Chromium.

Usage::

    python benchmarks/bench_browser.py [--repeat 3] [--lots 10000]

Starts the app (``streamlit run app.py``) and measures, each ``--repeat`` times, from the
user's action to the last element drawn (the script's run finished and the page's last
expected element visible):

1. **first page**: a new browser context (a new Streamlit session) opening the app until
   the Inventory page shows the sample's summary;
2. **upload to Financing options**: a ``--lots``-lot CSV given to the uploader, then the
   Financing options link clicked, until the recommendation and the comparison are drawn
   (the valuation runs in between: this is the time a user waits for an answer);
3. **a page already computed**: back to Financing options from another page, the same
   inputs (every result cached);
4. **the stress test opened** on Financing options, until its two tables are drawn.

Prints the medians (seconds). Only the app's server and Chromium run: no test fixtures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from finance.inputs.sample import generate_inventory  # noqa: E402
from tests.e2e.helpers import (  # noqa: E402
    BROWSER_ARGS,
    VIEWPORT,
    catalog,
    chromium_path,
    go_to,
    serve_app,
)

EN = catalog("en")


TIMEOUT_MS = 300_000
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _settled(page, element) -> None:
    """Wait for ``element`` (one the previous screen lacked) and for the run's end.

    No fixed pause (the tests' ``wait_for_run`` sleeps 300 ms first, which would count).
    """
    element.first.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.locator(IDLE).wait_for(state="attached", timeout=TIMEOUT_MS)


def _open_financing(page) -> None:
    link = page.get_by_test_id("stSidebarNavLink").filter(
        has=page.get_by_text(EN["nav.financing"], exact=True)
    )
    link.click()
    # The page's last element: the stress test's expander (it runs when opened).
    _settled(page, page.get_by_test_id("stExpander"))


def _upload_csv(lots: int, seed: int) -> bytes:
    frame = generate_inventory(lots, seed=seed)
    return frame.to_csv(index=False).encode("utf-8")


def main() -> None:
    """Run the measurements and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lots", type=int, default=10_000)
    args = parser.parse_args()
    # A different file each time, so that nothing is cached.
    files = [_upload_csv(args.lots, seed=11 + i) for i in range(args.repeat)]
    first, upload, cached, stress = [], [], [], []
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    with serve_app(log) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=BROWSER_ARGS
        )
        # One warm-up session: the server's first import of the app's modules is paid once
        # per process, not per user.
        warm = browser.new_context(viewport=VIEWPORT).new_page()
        warm.goto(url)
        _settled(warm, warm.get_by_test_id("stMetric"))
        warm.context.close()
        for i in range(args.repeat):
            context = browser.new_context(locale="en-US", viewport=VIEWPORT)
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url, wait_until="commit")
            _settled(page, page.get_by_test_id("stMetric"))
            first.append(time.perf_counter() - start)

            body = files[i]
            start = time.perf_counter()
            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
                files=[{"name": f"stock{i}.csv", "mimeType": "text/csv", "buffer": body}]
            )
            read = EN["inventory.valid"].format(lots=f"{args.lots:,}")
            page.get_by_test_id("stAlertContentSuccess").filter(has_text=read).wait_for(
                timeout=TIMEOUT_MS
            )
            _open_financing(page)
            upload.append(time.perf_counter() - start)

            go_to(page, EN["nav.collateral"])
            start = time.perf_counter()
            _open_financing(page)
            cached.append(time.perf_counter() - start)

            start = time.perf_counter()
            page.get_by_test_id("stExpander").locator("summary").click()
            _settled(page, page.get_by_test_id("stExpander").get_by_test_id("stDataFrame"))
            stress.append(time.perf_counter() - start)
            context.close()
        browser.close()
    for name, times in (
        ("first page of a new session", first),
        (f"{args.lots:,}-lot upload to Financing options", upload),
        ("a page already computed", cached),
        ("the stress test opened", stress),
    ):
        each = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:<45} median {statistics.median(times):6.2f} s  ({each})")


if __name__ == "__main__":
    main()
