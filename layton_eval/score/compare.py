"""``layton compare``: every pair of subjects, compared on their common riddles.

For each pair: the calibrated score difference and its 95% interval from a paired bootstrap
(:mod:`layton_eval.score.paired`: every pair drawn in one pass, and a pair's numbers do not
depend on the other subjects), the share of resamples in which A is ahead, McNemar's exact test
on the jury-majority verdicts, the minimum difference detectable at 80% power, and the
difference per riddle category. With several pairs, the bootstrap p-values
are Holm-adjusted. Differences are in percentage points, A minus B.
"""

from __future__ import annotations

import functools
import typing as t

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from layton_eval.choices import CiMethod, Split, VerdictField
from layton_eval.errors import UsageError
from layton_eval.score import paired
from layton_eval.score.calibration import CalibrationSet
from layton_eval.score.categories import UNKNOWN_CATEGORY
from layton_eval.stats import compare, intervals

if t.TYPE_CHECKING:
    from layton_eval.score.score import ScoreOptions
    from layton_eval.score.subjects import Subject

__all__ = [
    "CategoryDiff",
    "CompareResult",
    "PairResult",
    "SubjectInfo",
    "compare_ci",
    "compare_names",
    "compare_subjects",
]


class SubjectInfo(BaseModel):
    """One compared subject."""

    name: str
    kind: t.Literal["run", "model"]
    provider: str
    n: int = Field(description="Riddles with a jury value.")
    prompts: str = Field(description="official, or what a run was prompted and judged with.")
    not_comparable: list[str] = Field(default_factory=list)


class CategoryDiff(BaseModel):
    """A minus B within one riddle category (no interval: categories are small)."""

    category: str
    n: int
    diff: float = Field(description="Calibrated difference (points).")
    jury_diff: float = Field(description="Raw jury-mean difference (points).")


class PairResult(BaseModel):
    """A compared with B on their common riddles (points, A minus B)."""

    a: str
    b: str
    n: int = Field(description="Common riddles compared.")
    diff: float = Field(description="Calibrated score difference: the post-stratified estimate.")
    lower: float = Field(description="2.5th percentile of the paired bootstrap differences.")
    upper: float = Field(description="97.5th percentile of the paired bootstrap differences.")
    p_a_better: float = Field(
        description="Share of the resamples in which A is ahead of B, ties counting 1/2 (a "
        "bootstrap share, not the probability that A is the better model)."
    )
    p_value: float = Field(
        description="Two-sided bootstrap p-value of no difference (ties at 0 count 1/2)."
    )
    p_adjusted: float = Field(description="p_value, Holm-adjusted over every pair.")
    mcnemar_p: float = Field(description="McNemar's exact p on jury-majority verdicts.")
    a_only: int = Field(description="Riddles the jury majority passed for A only.")
    b_only: int = Field(description="Riddles the jury majority passed for B only.")
    mde: float = Field(
        description="Difference detectable at 80% power (5% two-sided), from the spread of "
        "this interval's paired differences."
    )
    comparable: bool = Field(description="Both prompted and judged with the same prompt files.")
    notes: list[str] = Field(default_factory=list, description="Why not strictly comparable.")
    excluded: list[str] = Field(
        default_factory=list, description="Common riddles left out by --skip-uncalibrated."
    )
    categories: list[CategoryDiff] = Field(default_factory=list)


class CompareResult(BaseModel):
    """Every pair of the compared subjects."""

    split: Split
    field: VerdictField
    ci_method: CiMethod = Field(
        description="full: riddles and labelled rows resampled (riddles like these); labels: "
        "these riddles fixed, labelled rows resampled (these riddles)."
    )
    iterations: int
    seed: int
    subjects: list[SubjectInfo]
    pairs: list[PairResult]


def compare_ci(ci: CiMethod) -> CiMethod:
    """The interval a comparison uses when pages are scored with ``ci``: the published draw is
    not a test (see :func:`compare_subjects`), so it gives way to the full interval."""
    return CiMethod.full if ci is CiMethod.published else ci


def _refuse_published(ci: CiMethod) -> None:
    if ci is CiMethod.published:
        raise UsageError(
            "compare has no --ci published: it would give two answers in the same jury bin the "
            "same human verdict and find differences that are not there; use --ci full "
            "(riddles like these, the default) or --ci labels (these riddles)"
        )


def compare_names(
    names: t.Sequence[str], *, split: Split | None, options: ScoreOptions
) -> CompareResult:
    """Resolve ``names`` (runs or calibration models, see :mod:`~layton_eval.score.subjects`)
    and compare every pair; categories come from the split's riddles in the data folder, and
    from each run's own riddles."""
    from layton_eval.envvars import runs_dir
    from layton_eval.prepare import load_run_dataset
    from layton_eval.runs.store import RunStore
    from layton_eval.score.categories import categories_of, local_categories
    from layton_eval.score.subjects import load_subjects

    _refuse_published(options.ci)  # before anything is loaded
    subjects, calibration = load_subjects(
        names, split=split, field=options.field, allow_missing=options.allow_missing,
        data_dir=options.data_dir, store=RunStore(runs_dir()),
        calibration_files=options.calibration, calibration_only=options.calibration_only,
    )  # fmt: skip
    categories = local_categories(calibration.split, options.data_dir)
    for run in (subject.run for subject in subjects if subject.run is not None):
        load = functools.partial(load_run_dataset, run, data_dir=options.data_dir)
        categories = {**categories_of(load), **categories}
    return compare_subjects(
        subjects, calibration=calibration, options=options, categories=categories
    )


