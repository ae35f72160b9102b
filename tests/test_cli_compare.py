"""``layton compare`` through the CLI, on the real calibration set and on emulated runs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from layton_eval.stats.compare import holm
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json
from tests.test_cli_jury import all_providers, keys  # noqa: F401 (a fixture)
from tests.test_official_prompts import _judged_run, official  # noqa: F401 (a fixture)

pytestmark = needs_shared_data
DATA = ["--data-dir", str(SHARED_DATA)]
FLASH, PRO, MISTRAL = "gemini-3-flash-high", "gemini-3-pro-high", "mistral-large-2512"
PAIR_KEYS = {"a", "b", "n", "diff", "lower", "upper", "p_a_better", "mcnemar_p", "a_only",
             "b_only", "mde", "p_adjusted"}  # fmt: skip


def _words(card: str) -> str:
    """The card's text without the panel's borders, in single spaces."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", card).split())


def _compare(*args: str) -> dict:
    return invoke_json("compare", *args, "--split", "llm", "--iterations", "2000", *DATA)


@pytest.mark.parametrize("ci", ["labels", "full"])
def test_a_subject_against_itself_is_exactly_zero(ci: str):
    doc = _compare(PRO, PRO, "--ci", ci)
    pair = doc["pairs"][0]
    assert (pair["diff"], pair["lower"], pair["upper"]) == (0.0, 0.0, 0.0)
    assert pair["p_a_better"] == 0.5 and pair["a_only"] == pair["b_only"] == 0
    assert pair["mcnemar_p"] == 1.0 and pair["p_value"] == 1.0 and doc["ci_method"] == ci


def test_compare_defaults_to_the_full_interval_and_refuses_the_published_draw():
    assert _compare(FLASH, PRO)["ci_method"] == "full"
    for name in ("published", "calibration"):
        refused = invoke("compare", FLASH, PRO, "--split", "llm", "--ci", name, *DATA)
        assert_one_line_error(refused, code=2, contains="--ci labels")


@pytest.mark.parametrize("ci", ["labels", "full"])
def test_swapping_a_and_b_negates(ci: str):
    ab = _compare(FLASH, PRO, "--ci", ci)["pairs"][0]
    ba = _compare(PRO, FLASH, "--ci", ci)["pairs"][0]
    assert (ba["a"], ba["b"]) == (PRO, FLASH)
    assert (ba["diff"], ba["lower"], ba["upper"]) == (-ab["diff"], -ab["upper"], -ab["lower"])
    assert ba["p_a_better"] == pytest.approx(1 - ab["p_a_better"], abs=1e-12)
    assert (ba["a_only"], ba["b_only"]) == (ab["b_only"], ab["a_only"])
    assert (ba["mcnemar_p"], ba["p_value"], ba["mde"]) == (
        ab["mcnemar_p"],
        ab["p_value"],
        ab["mde"],
    )


def test_a_clearly_weaker_model_and_the_json_shape():
    doc = _compare(FLASH, MISTRAL, "--ci", "full")
    assert {"split", "field", "ci_method", "iterations", "seed", "pairs"} <= set(doc)
    pair = doc["pairs"][0]
    assert set(pair) >= PAIR_KEYS
    assert pair["lower"] > 0 and pair["p_a_better"] > 0.999 and pair["p_value"] < 0.001
    assert pair["mcnemar_p"] < 0.001 and pair["a_only"] > 10 * pair["b_only"]
    assert 25 < pair["diff"] < 45 and pair["n"] == 186
    assert pair["lower"] < pair["diff"] < pair["upper"]
    # the paired interval is narrower than the two full intervals side by side
    board = {r["model"]: r for r in invoke_json("leaderboard", "--split", "llm", "--ci", "full",
                                                "--iterations", "2000", *DATA)["rows"]}  # fmt: skip
    half = (pair["upper"] - pair["lower"]) / 2
    assert half < np.hypot(board[FLASH]["ci95"], board[MISTRAL]["ci95"])
    assert sum(c["n"] for c in pair["categories"]) == 186  # the riddles' categories are known
    assert {"category", "n", "diff", "jury_diff"} == set(pair["categories"][0])


