"""Regenerate docs/report-llm.png: the top of `layton report` on the real llm calibration data.

Usage: .venv/bin/python benchmarks/make_report_screenshot.py [DATA_DIR]

One run is added, made through the provider emulators (tests/fakes) so that the page shows how a
run of yours is highlighted: its model is called ``emulated-model`` and its numbers mean nothing.
The page is opened in Debian's Chromium (/usr/bin/chromium) through playwright, 1280 px wide,
and its top is saved: the leaderboard and the per-category chart (about 1,800 px).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "layton-data"
OUT = REPO / "docs" / "report-llm.png"
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 900


def main() -> None:
    if not (DATA / "ppi_llm.jsonl").is_file():
        sys.exit(f"no calibration data at {DATA}")
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        os.environ.update({"LAYTON_RUNS_DIR": str(Path(tmp) / "runs"), "HF_HUB_OFFLINE": "1"})
        os.environ.pop("LAYTON_DATA_DIR", None)
        from tests.fakes import TEST_KEY
        from tests.helpers import invoke_json
        from tests.test_report import JUDGES, make_run

        for judge in JUDGES:
            os.environ[f"{judge.upper()}_API_KEY"] = TEST_KEY
        make_run("emulated", model="emulated-model", data_dir=DATA)
        page = Path(tmp) / "report.html"
        done = invoke_json("report", "emulated", "--split", "llm", "--data-dir", str(DATA),
                           "--out", str(page))  # fmt: skip
        print(f"page: {done['bytes']:,} bytes, {done['models']} models")
        shoot(page)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


def shoot(page: Path) -> None:
    """Screenshot the top of ``page`` in headless Chromium into :data:`OUT`."""
    from playwright.sync_api import sync_playwright

    from tests.test_report_browser import CHROMIUM_ARGS

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": WIDTH, "height": HEIGHT},
        )
        tab = context.new_page()
        tab.goto(page.as_uri(), wait_until="load")
        chart = tab.locator("#category-chart").bounding_box()
        bottom = chart["y"] + chart["height"] + 16 if chart else 1400
        tab.screenshot(
            path=str(OUT), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": bottom}
        )
        context.close()


if __name__ == "__main__":
    main()
