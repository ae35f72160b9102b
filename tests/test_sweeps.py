"""Sweeps: one run per model and hint level in a group, sent, followed, fetched, judged and
scored as one, through the emulators; interrupted and resumed without a batch sent twice."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json
from tests.test_cli_jury import responder

GROUP = "openai_gpt-5-mini-and-gpt-5-nano_llm"
MODELS = ("gpt-5-mini", "gpt-5-nano")
RUNS = [f"benchmark_openai_{m}_llm_hints_{h}" for m in MODELS for h in range(5)]
JUDGES = ("mistral", "gemini", "anthropic")  # openai's own judge is replaced by mistral


@pytest.fixture
def keys(monkeypatch):
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.setenv(var, TEST_KEY)
    monkeypatch.setenv("LAYTON_DATA_DIR", str(SHARED_DATA))  # the calibration set
    get_settings.cache_clear()


def _prepare_sweep(*source: str) -> dict:
    """The sweep, on the bundled sample (or ``source``: ``--limit 8`` of the real riddles)."""
    return invoke_json(
        "prepare", "--split", "llm", "--hints", "0-4", "--provider", "openai",
        "--model", MODELS[0], "--model", MODELS[1], *(source or ("--dataset", "sample")),
    )  # fmt: skip


def _on_nth_create(fake, n: int, failure: str | int, *, lost: bool) -> None:
    """The ``n``-th create-batch call from now fails (``lost``: after the batch was made)."""
    seen = []

    def hook(request) -> None:
        seen.append(request)
        if len(seen) == n:
            (fake.lost_answers if lost else fake.faults).append((r"POST .*/batches$", failure))

    fake.before_call.append((r"POST .*/batches$", hook))


def test_prepare_a_sweep_makes_one_run_per_combination(runs_dir: Path):
    made = _prepare_sweep()
    assert made["group"] == GROUP
    assert [r["run"] for r in made["runs"]] == RUNS
    assert [r["hints"] for r in made["runs"]] == [0, 1, 2, 3, 4] * 2
    for name in RUNS:
        manifest = json.loads((runs_dir / name / "run.json").read_text())
        assert manifest["group"] == GROUP
    assert made["next_command"] == f"layton send {GROUP}"
    costs = [r["estimated_cost_usd"] for r in made["runs"]]
    assert made["estimated_cost_usd"] == pytest.approx(sum(costs))
    # a list of levels, a group named by the user, and the checks
    listed = invoke_json("prepare", "--split", "llm", "--hints", "0,2", "--model", "m",
                         "--dataset", "sample", "--group", "mine")  # fmt: skip
    assert [r["hints"] for r in listed["runs"]] == [0, 2]
    assert_one_line_error(
        invoke("prepare", "--split", "llm", "--hints", "0-1", "--dataset", "sample",
               "--name", "x"),
        code=2, contains="--name names one run",
    )  # fmt: skip
    assert_one_line_error(
        invoke("prepare", "--split", "llm", "--hints", "3-1", "--dataset", "sample"),
        code=2, contains="levels go from 0 to 4",
    )  # fmt: skip
    assert_one_line_error(
        invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample",
               "--name", GROUP),
        code=2, contains="is the name of a group",
    )  # fmt: skip
    assert_one_line_error(
        invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample",
               "--group", RUNS[0]),
        code=2, contains="is a run's name",
    )  # fmt: skip


def test_a_glob_names_runs_and_nothing_matching_is_an_error(runs_dir: Path):
    _prepare_sweep()
    status = invoke_json("status", "benchmark_openai_gpt-5-nano_*")
    assert [row["run"] for row in status["runs"]] == RUNS[5:]
    assert status["next_command"] == "layton send 'benchmark_openai_gpt-5-nano_*'"
    assert_one_line_error(invoke("status", "benchmark_x_*"), code=1, contains="matches")
    assert_one_line_error(invoke("status", "nope"), code=1, contains=f"groups: {GROUP}")


@needs_shared_data
def test_a_sweep_interrupted_and_resumed_sends_no_batch_twice(keys, runs_dir: Path):
    with ExitStack() as stack:
        fakes = {
            name: stack.enter_context(emulate(name, responder=responder, polls_until_done=1))
            for name in ("openai", *JUDGES)
        }
        openai = fakes["openai"]
        _prepare_sweep("--limit", "8")  # real riddles (LAYTON_DATA_DIR): the report takes them
        dry = invoke_json("send", GROUP, "--dry-run")
        assert len(dry["sends"]) == 10 and openai.batches_created == 0
        assert dry["next_command"] == f"layton send {GROUP}"

        # the sixth submission is made at the provider but its answer never comes back
        _on_nth_create(openai, 6, "timeout", lost=True)
        stopped = invoke("send", GROUP, "--json")
        assert_one_line_error(stopped, code=1, contains="5 of 10 runs sent before this one")
        assert openai.batches_created == 6
        status = invoke_json("status", GROUP)
        states = {row["run"]: row["state"] for row in status["runs"]}
        assert states[RUNS[5]] == "submitting" and states[RUNS[6]] == "prepared"
        # the interrupted run is settled alone; the group goes on with the rest
        assert status["next_command"] == f"layton status {RUNS[5]} --reconcile"
        resumed = invoke_json("send", GROUP)
        assert [s["plan"]["run"] for s in resumed["sends"]] == RUNS[6:]
        assert "reconcile" in resumed["skipped"][RUNS[5]]
        assert openai.batches_created == 10
        reconciled = invoke_json("status", GROUP, "--reconcile")
        assert [r["run"] for r in reconciled] == [RUNS[5]]
        assert openai.batches_created == 10  # adopted, not sent again
        assert invoke_json("send", GROUP)["sends"] == []  # nothing is left to send

        fetched = invoke_json("fetch", GROUP)
        assert [f["run"]["run"] for f in fetched["runs"]] == RUNS
        assert all(f["run"]["ok"] == 8 for f in fetched["runs"])
        assert fetched["next_command"] == f"layton jury {GROUP}"
        assert len(openai.requests_seen) == 80  # 10 runs x 8 riddles, each sent once

        # the jury of the third run fails at anthropic (refused: nothing created)
        _on_nth_create(fakes["anthropic"], 3, 429, lost=False)
        stopped = invoke("jury", GROUP)
        assert_one_line_error(stopped, code=1, contains="2 of 10 runs sent to their judges")
        again = invoke_json("jury", GROUP)
        assert again["juries"][0]["run"] == RUNS[2]
        assert [j["judge"]["provider"] for j in again["juries"][0]["judges"]] == ["anthropic"]
        assert [j["run"] for j in again["juries"]] == RUNS[2:]
        for judge in JUDGES:
            assert fakes[judge].batches_created == 10, judge
        assert invoke_json("jury", GROUP)["juries"] == []  # every run has its judges
        assert invoke_json("status", GROUP)["next_command"] == f"layton fetch {GROUP}"
        judged = invoke_json("fetch", GROUP)
    assert judged["next_command"] == f"layton score {GROUP}"
    totals = judged["cost"]
    assert totals["batch_usd"] == pytest.approx(sum(f["cost"]["batch_usd"] for f in judged["runs"]))
    assert totals["input_tokens"] == sum(f["cost"]["input_tokens"] for f in judged["runs"])
    scored = invoke_json("score", GROUP, "--iterations", "300")
    assert [s["run"] for s in scored["runs"]] == RUNS
    assert [(c["model"], [p["hints"] for p in c["points"]]) for c in scored["curves"]] == [
        (model, [0, 1, 2, 3, 4]) for model in MODELS
    ]
    point = scored["curves"][1]["points"][3]
    alone = json.loads((runs_dir / RUNS[8] / "score.json").read_text())
    assert (point["run"], point["score"], point["ci95"]) == (RUNS[8], alone["score"], alone["ci95"])
    assert scored["next_command"] == f"layton report {GROUP} --split llm"
    assert any("1, 2, 3, 4 hint(s)" in warning for warning in scored["warnings"])
    card = invoke("score", GROUP, "--iterations", "300").stdout
    assert "Score per hint level" in card
    curve_rows = card.split("Score per hint level", 1)[1].splitlines()
    level_3 = next(line for line in curve_rows if line.strip("│ ").startswith("3 "))
    assert f"{point['score']:.1f} ± {point['ci95']:.1f}" in level_3
    page_path = runs_dir.parent / "sweep.html"
    report = invoke("report", GROUP, "--split", "llm", "--iterations", "200", "--out",
                    str(page_path))  # fmt: skip
    assert report.exit_code == 0, report.stderr
    page = page_path.read_text()
    chart = page.split('id="hint-chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<polyline") == 2 and chart.count("<circle") == 10
    assert f"{MODELS[1]} (openai), 3 hint(s): {point['score']:.1f} ± {point['ci95']:.1f}" in chart
    table = page.split('id="hint-table"', 1)[1].split("</table>", 1)[0]
    assert f"{point['score']:.1f} ± {point['ci95']:.1f}" in table
    costs = page.split('id="cost-table"', 1)[1].split("</table>", 1)[0]
    assert costs.count("<tr") == 1 + 10 + 1  # the head, a run each, the total
    assert f"${totals['batch_usd']:,.4f}" in costs


def test_a_group_send_asks_once_with_the_total_and_enter_cancels(keys, runs_dir, monkeypatch):
    """In a terminal, ``send GROUP`` shows every run and the total on one card and asks once;
    Enter cancels and nothing is created; ``y`` sends every run."""
    monkeypatch.setattr("layton_eval.commands.batch.interactive", lambda: True)
    _prepare_sweep()
    with emulate("openai") as fake:
        planned = invoke_json("send", GROUP, "--dry-run")
        enter = invoke("send", GROUP, input="\n")
        assert_one_line_error(enter, code=1, contains="cancelled")
        assert enter.stdout.count("[y/N]") == 1 and "Dry run" not in enter.stdout
        assert f"Submit {planned['requests']:,} requests in 10 runs?" in enter.stdout
        assert all(run in enter.stdout for run in RUNS)
        assert f"${planned['estimated_cost_usd']:,.4f}" in enter.stdout  # the total
        assert fake.batches_created == 0
        assert invoke("send", GROUP, input="y\n").exit_code == 0
        assert fake.batches_created == 10


def test_a_group_sent_with_wait_is_fetched_when_done(keys, runs_dir, monkeypatch):
    import time

    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    _prepare_sweep("--dataset", "sample", "--limit", "2")
    with emulate("openai", responder=responder, polls_until_done=2) as fake:
        dry = invoke_json("send", GROUP, "--dry-run", "--wait")  # a dry run waits for nothing
        assert len(dry["sends"]) == 10 and dry["dry_run"] and fake.batches_created == 0
        fetched = invoke_json("send", GROUP, "--wait", "--interval", "5")
    assert fake.batches_created == 10 and naps and set(naps) == {5.0}
    assert [f["run"]["ok"] for f in fetched["runs"]] == [2] * 10
    assert fetched["next_command"] == f"layton jury {GROUP}"
