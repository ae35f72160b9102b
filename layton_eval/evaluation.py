"""Scores and leaderboards: the glue between verdicts, the calibration set and :mod:`scoring`.

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
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from layton_eval import scoring
from layton_eval.calibration import FIELDS, CalibrationSet, load_calibration
from layton_eval.errors import RunError, ScoreError, UsageError
from layton_eval.verdicts import JudgeFileName, JuryTable, read_judge_file

if t.TYPE_CHECKING:
    from layton_eval.dataset import LoadedSplit
    from layton_eval.runs import Run

__all__ = [
    "BinSummary",
    "CategoryResult",
    "LeaderboardRow",
    "RunVerdicts",
    "ScoreResult",
    "build_leaderboard",
    "category_means",
    "load_run_table",
    "resolve_target",
    "score_judge_files",
    "score_jury_values",
    "score_verdicts",
]

_SHOW_IDS = 10
#: Category shown for riddles whose category is unknown (absent from the dataset, or null).
UNKNOWN_CATEGORY = "(unknown)"


class BinSummary(BaseModel):
    """One jury-value stratum: how many riddles fell in it, how many rows calibrate it."""

    jury_value: float = Field(description="Jury value of the bin (0, 1/3, 2/3 or 1 for 3 judges).")
    label: str = Field(description="The jury value as a fraction, e.g. '2/3'.")
    riddles: int = Field(description="Riddles of the evaluated model in this bin (may be 0).")
    calibration_rows: int = Field(description="Human-labelled rows available in this bin.")


class CategoryResult(BaseModel):
    """Raw jury mean of one riddle category (the dataset's ``category`` field)."""

    category: str
    n: int = Field(description="Riddles of this category with a jury value.")
    jury_mean: float = Field(description="Mean jury value of these riddles (points).")


class ScoreResult(BaseModel):
    """A calibrated score with its bootstrap interval (all percentages in points)."""

    score: float = Field(description="Midpoint of the 95% interval, rounded to 0.1 point.")
    ci95: float = Field(description="Half-width of the 95% interval, rounded up to 0.1 point.")
    lower: float = Field(description="2.5th percentile of the bootstrap estimates (points).")
    upper: float = Field(description="97.5th percentile of the bootstrap estimates (points).")
    jury_mean: float = Field(description="Raw, uncalibrated mean jury value (points).")
    n: int = Field(description="Number of riddles scored.")
    field: str
    iterations: int
    seed: int
    provider: str
    split: str
    model: str | None = None
    n_hints: int | None = None
    judges: list[str] = Field(default_factory=list)
    calibration_rows: int = Field(description="Labelled rows in the pool (other providers).")
    bins: list[BinSummary]
    dropped: list[str] = Field(
        default_factory=list, description="Riddles left out: no verdict from any judge."
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
    is_yours: bool = Field(default=False, description="Added with --add, not a calibration model.")
    excluded: list[str] = Field(
        default_factory=list,
        description="Calibration models only: riddles left out because no labelled row of "
        "another provider shares their jury value (possible on the non-default fields).",
    )


@dataclasses.dataclass(frozen=True)
class RunVerdicts:
    """A run's jury verdicts, ready to be placed on the leaderboard."""

    name: str
    table: JuryTable
    provider: str
    model: str
    split: str


def load_run_table(run_name: str) -> RunVerdicts:
    """The jury verdicts of run ``run_name`` (read from its judge files).

    Raises
    ------
    RunError
        If the run does not exist or has no judge files yet.
    """
    from layton_eval.runs import RunStore
    from layton_eval.settings import get_settings

    return run_verdicts(RunStore(get_settings().runs_dir).load(run_name))


def run_judge_files(run: Run) -> list[Path]:
    """The run's judge files; :class:`RunError` naming the next step when there are none."""
    from layton_eval.jury import judge_files

    paths = judge_files(run)
    if not paths:
        raise RunError(
            f"run {run.name} has no jury verdicts yet: send it to the jury "
            f"(layton jury {run.name}), then fetch them (layton fetch {run.name})",
            run=run.name,
        )
    return paths


def run_verdicts(run: Run) -> RunVerdicts:
    """A run's jury table, with the provider, model and split it was evaluated on."""
    files = [read_judge_file(path) for path in run_judge_files(run)]
    manifest = run.manifest
    return RunVerdicts(
        name=run.name,
        table=JuryTable.from_judge_files(files),
        provider=manifest.provider or "unknown",
        model=manifest.model or run.name,
        split=str(manifest.split),
    )


def score_run(
    run: Run,
    *,
    field: str,
    iterations: int,
    seed: int,
    judges: int = 3,
    allow_missing: bool = False,
    data_dir: Path | None = None,
) -> ScoreResult:
    """Score a run from its judge files, exactly as ``--judge-files`` would score them.

    The per-category table uses the riddles the run was prepared from (none if they cannot be
    loaded any more).
    """
    from layton_eval.benchmark import load_run_dataset
    from layton_eval.settings import get_settings

    paths = run_judge_files(run)
    return score_judge_files(
        paths,
        provider=run.manifest.provider,
        split=str(run.manifest.split),
        field=field,
        iterations=iterations,
        seed=seed,
        judges=judges,
        allow_missing=allow_missing,
        data_dir=data_dir,
        foreign_ids=run.manifest.dataset.source == "sample",
        categories=_categories_of(
            lambda: load_run_dataset(run, settings=get_settings(), data_dir=data_dir)
        ),
    )


def _categories_of(load: t.Callable[[], LoadedSplit]) -> dict[str, str | None]:
    """Riddle id -> category of the riddles ``load()`` returns; empty if they cannot be loaded."""
    from layton_eval.errors import DatasetError

    try:
        return {riddle.id: riddle.category for riddle in load().riddles}
    except DatasetError:
        return {}


def category_means(
    riddle_ids: t.Sequence[str],
    yhat: npt.ArrayLike,
    categories: t.Mapping[str, str | None],
) -> list[CategoryResult]:
    """Raw jury mean per riddle category, most frequent category first (then by name).

    Parameters
    ----------
    riddle_ids : sequence of str, length N
    yhat : array_like, shape (N,)
        Jury value per riddle; NaN values (no verdict) are left out.
    categories : mapping of str to str or None
        Riddle id -> category; riddles absent from it (or with a null category) are counted
        under ``"(unknown)"``.
    """
    values = np.asarray(yhat, dtype=np.float64)
    if values.shape != (len(riddle_ids),):
        raise ValueError("riddle_ids and yhat must have the same length")
    groups: dict[str, list[float]] = {}
    for rid, value in zip(riddle_ids, values, strict=True):
        if not np.isnan(value):
            groups.setdefault(categories.get(rid) or UNKNOWN_CATEGORY, []).append(float(value))
    return [
        CategoryResult(category=name, n=len(group), jury_mean=100 * sum(group) / len(group))
        for name, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def _ids(ids: t.Sequence[str]) -> str:
    shown = ", ".join(ids[:_SHOW_IDS])
    return shown + (f" and {len(ids) - _SHOW_IDS} more" if len(ids) > _SHOW_IDS else "")


def _fraction(value: float) -> Fraction | None:
    """The small fraction (1/3, 2/3, 1/2...) a bin key stands for, if any."""
    fraction = Fraction(value).limit_denominator(12)
    return fraction if abs(float(fraction) - value) <= 10.0**-scoring.BIN_DECIMALS else None


def _label(value: float) -> str:
    fraction = _fraction(value)
    return str(fraction) if fraction is not None else f"{value:.4g}"


def _bin_value(key: float) -> float:
    fraction = _fraction(key)
    return float(fraction) if fraction is not None else key


def score_jury_values(
    riddle_ids: t.Sequence[str],
    yhat_u: npt.ArrayLike,
    *,
    provider: str,
    field: str,
    iterations: int,
    seed: int,
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
    field, iterations, seed
        What to score, how many bootstrap iterations, and the seed of the generator.
    calibration : CalibrationSet
        The split's calibration set.
    model : str, optional
        Shown in the result.

    Raises
    ------
    ScoreError
        If a riddle has no jury value, or a jury value has no calibration row (naming riddles).
    UsageError
        On an unknown field or fewer than one iteration.
    """
    if field not in FIELDS:
        raise UsageError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")
    if iterations < 1:
        raise UsageError(f"--iterations must be at least 1, got {iterations}")
    yhat = np.asarray(yhat_u, dtype=np.float64)
    if yhat.shape != (len(riddle_ids),):
        raise ValueError("riddle_ids and yhat_u must have the same length")
    who = f"{provider}/{model}" if model else provider
    if yhat.size == 0:
        raise ScoreError(f"{who}: no riddle to score")
    no_value = [rid for rid, v in zip(riddle_ids, yhat, strict=True) if np.isnan(v)]
    if no_value:
        raise ScoreError(f"{who}: {len(no_value)} riddle(s) have no verdict: {_ids(no_value)}")
    pool = calibration.pool(field, exclude_provider=provider)
    uncovered = scoring.uncovered_bins(yhat, pool.yhat)
    if uncovered.any():
        bad = [
            f"{rid} ({_label(v)})"
            for rid, v, u in zip(riddle_ids, yhat, uncovered, strict=True)
            if u
        ]
        raise ScoreError(
            f"{who}: {len(bad)} riddle(s) have a jury value that no calibration row has "
            f"(a riddle judged by fewer judges?): {_ids(bad)}; complete their verdicts or "
            "leave them out"
        )
    rng = np.random.default_rng(seed)
    estimates = scoring.stratified_ppi_bootstrap(
        pool.y, pool.yhat, yhat, iterations=iterations, rng=rng
    )
    lo, hi = scoring.percentile_interval(estimates)
    rows_per_bin = pool.rows_per_bin()
    keys, counts = np.unique(scoring.bin_keys(yhat), return_counts=True)
    riddles_per_bin = {float(k): int(c) for k, c in zip(keys, counts, strict=True)}
    bins = [
        BinSummary(
            jury_value=_bin_value(value),
            label=_label(value),
            riddles=riddles_per_bin.get(value, 0),
            calibration_rows=rows_per_bin.get(value, 0),
        )
        for value in sorted(riddles_per_bin.keys() | rows_per_bin.keys())
    ]
    return ScoreResult(
        score=scoring.round_score(lo, hi),
        ci95=scoring.round_ci(lo, hi),
        lower=100 * lo,
        upper=100 * hi,
        jury_mean=100 * float(yhat.mean()),
        n=int(yhat.size),
        field=field,
        iterations=iterations,
        seed=seed,
        provider=provider,
        split=calibration.split,
        model=model,
        calibration_rows=int(pool.y.size),
        bins=bins,
    )


def score_verdicts(
    table: JuryTable,
    *,
    provider: str,
    split: str,
    field: str,
    iterations: int,
    seed: int,
    calibration: CalibrationSet,
    model: str | None = None,
    n_hints: int | None = None,
    allow_missing: bool = False,
    foreign_ids: bool = False,
) -> ScoreResult:
    """Score a panel's verdicts (bring your own judge files, or a run's jury).

    Parameters
    ----------
    table : JuryTable
        Riddles x judges verdicts.
    allow_missing : bool
        Score riddles from the verdicts they have instead of stopping; riddles without any
        verdict are left out (listed in ``dropped``). A riddle with 2 of 3 verdicts gets a jury
        value such as 1/2, which no calibration row has: that still stops, naming the riddle.

    Raises
    ------
    ScoreError
        On missing verdicts (unless ``allow_missing``), riddles outside ``split``, or jury values
        without calibration rows.
    """
    if calibration.split != split:
        raise ValueError(f"calibration set is for {calibration.split!r}, not {split!r}")
    if not table.riddle_ids:
        raise ScoreError("the judge files hold no verdict")
    known = calibration.riddle_id_set()
    unknown = [rid for rid in table.riddle_ids if rid not in known]
    if unknown and not foreign_ids:
        raise ScoreError(
            f"{len(unknown)} riddle(s) are not in the {split} split: {_ids(unknown)} "
            "(wrong --split?)"
        )
    missing = table.missing()
    if missing and not allow_missing:
        detail = [f"{rid} ({', '.join(judges)})" for rid, judges in missing.items()]
        raise ScoreError(
            f"{len(missing)} riddle(s) have a missing or unreadable verdict: {_ids(detail)}; "
            "re-run the jury for them, or pass --allow-missing to score them from the verdicts "
            "they have"
        )
    yhat = table.jury_values(field)
    keep = ~np.isnan(yhat)
    dropped = [rid for rid, k in zip(table.riddle_ids, keep, strict=True) if not k]
    kept_ids = [rid for rid, k in zip(table.riddle_ids, keep, strict=True) if k]
    result = score_jury_values(
        kept_ids,
        yhat[keep],
        provider=provider,
        field=field,
        iterations=iterations,
        seed=seed,
        calibration=calibration,
        model=model,
    )
    partial = [rid for rid in missing if rid not in dropped]
    warnings = []
    if n_hints:
        warnings.append(
            f"scored with {n_hints} hint(s), but the human-labelled calibration set and the "
            "published leaderboard use 0 hints"
        )
    own = [judge for judge in table.judges if judge.split("/")[0] == provider]
    if own:
        warnings.append(
            f"judge(s) {', '.join(own)} share the evaluated provider {provider} "
            "(the published jury never lets a provider judge its own model)"
        )
    return result.model_copy(
        update={
            "judges": list(table.judges),
            "n_hints": n_hints,
            "dropped": dropped,
            "partial": partial,
            "foreign_ids": bool(unknown),
            "warnings": warnings,
        }
    )


def resolve_target(
    names: t.Sequence[JudgeFileName | None],
    *,
    provider: str | None,
    split: str | None,
) -> tuple[str, str, str | None, int | None]:
    """Evaluated provider, split, model and hint count: options first, then the file names.

    Raises
    ------
    UsageError
        If a value is neither given nor readable from the file names, or the names disagree.
    """
    parsed = [name for name in names if name is not None]

    def from_names(attribute: str) -> t.Any:
        values = sorted({getattr(name, attribute) for name in parsed}, key=str)
        if len(values) > 1:
            raise UsageError(
                f"the judge file names disagree on the evaluated {attribute} "
                f"({', '.join(map(str, values))}): pass the judge files of one model"
            )
        return values[0] if values else None

    named_provider, named_split = from_names("provider"), from_names("split")
    model, n_hints = from_names("model"), from_names("n_hints")
    provider = provider or named_provider
    split = split or named_split
    if provider is None:
        raise UsageError(
            "cannot tell the evaluated provider from the file names: pass --provider "
            "(its rows are left out of the calibration set)"
        )
    if split is None:
        raise UsageError("cannot tell the split from the file names: pass --split llm|vlm")
    return provider, split, model, n_hints


def score_judge_files(
    paths: t.Sequence[Path],
    *,
    provider: str | None,
    split: str | None,
    field: str,
    iterations: int,
    seed: int,
    judges: int = 3,
    allow_missing: bool = False,
    data_dir: Path | None = None,
    foreign_ids: bool = False,
    categories: t.Mapping[str, str | None] | None = None,
) -> ScoreResult:
    """Score bring-your-own judge files (one per judge) against the split's calibration set.

    ``foreign_ids`` admits riddles that are not the benchmark's (the bundled sample).
    ``categories`` (riddle id -> category) feeds the per-category table; by default it is read
    from the split's riddles in ``data_dir`` / ``LAYTON_DATA_DIR`` when they are there.

    Raises
    ------
    UsageError
        If the number of judges is not ``judges``, or provider/split cannot be resolved.
    ScoreError, JuryError, DatasetError
        See :func:`score_verdicts`, :func:`~layton_eval.verdicts.read_judge_file` and
        :func:`~layton_eval.calibration.load_calibration`.
    """
    if not paths:
        raise UsageError("no judge file given: pass --judge-files F1 F2 F3 (globs accepted)")
    if len(paths) != judges:
        raise UsageError(
            f"expected {judges} judge files (one per judge), got {len(paths)}: "
            f"{', '.join(p.name for p in paths)}; pass --allow-judges {len(paths)} to score "
            f"with {len(paths)} judges"
        )
    files = [read_judge_file(path) for path in paths]
    provider, split, model, n_hints = resolve_target(
        [f.name for f in files], provider=provider, split=split
    )
    table = JuryTable.from_judge_files(files)
    calibration = load_calibration(split, data_dir=data_dir)
    result = score_verdicts(
        table,
        provider=provider,
        split=split,
        field=field,
        iterations=iterations,
        seed=seed,
        calibration=calibration,
        model=model,
        n_hints=n_hints,
        allow_missing=allow_missing,
        foreign_ids=foreign_ids,
    )
    if categories is None:  # from a local data folder only: never wait for the Hub here
        from layton_eval.dataset import load_split
        from layton_eval.settings import get_settings

        settings = get_settings()
        local = data_dir or settings.data_dir
        categories = (
            _categories_of(lambda: load_split(split, settings=settings, data_dir=local))
            if local
            else {}
        )
    if not categories:
        return result
    by_category = category_means(table.riddle_ids, table.jury_values(field), categories)
    return result.model_copy(update={"categories": by_category})


def build_leaderboard(
    split: str,
    *,
    field: str,
    iterations: int,
    seed: int,
    calibration: CalibrationSet,
    extra: t.Sequence[RunVerdicts] = (),
) -> list[LeaderboardRow]:
    """Score every model of the calibration set (plus ``extra`` runs) and rank them.

    Each model's own rows are its unlabelled set; rows of its provider are left out of its
    calibration pool. Ranked by published score, highest first (tied scores share a rank), with
    the rank spread of methodology.md computed on the published score and half-width.

    Raises
    ------
    ScoreError
        If a model cannot be scored (see :func:`score_jury_values`).
    """
    if calibration.split != split:
        raise ValueError(f"calibration set is for {calibration.split!r}, not {split!r}")
    scored: list[tuple[ScoreResult, bool]] = []
    excluded: dict[tuple[str, str], list[str]] = {}
    for provider, model in calibration.model_keys():
        rows = calibration.model_rows(provider, model, field)
        # A calibration model may hold a jury value that no other provider's labelled row has
        # (on is_answer_correct, for example): leave those riddles out of *its* row and say so,
        # rather than failing the whole leaderboard. Users' own runs stay strict.
        pool = calibration.pool(field, exclude_provider=provider)
        keep = ~scoring.uncovered_bins(rows.yhat, pool.yhat)
        ids = [rid for rid, k in zip(rows.riddle_ids, keep, strict=True) if k]
        excluded[(provider, model)] = [
            rid for rid, k in zip(rows.riddle_ids, keep, strict=True) if not k
        ]
        result = score_jury_values(
            ids,
            rows.yhat[keep],
            provider=provider,
            field=field,
            iterations=iterations,
            seed=seed,
            calibration=calibration,
            model=model,
        )
        scored.append((result, False))
    for run in extra:
        if run.split != split:
            raise UsageError(f"run {run.name!r} is on the {run.split} split, not {split}")
        result = score_verdicts(
            run.table,
            provider=run.provider,
            split=split,
            field=field,
            iterations=iterations,
            seed=seed,
            calibration=calibration,
            model=run.model,
        )
        scored.append((result, True))
    scored.sort(key=lambda pair: (-pair[0].score, pair[0].model or ""))
    scores = [r.score for r, _ in scored]
    widths = [r.ci95 for r, _ in scored]
    ranks = scoring.competition_ranks(scores)
    best, worst = scoring.rank_spread(scores, widths)
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
            is_yours=yours,
            excluded=[] if yours else excluded.get((result.provider, result.model or ""), []),
        )
        for (result, yours), rank, b, w in zip(scored, ranks, best, worst, strict=True)
    ]
