"""score/compare.py: every pair of several subjects, drawn in one pass, is the pair compared alone.

Synthetic subjects on overlapping riddle sets (so that the pairs have different common riddles,
hence several joint draws), calibrated by three providers' pools (some shared, some not).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from layton_eval.choices import CiMethod, Split
from layton_eval.score.calibration import CalibrationSet
from layton_eval.score.compare import compare_subjects
from layton_eval.score.score import ScoreOptions
from layton_eval.score.subjects import Subject

VALUES = np.array([0.0, 1 / 3, 2 / 3, 1.0])


def _calibration(rng: np.random.Generator) -> CalibrationSet:
    """Labelled rows of three providers: each row's three judges give its jury value."""
    size = 600
    yhat = rng.choice(VALUES, size=size, p=[0.4, 0.1, 0.1, 0.4])
    y = (rng.random(size) < 0.05 + 0.9 * yhat).astype(float)
    votes = np.round(yhat * 3).astype(int)
    verdicts = (np.arange(3)[None, :] < votes[:, None]).astype(float)
    providers = tuple(rng.choice(["p1", "p2", "p3"], size=size).tolist())
    return CalibrationSet(
        split=Split.llm, source="synthetic", riddle_ids=tuple(f"c{i}" for i in range(size)),
        providers=providers, models=tuple(f"m-{p}" for p in providers), judges=("j1", "j2", "j3"),
        verdicts={field: verdicts for field in ("both_correct", "is_answer_correct",
                                                "is_justification_correct")},
        human={"both_correct": y},
    )  # fmt: skip


def _subjects(rng: np.random.Generator) -> list[Subject]:
    """Four subjects: riddles q0-q119, q10-q129 or q0-q129 (some verdicts missing), two of
    them from the same provider (one pool)."""
    spans = {"a": range(0, 120), "b": range(10, 130), "c": range(0, 130), "d": range(5, 125)}
    providers = {"a": "p1", "b": "p2", "c": "p1", "d": "p9"}  # p9: calibrated by every row
    subjects = []
    for name, span in spans.items():
        yhat = rng.choice(VALUES, size=len(span))
        yhat[rng.random(len(span)) < 0.03] = np.nan
        ids = tuple(f"q{i}" for i in span)
        subjects.append(Subject(name, "model", providers[name], ids, yhat))
    return subjects


@pytest.mark.parametrize("ci", [CiMethod.full, CiMethod.labels])
def test_each_pair_of_several_is_the_pair_compared_alone(ci: CiMethod):
    rng = np.random.default_rng(31)
    calibration, subjects = _calibration(rng), _subjects(rng)
    options = ScoreOptions(iterations=1500, seed=5, ci=ci)
    together = compare_subjects(subjects, calibration=calibration, options=options, categories={})
    assert len({pair.n for pair in together.pairs}) > 1  # several sets of common riddles
    for pair, (a, b) in zip(together.pairs, itertools.combinations(subjects, 2), strict=True):
        alone = compare_subjects([a, b], calibration=calibration, options=options, categories={})
        got = alone.pairs[0].model_dump(exclude={"p_adjusted"})
        assert pair.model_dump(exclude={"p_adjusted"}) == got, (a.name, b.name)
        swapped = compare_subjects(
            [b, a], calibration=calibration, options=options, categories={}
        ).pairs[0]
        assert (swapped.lower, swapped.upper) == (-pair.upper, -pair.lower)
        assert swapped.p_value == pair.p_value


def test_a_subject_against_a_copy_of_itself_differs_by_exactly_zero():
    rng = np.random.default_rng(32)
    calibration, subjects = _calibration(rng), _subjects(rng)
    a = subjects[0]
    twin = Subject("a-twin", "model", a.provider, a.riddle_ids, a.yhat.copy())
    result = compare_subjects(
        [a, twin, subjects[1]], calibration=calibration,
        options=ScoreOptions(iterations=1500, seed=6, ci=CiMethod.full), categories={},
    )  # fmt: skip
    same = result.pairs[0]
    assert (same.lower, same.upper, same.p_value, same.p_a_better) == (0.0, 0.0, 1.0, 0.5)
