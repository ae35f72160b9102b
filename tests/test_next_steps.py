"""Every ``Next:`` line works when typed, in every state of a run family; wrong states are refused
with the command that fixes them.

The walks go through the emulators: each step's suggestion (the ``next_command`` of ``--json``,
which the card's ``Next:`` line shows) is run as typed, and must succeed.
"""

from __future__ import annotations

import json
import shlex
import time
import typing as t
from pathlib import Path

import pytest

from layton_eval.next_step import EXAMPLE_TARGET, Facts, Step, first_command, next_command, refusal
from layton_eval.runs.manifest import BatchRecord, RunState
from layton_eval.runs.store import RunStore
from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare
from tests.test_cli_jury import all_providers, keys  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # `--watch 60` polls at once


def follow(command: str | None) -> t.Any:
    """Type ``command`` (a suggestion; ``--json`` added, so that its own suggestion can be
    read) and return its JSON; it must succeed."""
    assert command and command.startswith("layton "), command
    return invoke_json(*shlex.split(command)[1:])


def status_next(run: str = "run") -> str | None:
    return invoke_json("status", run)[0]["next_command"]


def refused(argv: str, fix: str) -> None:
    """``layton ARGV`` exits 1 with one line ending with the fixing command."""
    result = invoke(*shlex.split(argv))
    assert_one_line_error(result, code=1)
    assert result.stderr.strip().endswith(f": {fix}"), result.stderr


@needs_shared_data
def test_a_family_walks_from_prepared_to_the_leaderboard_by_its_suggestions(keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=2):
        # prepared without a model: a free dry run with a concrete model, which works as typed
        made = prepare(data_dir=SHARED_DATA, extra=["--limit", "6"])
        provider, model = EXAMPLE_TARGET
        dry = f"layton send run --provider {provider} --model {model} --dry-run"
        assert made["next_command"] == status_next() == dry
        refused("fetch run", dry)
        refused("jury run", dry)
        refused("score run", dry)
        # the dry run keeps nothing, but its suggestion carries the options
        sent = follow(follow(dry)["next_command"])
        assert sent["next_command"] == "layton status run"
        # sent, still running
        assert status_next() == "layton status run --watch 60"
        refused("jury run", "layton status run --watch 60")
        # finished
        finished = follow("layton status run --watch 60")
        assert finished[0]["state"] == "finished"
        assert finished[0]["next_command"] == "layton fetch run"
        refused("score run", "layton fetch run")
        # fetched
        fetched = follow("layton fetch run")
        assert fetched["run"]["next_command"] == status_next() == "layton jury run"
        refused("score run", "layton jury run")
        # judges sent, at work
        jury = follow("layton jury run")
        assert jury["next_command"] == "layton status run"
        statuses = invoke_json("status", "run")
        assert statuses[0]["next_command"] == "layton status run --watch 60"
        for judge in statuses[1:]:  # a judge is named by its parent: the only name commands take
            assert judge["next_command"] == "layton status run --watch 60", judge
        for judge in jury["judges"]:
            assert judge["send"]["next_command"] == "layton status run"
        refused("score run", "layton status run --watch 60")
        # judges finished
        assert follow("layton status run --watch 60")[0]["next_command"] == "layton fetch run"
        refused("score run", "layton fetch run")
        # judged
        verdicts = follow("layton fetch run")
        assert verdicts["jury"]["next_command"] == status_next() == "layton score run"
        # scored: the leaderboard places the run
        follow("layton score run")
        assert status_next() == "layton leaderboard --split llm --add run"
        board = follow("layton leaderboard --split llm --add run")
        assert any(row["is_yours"] for row in board["rows"])


def test_an_interrupted_send_leads_to_reconcile_then_to_send(keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=1):
        prepare("openai", "gpt-5-mini")
        run = RunStore(runs_dir).load("run")
        with run.lock():
            run.manifest.batches.append(
                BatchRecord(
                    provider="openai",
                    model="gpt-5-mini",
                    endpoint="/v1/chat/completions",
                    custom_ids=run.manifest.ids,
                    request_count=len(run.manifest.ids),
                    bytes=1,
                )  # fmt: skip
            )
            run.save()
        assert status_next() == "layton status run --reconcile"
        refused("fetch run", "layton status run --reconcile")
        refused("jury run", "layton status run --reconcile")
        follow("layton status run --reconcile")  # the provider never created it
        assert status_next() == "layton send run"
        follow("layton send run")


def test_a_judge_whose_submission_failed_is_sent_by_jury_again(keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=1) as fakes:
        prepare("openai", "gpt-5-mini")
        follow("layton send run")
        follow("layton fetch run")
        fakes["anthropic"].key = "another-key"  # this judge refuses our key
        assert invoke("jury", "run").exit_code == 1
        fakes["anthropic"].key = fakes["openai"].key
        assert status_next() == "layton fetch run"  # the two judges sent are done
        follow("layton fetch run")
        assert status_next() == "layton jury run"  # the third was never sent
        refused("score run", "layton jury run")
        resumed = follow("layton jury run")
        assert [j["judge"]["provider"] for j in resumed["judges"]] == ["anthropic"]


