"""Journeys prepare -> send -> status -> fetch through the provider emulators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows

KEY_VARS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "together": "TOGETHER_API_KEY",
    "groq": "GROQ_API_KEY",
}
MODELS = {
    "openai": "gpt-5.1",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-pro",
    "mistral": "mistral-medium-2508",
    "together": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "groq": "llama-3.3-70b-versatile",
}


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in KEY_VARS.values():
        monkeypatch.setenv(var, TEST_KEY)
    get_settings.cache_clear()


def _prepare(provider: str, *, name: str = "run") -> dict:
    return prepare(provider, MODELS[provider], name=name, hints=1)


def _crash_on_second_save():
    """``Run.save`` and a stand-in that dies (as a killed process) on its second call: the save
    that would record the batch id, right after the provider accepted the batch."""
    from layton_eval.runs import store as runs

    original = runs.Run.save
    calls = {"n": 0}

    def crash_after_intent(self):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        original(self)

    return original, crash_after_intent


def _all_files_text(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("provider", list(KEY_VARS))
def test_round_trip_each_provider(provider: str, keys, runs_dir: Path):
    doc = _prepare(provider)
    with emulate(provider) as fake:
        sent = invoke_json("send", "run")
        assert len(sent["batch_ids"]) == 1 and fake.batches_created == 1
        status = invoke_json("status", "run")
        assert status[0]["state"] in ("running", "finished")
        fetched = invoke_json("fetch", "run")
        if fetched["run"]["waiting_batches"]:  # finished on the second poll
            fetched = invoke_json("fetch", "run")
    result = fetched["run"]
    assert result["ok"] == doc["riddles"] and result["failed"] == 0
    predictions = rows(runs_dir / "run" / "predictions.jsonl")
    assert [p["id"] for p in predictions] == fake.requests_seen
    assert all(p["answer"] == f"answer-{p['id']}" for p in predictions)
    interchange = (
        runs_dir
        / "run"
        / f"benchmark_{provider}_{MODELS[provider].replace('/', '-')}_llm_hints_1.jsonl"
    )
    lines = rows(interchange)
    assert len(lines) == doc["riddles"]
    assert json.loads(lines[0]["answer"])["answer"] == f"answer-{lines[0]['custom_id']}"
    assert TEST_KEY not in _all_files_text(runs_dir)


@pytest.mark.parametrize("split", ["llm", "vlm"])
def test_real_data_round_trip(split: str, keys, runs_dir: Path, shared_data: Path):
    prepare("openai", "gpt-5.1", name="real", split=split, data_dir=shared_data)
    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "real")
        fetched = invoke_json("fetch", "real")["run"]
    expected = 186 if split == "llm" else 317
    assert fetched["ok"] == expected == len(rows(runs_dir / "real" / "predictions.jsonl"))
    if split == "vlm":
        first = next(iter(fake.bodies.values()))
        parts = first["messages"][1]["content"]
        assert any(p["type"] == "image_url" for p in parts)


def test_dry_run_sends_nothing_and_shows_cost(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        doc = invoke_json("send", "run", "--dry-run")
    assert fake.calls == [] and doc["dry_run"] is True
    assert doc["plan"]["requests"] == 8 and doc["plan"]["bytes"] > 0
    assert doc["plan"]["estimated_cost_usd"] > 0
    assert json.loads((runs_dir / "run" / "run.json").read_text())["batches"] == []


def test_a_dry_run_with_wait_prints_its_document(keys, runs_dir: Path):
    """One run takes the group's path: a dry run waits for nothing, and --json still prints
    what it would send (one run's path printed nothing)."""
    _prepare("openai")
    with emulate("openai") as fake:
        doc = invoke_json("send", "run", "--dry-run", "--wait")
    assert fake.calls == [] and doc["dry_run"] is True and doc["plan"]["requests"] == 8


def test_duplicate_send_is_refused(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        invoke_json("send", "run")
        assert_one_line_error(invoke("send", "run"), code=1, contains="already has batches")
        assert fake.batches_created == 1


def test_missing_key_names_the_variable(runs_dir: Path):
    _prepare("anthropic")
    with emulate("anthropic") as fake:
        result = invoke("send", "run")
    assert_one_line_error(result, code=1, contains="ANTHROPIC_API_KEY")
    assert fake.calls == []
    assert json.loads((runs_dir / "run" / "run.json").read_text())["batches"] == []


def test_provider_401_is_one_line_and_nothing_is_pending(monkeypatch, runs_dir: Path):
    monkeypatch.setenv("MISTRAL_API_KEY", "wrong-key-999")
    get_settings.cache_clear()
    _prepare("mistral")
    with emulate("mistral"):
        result = invoke("send", "run")
    assert_one_line_error(result, code=1, contains="401")
    assert "wrong-key-999" not in result.stderr
    manifest = json.loads((runs_dir / "run" / "run.json").read_text())
    assert manifest["batches"][0]["phase"] == "rejected" and manifest["state"] == "prepared"
    assert "wrong-key-999" not in _all_files_text(runs_dir)


def test_crash_between_submission_and_recording_is_reconciled(keys, runs_dir: Path, monkeypatch):
    _prepare("openai")
    original, crash_after_intent = _crash_on_second_save()
    with emulate("openai") as fake:
        monkeypatch.setattr("layton_eval.runs.store.Run.save", crash_after_intent)
        invoke("send", "run")
        monkeypatch.setattr("layton_eval.runs.store.Run.save", original)
        assert fake.batches_created == 1
        assert json.loads((runs_dir / "run" / "run.json").read_text())["state"] == "submitting"
        again = invoke("send", "run")
        assert_one_line_error(again, code=1, contains="--reconcile")
        assert fake.batches_created == 1  # not resubmitted blindly
        found = invoke_json("status", "run", "--reconcile")
        assert found[0]["found"] == list(fake.batches)
        manifest = json.loads((runs_dir / "run" / "run.json").read_text())
        assert manifest["batches"][0]["batch_id"] == next(iter(fake.batches))
        fetched = invoke_json("fetch", "run")
        if fetched["run"]["waiting_batches"]:
            fetched = invoke_json("fetch", "run")
    assert fetched["run"]["ok"] == 8


def test_failures_then_retry_failed(keys, runs_dir: Path):
    doc = _prepare("openai")
    ids = request_ids(runs_dir / "run")
    bad, unreadable = ids[0], ids[1]
    with emulate(
        "openai",
        polls_until_done=1,
        errors={bad: (500, "server exploded")},
        malformed_output=[unreadable],
    ) as fake:
        invoke_json("send", "run")
        first = invoke_json("fetch", "run")["run"]
        assert (first["ok"], first["failed"], first["invalid"]) == (doc["riddles"] - 2, 1, 1)
        preds = {p["id"]: p for p in rows(runs_dir / "run" / "predictions.jsonl")}
        assert "server exploded" in preds[bad]["error"] and not preds[bad]["valid"]
        assert preds[unreadable]["raw_text"] and not preds[unreadable]["valid"]
        fake.errors.clear()
        fake.malformed_output.clear()
        retry = invoke_json("send", "run", "--retry-failed")
        assert sorted(retry["plan"]["batches"][0]["custom_ids"]) == sorted([bad, unreadable])
        assert fake.requests_seen[-2:] == [i for i in ids if i in (bad, unreadable)]
        second = invoke_json("fetch", "run")["run"]
        again = invoke_json("fetch", "run")["run"]  # idempotent
    assert second["ok"] == doc["riddles"] == again["ok"]
    assert len(rows(runs_dir / "run" / "predictions.jsonl")) == doc["riddles"]
    assert_one_line_error(
        invoke("send", "run", "--retry-failed"), code=1, contains="nothing to retry"
    )


def test_expired_batch_keeps_the_error(keys, runs_dir: Path):
    _prepare("anthropic")
    with emulate("anthropic", polls_until_done=1, outcome="expired", succeed_before_end=3):
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == 3 and fetched["failed"] == 5
    preds = [p for p in rows(runs_dir / "run" / "predictions.jsonl") if p["error"]]
    assert len(preds) == 5 and all(p["error"] for p in preds)


def test_status_all_and_unknown_run(keys, runs_dir: Path):
    _prepare("openai", name="one")
    table = invoke_json("status", "--all")
    assert [r["run"] for r in table["runs"]] == ["one"] and table["runs"][0]["state"] == "prepared"
    assert table["next_command"] == "layton status one"
    assert_one_line_error(invoke("status", "nope"), code=1, contains="no run named")
    assert_one_line_error(invoke("fetch", "nope"), code=1, contains="no run named")


def test_send_without_model_needs_provider_and_model(keys, runs_dir: Path):
    prepare(name="bare")
    assert_one_line_error(invoke("send", "bare"), code=2, contains="--provider")
    with emulate("gemini") as fake:
        doc = invoke_json("send", "bare", "--provider", "gemini", "--model", "gemini-2.5-flash")
    assert doc["plan"]["provider"] == "gemini" and fake.batches_created == 1
    manifest = json.loads((runs_dir / "bare" / "run.json").read_text())
    assert manifest["provider"] == "gemini" and manifest["model"] == "gemini-2.5-flash"


def test_send_wait_fetches_when_done(keys, runs_dir: Path, monkeypatch):
    import time

    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    _prepare("gemini")
    with emulate("gemini", polls_until_done=3):
        result = invoke("send", "run", "--wait", "--interval", "5")
    assert result.exit_code == 0, result.stderr
    assert "layton fetch" in result.stdout and "Valid" in result.stdout
    assert naps == [5.0, 5.0]
    assert len(rows(runs_dir / "run" / "predictions.jsonl")) == 8


def test_status_watch_until_finished(keys, runs_dir: Path, monkeypatch):
    import time

    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    _prepare("mistral")
    with emulate("mistral", polls_until_done=2):
        invoke_json("send", "run")
        statuses = invoke_json("status", "run", "--watch", "2")
    assert naps == [2.0]
    assert statuses[0]["state"] == "finished"
    assert statuses[0]["batches"][0]["terminal"] is True


def test_interactive_send_asks_before_spending(keys, runs_dir: Path, monkeypatch):
    monkeypatch.setattr("layton_eval.commands.batch.interactive", lambda: True)
    _prepare("openai")
    with emulate("openai") as fake:
        refused = invoke("send", "run", input="n\n")
        assert_one_line_error(refused, code=1, contains="cancelled")
        assert "Estimated cost" in refused.stdout and fake.batches_created == 0
        accepted = invoke("send", "run", input="y\n")
        assert accepted.exit_code == 0 and fake.batches_created == 1
        early = invoke("send", "run", "--retry-failed", "--yes")
        assert_one_line_error(early, code=1, contains="fetch run' first")


def test_xai_unknown_submission_is_undecided_and_force_sets_it_aside(monkeypatch, runs_dir: Path):
    monkeypatch.setenv("XAI_API_KEY", TEST_KEY)
    get_settings.cache_clear()
    prepare("xai", "grok-4-fast")
    original, crash_after_intent = _crash_on_second_save()
    with emulate("xai", polls_until_done=1) as fake:
        monkeypatch.setattr("layton_eval.runs.store.Run.save", crash_after_intent)
        invoke("send", "run")
        monkeypatch.setattr("layton_eval.runs.store.Run.save", original)
        reconcile = invoke_json("status", "run", "--reconcile")  # no container id recorded
        assert "cannot list batches" in reconcile[0]["intents"][0]["detail"]
        invoke_json("send", "run", "--force")
        assert fake.batches_created == 2
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == 8
    manifest = json.loads((runs_dir / "run" / "run.json").read_text())
    assert [b["phase"] for b in manifest["batches"]] == ["rejected", "submitted"]
    assert manifest["state"] == "fetched"


def test_wait_gives_up_after_timeout_and_the_batch_goes_on(keys, runs_dir: Path, monkeypatch):
    import time

    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    _prepare("openai")
    with emulate("openai", polls_until_done=10) as fake:
        result = invoke("send", "run", "--wait", "--interval", "10", "--timeout", "25", "--yes")
        assert_one_line_error(result, code=1, contains="come back later")
        assert naps == [10.0, 10.0] and fake.batches_created == 1
        status = invoke_json("status", "run")
    assert status[0]["state"] == "running"


@pytest.mark.parametrize("provider", ["openai", "mistral", "gemini", "together"])
def test_failed_batch_reason_reaches_predictions_and_status(provider, keys, runs_dir: Path):
    _prepare(provider)
    with emulate(provider, polls_until_done=1, outcome="failed"):
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
        status = invoke("status", "run")
    assert fetched["failed"] == 8
    errors = {p["error"] for p in rows(runs_dir / "run" / "predictions.jsonl")}
    assert len(errors) == 1 and "emulated" in errors.pop()
    assert "Errors:" in status.stdout and "emulated" in status.stdout


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"errors": {"data": [{"message": "a"}, {"message": "b"}]}}, "a; b"),
        ({"errors": [{"message": "timeout"}]}, "timeout"),
        ({"error": {"code": 13, "message": "internal"}}, "internal"),
        ({"error": "plain text"}, "plain text"),
        ({"errors": None, "error": None}, None),
        ({"status": "completed"}, None),
    ],
)
def test_batch_error_shapes(payload, expected):
    from layton_eval.providers._http import batch_error

    assert batch_error(payload) == expected


