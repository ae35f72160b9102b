"""Money safety: never pay twice, never adopt another run's batch, never lose a finished batch.

One test (or more) per case of issue 10, through the emulators: the list endpoints page, and
faults are injected call by call. Each test counts the batches created at the provider (what
is paid) and the riddles that end with a valid answer (what is kept).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from layton_eval.providers import get_provider
from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows

MODELS = {
    "openai": "gpt-5.1",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-pro",
    "mistral": "mistral-medium-2508",
    "xai": "grok-4-fast",
}
CREATE = {
    "openai": r"^POST /v1/batches$",
    "anthropic": r"^POST /v1/messages/batches$",
    "gemini": r":batchGenerateContent$",
    "mistral": r"^POST /v1/batch/jobs$",
}


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in MODELS:
        monkeypatch.setenv(f"{name.upper()}_API_KEY", TEST_KEY)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries of read-only calls without real waiting."""
    for name in MODELS:
        monkeypatch.setattr(get_provider(name), "retry_delays", (0.0, 0.0, 0.0))


def _prepare(provider: str, name: str = "run") -> None:
    prepare(provider, MODELS[provider], name=name, hints=1)


def _manifest(runs_dir: Path, name: str = "run") -> dict:
    return json.loads((runs_dir / name / "run.json").read_text())


