"""``layton judges``: how far the judges can be trusted, measured on the human labels.

The calibration set holds every judge's verdict next to a human label. Per judge and field: the
rows compared, accuracy, sensitivity (human-correct rows the judge passed), specificity
(human-incorrect rows it failed) and Cohen's kappa; per judge and evaluated provider, the error
rate (a judge kinder or harsher to one family than to the others); per jury bin, the share of
human-correct rows (the jury mean's calibration curve), and that share per evaluated provider
with a test of whether it is the same for every provider (the assumption that lets other
providers' rows calibrate a model's score). For a run, its own judges: pass rates,
agreement between them, and each one's record on the calibration set.
"""

from __future__ import annotations

import itertools
import typing as t

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from layton_eval.choices import Split, VerdictField
from layton_eval.errors import UsageError
from layton_eval.score.calibration import CalibrationSet
from layton_eval.score.coverage import jury_label
from layton_eval.stats import agreement, intervals, ppi

if t.TYPE_CHECKING:
    from pathlib import Path

    from layton_eval.score.verdicts import JuryTable

__all__ = [
    "BinProviders",
    "CurveBin",
    "JudgeMetrics",
    "JudgePair",
    "JudgesResult",
    "ProviderErrors",
    "ProviderRate",
    "RunJudge",
    "RunJudges",
    "judge_report",
    "judges_of",
]


class JudgeMetrics(BaseModel):
    """One judge against the human labels, on one field (``None``: undefined)."""

    judge: str
    field: VerdictField
    n: int = Field(description="Rows with both this judge's verdict and a human label.")
    accuracy: float | None
    sensitivity: float | None = Field(description="Human-correct rows the judge passed.")
    specificity: float | None = Field(description="Human-incorrect rows the judge failed.")
    kappa: float | None = Field(description="Cohen's kappa with the human labels.")


class ProviderErrors(BaseModel):
    """One judge on the answers of one evaluated provider."""

    judge: str
    provider: str
    n: int
    error_rate: float = Field(description="Share of rows where the judge and the human differ.")
    judge_rate: float = Field(description="Share the judge passed.")
    human_rate: float = Field(description="Share the humans passed.")


class CurveBin(BaseModel):
    """One jury value: how often humans said correct."""

    jury_value: float
    label: str
    n: int
    human_rate: float
    lower: float = Field(description="95% Wilson interval of human_rate.")
    upper: float


class ProviderRate(BaseModel):
    """The humans' pass rate of one evaluated provider's answers in one jury bin."""

    provider: str
    n: int
    human_rate: float
    lower: float = Field(description="95% Wilson interval of human_rate.")
    upper: float


class BinProviders(BaseModel):
    """One jury bin: the humans' pass rate by evaluated provider, and whether it differs."""

    jury_value: float
    label: str
    providers: list[ProviderRate]
    test: t.Literal["exact", "chi-square"] | None = Field(
        description="The exact test (Fisher's, Freeman-Halton's for more than two providers) "
        "or, when it has too many tables to enumerate, Pearson's chi-square test of "
        "homogeneity; None with fewer than two providers."
    )
    p_value: float | None
    differs: bool = Field(description="The rates differ between providers (p < 0.05).")


class RunJudge(BaseModel):
    """One of a run's judges, beside its record on the calibration set."""

    judge: str
    n: int = Field(description="Riddles it gave a verdict on.")
    pass_rate: float
    calibration_pass_rate: float | None = Field(
        description="Its pass rate on every calibration row it judged (None: not in the set)."
    )
    record: JudgeMetrics | None = Field(description="Its record against the human labels.")


class JudgePair(BaseModel):
    """How often two judges agree, in the run and on the calibration set."""

    a: str
    b: str
    run_n: int
    run_agreement: float | None
    calibration_n: int
    calibration_agreement: float | None


class RunJudges(BaseModel):
    """A run's judges."""

    run: str
    judges: list[RunJudge]
    pairs: list[JudgePair]
    fleiss_kappa: float | None = Field(description="Over the riddles every judge graded.")


