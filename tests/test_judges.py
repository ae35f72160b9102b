"""``layton judges``: judge metrics match a direct count on the calibration file."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from layton_eval.stats import agreement, intervals
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare
from tests.test_cli_jury import MODELS, all_providers, keys  # noqa: F401 (a fixture)
from tests.test_official_prompts import _judged_run

needs_data = needs_shared_data
DATA = ["--data-dir", str(SHARED_DATA)]
HUMAN = {"both_correct": "human_both_correct", "is_answer_correct": "human_answer_correct",
         "is_justification_correct": "human_justification_correct"}  # fmt: skip


def test_cohen_kappa_and_rates_by_hand():
    rated, truth = [1, 1, 0, 0, 1], [1, 0, 0, 0, 1]
    # observed 0.8; expected 0.6 * 0.4 + 0.4 * 0.6 = 0.48
    assert agreement.cohen_kappa(rated, truth) == pytest.approx((0.8 - 0.48) / 0.52)
    scores = agreement.binary_scores([1, 1, 0, 0, 1, np.nan], [1, 0, 0, 0, 1, 1])
    assert scores.n == 5 and scores.accuracy == pytest.approx(0.8)
    assert scores.sensitivity == 1.0 and scores.specificity == pytest.approx(2 / 3)
    assert agreement.binary_scores([1, 1], [1, 1]).kappa is None  # both constant: undefined
    assert agreement.binary_scores([1, 0], [1, 1]).specificity is None
    assert agreement.binary_scores([], []).n == 0
    with pytest.raises(ValueError):
        agreement.binary_scores([0.5], [1])


def test_wilson_interval_known_values():
    assert intervals.wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert intervals.wilson_interval(0, 160)[0] == 0.0
    assert intervals.wilson_interval(0, 160)[1] == pytest.approx(0.02342, abs=1e-4)
    with pytest.raises(ValueError):
        intervals.wilson_interval(3, 2)


def _raw(split: str) -> list[dict]:
    return [
        json.loads(line) for line in (SHARED_DATA / f"ppi_{split}.jsonl").read_text().splitlines()
    ]


def _count(rows: list[dict], judge: str, field: str) -> dict:
    pairs = [(r[f"{field}_{judge}"], r[HUMAN[field]]) for r in rows
             if r.get(f"{field}_{judge}") is not None and r[HUMAN[field]] is not None]  # fmt: skip
    tp = sum(j and h for j, h in pairs)
    tn = sum(not j and not h for j, h in pairs)
    fp = sum(j and not h for j, h in pairs)
    fn = sum(not j and h for j, h in pairs)
    n = len(pairs)
    observed = (tp + tn) / n
    expected = ((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)) / n**2
    kappa = (observed - expected) / (1 - expected)
    return {"n": n, "accuracy": observed, "sensitivity": tp / (tp + fn),
            "specificity": tn / (tn + fp), "kappa": kappa}  # fmt: skip


@needs_data
@pytest.mark.parametrize("split", ["llm", "vlm"])
def test_judge_metrics_match_a_direct_count(split: str):
    doc = invoke_json("judges", "--split", split, *DATA)
    rows = _raw(split)
    assert len(doc["judges"]) == 12  # 4 judges x 3 fields
    for metric in doc["judges"]:
        assert set(metric) == {"judge", "field", "n", "accuracy", "sensitivity", "specificity",
                               "kappa"}  # fmt: skip
        expected = _count(rows, metric["judge"], metric["field"])
        for key, value in expected.items():
            assert metric[key] == pytest.approx(value, abs=1e-12), (metric["judge"], key)


@needs_data
def test_error_by_provider_and_calibration_curve_match_a_direct_count():
    doc = invoke_json("judges", "--split", "llm", "--field", "is_answer_correct", *DATA)
    rows = _raw("llm")
    judge, provider = "mistral-large-2512", "anthropic"
    picked = [(r[f"is_answer_correct_{judge}"], r["human_answer_correct"]) for r in rows
              if r["provider"] == provider and r["human_answer_correct"] is not None
              and r[f"is_answer_correct_{judge}"] is not None]  # fmt: skip
    cell = next(c for c in doc["by_provider"] if (c["judge"], c["provider"]) == (judge, provider))
    assert cell["n"] == len(picked)
    assert cell["error_rate"] == pytest.approx(np.mean([j != h for j, h in picked]))
    assert cell["human_rate"] == pytest.approx(np.mean([h for _, h in picked]))
    # a judge never graded its own provider: no cell
    assert not [c for c in doc["by_provider"] if (c["judge"], c["provider"]) == (judge, "mistral")]
    curve = doc["calibration_curve"]
    labelled = [r for r in rows if r["human_answer_correct"] is not None]
    assert sum(b["n"] for b in curve) == len(labelled) == 614
    votes = [[r[k] for k in r if k.startswith("is_answer_correct_") and r[k] is not None]
             for r in labelled]  # fmt: skip
    unanimous = [r["human_answer_correct"] for r, v in zip(labelled, votes, strict=True) if all(v)]
    top = next(b for b in curve if b["label"] == "1")
    assert top["n"] == len(unanimous) and top["human_rate"] == pytest.approx(np.mean(unanimous))
    assert top["lower"] <= top["human_rate"] <= top["upper"]


@needs_data
def test_the_card_shows_each_part():
    text = invoke("judges", "--split", "vlm", *DATA).stdout
    for part in ("Judges against the human labels · vlm", "Error rate by evaluated provider",
                 "Calibration curve of the jury mean", "specificity", "Wilson"):  # fmt: skip
        assert part in text, part


@needs_data
def test_judge_names_are_whole_at_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = invoke("judges", "--split", "llm", *DATA).stdout
    assert "claude-opus-4-5-20251101 " in text and "is_justification_correct " in text
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80


def test_judges_needs_a_split_or_a_run():
    assert_one_line_error(invoke("judges"), code=2, contains="--split")
    assert_one_line_error(invoke("judges", "no-such-run"), code=1, contains="no run named")


@needs_data
def test_a_runs_own_judges_beside_their_record(keys, runs_dir: Path):  # noqa: F811
    with all_providers(polls_until_done=1):
        _judged_run("trial", [])
    doc = invoke_json("judges", "trial", *DATA)
    run = doc["run"]
    assert doc["split"] == "llm" and run["run"] == "trial"
    # its provider joins the bin rates; annotate is given the data folder judges was given
    assert doc["next_command"] == f"layton annotate trial --data-dir {SHARED_DATA}"
    assert {j["judge"].split("/")[-1] for j in run["judges"]} == {
        "mistral-large-2512", "gemini-3-pro-preview", "claude-opus-4-5-20251101",
    }  # fmt: skip
    for judge in run["judges"]:
        assert judge["n"] == 186 and 0 <= judge["pass_rate"] <= 1
        assert judge["record"]["judge"] == judge["judge"].split("/")[-1]
        assert 0.5 < judge["calibration_pass_rate"] < 1
    assert len(run["pairs"]) == 3
    for pair in run["pairs"]:
        assert pair["run_n"] == 186 and pair["calibration_n"] > 500  # rows both judged
        assert 0 <= pair["run_agreement"] <= 1 and pair["calibration_agreement"] > 0.8
    assert run["fleiss_kappa"] is not None
    card = invoke("judges", "trial", *DATA).stdout
    assert "Judges of run trial" in card and "Agreement between the judges" in card
    other = invoke("judges", "trial", "--split", "vlm", *DATA)
    assert_one_line_error(other, code=2, contains="llm split, not vlm")


@needs_data
def test_a_judge_without_a_calibration_record_is_said_not_hidden(keys, runs_dir: Path):  # noqa: F811
    """The default pool names gemini-3.1-pro-preview, which the calibration set never saw."""
    with all_providers(polls_until_done=1):
        prepare("openai", MODELS["openai"], name="fresh", data_dir=SHARED_DATA)
        for step in ("send", "fetch", "jury", "fetch"):
            invoke_json(step, "fresh")
    run = invoke_json("judges", "fresh", *DATA)["run"]
    by_model = {j["judge"].split("/")[-1]: j for j in run["judges"]}
    assert set(by_model) == {"mistral-large-2512", "gemini-3.1-pro-preview",
                             "claude-opus-4-5-20251101"}  # fmt: skip
    assert by_model["gemini-3.1-pro-preview"]["record"] is None
    assert by_model["mistral-large-2512"]["record"] is not None
    card = invoke("judges", "fresh", *DATA)
    assert card.exit_code == 0 and "gemini-3.1-pro-preview" in card.stdout


# --- is a bin's human pass rate the same for every provider? ---------------------------------


def test_homogeneity_tests_match_scipy_and_a_brute_force_count():
    from scipy import stats as scipy_stats

    from layton_eval.stats import homogeneity

    rng = np.random.default_rng(0)
    for _ in range(100):  # two groups: Fisher's exact test
        a, b, c, d = (int(x) for x in rng.integers(0, 25, 4) + [1, 0, 1, 0])
        expected = scipy_stats.fisher_exact([[a, b], [c, d]]).pvalue
        ours = homogeneity.exact_homogeneity([a, c], [a + b, c + d]).p_value
        assert ours == pytest.approx(expected, abs=1e-9)
    for _ in range(30):  # more groups: every table counted by brute force
        totals = [int(n) for n in rng.integers(1, 7, 4)]
        successes = [int(rng.integers(0, n + 1)) for n in totals]
        tables = [x for x in itertools.product(*(range(n + 1) for n in totals))
                  if sum(x) == sum(successes)]  # fmt: skip

        def weight(x: tuple[int, ...], totals: list[int] = totals) -> int:
            return math.prod(math.comb(n, k) for n, k in zip(totals, x, strict=True))

        observed = weight(tuple(successes))
        expected = sum(weight(x) for x in tables if weight(x) <= observed * (1 + 1e-7))
        expected /= math.comb(sum(totals), sum(successes))
        assert homogeneity.table_count(totals, sum(successes)) == len(tables)
        ours = homogeneity.homogeneity_test(successes, totals)
        assert ours.test == "exact" and ours.p_value == pytest.approx(expected, rel=1e-12)
    for df in range(1, 8):
        for x in (0.2, 1.0, 3.8, 12.0, 50.0):
            assert homogeneity.chi_square_sf(x, df) == pytest.approx(
                scipy_stats.chi2.sf(x, df), rel=1e-9, abs=1e-15
            )
    successes, totals = [30, 100, 200, 10], [300, 400, 500, 50]  # too many tables: chi-square
    table = [[s, n - s] for s, n in zip(successes, totals, strict=True)]
    reference = scipy_stats.chi2_contingency(table, correction=False)
    ours = homogeneity.homogeneity_test(successes, totals)
    assert ours.test == "chi-square" and ours.statistic == pytest.approx(reference.statistic)
    assert ours.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert homogeneity.homogeneity_test([0, 0, 0], [4, 5, 6]).p_value == 1.0
    with pytest.raises(ValueError):
        homogeneity.homogeneity_test([1], [2])


@needs_data
def test_bins_by_provider_count_the_file_and_flag_rates_that_differ(monkeypatch):
    doc = invoke_json("judges", "--split", "vlm", *DATA)
    assert doc["next_command"] == f"layton annotate --split vlm --data-dir {SHARED_DATA}"
    rows = [json.loads(line) for line in (SHARED_DATA / "ppi_vlm.jsonl").read_text().splitlines()]
    first = doc["bins_by_provider"][0]
    assert first["label"] == "0" and first["test"] == "exact" and not first["differs"]

    def jury_zero(row: dict) -> bool:  # every judge that judged it said incorrect
        verdicts = [v for k, v in row.items() if k.startswith("both_correct_") and v is not None]
        return bool(verdicts) and not any(verdicts)

    for rate in first["providers"]:
        labels = [r["human_both_correct"] for r in rows if r["provider"] == rate["provider"]
                  and r.get("human_both_correct") is not None and jury_zero(r)]  # fmt: skip
        assert (rate["n"], rate["human_rate"]) == (len(labels), pytest.approx(np.mean(labels)))
    # two providers whose rates clearly differ in one bin are flagged
    from layton_eval.score.calibration import read_calibration_file
    from layton_eval.score.judges import judge_report

    calibration = read_calibration_file(SHARED_DATA / "ppi_vlm.jsonl", "vlm")
    human = calibration.human["both_correct"].copy()
    anthropic = np.asarray(calibration.providers) == "anthropic"
    human[anthropic & ~np.isnan(human)] = 1.0  # every labelled anthropic answer passed
    flipped = judge_report(
        dataclasses.replace(calibration, human={"both_correct": human}), field="both_correct"
    )
    assert flipped.bins_by_provider[0].differs and flipped.bins_by_provider[0].p_value < 1e-6
    monkeypatch.setenv("COLUMNS", "60")
    text = invoke("judges", "--split", "vlm", *DATA).stdout
    table = text[text.index("Human pass rate by provider") : text.index("Next: ")]  # one line
    assert "exact p = 0.644" in table and "anthropic " in table and "…" not in table
    assert max(len(line) for line in table.splitlines()) <= 60
