"""Journeys prepare -> send -> fetch -> jury -> fetch (-> score) through the emulators."""

from __future__ import annotations

import json
import zlib
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from layton_eval.errors import JuryError
from layton_eval.jury.panel import DEFAULT_JURY, JuryConfig, choose_panel
from layton_eval.settings import get_settings
from layton_eval.stats.agreement import fleiss_kappa
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows

PROVIDERS = ("openai", "anthropic", "gemini", "mistral")
MODELS = {
    "openai": "gpt-5-mini",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
    "mistral": "mistral-medium-2508",
}


def responder(custom_id: str, body: dict) -> str:
    """Answers for riddle requests; verdicts (varied per riddle and judge) for judge requests."""
    text = json.dumps(body)
    if "Participant answer" not in text:
        return json.dumps({"justification": "because", "answer": f"answer-{custom_id}"})
    seed = zlib.crc32((custom_id + text[:40]).encode())
    return json.dumps(
        {"is_answer_correct": seed % 3 != 0, "is_justification_correct": seed % 5 != 0}
    )


@contextmanager
def all_providers(**options):
    with ExitStack() as stack:
        yield {
            name: stack.enter_context(emulate(name, responder=responder, **options))
            for name in PROVIDERS
        }


@pytest.fixture
def keys(monkeypatch):
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.setenv(var, TEST_KEY)
    if (SHARED_DATA / "ppi_llm.jsonl").is_file():  # calibration data for `layton score`
        monkeypatch.setenv("LAYTON_DATA_DIR", str(SHARED_DATA))
    get_settings.cache_clear()


def _fetched_run(provider: str, fakes, *, errors=None, real: bool = False) -> dict:
    prepare(provider, MODELS[provider], data_dir=SHARED_DATA if real else None)
    fakes[provider].errors = dict(errors or {})
    invoke_json("send", "run")
    invoke_json("fetch", "run")
    fakes[provider].errors = {}
    return invoke_json("fetch", "run")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_jury_journey(provider, keys, runs_dir: Path):
    real = (SHARED_DATA / "ppi_llm.jsonl").is_file()  # real riddles can be scored
    riddles = 186 if real else 8
    with all_providers(polls_until_done=1) as fakes:
        ids = None
        first = _fetched_run(provider, fakes, real=real)
        assert first["run"]["ok"] == riddles
        started = invoke_json("jury", "run")
        panel = [j["provider"] for j in started["panel"]]
        expected = ["openai", "gemini", "anthropic"]
        if provider in expected:
            expected[expected.index(provider)] = "mistral"
        assert panel == expected
        assert provider not in panel
        assert fakes[provider].batches_created == 1  # only the evaluated model's own batch
        for judge in panel:
            assert fakes[judge].batches_created >= 1
        family = invoke_json("status", "run")
        assert [s["kind"] for s in family] == ["benchmark", "judge", "judge", "judge"]
        assert family[0]["next_command"] == "layton fetch run"  # the judges are done
        fetched = invoke_json("fetch", "run")
        assert invoke_json("status", "run")[0]["next_command"] == "layton score run"
    assert len(fetched["judges"]) == 3
    summary = fetched["jury"]
    assert summary["missing"] == {} and summary["next_command"] == "layton score run"
    files = sorted((runs_dir / "run" / "jury").glob("judge_*.jsonl"))
    assert len(files) == 3
    for path in files:
        assert path.name.startswith(f"judge_{provider}_{MODELS[provider]}_llm_hints_0_by_")
        lines = rows(path)
        assert len(lines) == riddles
        ids = [line["custom_id"] for line in lines]
    jury = rows(runs_dir / "run" / "jury.jsonl")
    assert [row["id"] for row in jury] == ids
    assert all(row["jury"]["both_correct"] in (0, 1 / 3, 2 / 3, 1) for row in jury)
    flagged = {row["id"] for row in jury if row["without_gold"]}
    assert flagged and flagged == set(started["without_gold"])  # judged, and flagged
    if real:
        by_run = invoke_json("score", "run", "--iterations", "2000")
        by_files = invoke_json("score", "--judge-files", *map(str, files), "--iterations", "2000")
        for key in ("score", "ci95", "lower", "upper", "jury_mean", "n"):
            assert by_run[key] == by_files[key]
        assert by_run["provider"] == provider and by_run["foreign_ids"] is False
        assert by_run["n"] == riddles
        assert json.loads((runs_dir / "run" / "score.json").read_text())["score"] == by_run["score"]


