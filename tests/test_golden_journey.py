"""Golden journeys: what the CLI prints and every file it writes, compared with a recording.

Two whole journeys run on the provider emulators: the real llm riddles (a subset) evaluated on
openai with one failed and one unreadable answer, and the bundled vlm sample on anthropic. Each
command's exit code, stdout and stderr, then every file under the runs folder and the report, are
normalised (temporary paths, timestamps, ages) and compared with ``tests/golden/*.txt``. Ids are
deterministic because ``uuid.uuid4`` is replaced by a counter for the test.

The recording is what layton wrote before a restructure; a restructure must leave it unchanged.
When a change of output is intended, regenerate with ``LAYTON_UPDATE_GOLDEN=1 pytest
tests/test_golden_journey.py`` and review the diff like any other change.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import uuid
import zlib
from contextlib import ExitStack
from pathlib import Path

import pytest

from layton_eval.console import err_console, out_console
from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY, emulate
from tests.helpers import invoke

GOLDEN = Path(__file__).parent / "golden"
PROVIDERS = ("openai", "anthropic", "gemini", "mistral")
#: Files larger than this are recorded by their normalised sha256 (their text would swamp the diff).
INLINE_LIMIT = 12_000

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z| UTC)?")
_EPOCH = re.compile(r'"(created|created_at|completed_at|expires_at|in_progress_at|'
                    r'finalizing_at|expired_at|cancelled_at|failed_at)": \d+')  # fmt: skip
_AGE = re.compile(r"(?<=[ │])\d+(s|m|h\d\dm)(?= *│| *$)", re.M)


def _responder(custom_id: str, body: dict) -> str:
    text = json.dumps(body)
    if "Participant answer" not in text:
        return json.dumps({"justification": "because", "answer": f"answer-{custom_id}"})
    seed = zlib.crc32((custom_id + text[:40]).encode())
    return json.dumps(
        {"is_answer_correct": seed % 3 != 0, "is_justification_correct": seed % 5 != 0}
    )


def _normalise(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "<TMP>")
    text = _ISO.sub("<TIME>", text)
    text = _EPOCH.sub(lambda m: f'"{m.group(1)}": <EPOCH>', text)
    return _AGE.sub("<AGE>", text)


class Recorder:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.parts: list[str] = []

    def run(self, *args: str) -> None:
        result = invoke(*args)
        self.parts.append(
            f"$ layton {' '.join(args)}\n[exit {result.exit_code}]\n"
            f"--- stdout\n{_normalise(result.stdout, self.tmp)}"
            f"--- stderr\n{_normalise(result.stderr, self.tmp)}"
        )

    def files(self, root: Path, label: str) -> None:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root)
            if rel.name == ".lock":
                continue
            text = _normalise(path.read_text(encoding="utf-8", errors="replace"), self.tmp)
            if len(text) > INLINE_LIMIT:
                digest = hashlib.sha256(text.encode()).hexdigest()
                body = f"({len(text)} characters, normalised sha256 {digest})\n"
            else:
                body = text if text.endswith("\n") else text + "\n"
            self.parts.append(f"=== {label}/{rel}\n{body}")

    def check(self, name: str) -> None:
        actual = "\n".join(self.parts)
        path = GOLDEN / name
        if os.environ.get("LAYTON_UPDATE_GOLDEN"):
            path.parent.mkdir(exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from {path} (see the module docstring)"


@pytest.fixture
def journey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    counter = itertools.count(1)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
    for provider in PROVIDERS:
        monkeypatch.setenv(f"{provider.upper()}_API_KEY", TEST_KEY)
    # relative paths of fixed length: the cards' widths must not depend on where tmp_path is
    (tmp_path / "data").symlink_to(SHARED_DATA)
    monkeypatch.setenv("LAYTON_DATA_DIR", "data")
    monkeypatch.setenv("LAYTON_RUNS_DIR", "runs")
    monkeypatch.setenv("COLUMNS", "100")
    get_settings.cache_clear()
    out_console.cache_clear()  # consoles read COLUMNS when they are made
    err_console.cache_clear()
    with ExitStack() as stack:
        fakes = {
            name: stack.enter_context(emulate(name, responder=_responder, polls_until_done=1))
            for name in PROVIDERS
        }
        yield Recorder(tmp_path), fakes
    out_console.cache_clear()
    err_console.cache_clear()


@needs_shared_data
def test_golden_llm_journey(journey, tmp_path: Path):
    rec, fakes = journey
    chosen = _llm_ids()[:10]
    rec.run("prepare", "--split", "llm", "--hints", "0", "--provider", "openai",
            "--model", "gpt-5-mini", "--ids", ",".join(chosen), "--name", "trial")  # fmt: skip
    fakes["openai"].errors = {chosen[0]: (500, "emulated overload")}
    fakes["openai"].malformed_output = {chosen[1]}
    rec.run("send", "trial", "--dry-run")
    rec.run("send", "trial")
    rec.run("status", "trial")
    rec.run("fetch", "trial")
    rec.run("fetch", "trial", "--json")
    rec.run("status", "--all")
    rec.run("jury", "trial", "--dry-run")
    rec.run("jury", "trial")
    rec.run("status", "trial")
    rec.run("fetch", "trial")
    rec.run("score", "trial", "--iterations", "2000")
    rec.run("score", "trial", "--iterations", "500", "--field", "is_answer_correct", "--json")
    rec.run("leaderboard", "--split", "llm", "--iterations", "300", "--add", "trial")
    rec.run("compare", "trial", "gpt-5.1-2025-11-13-high", "--iterations", "300")
    rec.run("compare", "trial", "gpt-5.1-2025-11-13-high", "mistral-large-2512",
            "--iterations", "300", "--ci", "full", "--json")  # fmt: skip
    rec.run("judges", "trial")
    rec.run("report", "trial", "--split", "llm", "--iterations", "300", "--out", "report.html")
    rec.files(tmp_path / "runs", "runs")
    if (tmp_path / "report.html").is_file():
        rec.files(_single(tmp_path / "report.html"), "report")
    else:
        rec.parts.append("=== report/report.html\n(not written)\n")
    rec.check("llm_journey.txt")


def test_golden_vlm_sample_journey(journey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    rec, fakes = journey
    monkeypatch.delenv("LAYTON_DATA_DIR")
    get_settings.cache_clear()
    rec.run("prepare", "--split", "vlm", "--hints", "4", "--dataset", "sample")
    rec.run("send", "--provider", "anthropic", "--model", "claude-sonnet-4-5", "--dry-run")
    rec.run("send", "benchmark_vlm_hints_4", "--provider", "anthropic",
            "--model", "claude-sonnet-4-5")  # fmt: skip
    rec.run("fetch")
    rec.run("jury", "--json")
    rec.run("fetch", "--json")
    rec.run("status", "--json")
    rec.run("score", "--iterations", "100")  # no calibration data: a one-line error
    rec.files(tmp_path / "runs", "runs")
    rec.check("vlm_sample_journey.txt")


def _llm_ids() -> list[str]:
    lines = (SHARED_DATA / "layton_eval_llm.jsonl").read_text().splitlines()
    return [json.loads(line)["id"] for line in lines if line.strip()]


def _single(path: Path) -> Path:
    """A folder holding only ``path`` (so that :meth:`Recorder.files` can record one file)."""
    folder = path.parent / "_report"
    folder.mkdir(exist_ok=True)
    (folder / path.name).write_bytes(path.read_bytes())
    return folder