class JudgesResult(BaseModel):
    """What ``layton judges`` reports (rates are shares in [0, 1])."""

    split: Split
    field: VerdictField = Field(description="Field of by_provider, the curve and the run part.")
    calibration_source: str
    judges: list[JudgeMetrics] = Field(description="Every judge, every field.")
    by_provider: list[ProviderErrors]
    calibration_curve: list[CurveBin]
    bins_by_provider: list[BinProviders] = Field(
        default_factory=list,
        description="Per jury bin, the humans' pass rate by evaluated provider and a test of "
        "whether it is the same for all (a score assumes it is).",
    )
    run: RunJudges | None = None
    next_command: str | None = Field(
        default=None,
        description="What to type next: label answers with 'layton annotate' (the run's, "
        "else the calibration set's unlabelled rows).",
    )


def judges_of(
    run_name: str | None,
    *,
    split: Split | None,
    field: VerdictField,
    data_dir: Path | None,
    calibration_files: t.Sequence[Path] = (),
    calibration_only: bool = False,
) -> JudgesResult:
    """``layton judges [RUN]``: the split's calibration set, and the run's judges if named.

    Raises
    ------
    UsageError
        Without a run nor ``split``, or with a run of another split.
    RunError
        If the run does not exist or has no jury verdicts.
    """
    from layton_eval.score.calibration import load_calibration
    from layton_eval.score.leaderboard import load_run_table

    verdicts = load_run_table(run_name) if run_name else None
    if verdicts is not None and split is not None and verdicts.split != split:
        raise UsageError(f"run {run_name} is on the {verdicts.split} split, not {split}")
    chosen = split or (verdicts.split if verdicts else None)
    if chosen is None:
        raise UsageError("pass --split llm or --split vlm (or a run)")
    calibration = load_calibration(
        chosen, data_dir=data_dir, extra=calibration_files, only=calibration_only
    )
    from layton_eval.next_step import Facts, Step, next_command

    run = None if verdicts is None else (verdicts.name, verdicts.table)
    facts = Facts(
        run=verdicts.name if verdicts else "",
        split=chosen,
        data_dir=str(data_dir) if data_dir else None,  # annotate reads the data too
        calibration=tuple(map(str, calibration_files)),
        calibration_only=calibration_only,
    )
    return judge_report(calibration, field=field, run=run).model_copy(
        update={"next_command": next_command(Step.judges, facts)}
    )


def judge_report(
    calibration: CalibrationSet,
    *,
    field: VerdictField,
    run: tuple[str, JuryTable] | None = None,
) -> JudgesResult:
    """The judges of ``calibration`` against its human labels, and a run's judges if given."""
    metrics = [
        _metrics(calibration, j, f)
        for f in VerdictField
        if f in calibration.human
        for j in range(len(calibration.judges))
    ]
    return JudgesResult(
        split=calibration.split,
        field=field,
        calibration_source=calibration.source,
        judges=metrics,
        by_provider=_by_provider(calibration, field),
        calibration_curve=_curve(calibration, field),
        bins_by_provider=_bins_by_provider(calibration, field),
        run=None if run is None else _run_judges(run[0], run[1], calibration, field),
    )


def _metrics(calibration: CalibrationSet, j: int, field: VerdictField) -> JudgeMetrics:
    """Judge ``j`` of the calibration set against the human labels of ``field``."""
    scores = agreement.binary_scores(calibration.verdicts[field][:, j], calibration.labels(field))
    return JudgeMetrics(judge=calibration.judges[j], field=field, **scores._asdict())


def _by_provider(calibration: CalibrationSet, field: VerdictField) -> list[ProviderErrors]:
    human = calibration.labels(field)
    providers = np.asarray(calibration.providers)
    rows = []
    for j, judge in enumerate(calibration.judges):
        verdicts = calibration.verdicts[field][:, j]
        both = ~np.isnan(verdicts) & ~np.isnan(human)
        for provider in dict.fromkeys(calibration.providers):
            mask = both & (providers == provider)
            if mask.any():
                rated, truth = verdicts[mask], human[mask]
                rows.append(
                    ProviderErrors(
                        judge=judge, provider=provider, n=int(mask.sum()),
                        error_rate=float(np.mean(rated != truth)),
                        judge_rate=float(rated.mean()), human_rate=float(truth.mean()),
                    )
                )  # fmt: skip
    return rows