def compare_subjects(
    subjects: t.Sequence[Subject],
    *,
    calibration: CalibrationSet,
    options: ScoreOptions,
    categories: t.Mapping[str, str | None],
) -> CompareResult:
    """Every pair (in the order given: A before B), Holm-adjusted when there are several.

    All pairs are drawn in one pass per set of common riddles (:mod:`~layton_eval.score.paired`);
    a pair's numbers are those of comparing the two alone, whatever else is compared with them.

    Raises
    ------
    UsageError
        With ``options.ci`` published: that draw gives two answers in the same jury bin the
        same human verdict, and rejects a true null far too often.
    ScoreError
        If two subjects share no riddle, or (without ``options.skip_uncalibrated``) a common
        riddle has a jury value that no calibration row of the subject's pool has.
    """
    _refuse_published(options.ci)
    plans, memo = paired.plan_pairs(subjects, calibration, options)
    pairs = [
        _pair(plan, drawn, categories, memo)
        for plan, drawn in zip(plans, paired.drawn_differences(plans, options), strict=True)
    ]
    adjusted = compare.holm([pair.p_value for pair in pairs])
    return CompareResult(
        split=calibration.split,
        field=options.field,
        ci_method=options.ci,
        iterations=options.iterations,
        seed=options.seed,
        subjects=[
            SubjectInfo(
                name=s.name,
                kind=s.kind,
                provider=s.provider,
                n=int((~np.isnan(s.yhat)).sum()),
                prompts=s.prompts,
                not_comparable=list(s.not_comparable),
            )
            for s in subjects
        ],  # fmt: skip
        pairs=[
            pair.model_copy(update={"p_adjusted": float(p)})
            for pair, p in zip(pairs, adjusted, strict=True)
        ],
    )


def _pair(
    plan: paired.Plan,
    drawn: npt.NDArray[np.float64],
    categories: t.Mapping[str, str | None],
    memo: paired.Memo,
) -> PairResult:
    """The pair's numbers from ``drawn``: its paired differences, the subjects in name order."""
    a, b, ya, yb = plan.a, plan.b, plan.ya, plan.yb
    lo, hi = intervals.percentile_interval(drawn)
    lo, hi = (0.0 - hi, 0.0 - lo) if plan.swapped else (lo, hi)  # 0.0 - x: never a negative zero
    differences = -drawn if plan.swapped else drawn
    cal_a = memo.calibrated(a, plan.ids, ya, plan.pool_a)
    cal_b = memo.calibrated(b, plan.ids, yb, plan.pool_b)
    a_only = int(((ya > 0.5) & (yb <= 0.5)).sum())
    b_only = int(((yb > 0.5) & (ya <= 0.5)).sum())
    sd = float(differences.std(ddof=1)) if differences.size > 1 else 0.0
    return PairResult(
        a=a.name,
        b=b.name,
        n=len(plan.ids),
        diff=100 * (float(cal_a.mean()) - float(cal_b.mean())),
        lower=100 * lo,
        upper=100 * hi,
        p_a_better=compare.p_better(differences),
        p_value=compare.bootstrap_p_value(differences),
        p_adjusted=1.0,
        mcnemar_p=compare.mcnemar_exact(a_only, b_only),
        a_only=a_only,
        b_only=b_only,
        mde=100 * compare.minimum_detectable_difference(sd),
        comparable=a.prompts == b.prompts,
        notes=[] if a.prompts == b.prompts else _notes(a, b),
        excluded=plan.excluded,
        categories=_by_category(list(plan.ids), ya - yb, cal_a - cal_b, categories),
    )


def _notes(a: Subject, b: Subject) -> list[str]:
    notes = [f"{s.name}: {note}" for s in (a, b) for note in s.not_comparable]
    return notes or [f"{a.name} and {b.name} were prompted or judged with different files"]


def _by_category(
    ids: list[str],
    jury_diff: npt.NDArray[np.float64],
    calibrated_diff: npt.NDArray[np.float64],
    categories: t.Mapping[str, str | None],
) -> list[CategoryDiff]:
    """Differences per category, largest category first; none when no category is known."""
    if not categories:
        return []
    names = np.array([categories.get(rid) or UNKNOWN_CATEGORY for rid in ids])
    result = [
        CategoryDiff(
            category=str(name),
            n=int((names == name).sum()),
            diff=100 * float(calibrated_diff[names == name].mean()),
            jury_diff=100 * float(jury_diff[names == name].mean()),
        )
        for name in np.unique(names)
    ]
    return sorted(result, key=lambda c: (-c.n, c.category))
