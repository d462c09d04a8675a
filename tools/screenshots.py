"""Screenshots of every page in English and Chinese, for the README and for review.

Starts the app on a free port, opens each page in headless Chromium (Debian's
``/usr/bin/chromium``) with the browser locale set to the language, waits for the page to
finish running, and saves ``OUT/<lang>-<page>.png``.

    python tools/screenshots.py [--out DIR] [--pages inventory,financing] [--lang en,zh]

``--pages calibrate`` shows the Calibrate page with the sample history calibrated.
``--pages mapping`` shows the Inventory page's mapping step: a Kingdee-style stock list
(the end-to-end test's) uploaded, one category name the evaluator does not know.
``--pages history`` shows the History page with two runs of one borrower: unless
``FINANCE_DB_URL`` names a database, a new one is made and the sample saved twice (a month
apart, the second time with fewer lots, some aged or damaged, some half sold).
``--pages book`` shows the Book page with the demo book (4 borrowers of 200 lots) valued.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
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
#: The borrower and the user of the runs the History page's screenshot shows.
BORROWER, USER = "华东铜业有限公司", "li.wei"


def _month_later(data: bytes) -> bytes:
    """The sample a month on: 200 lots, five aged past any limit, ten damaged, some sold."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.head(200).copy()
    frame.loc[:4, "age_days"] = "5000"
    frame.loc[5:14, "damaged"] = "True"
    frame.loc[20:80, "quantity"] = [f"{float(q) * 0.5:.3f}" for q in frame.loc[20:80, "quantity"]]
    return frame.to_csv(index=False).encode("utf-8")


def seed_history(url: str) -> None:
    """Save the sample twice for :data:`BORROWER` in the run database ``url``."""
    from finance import evaluate, load_inventory, parse_assumptions
    from finance.history import alerts, as_record, run_view, view_of
    from finance.history.store import open_store

    sample = (ROOT / "data" / "sample_inventory.csv").read_bytes()
    with open_store(url) as store:
        previous = None
        for date, name, data in (
            (dt.date(2026, 10, 31), "sample_inventory.csv", sample),
            (dt.date(2026, 11, 30), "stock-2026-11.csv", _month_later(sample)),
        ):
            a = parse_assumptions({"valuation_date": date, "scenarios": 2000})
            result = evaluate(load_inventory(data, name=name, categories=a.categories), a)
            found = alerts(previous and view_of(previous), run_view(result, BORROWER), a)
            run_id = store.record_run(
                result, a, data, borrower=BORROWER, user=USER,
                alerts=[as_record(x) for x in found], inventory_name=name,
            )  # fmt: skip
            previous = store.load_run(run_id)


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
    if "history" in args.pages.split(",") and not os.environ.get("FINANCE_DB_URL"):
        database = log.with_suffix(".db")
        seed_history(f"sqlite:///{database}")
        os.environ["FINANCE_DB_URL"] = f"sqlite:///{database}"
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
                if name == "book":  # the demo book valued on the local cluster
                    main = page.get_by_test_id("stMain")
                    demo = catalog(lang)["book.demo"].format(borrowers=4, lots=200)
                    main.get_by_role("button", name=demo).click()
                    main.get_by_text(catalog(lang)["book.summary"], exact=True).wait_for(
                        timeout=180_000
                    )
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
