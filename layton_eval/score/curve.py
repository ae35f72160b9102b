"""How a model's score moves with hints, and the scores of a selection of runs (``score RUN``,
``score GROUP``).

A hint curve joins the scores of one model's runs that differ only by their hint level
(0 to 4): one point per level, with the score's 95% interval. Each point is the run's own
score, scored exactly as ``layton score RUN`` scores it; the curve adds nothing but the
grouping. The human-labelled calibration set holds answers given with 0 hints, so points at
higher levels are calibrated on 0-hint labels (each such score says so in its warnings).
"""

from __future__ import annotations

import dataclasses
import typing as t

from pydantic import BaseModel, Field

from layton_eval.choices import CiMethod, Split
from layton_eval.next_step import Facts, Step, family_facts, group_next, next_command, refusal
from layton_eval.score.score import ScoreOptions, ScoreResult, hints_warning, score_run

if t.TYPE_CHECKING:
    from layton_eval.runs.groups import Selection

__all__ = ["CurvePoint", "HintCurve", "RunScore", "ScoreOutcome", "hint_curves", "score_runs"]


class CurvePoint(BaseModel):
    """One hint level of a model's curve."""

    hints: int
    score: float
    ci95: float
    lower: float
    upper: float
    n: int
    run: str = Field(description="The run scored at this level.")


class HintCurve(BaseModel):
    """A model's score per hint level, lowest level first."""

    provider: str
    model: str
    points: list[CurvePoint]


class RunScore(BaseModel):
    """A run of a group and its score."""

    run: str
    hints: int
    result: ScoreResult


class ScoreOutcome(BaseModel):
    """``score``: each judged run's score, and the hint curve of each model."""

    group: str | None
    split: Split
    ci_method: CiMethod
    runs: list[RunScore]
    curves: list[HintCurve]
    skipped: dict[str, str] = Field(default_factory=dict)  # run -> why it was not scored
    warnings: list[str] = Field(default_factory=list)  # shared by the scores, once each
    next_command: str | None


def hint_curves(
    points: t.Iterable[tuple[str, str, CurvePoint]], *, least: int = 1
) -> list[HintCurve]:
    """``(provider, model, point)`` items joined into one curve per model (in order of first
    appearance), points by hint level; models with fewer than ``least`` levels are left out.
    Two runs of one model at one level are both kept (a repeated run is a second point)."""
    curves: dict[tuple[str, str], list[CurvePoint]] = {}
    for provider, model, point in points:
        curves.setdefault((provider, model), []).append(point)
    return [
        HintCurve(provider=provider, model=model, points=sorted(found, key=lambda p: p.hints))
        for (provider, model), found in curves.items()
        if len({p.hints for p in found}) >= least
    ]


def score_runs(selection: Selection, options: ScoreOptions) -> ScoreOutcome:
    """Score each judged run of ``selection`` (of a group, the others are listed with what to
    type), and join the scores of each model into its hint curve.

    Raises
    ------
    RunError
        When the runs are on different splits (a curve would mix them), or no run of a group
        can be scored yet.
    ScoreError
        When a judged run cannot be scored (see :func:`~layton_eval.score.score.score_run`).
    """
    from layton_eval.errors import RunError

    group, runs = selection.group, selection.runs
    splits = sorted({str(run.manifest.split) for run in runs})
    if len(splits) > 1:
        raise RunError(f"group {group} mixes the {' and '.join(splits)} splits: score each apart")
    judged, skipped = selection.left_alone(lambda run: refusal(Step.score, family_facts(run)))
    if not judged:
        fix = group_next(selection.name, [family_facts(run, verdicts=True) for run in runs])
        raise RunError(
            f"no run of group {group} can be scored yet (none has all its jury verdicts)"
            + (f": {fix}" if fix else ""),
            run=group,
        )
    scored = [
        RunScore(run=run.name, hints=run.manifest.hints, result=score_run(run, options))
        for run in judged
    ]
    return ScoreOutcome(
        group=group,
        split=runs[0].manifest.split,
        ci_method=options.ci,
        runs=scored,
        curves=hint_curves(_point(s) for s in scored),
        skipped=skipped,
        warnings=_warnings(scored),
        next_command=_next(selection, scored, options, all_scored=not skipped),
    )


def _point(scored: RunScore) -> tuple[str, str, CurvePoint]:
    result = scored.result
    point = CurvePoint(
        hints=scored.hints,
        score=result.score,
        ci95=result.ci95,
        lower=result.lower,
        upper=result.upper,
        n=result.n,
        run=scored.run,
    )
    return result.provider, result.model or scored.run, point


def _next(
    selection: Selection, scored: list[RunScore], options: ScoreOptions, *, all_scored: bool
) -> str | None:
    """One run: its leaderboard; a group: the command that moves it on (once every run is
    scored, its ``score.json`` written next, that is the report). Either carries the data
    and calibration options the scores were given."""
    given: dict[str, t.Any] = {
        "calibration": tuple(map(str, options.calibration)),
        "calibration_only": options.calibration_only,
        **({"data_dir": str(options.data_dir)} if options.data_dir else {}),
    }
    if selection.group is None:
        split = scored[0].result.split
        return next_command(Step.score, Facts(run=scored[0].run, split=split, **given))
    facts = [family_facts(run, verdicts=True) for run in selection.runs]
    facts = [dataclasses.replace(f, scored=f.scored or all_scored, **given) for f in facts]
    return group_next(selection.group, facts)


def _warnings(scored: list[RunScore]) -> list[str]:
    """The scores' warnings, once each; the hint levels' warnings as one."""
    levels = sorted({s.hints for s in scored if s.hints})
    per_level = {hints_warning(str(level)) for level in levels}
    found = dict.fromkeys(w for s in scored for w in s.result.warnings if w not in per_level)
    if levels:
        shown = ", ".join(map(str, levels))
        found = {hints_warning(shown): None, **found}
    return list(found)
