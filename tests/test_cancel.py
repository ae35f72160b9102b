"""``layton cancel``: batches stopped at every provider's emulator, what they answered kept.

Each test counts the cancel calls the provider accepted and the riddles that end with a valid
answer; a cancel that comes too late (the batch finished) or finds nothing out changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from layton_eval.providers import NAMES, get_provider
from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids

MODELS = {
    "openai": "gpt-5-mini",
    "anthropic": "claude-haiku-4-5",
    "gemini": "gemini-2.5-flash",
    "mistral": "mistral-medium-2508",
    "together": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "groq": "llama-3.3-70b-versatile",
    "xai": "grok-4-fast",
    "doubleword": "Qwen/Qwen3-VL-235B-A22B-Instruct-FP8",
}
#: Providers whose cancelled batch keeps the answers given before the cancel (Gemini's
#: responses file comes only with a succeeded batch: its riddles are all sent again).
KEEPS_ANSWERS = set(NAMES) - {"gemini"}


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.setenv(f"{name.upper()}_API_KEY", TEST_KEY)
        monkeypatch.setattr(get_provider(name), "retry_delays", (0.0, 0.0, 0.0))
    get_settings.cache_clear()


def _batch(runs_dir: Path, name: str = "run") -> dict:
    return json.loads((runs_dir / name / "run.json").read_text())["batches"][-1]


def _send(provider: str, fake, name: str = "run") -> None:
    prepare(provider, MODELS[provider], name=name, hints=1)
    invoke_json("send", name)
    assert fake.batches_created >= 1


@pytest.mark.parametrize("provider", NAMES)
def test_cancel_stops_the_batch_and_fetch_keeps_what_was_answered(provider, runs_dir: Path):
    with emulate(provider, polls_until_done=99) as fake:
        _send(provider, fake)
        ids = request_ids(runs_dir / "run")
        cancelled = invoke_json("cancel", "run", "--yes")
        [row] = cancelled["batches"]
        assert fake.cancels == 1 and row["answered"] == 4 and row["requests"] == 8
        at_once = provider == "together"  # no CANCELLING status: cancelled at once
        assert row["state"] == ("cancelled" if at_once else "cancelling")
        batch = _batch(runs_dir)
        assert batch["cancel_requested_at"] and batch["remote_state"] == row["state"]
        expected_next = "layton fetch run" if at_once else "layton status run --watch 60"
        assert cancelled["next_command"] == expected_next
        status = invoke_json("status", "run")[0]
        assert status["batches"][0]["state"] == "cancelled" and status["state"] == "finished"
        fetched = invoke_json("fetch", "run")["run"]
        kept = 4 if provider in KEEPS_ANSWERS else 0
        assert (fetched["ok"], fetched["failed"]) == (kept, 8 - kept)
        # the riddles the cancel left are sent again before any jury counts them wrong
        assert fetched["next_command"] == "layton send run --retry-failed"
        fake.polls_until_done = 1
        retry = invoke_json("send", "run", "--retry-failed")
        assert sorted(retry["plan"]["batches"][0]["custom_ids"]) == sorted(ids[kept:])
        assert invoke_json("fetch", "run")["run"]["ok"] == 8
    assert fake.batches_created == 2 and fake.cancels == 1


@pytest.mark.parametrize("provider", NAMES)
def test_a_cancel_that_arrives_after_the_batch_finished_changes_nothing(provider, runs_dir: Path):
    with emulate(provider, polls_until_done=99) as fake:
        _send(provider, fake)
        # the batch ends between layton's poll and its cancel call
        fake.before_call.append(
            (r"cancel$", lambda request: [fake.finish(b) for b in fake.batches.values()])
        )
        late = invoke("cancel", "run", "--yes")
        assert_one_line_error(late, code=1, contains="had finished before its cancel arrived")
        assert "nothing changed" in late.stderr and "layton fetch run" in late.stderr
        assert fake.cancels == 0
        batch = _batch(runs_dir)
        assert batch["cancel_requested_at"] is None and batch["remote_state"] == "completed"
        assert invoke_json("fetch", "run")["run"]["ok"] == 8
        # known finished: nothing out any more
        again = invoke("cancel", "run", "--yes")
        assert_one_line_error(again, code=1, contains="nothing to cancel in run run")
        assert "layton jury run" in again.stderr


def test_a_cancel_with_nothing_out_names_the_next_step(runs_dir: Path):
    prepare("openai", MODELS["openai"], name="run", hints=1)
    with emulate("openai") as fake:
        result = invoke("cancel", "run", "--yes")
    assert_one_line_error(result, code=1, contains="nothing to cancel in run run")
    assert "layton send run" in result.stderr and fake.calls == []


def test_the_card_asks_first_and_enter_cancels_the_cancel(runs_dir: Path, monkeypatch):
    monkeypatch.setattr("layton_eval.commands.cancel.interactive", lambda: True)
    with emulate("anthropic", polls_until_done=99) as fake:
        _send("anthropic", fake)
        kept = invoke("cancel", "run", input="\n")
        assert_one_line_error(kept, code=1, contains="not cancelled")
        assert fake.cancels == 0 and _batch(runs_dir)["cancel_requested_at"] is None
        for words in ("layton cancel", "Spent so far", "4 of 8 requests", "answer y"):
            assert words in kept.stdout, kept.stdout
        assert max(len(line) for line in kept.stdout.splitlines()) <= 60
        done = invoke("cancel", "run", input="y\n")
        assert done.exit_code == 0, done.stderr
        assert fake.cancels == 1 and "Next: layton status run --watch 60" in done.stdout


def test_a_refused_key_stops_the_cancel(runs_dir: Path, monkeypatch):
    with emulate("mistral", polls_until_done=99) as fake:
        _send("mistral", fake)
        fake.key = "another-key"
        refused = invoke("cancel", "run", "--yes")
    assert_one_line_error(refused, code=1, contains="MISTRAL_API_KEY")
    assert fake.cancels == 0 and TEST_KEY not in refused.stderr


def test_a_group_is_cancelled_batch_by_batch(runs_dir: Path):
    invoke_json(
        "prepare", "--split", "llm", "--hints", "0-1", "--provider", "openai",
        "--model", MODELS["openai"], "--dataset", "sample", "--group", "mine",
    )  # fmt: skip
    with emulate("openai", polls_until_done=99) as fake:
        invoke_json("send", "mine", "--yes")
        done = invoke_json("cancel", "mine", "--yes")
    assert fake.cancels == 2 and len(done["batches"]) == 2
    assert {row["state"] for row in done["batches"]} == {"cancelling"}
    assert done["next_command"] == "layton status mine --watch 60"


def test_the_judges_of_a_run_are_cancelled_with_judges(runs_dir: Path):
    from tests.test_cli_jury import all_providers

    with all_providers(polls_until_done=1) as fakes:
        prepare("openai", MODELS["openai"], name="run", hints=1)
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        for fake in fakes.values():
            fake.polls_until_done = 99  # the judges are still at work
        invoke_json("jury", "run")
        own = invoke("cancel", "run", "--yes")
        assert_one_line_error(own, code=1, contains="it has no batch out at the provider")
        assert "(its judges' batches are out: cancel them with --judges)" in own.stderr
        assert own.stderr.strip().endswith("layton status run --watch 60")
        done = invoke_json("cancel", "run", "--judges", "--yes")
        assert len(done["batches"]) == 3 and done["judges"] is True
        assert all(
            row["who"].startswith("judge ") and row["run"] == "run" for row in done["batches"]
        )
        assert sum(fake.cancels for fake in fakes.values()) == 3
        assert _batch(runs_dir)["cancel_requested_at"] is None  # the run's own: untouched
        assert done["next_command"] == "layton status run --watch 60"
        family = invoke_json("status", "run")
        assert {b["state"] for s in family[1:] for b in s["batches"]} == {"cancelled"}
        missing = invoke_json("fetch", "run")["jury"]["missing"]
        lacking = Counter(judge for judges in missing.values() for judge in judges)
        expected = {key: 8 if key.startswith("gemini") else 4 for key in lacking}
        assert lacking == expected and len(lacking) == 3  # gemini keeps nothing of a cancel
        for fake in fakes.values():
            fake.polls_until_done = 1
        retried = invoke_json("jury", "run", "--retry-missing")
        sizes = {j["judge"]["key"]: j["send"]["plan"]["requests"] for j in retried["judges"]}
        assert sizes == expected
        assert invoke_json("fetch", "run")["jury"]["missing"] == {}


def test_a_provider_that_keeps_failing_leaves_the_batch_recorded_as_it_was(runs_dir: Path):
    with emulate("groq", polls_until_done=99) as fake:
        _send("groq", fake)
        fake.faults += [(r"cancel$", 503)] * 4  # the first call and its three retries
        failed = invoke("cancel", "run", "--yes")
        assert_one_line_error(failed, code=1, contains="groq answered 503")
        assert fake.cancels == 0 and _batch(runs_dir)["cancel_requested_at"] is None
        assert invoke_json("cancel", "run", "--yes")["batches"][0]["state"] == "cancelling"
    assert fake.cancels == 1