def test_several_subjects_every_pair_holm_adjusted_and_in_words():
    doc = _compare(FLASH, PRO, MISTRAL, "--ci", "full")
    assert [(p["a"], p["b"]) for p in doc["pairs"]] == [(FLASH, PRO), (FLASH, MISTRAL),
                                                       (PRO, MISTRAL)]  # fmt: skip
    raw = [p["p_value"] for p in doc["pairs"]]
    np.testing.assert_allclose([p["p_adjusted"] for p in doc["pairs"]], holm(raw))
    assert all(p["p_adjusted"] >= p["p_value"] for p in doc["pairs"])
    card = invoke("compare", FLASH, PRO, MISTRAL, "--split", "llm", "--ci", "full",
                  "--iterations", "2000", *DATA).stdout  # fmt: skip
    words = _words(card)
    assert f"{FLASH} scores higher than {MISTRAL} on riddles like these" in words
    assert f"No difference between {FLASH} and {PRO} can be claimed" in words
    assert "does not make them equal" in words and "Holm" in words
    labels = invoke("compare", FLASH, MISTRAL, "--split", "llm", "--iterations", "500",
                    "--ci", "labels", *DATA).stdout  # fmt: skip
    assert "on these 186 riddles" in _words(labels)
    assert "--ci full" in labels and "Per category" in labels
    assert "these very riddles" in _words(labels) and "riddles like these" in words


def test_uncalibrated_jury_values_follow_the_one_rule():
    args = ["claude-opus-4-5-20251101-thinking-32k", FLASH, "--field", "is_answer_correct",
            "--split", "llm", "--iterations", "300", *DATA]  # fmt: skip
    assert_one_line_error(invoke("compare", *args), code=1, contains="--skip-uncalibrated")
    pair = invoke_json("compare", *args, "--skip-uncalibrated")["pairs"][0]
    assert pair["excluded"] == ["105-864", "W12-1344"] and pair["n"] == 184


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["compare", FLASH], 2, "at least two"),
        (["compare", FLASH, PRO], 2, "--split"),
        (["compare", FLASH, "gpt-9", "--split", "llm"], 2, "neither a run"),
        (["compare", "run:nothing", FLASH, "--split", "llm"], 1, "no run named"),
        (["compare", FLASH, PRO, "--split", "llm", "--ci", "wide"], 2, "--ci"),
    ],
)
def test_usage_errors(args, code, fragment):
    assert_one_line_error(invoke(*args, *DATA), code=code, contains=fragment)


def test_runs_against_calibration_models_and_comparability(official, keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=1):
        _judged_run("strict", ["--prompts", "official"])
        _judged_run("loose", [])
        _judged_run(FLASH, [])  # a run named like a calibration model
    args = ["--iterations", "500", *DATA]
    doc = invoke_json("compare", "strict", "loose", "gpt-5.1-2025-11-13-high", *args)
    assert doc["split"] == "llm" and [s["kind"] for s in doc["subjects"]] == ["run", "run",
                                                                              "model"]  # fmt: skip
    pairs = {(p["a"], p["b"]): p for p in doc["pairs"]}
    assert pairs["strict", "gpt-5.1-2025-11-13-high"]["comparable"] is True
    loose = pairs["loose", "gpt-5.1-2025-11-13-high"]
    assert loose["comparable"] is False
    assert "loose: model prompts are builtin, not the official files" in loose["notes"]
    assert pairs["strict", "loose"]["comparable"] is False
    card = invoke("compare", "loose", "gpt-5.1-2025-11-13-high", *args).stdout
    assert "Not strictly comparable" in _words(card)
    # a run named like a calibration model must be told apart
    assert_one_line_error(invoke("compare", FLASH, PRO, *args), code=2, contains=f"run:{FLASH}")
    both = invoke_json("compare", f"run:{FLASH}", f"model:{FLASH}", *args)
    assert [s["kind"] for s in both["subjects"]] == ["run", "model"]


