"""Every card fits 60, 80 and 120 columns without splitting a name: model, run, judge and field
names and paths stay whole on one line; columns give way (dropped, or shortened, and said so)
first. The ``Next:`` line is one line however long (the terminal wraps it), so it is not
measured."""

from __future__ import annotations

import json
import tempfile
import typing as t
from pathlib import Path

import pytest
from rich.cells import cell_len

from layton_eval.console import err_console, out_console
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import invoke, invoke_json, prepare
from tests.test_cli_jury import all_providers, keys  # noqa: F401 (a fixture)

WIDTHS = (60, 80, 120)


def render(monkeypatch: pytest.MonkeyPatch, columns: int, *args: str) -> str:
    """The card of ``layton ARGS`` drawn at ``columns``; it must fit and succeed."""
    monkeypatch.setenv("COLUMNS", str(columns))
    out_console.cache_clear()
    err_console.cache_clear()
    try:
        result = invoke(*args)
    finally:
        out_console.cache_clear()
        err_console.cache_clear()
    assert result.exit_code == 0, result.stderr or result.stdout
    card = [line for line in result.stdout.splitlines() if not line.startswith("Next: ")]
    widest = max(cell_len(line.rstrip()) for line in card)
    assert widest <= columns, f"{widest} columns wide at {columns}:\n{result.stdout}"
    return result.stdout


def assert_whole(text: str, names: t.Iterable[str]) -> None:
    """Each name is on one line of ``text`` (a name broken across lines is not found)."""
    broken = [name for name in names if name not in text]
    assert not broken, f"split: {broken}\n{text}"


@needs_shared_data
@pytest.mark.parametrize("columns", WIDTHS)
def test_leaderboard_and_judges_keep_names_whole(monkeypatch, columns):
    data = ["--split", "llm", "--data-dir", str(SHARED_DATA)]
    board = invoke_json("leaderboard", *data, "--iterations", "200")
    text = render(monkeypatch, columns, "leaderboard", *data, "--iterations", "200")
    assert_whole(text, [row["model"] for row in board["rows"]])
    judges = invoke_json("judges", *data)
    text = render(monkeypatch, columns, "judges", *data)
    fields = {row["field"] for row in judges["judges"]}
    assert_whole(text, {row["judge"] for row in judges["judges"]} | fields)


@pytest.mark.parametrize("columns", WIDTHS)
def test_a_sweep_prepare_card_keeps_run_names_whole(monkeypatch, columns):
    args = ["prepare", "--split", "llm", "--hints", "0-4", "--provider", "openai", "--model",
            "gpt-4.1-mini", "--model", "gpt-5-nano", "--dataset", "sample", "--force"]  # fmt: skip
    made = invoke_json(*args)
    text = render(monkeypatch, columns, *args)
    assert_whole(text, [run["run"] for run in made["runs"]])
    if columns == 60:
        assert "left out for width: " in text  # the columns that gave way are named


@pytest.mark.parametrize("columns", WIDTHS)
def test_prepare_and_export_cards_keep_paths_whole(monkeypatch, columns):
    """A path too long to sit beside its key goes under it, whole (one longer than the card
    itself cannot fit, and folds)."""
    monkeypatch.setenv("LAYTON_RUNS_DIR", "a-long-folder-name/runs")  # as given: relative
    args = ["prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", "--name", "mine"]
    made = invoke_json(*args, "--force")
    text = render(monkeypatch, columns, *args, "--force")
    assert_whole(text, made["files"].values())
    with tempfile.TemporaryDirectory(prefix="layton-") as short:  # a path that fits at 60
        out = str(Path(short) / "mine.requests.jsonl")
        exported = invoke_json("export", "mine", "--model", "m", "--out", out)
        text = render(monkeypatch, columns, "export", "mine", "--model", "m", "--out", out,
                      "--force")  # fmt: skip
    assert_whole(text, [exported["path"], exported["results_path"]])


@pytest.mark.parametrize("columns", WIDTHS)
def test_jury_dry_run_keeps_judge_names_whole(keys, monkeypatch, columns):  # noqa: F811
    with all_providers(polls_until_done=1):
        prepare("openai", "gpt-5-mini")
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        dry = invoke_json("jury", "run", "--dry-run", "--jury-config", "published")
        text = render(monkeypatch, columns, "jury", "run", "--dry-run", "--jury-config",
                      "published")  # fmt: skip
    keys_ = [judge["key"] for judge in dry["panel"]]
    models = [judge["judge"]["model"] for judge in dry["judges"]]
    assert_whole(text, keys_ + models)
    assert json.loads(json.dumps(dry))["dry_run"]