def test_a_later_fetch_never_parses_an_output_again(keys, runs_dir: Path, monkeypatch):
    """Each output is parsed once, at the fetch that downloads it: a later fetch reads the
    parsed answers and verdicts from outputs.jsonl (judges collected then included)."""
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("openai", fakes)
        invoke_json("jury", "run")
        first = invoke_json("fetch", "run")
        predictions = (runs_dir / "run" / "predictions.jsonl").read_bytes()

        def parse_again(*args, **kwargs):
            raise AssertionError("an output was parsed again")

        monkeypatch.setattr("layton_eval.answers.extract_json_object", parse_again)
        again = invoke_json("fetch", "run")
    assert again["jury"] == first["jury"] and first["jury"]["judges"][0]["verdicts"] == 8
    assert (runs_dir / "run" / "predictions.jsonl").read_bytes() == predictions
    [judge, *_] = sorted((runs_dir / "run" / "jury").glob("*/outputs.jsonl"))
    assert {tuple(o["parsed"]) for o in rows(judge)} == {
        ("is_answer_correct", "is_justification_correct")
    }


def test_failed_predictions_are_incorrect_and_not_judged(keys, runs_dir: Path):
    with all_providers(polls_until_done=1) as fakes:
        prepare("openai", "gpt-5-mini")
        ids = request_ids(runs_dir / "run")
        fakes["openai"].errors = {ids[0]: (500, "boom")}
        fakes["openai"].malformed_output = {ids[1]}
        invoke_json("send", "run")
        invoke_json("fetch", "run")
        started = invoke_json("jury", "run")
        assert started["judged"] == 6 and sorted(started["not_judged"]) == sorted(ids[:2])
        for judge in ("gemini", "anthropic", "mistral"):
            assert ids[0] not in fakes[judge].requests_seen
            assert ids[1] not in fakes[judge].requests_seen
        fetched = invoke_json("fetch", "run")
    assert fetched["jury"]["not_judged"] == 2
    for path in (runs_dir / "run" / "jury").glob("judge_*.jsonl"):
        lines = {row["custom_id"]: json.loads(row["answer"]) for row in rows(path)}
        assert len(lines) == 8
        assert lines[ids[0]] == {"is_answer_correct": False, "is_justification_correct": False}
    jury = {row["id"]: row for row in rows(runs_dir / "run" / "jury.jsonl")}
    assert jury[ids[0]]["judged"] is False and jury[ids[0]]["jury"]["both_correct"] == 0


@needs_shared_data
def test_retry_missing_sends_only_what_is_missing(keys, runs_dir: Path):
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("openai", fakes)
        ids = request_ids(runs_dir / "run")
        fakes["gemini"].errors = {ids[2]: (500, "overloaded")}
        fakes["mistral"].malformed_output = {ids[3]}
        invoke_json("jury", "run")
        fetched = invoke_json("fetch", "run")
        missing = fetched["jury"]["missing"]
        assert missing == {
            ids[2]: ["gemini_gemini-3.1-pro-preview"],
            ids[3]: ["mistral_mistral-large-2512"],
        }
        assert fetched["jury"]["next_command"] == "layton jury run --retry-missing"
        assert_one_line_error(invoke("score", "run"), code=1, contains=ids[2])
        fakes["gemini"].errors = {}
        fakes["mistral"].malformed_output = set()
        seen = {name: len(fake.requests_seen) for name, fake in fakes.items()}
        retried = invoke_json("jury", "run", "--retry-missing")
        assert sorted(j["judge"]["provider"] for j in retried["judges"]) == ["gemini", "mistral"]
        assert fakes["gemini"].requests_seen[seen["gemini"] :] == [ids[2]]
        assert fakes["mistral"].requests_seen[seen["mistral"] :] == [ids[3]]
        assert len(fakes["anthropic"].requests_seen) == seen["anthropic"]
        final = invoke_json("fetch", "run")
    assert final["jury"]["missing"] == {}
    scored = invoke_json("score", "run", "--iterations", "500")
    assert scored["n"] == 8 and scored["foreign_ids"] is True  # sample riddles: illustrative
    assert 0 <= scored["score"] <= 100


