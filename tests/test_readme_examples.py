"""Every `layton` example of the README, typed as shown, in the README's order, works.

The examples run one after the other in one working directory, as a reader would type them: the
quickstart, the whole evaluation, then each command's examples. The providers are the in-process
emulators and the real data folder stands in for the Hugging Face Hub (``LAYTON_DATA_DIR``), so
the examples that need the network run too. Between two examples the test only does what the
README's text says a reader has done (a local data folder, judge files of their own, the jury
config shown) or scripts a provider's answer (a failed riddle, so that a retry has work).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from layton_eval.cli import app
from layton_eval.jury.panel import JuryConfig
from layton_eval.settings import get_settings
from tests.conftest import REPO, SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY
from tests.helpers import invoke
from tests.test_cli_jury import all_providers
from tests.test_official_prompts import official  # noqa: F401 (a fixture: GitHub stands in)

README = (REPO / "README.md").read_text()


def readme_examples() -> list[list[str]]:
    """The README's ``layton`` commands (``a && b`` gives two), arguments after ``layton``."""
    found = []
    for line in README.splitlines():
        if not line.startswith("    $ "):
            continue
        words = shlex.split(line.removeprefix("    $ "), comments=True)
        command: list[str] = []
        for word in [*words, "&&"]:
            if word != "&&":
                command.append(word)
                continue
            if command and Path(command[0]).name == "layton":
                found.append(command[1:])
            command = []
    # `annotate` serves a page for a person to label on (tested end to end in
    # tests/test_annotate_browser.py); completion installs into the shell
    return [argv for argv in found if argv[0] not in ("--install-completion", "annotate")]


def _jury_toml() -> str:
    """The jury config the README shows (its indented block after 'jury.toml')."""
    block = README.split("A jury config", 1)[1].split("\n\n")[1]
    return "\n".join(line.removeprefix("    ") for line in block.splitlines()) + "\n"


def _judge_files(root: Path) -> list[Path]:
    """Judge files of real riddles: those of the README's whole evaluation (gpt-5-mini)."""
    run = root / "runs" / "benchmark_openai_gpt-5-mini_llm_hints_0"
    return sorted((run / "jury").glob("judge_*.jsonl"))


def _setup(argv: list[str], root: Path, fakes: dict) -> None:
    """What the README's text says a reader has at hand before this example."""
    command = " ".join(argv)
    _files_at_hand(command, root)
    _scripted_answers(command, root, fakes)


def _files_at_hand(command: str, root: Path) -> None:
    """The files the README says the reader has: local data, a jury config, judge files."""
    if "--data-dir ./layton-data" in command:
        (root / "layton-data").symlink_to(SHARED_DATA)  # "local copies" of the data
    if "--jury-config jury.toml" in command:
        (root / "jury.toml").write_text(_jury_toml())
    if command.startswith("score --judge-files"):
        (root / "results").mkdir()
        for path in _judge_files(root):
            shutil.copy(path, root / "results" / path.name)
    if "--calibration layton-labels-llm.jsonl" in command:  # labels made with `annotate`
        labelled = next(line for line in (SHARED_DATA / "ppi_llm.jsonl").read_text().splitlines()
                        if '"human_both_correct":true' in line)  # fmt: skip
        (root / "layton-labels-llm.jsonl").write_text(labelled + "\n")
    if command.startswith("score -j j1.jsonl"):
        for index, path in enumerate(_judge_files(root), start=1):
            shutil.copy(path, root / f"j{index}.jsonl")
    _answers_at_hand(command, root)


def _answers_at_hand(command: str, root: Path) -> None:
    """Answers made elsewhere: a model's interchange files (real answers of a calibration
    model, at each hint level), and what an engine (vLLM run-batch) writes for an export."""
    if command.startswith("import benchmark_local_my-model"):
        lines = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").open()]
        answers = [
            {"custom_id": row["riddle_id"], "model": "my-model", "answer": json.dumps(
                {"answer": row["answer"], "justification": row["justification"]})}
            for row in lines if row["model"] == "mistral-large-2512"
        ]  # fmt: skip
        (root / "grid").mkdir()
        for hints in range(5):
            folder = root if hints == 0 else root / "grid"
            text = "".join(json.dumps(answer) + "\n" for answer in answers)
            (folder / f"benchmark_local_my-model_llm_hints_{hints}.jsonl").write_text(text)
    if command.startswith("import mine.results.jsonl"):
        from tests.test_exchange import _stand_in_engine

        _stand_in_engine(root / "mine.requests.jsonl", root / "mine.results.jsonl", fail="")


def _scripted_answers(command: str, root: Path, fakes: dict) -> None:
    """A failed riddle before the examples that retry one, and the providers well again."""
    if command.startswith("send pair") and "--wait" in command:
        fakes["anthropic"].errors = {"005-3": (500, "emulated overload")}
    if command == "jury trial":
        first = (root / "runs" / "trial" / "requests.jsonl").read_text().split('"', 4)[3]
        fakes["openai"].errors = {first: (500, "emulated overload")}  # a verdict goes missing
    for fake in fakes.values():  # a batch cancelled is still running when the cancel comes
        fake.polls_until_done = 99 if command.startswith("cancel") else 1
    if command.endswith("--retry-failed") or command.endswith("--retry-missing"):
        for fake in fakes.values():
            fake.errors = {}


def test_the_readme_shows_examples_of_every_command():
    shown = {argv[0] for argv in readme_examples()} | {"annotate"}  # typed by a person
    assert shown == {command.name for command in app.registered_commands}
    config = JuryConfig.model_validate(tomllib.loads(_jury_toml()))  # shown whole, and valid
    assert len(config.judges) == 4 and config.substitute == "mistral"


@needs_shared_data
def test_every_readme_example_works_typed_as_shown(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    official: list[str],  # noqa: F811
):
    for provider in ("openai", "anthropic", "gemini", "mistral"):
        monkeypatch.setenv(f"{provider.upper()}_API_KEY", TEST_KEY)
    monkeypatch.setenv("LAYTON_DATA_DIR", str(SHARED_DATA))  # the Hub, here
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # `--watch 60` without the wait
    get_settings.cache_clear()
    examples = readme_examples()
    assert len(examples) >= 30
    with all_providers(polls_until_done=1) as fakes:
        for argv in examples:
            _setup(argv, tmp_path, fakes)
            result = invoke(*argv)
            assert result.exit_code == 0, f"layton {' '.join(argv)}: {result.stderr}"
    assert (tmp_path / "layton-report-llm.html").is_file()
    assert re.search(r'"score": \d', (tmp_path / "runs" / "trial" / "score.json").read_text())