def test_refused_answers_are_shown_apart_and_kept_unless_include_refused(keys, runs_dir: Path):
    doc = _prepare("openai")
    ids = request_ids(runs_dir / "run")
    refused, bad = ids[0], ids[1]
    with emulate("openai", polls_until_done=1, refused=[refused], errors={bad: "oops"}) as fake:
        invoke_json("send", "run")
        first = invoke_json("fetch", "run")["run"]
        assert (first["ok"], first["refused"], first["failed"]) == (doc["riddles"] - 2, 1, 1)
        assert first["refusals"] == {refused: "I can't help with that."}
        preds = {p["id"]: p for p in rows(runs_dir / "run" / "predictions.jsonl")}
        assert (
            preds[refused]["refusal"] == "I can't help with that." and not preds[refused]["error"]
        )
        outputs = {o["id"]: o for o in rows(runs_dir / "run" / "outputs.jsonl")}
        assert outputs[refused]["status"] == "refused" and outputs[bad]["status"] == "failed"
        card = invoke("fetch", "run")
        assert "Refused" in card.stdout and "I can't help with that." in card.stdout
        fake.errors.clear()
        retry = invoke_json("send", "run", "--retry-failed")  # the refusal is kept
        assert retry["plan"]["batches"][0]["custom_ids"] == [bad]
        invoke_json("fetch", "run")
        assert_one_line_error(invoke("send", "run", "--retry-failed"), code=1,
                              contains="add --include-refused")  # fmt: skip
        fake.refused.clear()
        again = invoke_json("send", "run", "--retry-failed", "--include-refused")
        assert again["plan"]["batches"][0]["custom_ids"] == [refused]
        last = invoke_json("fetch", "run")["run"]
    assert (last["ok"], last["refused"]) == (doc["riddles"], 0)
    assert_one_line_error(invoke("send", "run", "--include-refused"), code=2,
                          contains="goes with --retry-failed")  # fmt: skip


def test_a_dry_run_works_in_a_read_only_runs_folder(keys, runs_dir: Path, monkeypatch):
    """A dry run only reads: where the lock file cannot be written it goes on without it (a
    real send is refused, naming the file); a process holding the lock is still said."""
    import os

    from layton_eval.runs.locks import file_lock

    prepare("openai", "gpt-5-mini")
    lock = runs_dir / "run" / ".lock"
    with file_lock(lock, wait=False):  # as if another process were sending
        busy = invoke("send", "run", "--dry-run")
        assert_one_line_error(busy, code=1, contains="another layton process")
    lock.unlink(missing_ok=True)
    opened = os.open

    def read_only(path, flags, *args, **kwargs):  # root ignores chmod: refuse as a mount would
        if os.fspath(path) == str(lock):
            raise PermissionError(13, "Permission denied", str(lock))
        return opened(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    dry = invoke_json("send", "run", "--dry-run")
    assert dry["dry_run"] and dry["next_command"] == "layton send run"
    assert_one_line_error(invoke("send", "run"), code=1, contains=f"cannot write {lock}")
