"""Screenshots of every page in English and Chinese, for the README and for review.

Starts the app on a free port, opens each page in headless Chromium (Debian's
``/usr/bin/chromium``) with the browser locale set to the language, waits for the page to
finish running, and saves ``OUT/<lang>-<page>.png``.

    python tools/screenshots.py [--out DIR] [--pages inventory,financing] [--lang en,zh]

``--pages calibrate`` shows the Calibrate page with the sample history calibrated.
``--pages mapping`` shows the Inventory page's mapping step: a Kingdee-style stock list
(the end-to-end test's) uploaded, one category name the evaluator does not know.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The end-to-end tests' helpers start the server and wait for runs: one way of doing both.
from tests.e2e.helpers import (  # noqa: E402
    BROWSER_ARGS,
    LOCALES,
    PAGES,
    catalog,
    chromium_path,
    serve_app,
    upload,
    wait_for_run,
)
from tests.e2e.test_e2e_mapping import ERP_CSV  # noqa: E402

CHART_DRAW_MS = 800  # charts draw after the script finishes


def main() -> None:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--lang", default="en,zh")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument(
        "--first-screen",
        action="store_true",
        help="only the first 1000 px, palette PNG (small enough for the README)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    with serve_app(log) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=BROWSER_ARGS
        )
        for lang in args.lang.split(","):
            context = browser.new_context(
                locale=LOCALES[lang], viewport={"width": args.width, "height": 1000}
            )
            page = context.new_page()
            for name in args.pages.split(","):
                page.goto(f"{url}/{PAGES.get(name, '')}", wait_until="domcontentloaded")
                wait_for_run(page)
                if name == "mapping":
                    upload(page, "库存明细表.csv", ERP_CSV)
                if name == "calibrate":  # the page with the sample history calibrated
                    main = page.get_by_test_id("stMain")
                    main.get_by_role("button", name=catalog(lang)["calibrate.use_sample"]).click()
                    main.get_by_text(catalog(lang)["calibrate.backtest"], exact=True).wait_for()
                    wait_for_run(page)
                page.wait_for_timeout(CHART_DRAW_MS)
                # The page scrolls inside Streamlit's main block, not the document: grow
                # the viewport to the block's height for a whole-page picture.
                if not args.first_screen:
                    height = page.evaluate(
                        "document.querySelector('[data-testid=stMain]').scrollHeight"
                    )
                    page.set_viewport_size({"width": args.width, "height": min(height + 40, 12000)})
                    page.wait_for_timeout(CHART_DRAW_MS)
                target = out / f"{lang}-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                if args.first_screen:
                    Image.open(target).convert("RGB").quantize(colors=128).save(
                        target, optimize=True
                    )
                print(target)
                page.set_viewport_size({"width": args.width, "height": 1000})
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
