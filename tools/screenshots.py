"""Screenshots of every page in English and Chinese, for the README and for review.

Starts the app on a free port, opens each page in headless Chromium (Debian's
``/usr/bin/chromium``) with the browser locale set to the language, waits for the page to
finish running, and saves ``OUT/<lang>-<page>.png``.

    python tools/screenshots.py [--out DIR] [--pages inventory,financing] [--lang en,zh]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
PAGES = ("inventory", "assumptions", "collateral", "risk", "financing", "export")
LOCALES = {"en": "en-US", "zh": "zh-CN"}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(port: int) -> Iterator[str]:
    """Run the app on 127.0.0.1:port until the block ends; yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
         "--server.address=127.0.0.1", f"--server.port={port}", "--browser.gatherUsageStats=false",
         "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            time.sleep(0.3)
        else:
            raise RuntimeError("the app did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def wait_for_app(page: object) -> None:
    """Wait until the script has run (Streamlit's own e2e suite waits on these attributes)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=120_000
    )
    page.wait_for_timeout(800)  # charts draw after the script finishes


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
    with serve(free_port()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        for lang in args.lang.split(","):
            context = browser.new_context(
                locale=LOCALES[lang], viewport={"width": args.width, "height": 1000}
            )
            page = context.new_page()
            for name in args.pages.split(","):
                path = "" if name == "inventory" else name
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                wait_for_app(page)
                # The page scrolls inside Streamlit's main block, not the document: grow
                # the viewport to the block's height for a whole-page picture.
                if not args.first_screen:
                    height = page.evaluate(
                        "document.querySelector('[data-testid=stMain]').scrollHeight"
                    )
                    page.set_viewport_size({"width": args.width, "height": min(height + 40, 12000)})
                    page.wait_for_timeout(800)
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
