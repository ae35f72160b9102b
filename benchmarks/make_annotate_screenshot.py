"""Regenerate docs/annotate.png: the page of `layton annotate` on the real vlm calibration set.

Usage: .venv/bin/python benchmarks/make_annotate_screenshot.py [DATA_DIR]

A session is opened on the unlabelled rows of the published vlm calibration set (the first item
the selection rule picks), the page is opened in Debian's Chromium (/usr/bin/chromium) through
playwright, 1280 px wide, and the item is labelled with the keyboard (answer right,
justification right) so that the judges' verdicts show. Labels go to a temporary file; the PNG
is reduced to 256 colours.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "layton-data"
OUT = REPO / "docs" / "annotate.png"
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 900


def main() -> None:
    if not (DATA / "ppi_vlm.jsonl").is_file():
        sys.exit(f"no calibration data at {DATA}")
    from layton_eval.annotate.server import serve
    from layton_eval.annotate.sources import AnnotateOptions, open_session
    from layton_eval.choices import Split
    from layton_eval.settings import get_settings

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        os.environ["HF_HUB_OFFLINE"] = "1"
        labels = Path(tmp) / "layton-labels-vlm.jsonl"
        options = AnnotateOptions(split=Split.vlm, annotator="annotator", data_dir=DATA,
                                  labels=labels)  # fmt: skip
        session = open_session(options, get_settings())
        context = {
            "split": "vlm",
            "labels": labels.name,
            "annotator": "annotator",
            "source": "unlabelled rows of the calibration set",
        }
        server = serve(session, port=0, context=context)
        try:
            shoot(server.url)
        finally:
            server.stop()
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


def shoot(url: str) -> None:
    """Label the first item in headless Chromium and screenshot the page into :data:`OUT`."""
    from playwright.sync_api import sync_playwright

    from tests.test_report_browser import CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": WIDTH, "height": HEIGHT},
        )
        tab = context.new_page()
        tab.goto(url, wait_until="load")
        tab.wait_for_selector("#item:not([hidden])")
        tab.keyboard.press("y")
        tab.keyboard.press("y")
        tab.wait_for_selector("#reveal:not([hidden])")
        tab.evaluate("window.scrollTo(0, 0)")
        box = tab.locator("#reveal").bounding_box()
        bottom = box["y"] + box["height"] + 16 if box else 1400
        tab.screenshot(
            path=str(OUT), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": bottom}
        )
        context.close()
    _shrink(OUT)


def _shrink(path: Path) -> None:
    """256 colours instead of millions: a third of the bytes, no visible change to the text."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


if __name__ == "__main__":
    main()