def _fails(result, contains: str) -> None:
    """Exit 1 with one ``Error:`` line (after a warning, for providers that cannot list)."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and contains in last, result.stderr
    assert "Traceback" not in result.stderr


def _paid(fake) -> int:
    """Batches that hold requests at the provider (what is billed)."""
    return sum(1 for b in fake.batches.values() if b.requests and not b.id.startswith("f"))


# --------------------------------------------------------------- 1. reconcile reads every page


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "mistral"])
def test_reconcile_reads_every_page_of_the_list(provider, keys, runs_dir: Path):
    _prepare(provider)
    with emulate(provider, polls_until_done=1) as fake:
        fake.lost_answers.append((CREATE[provider], 502))  # created, but the answer is lost
        assert_one_line_error(invoke("send", "run"), code=1, contains="--reconcile")
        [lost] = list(fake.batches)
        fake.add_foreign(150)  # newer batches of other tools push it off the first page
        found = invoke_json("status", "run", "--reconcile")
        assert found[0]["found"] == [lost] and fake.list_pages >= 2
        assert "2 page(s)" in found[0]["intents"][0]["read"]
        assert_one_line_error(invoke("send", "run"), code=1, contains="already has batches")
        fetched = invoke_json("fetch", "run")["run"]
    assert fake.batches_created == 1 and fetched["ok"] == 8


def test_reconcile_never_concludes_from_a_list_it_could_not_read(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        fake.faults.append((CREATE["openai"], 503))  # nothing created, but who knows
        assert_one_line_error(invoke("send", "run"), code=1, contains="--reconcile")
        fake.add_foreign(150)
        fake.faults += [(r"^GET /v1/batches\?.*after=", 500)] * 4  # page 2 does not come
        failed = invoke("status", "run", "--reconcile")
        assert failed.exit_code == 1 and "500" in failed.stderr and fake.list_pages == 1
        assert _manifest(runs_dir)["state"] == "submitting"  # nothing concluded
        done = invoke_json("status", "run", "--reconcile")
        assert (
            done[0]["not_submitted"] and "to the end of the list" in done[0]["intents"][0]["read"]
        )
        invoke_json("send", "run")
    assert fake.batches_created == 1


@pytest.mark.parametrize("provider", ["openai", "mistral", "gemini", "xai"])
def test_every_batch_is_tagged_where_the_provider_keeps_it(provider, keys, runs_dir: Path):
    _prepare(provider)
    with emulate(provider) as fake:
        invoke_json("send", "run")
    manifest = _manifest(runs_dir)
    [batch] = fake.batches.values()
    tag = {"layton_run": "run", "layton_intent": manifest["batches"][0]["intent_id"]}
    if provider == "gemini":
        assert json.loads(batch.extra["display_name"]) == tag
    elif provider == "xai":
        assert json.loads(batch.extra["name"]) == tag | {
            "layton_requests": manifest["requests_sha256"]
        }
    else:
        assert batch.metadata == tag | {"layton_requests": manifest["requests_sha256"]}


# ------------------------------------------------------ 2. never adopt another run's batch


def test_reconcile_never_adopts_a_batch_another_run_records(keys, runs_dir: Path):
    _prepare("anthropic", "a")
    _prepare("anthropic", "b")  # the same riddles, the same size
    with emulate("anthropic", polls_until_done=1) as fake:
        fake.faults.append((CREATE["anthropic"], 503))
        assert_one_line_error(invoke("send", "a"), code=1, contains="status a --reconcile")
        invoke_json("send", "b")
        [b_batch] = list(fake.batches)
        result = invoke_json("status", "a", "--reconcile")
        assert result[0]["found"] == [] and len(result[0]["not_submitted"]) == 1
        assert_one_line_error(
            invoke("status", "a", "--reconcile", "--adopt", b_batch), code=1, contains="recorded"
        )
        invoke_json("send", "a")
    a, b = _manifest(runs_dir, "a"), _manifest(runs_dir, "b")
    assert [x["batch_id"] for x in b["batches"]] == [b_batch]
    assert b_batch not in [x["batch_id"] for x in a["batches"]]
    assert fake.batches_created == 2  # one each: nobody paid twice, nobody shares


def test_candidates_are_listed_and_the_user_chooses(keys, runs_dir: Path):
    _prepare("anthropic")
    with emulate("anthropic", polls_until_done=1) as fake:
        fake.lost_answers.append((CREATE["anthropic"], "timeout"))
        assert_one_line_error(invoke("send", "run"), code=1, contains="--reconcile")
        [mine] = list(fake.batches)
        early = invoke("fetch", "run")  # nothing was ever accepted: nothing to fetch
        assert_one_line_error(early, code=1, contains="layton status run --reconcile")
        [other] = fake.add_foreign(1, requests=8)  # someone else's: same size, same minute
        result = invoke_json("status", "run", "--reconcile")
        intent = result[0]["intents"][0]
        assert intent["outcome"] == "undecided" and result[0]["found"] == []
        assert {c["batch_id"] for c in intent["candidates"]} == {mine, other.id}
        assert result[0]["next_command"] == "layton status run --reconcile --adopt BATCH_ID"
        card = invoke("status", "run", "--reconcile")
        assert mine in card.stdout and other.id in card.stdout and "--none-created" in card.stdout
        chosen = invoke_json("status", "run", "--reconcile", "--adopt", mine)
        assert chosen[0]["intents"][0]["outcome"] == "adopted"
        fetched = invoke_json("fetch", "run")["run"]
    assert _manifest(runs_dir)["batches"][0]["batch_id"] == mine and fetched["ok"] == 8


def test_none_created_declares_the_submission_not_created(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        fake.lost_answers.append((CREATE["openai"], 502))
        invoke("send", "run")
        [batch] = fake.batches.values()
        batch.metadata = {}  # as if the provider had dropped layton's tag
        result = invoke_json("status", "run", "--reconcile")
        assert result[0]["intents"][0]["outcome"] == "undecided"  # an untagged batch: shown only
        declared = invoke_json("status", "run", "--reconcile", "--none-created")
        assert declared[0]["intents"][0]["outcome"] == "declared_not_created"
    assert _manifest(runs_dir)["state"] == "prepared"


# --------------------------------------- 3. prepare --force keeps a family with batches out


def test_prepare_force_refuses_while_judge_batches_are_out(keys, runs_dir: Path):
    _prepare("openai")
    with (
        emulate("openai", polls_until_done=1),
        emulate("anthropic", polls_until_done=5),
        emulate("gemini", polls_until_done=5),
        emulate("mistral", polls_until_done=5),
    ):
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        invoke_json("jury", "run")
    result = invoke(
        "prepare", "--split", "llm", "--hints", "1", "--dataset", "sample", "--provider",
        "openai", "--model", MODELS["openai"], "--name", "run", "--force",
    )  # fmt: skip
    assert_one_line_error(result, code=1, contains="not finished and fetched")
    assert "gemini" in result.stderr or "anthropic" in result.stderr
    assert (runs_dir / "run" / "jury").is_dir()


# -------------------------------------------------------- 4. each batch polled on its own


@pytest.fixture
def two_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(get_provider("openai")), "max_requests_per_batch", 4)


def test_a_lost_batch_does_not_block_the_other(keys, two_batches, runs_dir: Path):
    _prepare("openai")
    with emulate("openai", polls_until_done=1) as fake:
        first, second = invoke_json("send", "run")["batch_ids"]
        del fake.batches[first]  # the provider no longer knows it
        status = invoke_json("status", "run")
        gone = next(b for b in status[0]["batches"] if b["batch_id"] == first)
        assert gone["gone"] and "404" in gone["poll_error"]
        assert status[0]["next_command"] == f"layton status run --set-aside {first}"
        fetched = invoke_json("fetch", "run")["run"]
        assert fetched["fetched_batches"] == [second] and fetched["ok"] == 4
        assert first in fetched["unreachable"]
        early = invoke("send", "run", "--retry-failed")
        assert_one_line_error(early, code=1, contains="not fetched")
        invoke_json("status", "run", "--set-aside", first)
        retry = invoke_json("send", "run", "--retry-failed")
        assert retry["plan"]["requests"] == 4
        again = invoke_json("fetch", "run")["run"]
    assert again["ok"] == 8 and fake.batches_created == 3


def test_a_batch_whose_poll_keeps_failing_is_shown_and_the_other_fetched(
    keys, two_batches, runs_dir: Path
):
    _prepare("openai")
    with emulate("openai", polls_until_done=1) as fake:
        first, second = invoke_json("send", "run")["batch_ids"]
        fake.faults += [(rf"^GET /v1/batches/{first}$", 500)] * 4
        fetched = invoke_json("fetch", "run")["run"]
        assert fetched["fetched_batches"] == [second] and "500" in fetched["unreachable"][first]
        assert_one_line_error(
            invoke("status", "run", "--set-aside", first), code=1, contains="still known"
        )
        card = invoke("status", "run")  # the provider answers again
        assert card.exit_code == 0
        final = invoke_json("fetch", "run")["run"]
    assert final["ok"] == 8 and fake.batches_created == 2


# ------------------------------------------------------------- 5. requests.jsonl is checked


def test_edited_requests_are_never_sent(keys, runs_dir: Path):
    _prepare("openai")
    path = runs_dir / "run" / "requests.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # a riddle deleted after prepare
    with emulate("openai", polls_until_done=1) as fake:
        assert_one_line_error(invoke("send", "run"), code=1, contains="changed since")
        assert fake.calls == []
        path.write_text("\n".join(lines) + "\n")
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        extra = json.loads(lines[0]) | {"custom_id": "999-9"}
        path.write_text("\n".join([*lines, json.dumps(extra)]) + "\n")  # an id added
        assert_one_line_error(
            invoke("send", "run", "--retry-failed"), code=1, contains="changed since"
        )
    assert fake.batches_created == 1


# -------------------------------------------------------- 6. duplicate result lines


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_valid_answer_is_never_replaced(provider, keys, runs_dir: Path):
    _prepare(provider)
    first, second = request_ids(runs_dir / "run")[:2]
    with emulate(provider, polls_until_done=1) as fake:
        fake.duplicate_lines = {first: "error", second: "answer"}
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
        card = invoke("status", "run")
        assert card.exit_code == 0
        assert_one_line_error(
            invoke("send", "run", "--retry-failed"), code=1, contains="nothing to retry"
        )
    assert fetched["ok"] == 8 and fetched["failed"] == 0
    assert fetched["duplicates"] == [second]
    predictions = {p["id"]: p for p in rows(runs_dir / "run" / "predictions.jsonl")}
    assert predictions[second]["answer"] == f"answer-{second}"  # the first one
    assert fake.batches_created == 1


def test_fetch_card_reports_duplicates(keys, runs_dir: Path):
    _prepare("openai")
    second = request_ids(runs_dir / "run")[1]
    with emulate("openai", polls_until_done=1) as fake:
        fake.duplicate_lines = {second: "answer"}
        invoke_json("send", "run")
        card = invoke("fetch", "run")
    assert "Duplicates" in card.stdout and second in card.stdout


# ------------------------------------------------------ 7. upload and create errors


def test_upload_failure_leaves_the_run_as_it_was(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        fake.faults.append((r"^POST /v1/files$", 500))
        result = invoke("send", "run")
        assert_one_line_error(result, code=1, contains="nothing was created")
        assert "'layton send run'" in result.stderr
        assert _manifest(runs_dir)["state"] == "prepared"
        invoke_json("send", "run")
    assert fake.batches_created == 1


@pytest.mark.parametrize("status", [429, 400])
def test_a_refused_create_can_simply_be_sent_again(status, keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        fake.faults.append((CREATE["openai"], status))
        result = invoke("send", "run")
        assert_one_line_error(result, code=1, contains="'layton send run' sends it again")
        manifest = _manifest(runs_dir)
        assert manifest["state"] == "prepared" and manifest["batches"][0]["file_id"]
        invoke_json("send", "run")
    assert fake.batches_created == 1


def test_xai_container_error_then_send_again(keys, runs_dir: Path):
    _prepare("xai")
    with emulate("xai", polls_until_done=1) as fake:
        fake.faults.append((r"^POST /v1/batches$", 500))
        _fails(invoke("send", "run"), "nothing was created")
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == 8 and _paid(fake) == 1


@pytest.mark.parametrize("lost", [False, True])
def test_xai_add_requests_error_is_settled_through_the_container(lost, keys, runs_dir: Path):
    _prepare("xai")
    with emulate("xai", polls_until_done=1) as fake:
        pair = (r"^POST /v1/batches/[^/]+/requests$", 500)
        (fake.lost_answers if lost else fake.faults).append(pair)
        _fails(invoke("send", "run"), "--reconcile")
        [container] = list(fake.batches)
        assert _manifest(runs_dir)["batches"][0]["container_id"] == container
        result = invoke_json("status", "run", "--reconcile")
        if lost:  # the requests went in: the container is the batch
            assert result[0]["found"] == [container]
        else:  # an empty container: nothing to pay, send again
            assert result[0]["not_submitted"]
            invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == 8 and _paid(fake) == 1


def test_xai_partial_container_is_recorded_and_the_rest_retried(keys, runs_dir: Path, monkeypatch):
    monkeypatch.setattr(get_provider("xai"), "max_add_bytes", 6_000)  # several add calls
    _prepare("xai")
    with emulate("xai", polls_until_done=1) as fake:
        fake.faults.append((r"^POST /v1/batches/[^/]+/requests$", None))
        fake.faults.append((r"^POST /v1/batches/[^/]+/requests$", 400))
        result = invoke("send", "run")
        _fails(result, "--retry-failed")
        first = invoke_json("fetch", "run")["run"]
        assert 0 < first["ok"] < 8
        invoke_json("send", "run", "--retry-failed")
        final = invoke_json("fetch", "run")["run"]
    assert final["ok"] == 8 and _paid(fake) == 2


def test_xai_is_warned_about_before_submitting(keys, runs_dir: Path):
    _prepare("xai")
    with emulate("xai"):
        result = invoke("send", "run")
    assert result.exit_code == 0 and "cannot list batches" in result.stderr


def test_xai_without_container_id_asks_the_user(keys, runs_dir: Path, monkeypatch):
    _prepare("xai")
    from layton_eval.runs import store

    original = store.Run.save
    calls = {"n": 0}

    def die_at_the_container_save(self):
        calls["n"] += 1
        if calls["n"] == 2:  # the save recording the container id
            raise KeyboardInterrupt
        original(self)

    with emulate("xai", polls_until_done=1) as fake:
        monkeypatch.setattr(store.Run, "save", die_at_the_container_save)
        invoke("send", "run")
        monkeypatch.setattr(store.Run, "save", original)
        result = invoke_json("status", "run", "--reconcile")
        assert "cannot list batches" in result[0]["intents"][0]["detail"]
        invoke_json("status", "run", "--reconcile", "--none-created")
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == 8 and _paid(fake) == 1


# --------------------------------------------------- 8. watch and wait ride out outages


def test_watch_rides_out_an_outage_with_backoff(keys, runs_dir: Path, monkeypatch):
    import time

    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    _prepare("openai")
    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "run")
        fake.faults += [(r"^GET /v1/batches/", 503)] * 8  # two whole polls fail
        statuses = invoke_json("status", "run", "--watch", "2")
    assert naps == [4.0, 8.0]
    assert statuses[0]["state"] == "finished"


def test_wait_gives_up_only_at_its_timeout_during_an_outage(keys, runs_dir: Path, monkeypatch):
    import time

    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    _prepare("openai")
    with emulate("openai", polls_until_done=1) as fake:
        fake.faults += [(r"^GET /v1/batches/", "transport")] * 400
        result = invoke("send", "run", "--wait", "--interval", "10", "--timeout", "3000")
        assert_one_line_error(result, code=1, contains="come back later")
    assert naps[:3] == [20.0, 40.0, 80.0] and max(naps) == 600.0 and sum(naps) <= 3000


def test_ctrl_c_while_watching_stops_only_the_waiting(keys, runs_dir: Path, monkeypatch):
    import time

    def ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", ctrl_c)
    _prepare("openai")
    with emulate("openai", polls_until_done=5) as fake:
        invoke_json("send", "run")
        result = invoke("status", "run", "--watch", "30")
    assert result.exit_code == 130 and "the batches go on" in result.stderr
    assert _manifest(runs_dir)["state"] == "running" and fake.batches_created == 1


def test_status_card_says_since_when_the_provider_is_unreachable(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai") as fake:
        invoke_json("send", "run")
        fake.faults += [(r"^GET /v1/batches/", 503)] * 4
        card = invoke("status", "run")
    assert card.exit_code == 0 and "provider unreachable since" in card.stdout


# ------------------------------------------------- 9. the concurrency check under the lock


def test_a_second_send_is_told_another_process_is_sending(keys, runs_dir: Path):
    _prepare("openai")
    env = {**os.environ, "OPENAI_API_KEY": TEST_KEY, "LAYTON_RUNS_DIR": str(runs_dir)}
    second: dict[str, subprocess.CompletedProcess] = {}

    def race(request) -> None:  # while the first send is inside its create call
        second["send"] = subprocess.run(
            [sys.executable, "-c", "from layton_eval.cli import main; main()", "send", "run"],
            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    with emulate("openai") as fake:
        fake.before_call.append((CREATE["openai"], race))
        invoke_json("send", "run")
    result = second["send"]
    assert result.returncode == 1
    assert "another layton process" in result.stderr and "is sending run run" in result.stderr
    assert "interrupted" not in result.stderr and fake.batches_created == 1


# ---------------------------------------------------- 10. damaged runs, lost outputs


def test_status_all_lists_damaged_runs(keys, runs_dir: Path):
    _prepare("openai", "good")
    _prepare("openai", "bad")
    (runs_dir / "bad" / "run.json").write_text('{"name": "bad", "split"')
    table = invoke_json("status", "--all")["runs"]
    assert [r["run"] for r in table] == ["good", "bad"]
    assert table[1]["state"] == "damaged" and "run.json" in table[1]["reason"]
    card = invoke("status", "--all")
    assert "bad" in card.stdout and "damaged" in card.stdout


def test_prepare_force_moves_a_damaged_run_aside(keys, runs_dir: Path):
    _prepare("openai")
    (runs_dir / "run" / "run.json").write_text("not json")
    (runs_dir / "run" / "notes.txt").write_text("keep me")
    assert_one_line_error(invoke("send", "run"), code=1, contains="damaged")
    result = invoke(
        "prepare", "--split", "llm", "--hints", "1", "--dataset", "sample", "--provider",
        "openai", "--model", MODELS["openai"], "--name", "run", "--force", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [aside] = [p for p in runs_dir.iterdir() if p.name.startswith("run.damaged-")]
    assert (aside / "notes.txt").read_text() == "keep me"
    assert _manifest(runs_dir)["state"] == "prepared"
    assert any(r["state"] == "damaged" for r in invoke_json("status", "--all")["runs"])


def test_prepare_force_moves_a_run_with_a_damaged_judge_aside(keys, runs_dir: Path):
    _prepare("openai")
    judge = runs_dir / "run" / "jury" / "some_judge"
    judge.mkdir(parents=True)
    (judge / "run.json").write_text('{"batches": [{"batch_id": "paid-1"')  # cut off
    result = invoke(
        "prepare", "--split", "llm", "--hints", "1", "--dataset", "sample", "--provider",
        "openai", "--model", MODELS["openai"], "--name", "run", "--force", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [aside] = [p for p in runs_dir.iterdir() if p.name.startswith("run.damaged-")]
    assert (aside / "jury" / "some_judge" / "run.json").is_file()


def test_fetch_rebuilds_lost_outputs_from_the_raw_results(keys, runs_dir: Path):
    _prepare("openai")
    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        (runs_dir / "run" / "outputs.jsonl").unlink()
        downloads = sum(1 for c in fake.calls if c.endswith("/content"))
        assert_one_line_error(
            invoke("send", "run", "--retry-failed"), code=1, contains="nothing to retry"
        )
        (runs_dir / "run" / "outputs.jsonl").unlink()
        fetched = invoke_json("fetch", "run")["run"]
        assert sum(1 for c in fake.calls if c.endswith("/content")) == downloads
    assert fetched["ok"] == 8 and fetched["missing"] == 0 and fetched["rebuilt"] == 8
    assert fake.batches_created == 1


def test_fetch_after_a_crash_uses_the_results_already_on_disk(keys, runs_dir: Path, monkeypatch):
    _prepare("openai")
    from layton_eval.runs.lines import OutputLines

    original = OutputLines.save

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # killed after the raw results were saved

    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "run")
        monkeypatch.setattr(OutputLines, "save", crash)
        invoke("fetch", "run")
        monkeypatch.setattr(OutputLines, "save", original)
        downloads = sum(1 for c in fake.calls if c.endswith("/content"))
        fake.files.clear()  # the provider's result files are gone by now
        fetched = invoke_json("fetch", "run")["run"]
        assert sum(1 for c in fake.calls if c.endswith("/content")) == downloads
    assert fetched["ok"] == 8


# ---------------------------------------------------- 11. the paid send's confirmation


def test_confirmation_is_its_own_card_and_enter_cancels(keys, runs_dir: Path, monkeypatch):
    monkeypatch.setattr("layton_eval.commands.batch.interactive", lambda: True)
    _prepare("openai")
    with emulate("openai") as fake:
        enter = invoke("send", "run", input="\n")
        assert_one_line_error(enter, code=1, contains="cancelled")
        assert "[y/N]" in enter.stdout and "layton send" in enter.stdout
        assert "--dry-run" not in enter.stdout and "Dry run" not in enter.stdout
        assert "Estimated cost" in enter.stdout and "Batches" in enter.stdout
        assert fake.batches_created == 0
        invoke("send", "run", input="y\n")
    assert fake.batches_created == 1


def test_jury_confirmation_asks_and_enter_cancels(keys, runs_dir: Path, monkeypatch):
    monkeypatch.setattr("layton_eval.commands.jury.interactive", lambda: True)
    _prepare("openai")
    with (
        emulate("openai", polls_until_done=1),
        emulate("anthropic") as judge,
        emulate("gemini"),
        emulate("mistral"),
    ):
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        enter = invoke("jury", "run", input="\n")
    assert_one_line_error(enter, code=1, contains="cancelled")
    assert "[y/N]" in enter.stdout and "Dry run" not in enter.stdout
    assert judge.batches_created == 0


def test_runs_fetched_by_an_earlier_version_are_read_as_they_are(keys, runs_dir: Path):
    """Raw results kept decoded (``batches/<id>.results.jsonl``) and outputs without their
    parsed value, as earlier versions wrote them, still rebuild and give the same files."""
    _prepare("openai")
    run_dir = runs_dir / "run"
    with emulate("openai", polls_until_done=1) as fake:
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        predictions = (run_dir / "predictions.jsonl").read_bytes()
        downloads = sum(1 for c in fake.calls if c.endswith("/content"))
        [download] = (run_dir / "batches").glob("*.download.jsonl")
        legacy = [
            {"custom_id": line["custom_id"], "status_code": 200, "body": line["response"]["body"]}
            for line in rows(download)
        ]
        download.with_name(download.name.replace(".download.", ".results.")).write_text(
            "".join(json.dumps(line) + "\n" for line in legacy)
        )
        download.unlink()
        outputs = rows(run_dir / "outputs.jsonl")
        kept, lost = outputs[:5], outputs[5:]
        (run_dir / "outputs.jsonl").write_text(
            "".join(json.dumps({k: v for k, v in o.items() if k != "parsed"}) + "\n" for o in kept)
        )
        fetched = invoke_json("fetch", "run")["run"]
        assert sum(1 for c in fake.calls if c.endswith("/content")) == downloads
    assert fetched["ok"] == 8 and fetched["rebuilt"] == len(lost)
    assert (run_dir / "predictions.jsonl").read_bytes() == predictions
    assert all(o["parsed"] for o in rows(run_dir / "outputs.jsonl"))


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "xai"])
def test_results_kept_as_sent_rebuild_the_same_outputs(provider, keys, runs_dir: Path):
    """Each provider's results file (xAI: its pages) is kept as sent and read back the same
    way: a lost outputs.jsonl is rebuilt from it without a download, answers and all."""
    _prepare(provider)
    outputs = runs_dir / "run" / "outputs.jsonl"
    with emulate(provider, polls_until_done=1, page_size=3) as fake:
        invoke_json("send", "run")
        first = invoke_json("fetch", "run")["run"]
        kept = {o["id"]: o["parsed"] for o in rows(outputs)}
        calls = len(fake.calls)
        outputs.unlink()
        again = invoke_json("fetch", "run")["run"]
        assert len(fake.calls) == calls  # nothing downloaded again
    assert first["ok"] == again["ok"] == again["rebuilt"] == 8
    assert {o["id"]: o["parsed"] for o in rows(outputs)} == kept
    [download] = (runs_dir / "run" / "batches").glob("*.download.jsonl")
    assert len(rows(download)) == (3 if provider == "xai" else 8)  # xAI: one page a line


# ------------------------------------------- 12. a batch is only asked about where it was sent


def test_a_batch_is_never_asked_about_at_another_endpoint(keys, runs_dir: Path, monkeypatch):
    """Asked at another endpoint, the provider would not know the batch: it would look lost
    (404), be set aside and its riddles paid again. The record keeps where it was sent."""
    from tests.fakes.openai_like import OpenAIEmulator

    class Gateway(OpenAIEmulator):
        host = "gateway.test"

    def endpoint(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        else:
            monkeypatch.setenv("OPENAI_BASE_URL", value)
        get_settings.cache_clear()

    _prepare("openai")
    endpoint("https://gateway.test/v1")
    with Gateway(polls_until_done=1) as gateway:
        invoke_json("send", "run")
        [batch] = json.loads((runs_dir / "run" / "run.json").read_text())["batches"]
        assert batch["api_base"] == "https://gateway.test"
        endpoint(None)  # the variable is gone (another shell, another .env)
        with emulate("openai") as public:
            status = invoke_json("status", "run")
            fetched = invoke_json("fetch", "run")["run"]
            card = invoke("fetch", "run").stdout
        assert public.calls == []
        # nothing fetched yet: no saving or estimate comparison of $0.00
        assert (
            "Standard price" not in card and "actual 0%" not in card
        )  # never asked at api.openai.com

        [row] = status[0]["batches"]
        assert not row["gone"] and "https://gateway.test" in row["poll_error"]
        assert "https://api.openai.com" in row["poll_error"]
        assert "OPENAI_BASE_URL back to https://gateway.test" in row["poll_error"]
        assert "set-aside" not in (status[0]["next_command"] or "")
        assert fetched["ok"] == 0 and "was sent to https://gateway.test" in str(
            fetched["unreachable"]
        )
        endpoint("https://gateway.test/v1")
        assert invoke_json("fetch", "run")["run"]["ok"] == 8
    assert gateway.batches_created == 1


def test_an_endpoint_is_recorded_without_its_user_and_password(monkeypatch):
    from layton_eval.batches._calls import endpoint_of

    monkeypatch.setenv("LAYTON_MISTRAL_BASE_URL", "https://me:s3cret@gw.test:8443/mistral/v1")
    get_settings.cache_clear()
    assert endpoint_of(get_provider("mistral")) == "https://gw.test:8443/mistral"
