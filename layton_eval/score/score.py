"""Scores: the glue between verdicts, the calibration set and :mod:`layton_eval.stats`.

Nothing here draws or prints; results are pydantic models that the cards render and ``--json``
serialises. Every score, whether of a leaderboard model or of your own judge files, goes through
:func:`score_jury_values` with a fresh ``numpy.random.default_rng(seed)``: a model's score depends
only on its jury values, the calibration pool, the field, the iteration count and the seed, so
the bring-your-own path and the leaderboard give the same number for the same verdicts, and
adding a run to the leaderboard never moves the other rows.

All percentages (``score``, ``ci95``, ``lower``, ``upper``, ``jury_mean``) are in percentage
points.
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from layton_eval.choices import DEFAULT_ITERATIONS, DEFAULT_SEED, CiMethod, Split, VerdictField
from layton_eval.errors import ScoreError, UsageError
from layton_eval.jury.panel import panel_note
from layton_eval.score.calibration import CalibrationSet, load_calibration
from layton_eval.score.categories import (
    CategoryResult,
    categories_of,
    category_means,
    local_categories,
)
from layton_eval.score.coverage import (
    BinSummary,
    bin_summaries,
    check_values,
    covered_riddles,
    show_ids,
)
from layton_eval.score.judge_files import (
    Target,
    read_judge_file,
    resolve_target,
    run_judge_files,
)
from layton_eval.score.verdicts import JuryTable
from layton_eval.stats import bootstrap, intervals

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = [
    "BinSummary",
    "ScoreOptions",
    "ScoreResult",
    "score_judge_files",
    "score_jury_values",
    "score_run",
    "score_verdicts",
    "covered_riddles",
    "hints_warning",
    "show_ids",
]


@dataclasses.dataclass(frozen=True)
class ScoreOptions:
    """How to score: the field, the bootstrap, and how strict to be with verdicts."""

    field: VerdictField = VerdictField.both_correct
    iterations: int = DEFAULT_ITERATIONS
    seed: int = DEFAULT_SEED
    ci: CiMethod = CiMethod.published
    judges: int = 3  # judge files expected
    allow_missing: bool = False
    #: leave out riddles whose jury value no calibration row has, instead of stopping
    skip_uncalibrated: bool = False
    data_dir: Path | None = None
    calibration: tuple[Path, ...] = ()  # --calibration files added to the published set
    calibration_only: bool = False  # ... or used alone

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise UsageError(f"--iterations must be at least 1, got {self.iterations}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise UsageError(f"--seed must be a non-negative integer, got {self.seed!r}")
        try:  # "full" (or the former name "calibration") given as text works too
            object.__setattr__(self, "ci", CiMethod(self.ci))
        except ValueError:
            raise UsageError(f"--ci must be published, labels or full, got {self.ci!r}") from None


class ScoreResult(BaseModel):
    """A calibrated score with its bootstrap interval (all percentages in points)."""

    score: float = Field(description="Midpoint of the 95% interval, rounded to 0.1 point.")
    ci95: float = Field(description="Half-width of the 95% interval, rounded up to 0.1 point.")
    lower: float = Field(description="2.5th percentile of the bootstrap estimates (points).")
    upper: float = Field(description="97.5th percentile of the bootstrap estimates (points).")
    jury_mean: float = Field(description="Raw, uncalibrated mean jury value (points).")
    n: int = Field(description="Number of riddles scored.")
    field: VerdictField
    iterations: int
    seed: int
    ci_method: CiMethod = Field(
        description="published: the published method (reproduces the published ±; not a "
        "measure of how well the labels or the riddles pin the score); labels: these riddles "
        "fixed, the labelled rows resampled; full: riddles and labelled rows resampled."
    )
    provider: str
    split: Split
    model: str | None = None
    n_hints: int | None = None
    judges: list[str] = Field(default_factory=list)
    calibration_rows: int = Field(description="Labelled rows in the pool (other providers).")
    bins: list[BinSummary]
    dropped: list[str] = Field(
        default_factory=list, description="Riddles left out: no verdict from any judge."
    )
    excluded: list[str] = Field(
        default_factory=list,
        description="Riddles left out with --skip-uncalibrated: no labelled calibration row of "
        "another provider has their jury value.",
    )
    partial: list[str] = Field(
        default_factory=list, description="Riddles scored from fewer verdicts than judges."
    )
    foreign_ids: bool = Field(
        default=False,
        description="The riddles are not the benchmark's (e.g. the bundled sample): the number "
        "only exercises the pipeline.",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="Conditions that make the number less comparable to the published ones.",
    )
    categories: list[CategoryResult] = Field(
        default_factory=list,
        description="Jury mean per riddle category, most frequent first (empty when the "
        "riddles could not be loaded).",
    )


def score_run(run: Run, options: ScoreOptions) -> ScoreResult:
    """Score a run from its judge files, exactly as ``--judge-files`` would score them.

    The per-category table uses the riddles the run was prepared from (none if they cannot be
    loaded any more).
    """
    from layton_eval.prepare import load_run_dataset
    from layton_eval.score.comparable import NOT_COMPARABLE, prompt_notes

    manifest = run.manifest
    result = score_judge_files(
        run_judge_files(run),
        target=Target(  # the run says whom its jury judged (its judge files' names need not)
            provider=manifest.provider or "unknown",
            split=manifest.split,
            model=manifest.model,
            hints=manifest.hints,
        ),
        options=options,
        foreign_ids=run.manifest.dataset.source == "sample",
        categories=categories_of(lambda: load_run_dataset(run, data_dir=options.data_dir)),
    )
    notes = [f"{NOT_COMPARABLE}: {note}" for note in prompt_notes(run)]
    return result.model_copy(update={"warnings": [*result.warnings, *notes]})


def score_jury_values(
    riddle_ids: t.Sequence[str],
    yhat_u: npt.ArrayLike,
    *,
    provider: str,
    options: ScoreOptions,
    calibration: CalibrationSet,
    model: str | None = None,
) -> ScoreResult:
    """Stratified-bootstrap PPI++ score of one model's jury values.

    Parameters
    ----------
    riddle_ids : sequence of str, length N
        Riddle of each value (used in error messages).
    yhat_u : array_like, shape (N,)
        The model's jury value per riddle.
    provider : str
        The evaluated provider: its own rows are left out of the calibration pool.
    options : ScoreOptions
        The field, the iteration count and the seed of the generator.
    calibration : CalibrationSet
        The split's calibration set.
    model : str, optional
        Shown in the result.

    Raises
    ------
    ScoreError
        If a riddle has no jury value, or a jury value has no calibration row (naming riddles).
    """
    yhat = np.asarray(yhat_u, dtype=np.float64)
    if yhat.shape != (len(riddle_ids),):
        raise ValueError("riddle_ids and yhat_u must have the same length")
    who = f"{provider}/{model}" if model else provider
    check_values(who, riddle_ids, yhat)
    pool = calibration.pool(options.field, exclude_provider=provider)
    keep, excluded = covered_riddles(who, riddle_ids, yhat, pool, skip=options.skip_uncalibrated)
    yhat = yhat[keep]
    rng = np.random.default_rng(options.seed)
    if options.ci is CiMethod.published:
        estimates = bootstrap.stratified_ppi_bootstrap(
            pool.y, pool.yhat, yhat, iterations=options.iterations, rng=rng
        )
    else:
        estimates = bootstrap.calibrated_bootstrap(
            pool.y, pool.yhat, yhat, iterations=options.iterations, rng=rng,
            resample_riddles=options.ci is CiMethod.full,
        )  # fmt: skip
    lo, hi = intervals.percentile_interval(estimates)
    return ScoreResult(
        score=intervals.round_score(lo, hi),
        ci95=intervals.round_ci(lo, hi),
        lower=100 * lo,
        upper=100 * hi,
        jury_mean=100 * float(yhat.mean()),
        n=int(yhat.size),
        field=options.field,
        iterations=options.iterations,
        seed=options.seed,
        ci_method=options.ci,
        provider=provider,
        split=calibration.split,
        model=model,
        calibration_rows=int(pool.y.size),
        bins=bin_summaries(yhat, pool),
        excluded=excluded,
    )


def score_verdicts(
    table: JuryTable,
    *,
    provider: str,
    options: ScoreOptions,
    calibration: CalibrationSet,
    model: str | None = None,
    hints: int | None = None,
    foreign_ids: bool = False,
) -> ScoreResult:
    """Score a panel's verdicts (bring your own judge files, or a run's jury).

    With ``options.allow_missing``, riddles are scored from the verdicts they have instead of
    stopping; riddles without any verdict are left out (listed in ``dropped``). A riddle with 2
    of 3 verdicts gets a jury value such as 1/2, which no calibration row has: that stops, naming
    the riddle, unless ``options.skip_uncalibrated`` (see :func:`covered_riddles`).
    ``foreign_ids`` admits riddles that are not the benchmark's.

    Raises
    ------
    ScoreError
        On missing verdicts (unless ``allow_missing``), riddles outside the calibration set's
        split, or jury values without calibration rows.
    """
    if not table.riddle_ids:
        raise ScoreError("the judge files hold no verdict")
    known = calibration.riddle_id_set()
    unknown = [rid for rid in table.riddle_ids if rid not in known]
    if unknown and not foreign_ids:
        raise ScoreError(
            f"{len(unknown)} riddle(s) are not in the {calibration.split} split: "
            f"{show_ids(unknown)} (wrong --split?)"
        )
    missing = table.missing()
    if missing and not options.allow_missing:
        detail = [f"{rid} ({', '.join(judges)})" for rid, judges in missing.items()]
        raise ScoreError(
            f"{len(missing)} riddle(s) have a missing or unreadable verdict: {show_ids(detail)}; "
            "re-run the jury for them, or pass --allow-missing to score them from the verdicts "
            "they have"
        )
    yhat = table.jury_values(options.field)
    keep = ~np.isnan(yhat)
    dropped = [rid for rid, k in zip(table.riddle_ids, keep, strict=True) if not k]
    kept_ids = [rid for rid, k in zip(table.riddle_ids, keep, strict=True) if k]
    result = score_jury_values(
        kept_ids, yhat[keep], provider=provider, options=options, calibration=calibration,
        model=model,
    )  # fmt: skip
    scored = set(kept_ids) - set(result.excluded)
    return result.model_copy(
        update={
            "judges": list(table.judges),
            "n_hints": hints,
            "dropped": dropped,
            "partial": [rid for rid in missing if rid in scored],
            "foreign_ids": bool(unknown),
            "warnings": [
                *_warnings(table, provider, hints),
                *filter(
                    None, [panel_note((j.split("/")[-1] for j in table.judges), calibration.judges)]
                ),
            ],  # fmt: skip
        }
    )


def hints_warning(levels: str) -> str:
    """What a score at ``levels`` hints (``2``, or ``1-4`` for a curve) must say."""
    return (
        f"scored with {levels} hint(s), but the human-labelled calibration set and the "
        "published leaderboard use 0 hints"
    )


def _warnings(table: JuryTable, provider: str, hints: int | None) -> list[str]:
    """What makes a score less comparable to the published ones."""
    warnings = []
    if hints:
        warnings.append(hints_warning(str(hints)))
    own = [judge for judge in table.judges if judge.split("/")[0] == provider]
    if own:
        warnings.append(
            f"judge(s) {', '.join(own)} share the evaluated provider {provider} "
            "(the published jury never lets a provider judge its own model)"
        )
    return warnings


def score_judge_files(
    paths: t.Sequence[Path],
    *,
    options: ScoreOptions,
    provider: str | None = None,
    split: Split | None = None,
    target: Target | None = None,
    foreign_ids: bool = False,
    categories: t.Mapping[str, str | None] | None = None,
) -> ScoreResult:
    """Score bring-your-own judge files (one per judge) against the split's calibration set.

    ``target``: whom the files judged, when a run says it; else it is read from ``provider``,
    ``split`` and the files' names.

    ``foreign_ids`` admits riddles that are not the benchmark's (the bundled sample).
    ``categories`` (riddle id -> category) feeds the per-category table; by default it is read
    from the split's riddles in ``options.data_dir`` / ``LAYTON_DATA_DIR`` when they are there.

    Raises
    ------
    UsageError
        If the number of judges is not ``options.judges``, or provider/split cannot be resolved.
    ScoreError, JuryError, DatasetError
        See :func:`score_verdicts`, :func:`~layton_eval.score.judge_files.read_judge_file` and
        :func:`~layton_eval.score.calibration.load_calibration`.
    """
    if not paths:
        raise UsageError("no judge file given: pass --judge-files F1 F2 F3 (globs accepted)")
    if len(paths) != options.judges:
        raise UsageError(
            f"expected {options.judges} judge files (one per judge), got {len(paths)}: "
            f"{', '.join(p.name for p in paths)}; pass --allow-judges {len(paths)} to score "
            f"with {len(paths)} judges"
        )
    files = [read_judge_file(path) for path in paths]
    target = target or resolve_target([f.name for f in files], provider=provider, split=split)
    table = JuryTable.from_judge_files(files)
    calibration = load_calibration(
        target.split, data_dir=options.data_dir, extra=options.calibration,
        only=options.calibration_only,
    )  # fmt: skip
    result = score_verdicts(
        table, provider=target.provider, options=options, calibration=calibration,
        model=target.model, hints=target.hints, foreign_ids=foreign_ids,
    )  # fmt: skip
    if categories is None:
        categories = local_categories(target.split, options.data_dir)
    if not categories:
        return result
    by_category = category_means(table.riddle_ids, table.jury_values(options.field), categories)
    return result.model_copy(update={"categories": by_category})
