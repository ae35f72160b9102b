"""The leaderboard: every model of the calibration set (and your runs), scored and ranked.

Each model's own rows are its unlabelled set; rows of its provider are left out of its
calibration pool. Models are ranked by published score, highest first (tied scores share a
rank), with the rank spread of ``docs/methodology.md`` computed on the published score and the
half-width of the chosen interval (``--ci``).
"""

from __future__ import annotations

import dataclasses
import typing as t

from pydantic import BaseModel, Field

from layton_eval.choices import CiMethod, Split
from layton_eval.errors import UsageError
from layton_eval.score.calibration import CalibrationSet
from layton_eval.score.comparable import prompt_notes
from layton_eval.score.judge_files import read_judge_file, run_judge_files
from layton_eval.score.score import ScoreOptions, ScoreResult, score_jury_values, score_verdicts
from layton_eval.score.verdicts import JuryTable
from layton_eval.stats import intervals

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = [
    "LeaderboardRow",
    "RunVerdicts",
    "build_leaderboard",
    "load_run_table",
    "run_verdicts",
    "score_model",
]


class LeaderboardRow(BaseModel):
    """One ranked model."""

    rank: int
    model: str
    provider: str
    score: float
    ci95: float
    lower: float
    upper: float
    rank_spread: str = Field(description="'best <--> worst' possible rank.")
    best_rank: int
    worst_rank: int
    n: int
    jury_mean: float
    ci_method: CiMethod = Field(description="What the interval covers: published, labels or full.")
    is_yours: bool = Field(default=False, description="Added with --add, not a calibration model.")
    run: str | None = Field(
        default=None, description="The run's name (rows added with --add); null otherwise."
    )
    not_comparable: list[str] = Field(
        default_factory=list,
        description="Runs only: why the run is not strictly comparable with the published "
        "models (prompted or judged with other than the official prompt files); empty: it is.",
    )
    excluded: list[str] = Field(
        default_factory=list,
        description="Riddles left out with --skip-uncalibrated: no labelled row of another "
        "provider shares their jury value (possible on the non-default fields).",
    )


@dataclasses.dataclass(frozen=True)
class RunVerdicts:
    """A run's jury verdicts, ready to be placed on the leaderboard."""

    name: str
    table: JuryTable
    provider: str
    model: str
    split: Split
    not_comparable: tuple[str, ...] = ()


def load_run_table(run_name: str) -> RunVerdicts:
    """The jury verdicts of run ``run_name`` (read from its judge files).

    Raises
    ------
    RunError
        If the run does not exist or has no judge files yet.
    """
    from layton_eval.envvars import runs_dir
    from layton_eval.runs.store import RunStore

    return run_verdicts(RunStore(runs_dir()).load(run_name))


def run_verdicts(run: Run) -> RunVerdicts:
    """A run's jury table, with the provider, model and split it was evaluated on."""
    files = [read_judge_file(path) for path in run_judge_files(run)]
    manifest = run.manifest
    return RunVerdicts(
        name=run.name,
        table=JuryTable.from_judge_files(files),
        provider=manifest.provider or "unknown",
        model=manifest.model or run.name,
        split=manifest.split,
        not_comparable=tuple(prompt_notes(run)),
    )


def build_leaderboard(
    split: Split,
    *,
    options: ScoreOptions,
    calibration: CalibrationSet,
    extra: t.Sequence[RunVerdicts] = (),
) -> list[LeaderboardRow]:
    """Score every model of the calibration set (plus ``extra`` runs) and rank them.

    Raises
    ------
    ScoreError
        If a model cannot be scored (see :func:`~layton_eval.score.score.score_jury_values`).
    """
    if calibration.split != split:
        raise ValueError(f"calibration set is for {calibration.split!r}, not {split!r}")
    scored: list[tuple[ScoreResult, RunVerdicts | None]] = [
        (score_model(calibration, provider, model, options), None)
        for provider, model in calibration.model_keys()
    ]
    for run in extra:
        if run.split != split:
            raise UsageError(f"run {run.name!r} is on the {run.split} split, not {split}")
        result = score_verdicts(
            run.table, provider=run.provider, options=options, calibration=calibration,
            model=run.model,
        )  # fmt: skip
        scored.append((result, run))
    scored.sort(key=lambda pair: (-pair[0].score, pair[0].model or ""))
    scores = [r.score for r, _ in scored]
    ranks = intervals.competition_ranks(scores)
    best, worst = intervals.rank_spread(scores, [r.ci95 for r, _ in scored])
    return [
        LeaderboardRow(
            rank=int(rank),
            model=result.model or "?",
            provider=result.provider,
            score=result.score,
            ci95=result.ci95,
            lower=result.lower,
            upper=result.upper,
            rank_spread=f"{b} <--> {w}",
            best_rank=int(b),
            worst_rank=int(w),
            n=result.n,
            jury_mean=result.jury_mean,
            ci_method=result.ci_method,
            is_yours=run is not None,
            run=run.name if run else None,
            not_comparable=list(run.not_comparable) if run else [],
            excluded=result.excluded,
        )
        for (result, run), rank, b, w in zip(scored, ranks, best, worst, strict=True)
    ]


def score_model(
    calibration: CalibrationSet, provider: str, model: str, options: ScoreOptions
) -> ScoreResult:
    """One calibration model scored on its own rows (its provider's rows out of the pool).

    A model may hold a jury value that no other provider's labelled row has (on
    is_answer_correct, for example): like any score, that stops unless
    ``options.skip_uncalibrated``.
    """
    rows = calibration.model_rows(provider, model, options.field)
    return score_jury_values(
        rows.riddle_ids, rows.yhat, provider=provider, options=options,
        calibration=calibration, model=model,
    )  # fmt: skip