def test_missing_verdicts_lead_to_retry_missing(keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=1) as fakes:
        prepare("openai", "gpt-5-mini")
        follow("layton send run")
        follow("layton fetch run")
        first = invoke_json("fetch", "run")["run"]
        assert first["ok"] > 0
        one = RunStore(runs_dir).load("run").manifest.ids[0]
        fakes["mistral"].errors = {one: (500, "emulated overload")}
        follow("layton jury run")
        verdicts = invoke_json("fetch", "run")["jury"]
        assert verdicts["missing"] == {one: ["mistral_mistral-large-2512"]}
        assert verdicts["next_command"] == "layton jury run --retry-missing"
        fakes["mistral"].errors = {}
        again = follow(verdicts["next_command"])
        assert [j["send"]["plan"]["requests"] for j in again["judges"]] == [1]


def test_dry_runs_suggest_the_command_with_their_options(keys, runs_dir: Path, tmp_path):  # noqa: F811
    with all_providers(polls_until_done=1):
        prepare(name="trial")
        dry = invoke_json("send", "trial", "--provider", "gemini", "--model", "gemini-2.5-flash",
                          "--completion-window", "24h", "--dry-run", "--yes")  # fmt: skip
        command = "layton send trial --provider gemini --model gemini-2.5-flash"
        assert dry["next_command"] == command + " --completion-window 24h"
        assert json.loads((runs_dir / "trial" / "run.json").read_text())["provider"] is None
        follow(dry["next_command"])
        follow("layton fetch trial")
        config = tmp_path / "my jury.json"  # a space: the suggestion quotes it
        config.write_text(json.dumps({
            "judges": [{"provider": p, "model": m} for p, m in (
                ("openai", "gpt-5-mini"), ("anthropic", "claude-haiku-4-5"),
                ("mistral", "mistral-medium-2508"))],
            "panel": ["openai_gpt-5-mini", "anthropic_claude-haiku-4-5",
                      "mistral_mistral-medium-2508"],
        }))  # fmt: skip
        jury_dry = invoke_json("jury", "trial", "--jury-config", str(config), "--dry-run")
        assert jury_dry["next_command"] == f"layton jury trial --jury-config '{config}'"
        sent = follow(jury_dry["next_command"])
        assert {j["judge"]["model"] for j in sent["judges"]} == {
            "gpt-5-mini",
            "claude-haiku-4-5",
            "mistral-medium-2508",
        }


def test_no_run_yet_names_the_first_command(runs_dir: Path):
    for argv in (["send"], ["fetch"], ["jury"], ["score"], ["status"]):
        result = invoke(*argv)
        assert_one_line_error(result, code=1, contains=f"no runs yet in {runs_dir}")
        assert result.stderr.strip().endswith(first_command())
    listing = invoke("status", "--all")
    assert listing.exit_code == 0
    assert "No runs yet" in listing.stdout and first_command() in " ".join(listing.stdout.split())
    follow(first_command())


def test_the_rules_cover_every_state():
    """Every state of a run (and of its judges) has a suggestion; a refusal always names one."""
    for state in RunState:
        alone = Facts(run="r", state=state, judge_states=())
        assert next_command(Step.status, alone), state
        judges = Facts(run="r", state=RunState.fetched, judge_states=(RunState.fetched, state))
        assert next_command(Step.status, judges), state
        for step in (Step.fetch, Step.jury, Step.score):
            why = refusal(step, judges) or refusal(step, alone)
            assert why is None or why.startswith("run r ") and ": layton " in why, why


def test_fetch_is_refused_only_when_no_batch_was_ever_accepted():
    """A run with one accepted batch and one submission being reconciled still fetches the
    accepted one (money safety): only a run with nothing accepted is refused."""
    never = Facts(run="r", state=RunState.submitting)
    assert refusal(Step.fetch, never) == (
        "run r was interrupted while submitting: layton status r --reconcile"
    )
    partly = Facts(run="r", state=RunState.submitting, accepted=True)
    assert refusal(Step.fetch, partly) is None


@needs_shared_data
def test_every_next_line_works_typed_from_another_folder(keys, tmp_path, monkeypatch):  # noqa: F811
    """A relative --data-dir, given once at prepare: each suggestion, typed elsewhere, works."""
    monkeypatch.delenv("LAYTON_DATA_DIR")  # only the --data-dir typed: no fallback
    monkeypatch.setenv("LAYTON_RUNS_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    (tmp_path / "start").mkdir()
    (tmp_path / "start" / "layton-data").symlink_to(SHARED_DATA)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "start")
    made = invoke_json("prepare", "--split", "llm", "--hints", "0", "--data-dir", "layton-data",
                       "--ids", "002-1115,005-3", "--name", "pair")  # fmt: skip
    manifest = json.loads((tmp_path / "runs" / "pair" / "run.json").read_text())
    assert manifest["dataset"]["location"] == str(tmp_path / "start" / "layton-data")
    monkeypatch.chdir(tmp_path / "elsewhere")
    typed, command = [], made["next_command"]
    with all_providers(polls_until_done=1):
        while command and not command.startswith("layton leaderboard"):
            typed.append(command)
            shown = follow(command)
            shown = shown[0] if isinstance(shown, list) else shown  # status: the run, its judges
            parts = [shown.get("jury"), shown.get("run"), shown]  # fetch: the jury's, the run's
            command = next(
                p["next_command"] for p in parts if isinstance(p, dict) and p.get("next_command")
            )
            assert len(typed) < 12, typed
        board = follow(command)
    data = f"--data-dir {tmp_path / 'start' / 'layton-data'}"
    assert typed[-1] == f"layton score pair {data}"
    assert command == f"layton leaderboard --split llm --add pair {data}"
    assert any(row["is_yours"] for row in board["rows"])