def _curve(calibration: CalibrationSet, field: VerdictField) -> list[CurveBin]:
    yhat, human = calibration.jury_values(field), calibration.labels(field)
    keep = ~np.isnan(yhat) & ~np.isnan(human)
    keys = ppi.bin_keys(yhat[keep])
    labels = human[keep]
    curve = []
    for key in np.unique(keys):
        in_bin = labels[keys == key]
        lower, upper = intervals.wilson_interval(int(in_bin.sum()), in_bin.size)
        curve.append(
            CurveBin(
                jury_value=float(key), label=jury_label(float(key)), n=int(in_bin.size),
                human_rate=float(in_bin.mean()), lower=lower, upper=upper,
            )
        )  # fmt: skip
    return curve


def _bins_by_provider(calibration: CalibrationSet, field: VerdictField) -> list[BinProviders]:
    from layton_eval.stats.homogeneity import homogeneity_test

    yhat, human = calibration.jury_values(field), calibration.labels(field)
    keep = ~np.isnan(yhat) & ~np.isnan(human)
    keys, labels = ppi.bin_keys(yhat[keep]), human[keep]
    providers = np.asarray(calibration.providers, dtype=object)[keep]
    bins = []
    for key in np.unique(keys):
        names = list(dict.fromkeys(providers[keys == key]))
        groups = [labels[(keys == key) & (providers == name)] for name in names]
        passes, sizes = [int(g.sum()) for g in groups], [g.size for g in groups]
        test = homogeneity_test(passes, sizes) if len(groups) > 1 else None
        rates = [_rate(str(name), k, n) for name, k, n in zip(names, passes, sizes, strict=True)]
        bins.append(
            BinProviders(
                jury_value=float(key), label=jury_label(float(key)), providers=rates,
                test=None if test is None else test.test,
                p_value=None if test is None else test.p_value,
                differs=test is not None and test.p_value < 0.05,
            )
        )  # fmt: skip
    return bins


def _rate(provider: str, passes: int, n: int) -> ProviderRate:
    lower, upper = intervals.wilson_interval(passes, n)
    return ProviderRate(provider=provider, n=n, human_rate=passes / n, lower=lower, upper=upper)


def _agreement(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> tuple[int, float | None]:
    both = ~np.isnan(a) & ~np.isnan(b)
    n = int(both.sum())
    return n, (float(np.mean(a[both] == b[both])) if n else None)


def _run_judges(
    name: str, table: JuryTable, calibration: CalibrationSet, field: VerdictField
) -> RunJudges:
    """The run's judges, matched by model name to the calibration set's judges."""
    verdicts = table.verdicts(field)
    known = {judge: j for j, judge in enumerate(calibration.judges)}
    column = {judge: known.get(judge.split("/")[-1]) for judge in table.judges}
    cal = calibration.verdicts[field]
    judges = []
    for j, judge in enumerate(table.judges):
        given = verdicts[:, j][~np.isnan(verdicts[:, j])]
        c = column[judge]
        judges.append(
            RunJudge(
                judge=judge, n=int(given.size),
                pass_rate=float(given.mean()) if given.size else 0.0,
                calibration_pass_rate=None if c is None else float(np.nanmean(cal[:, c])),
                record=None if c is None else _metrics(calibration, c, field),
            )
        )  # fmt: skip
    pairs = []
    for (i, a), (k, b) in itertools.combinations(enumerate(table.judges), 2):
        run_n, run_rate = _agreement(verdicts[:, i], verdicts[:, k])
        ca, cb = column[a], column[b]
        cal_n, cal_rate = (
            (0, None) if ca is None or cb is None else _agreement(cal[:, ca], cal[:, cb])
        )
        pairs.append(JudgePair(a=a, b=b, run_n=run_n, run_agreement=run_rate,
                               calibration_n=cal_n, calibration_agreement=cal_rate))  # fmt: skip
    complete = verdicts[~np.isnan(verdicts).any(axis=1)]
    return RunJudges(
        run=name, judges=judges, pairs=pairs, fleiss_kappa=agreement.fleiss_kappa(complete)
    )