def test_jury_refuses_before_fetch_and_twice(keys, runs_dir: Path):
    with all_providers(polls_until_done=3) as fakes:
        prepare("openai", "gpt-5-mini")
        invoke_json("send", "run")
        not_yet = invoke("jury", "run")  # the batches are still running: wait, do not fetch
        assert_one_line_error(not_yet, code=1, contains="run run has batches still running: ")
        assert not_yet.stderr.strip().endswith(": layton status run --watch 60")
        for _ in range(3):
            invoke_json("fetch", "run")
        dry = invoke_json("jury", "run", "--dry-run")
        assert dry["dry_run"] and all(
            f.batches_created == 0 for n, f in fakes.items() if n != "openai"
        )
        assert dry["estimated_cost_usd"] > 0
        invoke_json("jury", "run")
        assert_one_line_error(invoke("jury", "run"), code=1, contains="already has judge batches")
        early = invoke_json("fetch", "run")["jury"]  # the judges are still at work
        assert len(early["waiting"]) == 3
        assert early["next_command"] == "layton status run --watch 60"


def test_panel_rules():
    assert [j.provider for j in choose_panel(DEFAULT_JURY, "together")] == [
        "openai",
        "gemini",
        "anthropic",
    ]
    assert [j.provider for j in choose_panel(DEFAULT_JURY, "mistral")] == [
        "openai",
        "gemini",
        "anthropic",
    ]
    custom = JuryConfig(judges=DEFAULT_JURY.judges, panel=[j.key for j in DEFAULT_JURY.judges[:3]])
    with pytest.raises(JuryError, match="allow-self-judging"):
        choose_panel(custom, "openai")
    assert [j.provider for j in choose_panel(custom, "openai", allow_self_judging=True)][
        0
    ] == "openai"


def test_jury_config_file(tmp_path: Path, keys, runs_dir: Path):
    config = tmp_path / "jury.toml"
    config.write_text(
        'panel = ["a", "b", "c"]\nsubstitute = "d"\n'
        '[[judges]]\nkey = "a"\nprovider = "openai"\nmodel = "gpt-5-mini"\n'
        '[[judges]]\nkey = "b"\nprovider = "gemini"\nmodel = "gemini-2.5-flash"\n'
        '[[judges]]\nkey = "c"\nprovider = "anthropic"\nmodel = "claude-haiku-4-5"\n'
        "max_tokens = 2000\n"
        '[[judges]]\nkey = "d"\nprovider = "mistral"\nmodel = "mistral-small-2506"\n'
    )
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("gemini", fakes)
        dry = invoke_json("jury", "run", "--jury-config", str(config), "--dry-run")
    assert [j["key"] for j in dry["panel"]] == ["a", "d", "c"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"judges": [], "panel": ["zz"]}')
    assert_one_line_error(
        invoke("jury", "run", "--jury-config", str(bad)), code=1, contains="unknown judge"
    )


def test_fleiss_kappa_known_values():
    assert fleiss_kappa([[True, True, True], [False, False, False]]) == pytest.approx(1.0)
    # three raters, four items: classic small example
    ratings = [[True, True, False], [True, False, False], [True, True, True], [False, False, False]]
    assert fleiss_kappa(ratings) == pytest.approx(1 / 3)


