"""``--max-cost`` and ``LAYTON_MAX_COST``: a send or a jury above the limit (or whose cost
cannot be estimated while a limit is set) is refused before anything is created.

Each test counts the calls the provider received: a refused send makes none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare
from tests.test_cli_jury import all_providers

MODEL = "gpt-5-mini"  # 8 riddles of the sample: estimated at $0.0082


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("openai", "anthropic", "gemini", "mistral", "doubleword"):
        monkeypatch.setenv(f"{name.upper()}_API_KEY", TEST_KEY)
    get_settings.cache_clear()


def _limit_env(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LAYTON_MAX_COST", value)
    get_settings.cache_clear()


def _batches(runs_dir: Path, name: str = "run") -> list:
    return json.loads((runs_dir / name / "run.json").read_text())["batches"]


def test_a_send_above_the_limit_is_refused_before_anything_is_created(runs_dir: Path):
    prepare("openai", MODEL, name="run", hints=1)
    with emulate("openai") as fake:
        refused = invoke("send", "run", "--max-cost", "0.001")
        assert_one_line_error(refused, code=1, contains="estimated at $0.0082")
        assert "the limit is $0.0010 (--max-cost)" in refused.stderr
        assert fake.calls == [] and _batches(runs_dir) == []
        dry = invoke_json("send", "run", "--max-cost", "0.001", "--dry-run")  # free: shown
        assert dry["plan"]["estimated_cost_usd"] == pytest.approx(0.0082, abs=1e-4)
        assert dry["next_command"] == "layton send run --max-cost 0.001"
        sent = invoke_json("send", "run", "--max-cost", "0.01")
    assert len(sent["batch_ids"]) == 1 and fake.batches_created == 1


def test_layton_max_cost_is_the_default_limit(runs_dir: Path, monkeypatch):
    prepare("openai", MODEL, name="run", hints=1)
    _limit_env(monkeypatch, "0.005")
    with emulate("openai") as fake:
        refused = invoke("send", "run")
        assert_one_line_error(refused, code=1, contains="limit is $0.0050 (LAYTON_MAX_COST)")
        assert fake.calls == []
        invoke_json("send", "run", "--max-cost", "1")  # the option wins
    assert fake.batches_created == 1


def test_an_unknown_estimate_is_refused_while_a_limit_is_set(runs_dir: Path):
    prepare("doubleword", "Qwen/Qwen3-VL-235B-A22B-Instruct-FP8", name="run", hints=1)
    with emulate("doubleword") as fake:
        refused = invoke("send", "run", "--max-cost", "100")
        assert_one_line_error(refused, code=1, contains="cannot be estimated")
        assert "--price-in/--price-out" in refused.stderr and fake.calls == []
        invoke_json("send", "run")  # no limit: an unknown cost is sent, as before
    assert fake.batches_created == 1


def test_a_bad_limit_is_one_line(runs_dir: Path, monkeypatch):
    prepare("openai", MODEL, name="run", hints=1)
    assert_one_line_error(invoke("send", "run", "--max-cost", "-1"), code=2, contains="max-cost")
    _limit_env(monkeypatch, "five dollars")
    with emulate("openai") as fake:
        bad = invoke("send", "run")
    assert_one_line_error(bad, code=1, contains="LAYTON_MAX_COST='five dollars' is not an amount")
    assert fake.calls == []


def test_a_terminal_is_not_asked_to_pay_what_is_refused(runs_dir: Path, monkeypatch):
    monkeypatch.setattr("layton_eval.commands.batch.interactive", lambda: True)
    prepare("openai", MODEL, name="run", hints=1)
    with emulate("openai") as fake:
        refused = invoke("send", "run", "--max-cost", "0.001", input="y\n")
    assert_one_line_error(refused, code=1, contains="nothing was sent")
    assert "Submit" not in refused.stdout and fake.calls == []


def _group(runs_dir: Path) -> None:
    invoke_json(
        "prepare", "--split", "llm", "--hints", "0-1", "--provider", "openai",
        "--model", MODEL, "--dataset", "sample", "--group", "mine",
    )  # fmt: skip


def test_a_group_is_held_to_its_total(runs_dir: Path):
    _group(runs_dir)
    with emulate("openai") as fake:
        dry = invoke_json("send", "mine", "--dry-run")
        total = dry["estimated_cost_usd"]
        each = max(s["plan"]["estimated_cost_usd"] for s in dry["sends"])
        between = f"{(each + total) / 2:.4f}"  # above every run, below the group
        refused = invoke("send", "mine", "--max-cost", between, "--yes")
        assert_one_line_error(refused, code=1, contains="the cost of group mine is estimated")
        assert fake.calls == []
        sent = invoke_json("send", "mine", "--max-cost", f"{total + 0.001:.4f}")
    assert len(sent["sends"]) == 2 and fake.batches_created == 2


def test_a_jury_above_the_limit_sends_no_judge(runs_dir: Path):
    with all_providers(polls_until_done=1) as fakes:
        prepare("openai", MODEL, name="run", hints=1)
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        refused = invoke("jury", "run", "--max-cost", "0.0001")
        assert_one_line_error(refused, code=1, contains="the cost of the jury of run run")
        assert not (runs_dir / "run" / "jury").exists()
        assert sum(fake.batches_created for fake in fakes.values()) == 1  # the run's own
        started = invoke_json("jury", "run", "--max-cost", "10")
    assert len(started["judges"]) == 3


def test_a_group_jury_is_held_to_its_total(runs_dir: Path):
    _group(runs_dir)
    with all_providers(polls_until_done=1) as fakes:
        invoke_json("send", "mine")
        invoke_json("fetch", "mine")
        refused = invoke("jury", "mine", "--max-cost", "0.0001", "--yes")
        assert_one_line_error(refused, code=1, contains="the juries of group mine")
        assert sum(fake.batches_created for fake in fakes.values()) == 2


def test_send_runs_holds_a_group_to_its_total_without_the_command(runs_dir: Path):
    from layton_eval.batches.send import SendOptions, send_runs
    from layton_eval.commands.runs import find_runs
    from layton_eval.errors import LaytonError

    _group(runs_dir)
    selection, settings = find_runs("mine"), get_settings()
    plans = send_runs(selection, settings=settings, dry_run=True)
    each = max(s.plan.estimated_cost_usd or 0.0 for s in plans.sends)
    assert plans.estimated_cost_usd is not None and plans.estimated_cost_usd > each
    between = (each + plans.estimated_cost_usd) / 2  # above every run, below the group
    with emulate("openai") as fake, pytest.raises(LaytonError, match="the cost of group mine"):
        send_runs(selection, SendOptions(max_cost=between), settings=settings)
    assert fake.calls == [] and _batches(runs_dir, selection.runs[0].name) == []
