"""The options of the commands that score (``score``, ``leaderboard``, ``compare``,
``report``), declared once, and the :class:`~layton_eval.score.score.ScoreOptions` they make."""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import CiMethod, VerdictField

if t.TYPE_CHECKING:
    from layton_eval.score.score import ScoreOptions

__all__ = [
    "AllowMissingOpt",
    "CiOpt",
    "CompareCiOpt",
    "FieldOpt",
    "IterationsOpt",
    "SeedOpt",
    "SkipUncalibratedOpt",
    "parse_ci",
    "score_options",
]

FieldOpt = t.Annotated[
    VerdictField,
    typer.Option(
        "--field",
        help="Verdict field to score: both_correct (published), is_answer_correct or "
        "is_justification_correct.",
    ),
]
IterationsOpt = t.Annotated[int, typer.Option("--iterations", min=1, help="Bootstrap iterations.")]
SeedOpt = t.Annotated[
    int,
    typer.Option(
        "--seed", min=0, help="Seed of the bootstrap, a non-negative integer (fixed by default)."
    ),
]


def parse_ci(value: str | CiMethod) -> CiMethod:
    """``--ci`` as a :class:`CiMethod` (``calibration`` is the former name of ``published``)."""
    try:
        return CiMethod(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not one of published, labels, full") from None


CiOpt = t.Annotated[
    CiMethod,
    typer.Option(
        "--ci",
        parser=parse_ci,
        metavar="METHOD",
        help="95% interval: 'published' reproduces the published ± (not a measure of how well "
        "the labels or the riddles pin the score; 'calibration' is its former name); 'labels' "
        "keeps these riddles and resamples the human-labelled rows (what more labels would "
        "shrink); 'full' resamples the riddles too (what another sample of riddles like these "
        "could give).",
    ),
]
CompareCiOpt = t.Annotated[
    CiMethod,
    typer.Option(
        "--ci",
        parser=parse_ci,
        metavar="METHOD",
        help="'full' (riddles and labelled rows resampled) asks whether A beats B on riddles "
        "like these; 'labels' (these riddles fixed, labelled rows resampled) asks whether it "
        "does on these very riddles, as far as the human labels can tell.",
    ),
]
SkipUncalibratedOpt = t.Annotated[
    bool,
    typer.Option(
        "--skip-uncalibrated",
        help="Leave out riddles whose jury value no labelled calibration row of another "
        "provider has (counted in the result) instead of stopping.",
    ),
]
AllowMissingOpt = t.Annotated[
    bool,
    typer.Option(
        "--allow-missing",
        help="Score riddles from the verdicts they have instead of stopping on a missing "
        "or unreadable verdict.",
    ),
]


def score_options(
    *,
    field: VerdictField,
    iterations: int,
    seed: int,
    ci: CiMethod,
    skip_uncalibrated: bool,
    data_dir: Path | None,
    calibration: list[Path] | None,
    calibration_only: bool,
    **more: t.Any,
) -> ScoreOptions:
    """The options every scoring command shares, and ``more`` of its own (``allow_missing``,
    ``judges``), as the domain takes them."""
    from layton_eval.score.score import ScoreOptions

    return ScoreOptions(
        field=field,
        iterations=iterations,
        seed=seed,
        ci=ci,
        skip_uncalibrated=skip_uncalibrated,
        data_dir=data_dir,
        calibration=tuple(calibration or ()),
        calibration_only=calibration_only,
        **more,
    )