@needs_shared_data
def test_leaderboard_places_a_scored_run(keys, runs_dir: Path):
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("openai", fakes, real=True)
        invoke_json("jury", "run")
        invoke_json("fetch", "run")
    args = ["--iterations", "1000", "--seed", "7"]
    board = invoke_json("leaderboard", "--split", "llm", "--add", "run", *args)["rows"]
    mine = [row for row in board if row["is_yours"]]
    assert len(mine) == 1 and len(board) == 10
    scored = invoke_json("score", "run", *args)
    assert (mine[0]["score"], mine[0]["ci95"]) == (scored["score"], scored["ci95"])
    assert [row["rank"] for row in board] == sorted(row["rank"] for row in board)


def test_jury_resumes_after_one_judge_is_refused(keys, runs_dir: Path, monkeypatch):
    with all_providers(polls_until_done=1) as fakes:
        _fetched_run("openai", fakes)
        fakes["anthropic"].key = "another-key"  # our key is refused by this judge only
        refused = invoke("jury", "run", "--yes")
        assert_one_line_error(refused, code=1, contains="401")
        assert fakes["mistral"].batches_created == fakes["gemini"].batches_created == 1
        fakes["anthropic"].key = TEST_KEY
        resumed = invoke_json("jury", "run")
        assert [j["judge"]["provider"] for j in resumed["judges"]] == ["anthropic"]
        assert sorted(resumed["already_sent"]) == [
            "gemini_gemini-3.1-pro-preview",
            "mistral_mistral-large-2512",
        ]
        assert fakes["mistral"].batches_created == fakes["gemini"].batches_created == 1
        assert fakes["anthropic"].batches_created == 1
        fetched = invoke_json("fetch", "run")
    assert fetched["jury"]["missing"] == {} and len(fetched["judges"]) == 3


def test_every_missing_key_is_named_at_once_before_anything_is_sent(keys, runs_dir, monkeypatch):
    with all_providers(polls_until_done=2) as fakes:
        prepare("openai", "gpt-5-mini")
        invoke_json("send", "run")
        invoke_json("status", "run", "--watch", "1")
        invoke_json("fetch", "run")
        for var in ("GEMINI_API_KEY", "ANTHROPIC_API_KEY"):
            monkeypatch.delenv(var)
        get_settings.cache_clear()
        refused = invoke("jury", "run")  # the panel: mistral, gemini, anthropic
        assert_one_line_error(refused, code=1, contains="GEMINI_API_KEY, ANTHROPIC_API_KEY are")
        assert all(f.batches_created == 0 for n, f in fakes.items() if n != "openai")
        monkeypatch.setenv("GEMINI_API_KEY", TEST_KEY)
        monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
        get_settings.cache_clear()
        invoke_json("jury", "run")
        for var in ("MISTRAL_API_KEY", "GEMINI_API_KEY", "ANTHROPIC_API_KEY"):
            monkeypatch.delenv(var)
        get_settings.cache_clear()
        polls = {name: fake.polls for name, fake in fakes.items()}
        status = invoke("status", "run")  # the judges' batches are out: all three keys
        assert_one_line_error(status, code=1, contains="are not set")
        assert all(var in status.stderr for var in ("MISTRAL", "GEMINI", "ANTHROPIC"))
        assert {name: fake.polls for name, fake in fakes.items()} == polls  # nothing asked


def test_a_group_of_two_providers_names_both_missing_keys(runs_dir):
    prepare("openai", "gpt-5-mini", name="a", extra=["--group", "two"])
    prepare("gemini", "gemini-2.5-flash", name="b", extra=["--group", "two"])
    with all_providers() as fakes:
        refused = invoke("send", "two")
    assert_one_line_error(refused, code=1, contains="OPENAI_API_KEY, GEMINI_API_KEY are not set")
    assert all(fake.batches_created == 0 for fake in fakes.values())
