"""``layton annotate`` end to end: the real command in its own process, the page in Debian's
headless Chromium driven by playwright, only the keyboard.

Skipped, with the reason, where Chromium, playwright or the real data is missing (as the report's
browser tests are).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import typing as t
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY
from tests.helpers import invoke_json, rows
from tests.test_report import JUDGES, make_run
from tests.test_report_browser import CHROMIUM, CHROMIUM_ARGS, launcher  # noqa: F401 - fixture

pytestmark = needs_shared_data
HUMAN = ("human_answer_correct", "human_justification_correct", "human_both_correct")
SCORED = ("score", "ci95", "lower", "upper", "calibration_rows", "bins", "n")
_URL = re.compile(r"Labelling page: (http://127\.0\.0\.1:\d+/)")


def key(row: dict) -> tuple[str, str, str]:
    return (row["riddle_id"], row["provider"], row["model"])


class Annotate:
    """``layton annotate ... --no-browser --port 0 --json`` running in its own process."""

    def __init__(self, root: Path, *args: str) -> None:
        command = [sys.executable, "-c", "from layton_eval.cli import main; main()", "annotate",
                   "--no-browser", "--port", "0", "--json", *args]  # fmt: skip
        env = {**os.environ, "LAYTON_RUNS_DIR": str(root / "runs"), "HF_HUB_OFFLINE": "1"}
        self.process = subprocess.Popen(command, cwd=root, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True).start()
        self.url = self._wait_for_url()

    def _read(self, stream: t.IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def _wait_for_url(self) -> str:
        seen: list[str] = []
        for _ in range(600):
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    raise AssertionError(f"layton annotate stopped: {seen}") from None
                continue
            seen.append(line)
            if match := _URL.search(line):
                return match.group(1)
        self.process.kill()
        raise AssertionError(f"no page address in 60 s: {seen}")

    def result(self) -> dict:
        """The JSON the command printed once it stopped by itself."""
        out, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, out
        return json.loads(out)

    def kill(self) -> None:
        """Kill the process without warning (the worst interruption there is)."""
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, t.Any]:
    """A data folder whose calibration set lacks five published labels (and has no other
    unlabelled row: they are the only items), and an emulated run of the full llm split."""
    root = tmp_path_factory.mktemp("annotate")
    data = root / "data"
    data.mkdir()
    (data / "layton_eval_llm.jsonl").symlink_to(SHARED_DATA / "layton_eval_llm.jsonl")
    published = rows(SHARED_DATA / "ppi_llm.jsonl")
    chosen = _five(published)
    keys = {key(r) for r in chosen}
    kept = [dict(r, **dict.fromkeys(HUMAN)) if key(r) in keys else r
            for r in published if r["human_both_correct"] is not None]  # fmt: skip
    (data / "ppi_llm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("LAYTON_RUNS_DIR", str(root / "runs"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("LAYTON_DATA_DIR", raising=False)
        for judge in JUDGES:
            mp.setenv(f"{judge.upper()}_API_KEY", TEST_KEY)
        get_settings.cache_clear()
        make_run("mine")
        make_run("hostile", limit=6, provider="mistral", model="mistral-small")
    get_settings.cache_clear()
    return {"root": root, "data": data, "chosen": {key(r): r for r in chosen}}


def _five(published: list[dict]) -> list[dict]:
    """Five labelled rows of providers other than openai (the emulated run's), on five riddles,
    with every kind of label: answer and justification right, answer right only, both wrong."""
    wanted = [("anthropic", (True, False)), ("gemini", (False, False)), ("mistral", (True, True)),
              ("anthropic", (True, True)), ("gemini", (True, False))]  # fmt: skip
    chosen: list[dict] = []
    for provider, labels in wanted:
        chosen.append(next(
            r for r in published
            if r["provider"] == provider and (r[HUMAN[0]], r[HUMAN[1]]) == labels
            and r["answer"].strip() and r["riddle_id"] not in {c["riddle_id"] for c in chosen}
        ))  # fmt: skip
    return chosen


@pytest.fixture
def browser(launcher, tmp_path: Path) -> t.Iterator[t.Any]:  # noqa: F811 - the fixture
    """A headless Chromium tab, with the console errors, dialogs and requests it produced."""
    with launcher() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        page = context.new_page()
        page.seen = {"errors": [], "requests": [], "dialogs": []}
        page.on(
            "console", lambda m: page.seen["errors"].append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda exc: page.seen["errors"].append(str(exc)))
        page.on("request", lambda r: page.seen["requests"].append(r.url))
        page.on("dialog", lambda d: (page.seen["dialogs"].append(d.message), d.dismiss()))
        yield page
        context.close()


def _open(page: t.Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#item:not([hidden])")


def _label_known(page: t.Any, chosen: dict) -> tuple[str, str, str]:
    """Label the item on screen as the published annotator did, with the keyboard."""
    page.wait_for_selector("#item:not([hidden])")
    riddle = page.locator("#riddle-id").inner_text()
    row = next(r for k, r in chosen.items() if k[0] == riddle)
    assert page.locator("#answer").inner_text() == row["answer"]
    if not row[HUMAN[0]]:
        page.keyboard.press("n")  # a wrong answer labels both
    else:
        page.keyboard.press("y")
        page.keyboard.press("y" if row[HUMAN[1]] else "n")
    page.wait_for_selector("#reveal:not([hidden])")
    assert f"{row['provider']} / {row['model']}" in page.locator("#who-answered").inner_text()
    return key(row)


def _next(page: t.Any) -> None:
    before = page.locator("#riddle-id").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "b => document.getElementById('riddle-id').textContent !== b"
        " || !document.getElementById('done').hidden", arg=before
    )  # fmt: skip


def test_label_five_known_items_restart_resume_and_score_with_them(browser, world, monkeypatch):
    root, chosen = world["root"], world["chosen"]
    options = ["--split", "llm", "--data-dir", str(world["data"]), "--labels", "labels.jsonl",
               "--annotator", "tester"]  # fmt: skip
    first = Annotate(root, *options)
    _open(browser, first.url)
    assert "0 labelled in this session" in browser.locator("#progress").inner_text()
    assert "5 left to label" in browser.locator("#progress").inner_text()
    for _ in range(3):
        _label_known(browser, chosen)
        _next(browser)
    first.kill()  # the fourth item is on screen: it is the only thing lost
    assert len(rows(root / "labels.jsonl")) == 3
    second = Annotate(root, *options)
    _open(browser, second.url)
    assert "2 left to label" in browser.locator("#progress").inner_text()
    _label_known(browser, chosen)
    _next(browser)
    _label_known(browser, chosen)
    _next(browser)
    assert browser.locator("#done").is_visible()
    assert "every item is labelled" in browser.locator("#done-reason").inner_text()
    done = second.result()
    assert done["labelled"] == 2 and done["stopped"] == "every item is labelled"
    assert done["summary"]["labels"] == 5 and done["summary"]["by_annotator"] == {"tester": 5}
    assert done["next_command"] == (  # absolute paths: it works typed from any folder
        f"layton leaderboard --split llm --data-dir {root / 'data'} --calibration "
        f"{root / 'labels.jsonl'}"
    )
    # the rows written are the published rows: answer, verdicts and the human labels
    written = rows(root / "labels.jsonl")
    assert sorted(key(r) for r in written) == sorted(chosen)
    for row in written:
        published = {k: v for k, v in chosen[key(row)].items() if v is not None}
        assert {k: row[k] for k in published} == published
        assert row["annotator"] == "tester" and row["source"] == "calibration"
    # offline: nothing but the page and its API was asked for, and nothing went wrong
    assert browser.seen["errors"] == [] and browser.seen["dialogs"] == []
    assert {u.split("/")[2] for u in browser.seen["requests"]} == {
        first.url.split("/")[2], second.url.split("/")[2]}  # fmt: skip
    # scored with these rows, the run gets the published set's score
    monkeypatch.chdir(root)
    monkeypatch.setenv("LAYTON_RUNS_DIR", str(root / "runs"))
    get_settings.cache_clear()
    score = ["score", "mine", "--iterations", "2000"]
    expected = invoke_json(*score, "--data-dir", str(SHARED_DATA))
    without = invoke_json(*score, "--data-dir", str(world["data"]))
    with_labels = invoke_json(*score, "--data-dir", str(world["data"]),
                              "--calibration", "labels.jsonl")  # fmt: skip
    assert without["calibration_rows"] == expected["calibration_rows"] - 5
    assert {k: with_labels[k] for k in SCORED} == {k: expected[k] for k in SCORED}


def test_a_run_with_hostile_answers_undo_skip_notes_and_the_budget(browser, world):
    root = world["root"]
    session = Annotate(root, "hostile", "--labels", "run-labels.jsonl", "--budget", "2",
                       "--annotator", "tester", "--data-dir", str(SHARED_DATA))  # fmt: skip
    _open(browser, session.url)
    answer = browser.locator("#answer")
    assert "<b>bold</b>" in answer.inner_text() and answer.locator("b").count() == 0
    assert "<script>alert('pwned')</script>" in browser.locator("#justification").inner_text()
    assert "mistral-small" not in browser.locator("main").inner_text()  # not before the label
    first = browser.locator("#riddle-id").inner_text()
    browser.keyboard.press("t")
    browser.keyboard.type("looks <i>odd</i>")
    browser.keyboard.press("Escape")
    browser.keyboard.press("y")
    assert "active" in (browser.locator("#q-justification").get_attribute("class") or "")
    browser.keyboard.press("u")  # back to the first question: nothing was written
    browser.keyboard.press("n")
    browser.wait_for_selector("#reveal:not([hidden])")
    assert rows(root / "run-labels.jsonl")[0]["human_answer_correct"] is False
    assert "mistral / mistral-small (run:hostile)" in browser.locator("#who-answered").inner_text()
    browser.keyboard.press("u")  # take the label back: the item comes again, notes kept
    browser.wait_for_selector("#reveal", state="hidden")
    assert browser.locator("#riddle-id").inner_text() == first
    assert browser.locator("#notes").input_value() == "looks <i>odd</i>"
    assert not (root / "run-labels.jsonl").read_text().strip()
    browser.keyboard.press("y")
    browser.keyboard.press("y")
    browser.wait_for_selector("#reveal:not([hidden])")
    _next(browser)
    skipped = browser.locator("#riddle-id").inner_text()
    browser.keyboard.press("s")
    browser.wait_for_function(
        "s => document.getElementById('riddle-id').textContent !== s", arg=skipped
    )
    third = browser.locator("#riddle-id").inner_text()
    browser.keyboard.press("y")
    browser.keyboard.press("n")
    browser.wait_for_selector("#done:not([hidden])")
    assert "budget of 2" in browser.locator("#done-reason").inner_text()
    browser.wait_for_selector("#summary-body table")
    done = session.result()
    assert (done["labelled"], done["skipped"]) == (2, 1)
    assert done["next_command"] == (
        f"layton leaderboard --split llm --data-dir {SHARED_DATA} --calibration "
        f"{root / 'run-labels.jsonl'} --add hostile"
    )
    written = rows(root / "run-labels.jsonl")
    assert [(r["riddle_id"], r[HUMAN[0]], r[HUMAN[1]], r["notes"]) for r in written] == [
        (first, True, True, "looks <i>odd</i>"), (third, True, False, "")]  # fmt: skip
    assert all(r["provider"] == "mistral" and r["source"] == "run:hostile" for r in written)
    judges = sorted(k.removeprefix("both_correct_") for k in written[0]
                    if k.startswith("both_correct_"))  # fmt: skip
    assert len(judges) == 3 and "mistral-large-2512" not in judges  # no self-judging
    assert browser.seen["errors"] == [] and browser.seen["dialogs"] == []


def test_ctrl_c_stops_the_session_and_prints_its_summary(world):
    import signal

    root = world["root"]
    session = Annotate(root, "--split", "llm", "--data-dir", str(world["data"]),
                       "--labels", "interrupted.jsonl")  # fmt: skip
    session.process.send_signal(signal.SIGINT)
    done = session.result()
    assert done["stopped"] == "it was interrupted (Ctrl-C)" and done["labelled"] == 0
    assert done["summary"]["labels"] == 0 and not (root / "interrupted.jsonl").exists()
