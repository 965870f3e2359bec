"""Screenshot the Dagster UI's asset graph into docs/ (run against `dagster dev` on 127.0.0.1:3000).

    pip install playwright==1.65.2   # the driver only; the browser is Debian's chromium
    python docs/screenshot.py

Not part of the pipeline or its tests: it documents what the UI shows.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000"
OUT = Path(__file__).resolve().parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1700, "height": 1300})
        page.goto(f"{URL}/asset-groups", wait_until="networkidle")
        skip = page.get_by_role("button", name="Skip")
        if skip.count():
            skip.click()
        page.wait_for_timeout(1000)
        page.mouse.click(1200, 300, button="right")  # the graph's context menu
        page.get_by_role("menuitem", name="Expand all groups").click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(OUT / "asset_graph.png"))
        page.goto(f"{URL}/overview/automation", wait_until="networkidle")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "automation.png"))
        browser.close()
    print(f"wrote {OUT / 'asset_graph.png'} and {OUT / 'automation.png'}")


if __name__ == "__main__":
    main()
