"""The report page in a real browser: Debian's headless Chromium, driven by playwright.

Skipped, with the reason printed, where Chromium (``/usr/bin/chromium``, Debian's ``chromium``
package) or the ``playwright`` package is missing; browsers are never downloaded.
"""

from __future__ import annotations

import typing as t
import warnings
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY
from tests.helpers import invoke_json, rows
from tests.test_report import JUDGES, make_run

CHROMIUM = Path("/usr/bin/chromium")
#: Headless, offline and quiet: no GPU, no background traffic, no first-run or update work.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
OPTIONS = ["--split", "llm", "--iterations", "2000", "--seed", "11", "--data-dir", str(SHARED_DATA)]

pytestmark = needs_shared_data


def _skip(reason: str) -> t.NoReturn:
    warnings.warn(pytest.PytestWarning(f"browser test skipped: {reason}"), stacklevel=2)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, t.Any]:
    """A report of the llm calibration models and one emulated run, with what the CLI says."""
    root = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("LAYTON_RUNS_DIR", str(root / "runs"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("LAYTON_DATA_DIR", raising=False)
        for judge in JUDGES:
            mp.setenv(f"{judge.upper()}_API_KEY", TEST_KEY)
        get_settings.cache_clear()
        make_run("mine")
        out = root / "report.html"
        invoke_json("report", "mine", *OPTIONS, "--out", str(out))
        board = invoke_json("leaderboard", *OPTIONS, "--add", "mine")["rows"]
    get_settings.cache_clear()
    return {"path": out, "leaderboard": board, "jury": rows(root / "runs" / "mine" / "jury.jsonl")}


@pytest.fixture(scope="module")
def launcher() -> t.Any:
    """playwright's ``sync_playwright``, once Chromium and playwright are known to be here."""
    if not CHROMIUM.is_file():
        _skip(f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip("the playwright package is not installed (pip install -e '.[dev]')")
    return sync_playwright


@pytest.fixture(scope="module")
def browser(
    launcher: t.Any, made: dict[str, t.Any], tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[t.Any]:
    """The page open in headless Chromium, with the console errors and requests it produced."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with launcher() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(made["path"].as_uri(), wait_until="load")
        yield page, errors, requests
        context.close()


def test_page_renders_without_errors_or_network(browser, made):
    page, errors, requests = browser
    assert errors == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert page.title() == "layton-eval report · llm · both_correct"
    header = page.locator("header").inner_text()
    assert "2,000 bootstrap iterations" in header and "seed 11" in header
    chart = page.locator("#leaderboard-chart").bounding_box()
    assert chart is not None and chart["width"] > 1000 and chart["height"] > 300


def test_leaderboard_shows_the_models_and_numbers_of_the_cli(browser, made):
    page, _, _ = browser
    shown = page.locator("#leaderboard-table tbody tr").evaluate_all(
        """rows => rows.map(r => ({rank: r.cells[0].innerText, model: r.dataset.model,
            provider: r.cells[2].innerText.trim(), score: r.cells[3].innerText,
            ci: r.cells[4].innerText, spread: r.cells[6].innerText, yours: r.dataset.yours}))"""
    )
    expected = [
        {
            "rank": str(e["rank"]),
            "model": e["model"],
            "provider": e["provider"],
            "score": f"{e['score']:.1f}",
            "ci": f"± {e['ci95']:.1f}",
            "spread": f"{e['best_rank']}–{e['worst_rank']}",
            "yours": "1" if e["is_yours"] else "0",
        }
        for e in made["leaderboard"]
    ]
    assert shown == expected and len(shown) == 10
    bars = page.locator("#leaderboard-chart .bar-row")
    assert bars.count() == 10
    values = bars.locator("text.value").all_text_contents()  # SVG text has no innerText
    assert values == [f"{e['score']:.1f} ± {e['ci95']:.1f}" for e in made["leaderboard"]]
    mine = page.locator("#leaderboard-chart .bar-row.yours text.name")
    assert mine.text_content() == "gpt-5-mini ★" and mine.is_visible()


def test_category_filter_and_disagreement_checkbox(browser, made):
    page, errors, _ = browser
    box = page.locator(".riddle-box").first
    visible = box.locator("tbody tr:visible")
    count = box.locator(".shown-count")
    assert visible.count() == 186 and count.inner_text() == "186 of 186 riddles"
    categories = {r["id"]: r["category"] for r in rows(SHARED_DATA / "layton_eval_llm.jsonl")}
    box.locator("select.cat-filter").select_option("Input")
    assert visible.evaluate_all("rs => rs.map(r => r.dataset.category)") == ["Input"] * 22
    assert count.inner_text() == "22 of 186 riddles"
    disagree = sorted(
        r["id"]
        for r in made["jury"]
        if categories[r["id"]] == "Input" and 0 < r["jury"]["both_correct"] < 1
    )
    box.locator("input.disagree-filter").check()
    assert sorted(visible.evaluate_all("rs => rs.map(r => r.dataset.id)")) == disagree
    assert count.inner_text() == f"{len(disagree)} of 186 riddles"
    box.locator("select.cat-filter").select_option("")
    everywhere = [r for r in made["jury"] if 0 < r["jury"]["both_correct"] < 1]
    assert visible.count() == len(everywhere) > len(disagree)
    box.locator("input.disagree-filter").uncheck()
    assert visible.count() == 186 and errors == []


def test_riddle_details_open_and_headers_stay_in_view(browser):
    page, errors, _ = browser
    first = page.locator("table.riddles tbody tr").first
    description = first.locator("p.desc")
    assert not description.is_visible()
    first.locator("summary").first.click()
    assert description.is_visible() and len(description.inner_text()) > 20
    wrap = page.locator(".riddle-box .table-wrap")
    wrap.evaluate("w => { w.scrollTop = 3000; }")
    head = page.locator("table.riddles thead th").first.bounding_box()
    frame = wrap.bounding_box()
    assert head is not None and frame is not None and abs(head["y"] - frame["y"]) < 3  # sticky
    assert errors == []