def _independent_paired_bootstrap(a: str, b: str, iterations: int) -> float:
    """The two-sided p-value of A = B by a plain index bootstrap written from the definition:
    resample the common riddles (same indices for both), resample each jury bin's labelled rows
    of each subject's pool at their own size (one resample when both have the same pool), and
    take the mean over the resampled riddles of each riddle's bin rate; ties count half."""
    from layton_eval.score.calibration import load_calibration
    from layton_eval.stats.ppi import bin_keys

    calibration = load_calibration("llm", data_dir=SHARED_DATA)
    models = {model: provider for provider, model in calibration.model_keys()}
    rng = np.random.default_rng(12345)
    values, rates = {}, {}
    for name in (a, b):
        rows = calibration.model_rows(models[name], name, "both_correct")
        values[name] = dict(zip(rows.riddle_ids, bin_keys(rows.yhat), strict=True))
        if models[name] in {models[n] for n in rates}:  # the same pool: the same resample
            rates[name] = next(r for n, r in rates.items() if models[n] == models[name])
            continue
        pool = calibration.pool("both_correct", exclude_provider=models[name])
        labels = {k: pool.y[bin_keys(pool.yhat) == k] for k in np.unique(bin_keys(pool.yhat))}
        rates[name] = {
            k: rows[rng.integers(0, rows.size, (iterations, rows.size))].mean(axis=1)
            for k, rows in labels.items()
        }
    common = [rid for rid in values[a] if rid in values[b]]
    picks = rng.integers(0, len(common), (iterations, len(common)))
    theta = {}
    for name in (a, b):
        bins = np.array([values[name][rid] for rid in common])[picks]
        theta[name] = sum(np.where(bins == k, r[:, None], 0.0) for k, r in rates[name].items())
        theta[name] = theta[name].mean(axis=1)
    d = theta[a] - theta[b]
    tie = np.abs(d) < 1e-12
    ahead, behind = np.mean((d > 0) & ~tie), np.mean((d < 0) & ~tie)
    return float(min(1.0, 2 * min(ahead, behind) + np.mean(tie)))


@pytest.mark.parametrize(("other", "expected"), [("gpt-5.1-2025-11-13-high", 0.54), (PRO, 0.69)])
def test_default_p_value_agrees_with_an_independent_paired_bootstrap(other: str, expected: float):
    """Issue 20's pairs: the interval contains 0 and the p-value is that of a bootstrap written
    from the definition, within simulation error (10,000 iterations each: standard error of a
    p-value near 0.6 about 0.005 each, so 0.03 is over 4 standard errors of the difference)."""
    doc = invoke_json("compare", FLASH, other, "--split", "llm", *DATA)
    pair = doc["pairs"][0]
    assert doc["ci_method"] == "full" and pair["lower"] < 0 < pair["upper"]
    reference = _independent_paired_bootstrap(FLASH, other, 10_000)
    assert pair["p_value"] == pytest.approx(reference, abs=0.03)
    assert pair["p_value"] == pytest.approx(expected, abs=0.03)


def test_tab_completes_the_published_model_names(monkeypatch, runs_dir):
    from types import SimpleNamespace

    from layton_eval.commands.options import complete_subject

    ctx = SimpleNamespace(params={"split": "llm", "data_dir": SHARED_DATA})
    assert complete_subject(ctx, "gemini-3") == [FLASH, PRO]  # type: ignore[arg-type]
    monkeypatch.setenv("LAYTON_DATA_DIR", str(SHARED_DATA))  # or from the environment
    both = complete_subject(SimpleNamespace(params={}), "mistral")  # type: ignore[arg-type]
    assert both == [MISTRAL]
    assert complete_subject(SimpleNamespace(params={}), "zzz") == []  # type: ignore[arg-type]
