"""Gathering the report's data: the leaderboard, the categories and each run's riddles."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import typing as t

import numpy as np

from layton_eval.choices import Split
from layton_eval.errors import DatasetError, RunError, UsageError
from layton_eval.report.model import (
    CostLine,
    JudgeVerdict,
    ModelCategories,
    ReportData,
    RiddleRow,
    RunReport,
)
from layton_eval.score.categories import UNKNOWN_CATEGORY, category_means
from layton_eval.score.leaderboard import RunVerdicts, build_leaderboard, run_verdicts
from layton_eval.score.score import ScoreOptions

if t.TYPE_CHECKING:
    from layton_eval.dataset import LoadedSplit
    from layton_eval.runs.predictions import Prediction
    from layton_eval.runs.store import Run
    from layton_eval.score.calibration import CalibrationSet
    from layton_eval.score.compare import CompareResult
    from layton_eval.score.curve import HintCurve
    from layton_eval.score.leaderboard import LeaderboardRow
    from layton_eval.settings import Settings

__all__ = ["build_report"]


def build_report(
    split: Split,
    runs: t.Sequence[Run],
    *,
    options: ScoreOptions,
    settings: Settings | None = None,
    images: bool = False,
) -> ReportData:
    """Score the calibration models and ``runs`` and gather the page's data (``settings``:
    read when needed).

    Raises
    ------
    RunError
        If a run is not an evaluated run, is on another split or has no judge files.
    UsageError
        If a run is given twice.
    DatasetError, ScoreError
        If the calibration set cannot be loaded, or a model cannot be scored.
    """
    from layton_eval.dataset import load_split
    from layton_eval.score.calibration import load_calibration

    verdicts = _run_verdicts(split, runs)
    calibration = load_calibration(
        split,
        data_dir=options.data_dir,
        settings=settings,
        extra=options.calibration,
        only=options.calibration_only,
    )
    rows = build_leaderboard(split, options=options, calibration=calibration, extra=verdicts)
    note = None
    try:
        loaded = load_split(split, settings=settings, data_dir=options.data_dir)
        split_categories = _categories(loaded)
    except DatasetError as exc:
        split_categories = {}
        note = f"The riddles of the {split} split could not be loaded ({exc})."
    by_model = _calibration_categories(calibration, options, split_categories)
    reports = []
    for run, run_v in zip(runs, verdicts, strict=True):
        report = _run_report(run, run_v, options, settings, images, split_categories)
        categories = {row.id: row.category for row in report.riddles}
        table = run_v.table
        means = category_means(table.riddle_ids, table.jury_values(options.field), categories)
        by_model[run_v.model, True] = ModelCategories(
            model=run_v.model, provider=run_v.provider, is_yours=True, categories=means
        )
        report.row = next(r for r in rows if r.is_yours and r.model == run_v.model)
        report.not_comparable = list(run_v.not_comparable)
        reports.append(report)
    breakdown = [by_model[row.model, row.is_yours] for row in rows]
    if not any(m.categories for m in breakdown) and note is None:
        note = "No riddle category is known for these riddles."
    return ReportData(
        split=split,
        field=options.field,
        iterations=options.iterations,
        seed=options.seed,
        ci_method=options.ci,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        calibration_source=calibration.source,
        leaderboard=rows,
        category_counts=_category_counts(split_categories, breakdown),
        breakdown=breakdown,
        categories_note=note,
        comparison=_comparison(rows, calibration, list(zip(runs, verdicts, strict=True)), options),
        runs=reports,
        curves=_curves(runs, reports),
    )


def _curves(runs: t.Sequence[Run], reports: list[RunReport]) -> list[HintCurve]:
    """The runs' scores joined by model into curves over hint levels."""
    from layton_eval.score.curve import CurvePoint, hint_curves

    points = [
        (run.manifest.provider or "?", run.manifest.model or run.name,
         CurvePoint(hints=run.manifest.hints, score=r.row.score, ci95=r.row.ci95,
                    lower=r.row.lower, upper=r.row.upper, n=r.row.n, run=run.name))
        for run, r in zip(runs, reports, strict=True)
        if r.row is not None
    ]  # fmt: skip
    return hint_curves(points)


def _comparison(
    rows: list[LeaderboardRow],
    calibration: CalibrationSet,
    runs: list[tuple[Run, RunVerdicts]],
    options: ScoreOptions,
) -> CompareResult:
    """Every pair of the page's models (calibration models and runs), in leaderboard order."""
    from layton_eval.score.comparable import prompt_tag
    from layton_eval.score.compare import compare_ci, compare_subjects
    from layton_eval.score.subjects import Subject

    by_label = {v.model: (run, v) for run, v in runs}
    subjects = []
    for row in rows:
        if row.is_yours:
            run, v = by_label[row.model]
            subjects.append(
                Subject(
                    f"{row.model} ★", "run", v.provider, v.table.riddle_ids,
                    v.table.jury_values(options.field), prompts=prompt_tag(run),
                    not_comparable=v.not_comparable, run=run,
                )
            )  # fmt: skip
        else:
            own = calibration.model_rows(row.provider, row.model, options.field)
            subjects.append(Subject(row.model, "model", row.provider, own.riddle_ids, own.yhat))
    matrix = dataclasses.replace(options, ci=compare_ci(options.ci))
    return compare_subjects(subjects, calibration=calibration, options=matrix, categories={})


def _run_verdicts(split: Split, runs: t.Sequence[Run]) -> list[RunVerdicts]:
    """Each run's verdicts; runs sharing a model name are told apart by their run name."""
    names = [run.name for run in runs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"run {', '.join(twice)} given twice")
    verdicts = []
    for run in runs:
        manifest = run.manifest
        if manifest.kind != "benchmark":
            raise RunError(f"run {run.name} is not an evaluated run", run=run.name)
        if manifest.split != split:
            raise RunError(
                f"run {run.name} is on the {manifest.split} split, not {split}: pass "
                f"--split {manifest.split} or leave it out",
                run=run.name,
            )
        verdicts.append(run_verdicts(run))
    labels = collections.Counter(v.model for v in verdicts)
    return [
        dataclasses.replace(v, model=f"{v.model} ({v.name})") if labels[v.model] > 1 else v
        for v in verdicts
    ]


def _calibration_categories(
    calibration: CalibrationSet, options: ScoreOptions, categories: t.Mapping[str, str]
) -> dict[tuple[str, bool], ModelCategories]:
    """Jury mean per category of every calibration model, by (model, is yours)."""
    by_model: dict[tuple[str, bool], ModelCategories] = {}
    for provider, model in calibration.model_keys():
        own = calibration.model_rows(provider, model, options.field)
        means = category_means(own.riddle_ids, own.yhat, categories)
        by_model[model, False] = ModelCategories(model=model, provider=provider, categories=means)
    return by_model


def _category_counts(
    split_categories: t.Mapping[str, str], breakdown: list[ModelCategories]
) -> dict[str, int]:
    """Riddles per category, most first; categories that no riddle of the split has count the
    most riddles any model has in them."""
    counts = collections.Counter(split_categories.values())
    for entry in breakdown:
        for cat in entry.categories:
            counts[cat.category] = max(counts[cat.category], cat.n)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _categories(loaded: LoadedSplit) -> dict[str, str]:
    return {r.id: r.category or UNKNOWN_CATEGORY for r in loaded.riddles}


def _run_report(
    run: Run,
    verdicts: RunVerdicts,
    options: ScoreOptions,
    settings: Settings | None,
    images: bool,
    fallback: t.Mapping[str, str],
) -> RunReport:
    """The run's section, without its leaderboard row.

    ``fallback`` gives the categories of riddles when the run's own riddles cannot be loaded.
    """
    from layton_eval.prepare import load_run_dataset
    from layton_eval.runs.predictions import load_predictions

    note, riddles = None, {}
    try:
        riddles = load_run_dataset(run, settings=settings, data_dir=options.data_dir).by_id
    except DatasetError as exc:
        note = f"The riddles of this run could not be loaded ({exc})."
    predictions = load_predictions(run)
    table = verdicts.table
    values = table.verdicts(options.field)
    jury = table.jury_values(options.field)
    rows = []
    for i, rid in enumerate(table.riddle_ids):
        riddle, prediction = riddles.get(rid), predictions.get(rid)
        given = {float(v) for v in values[i] if not np.isnan(v)}
        rows.append(
            RiddleRow(
                id=rid,
                category=(riddle.category if riddle else fallback.get(rid)) or UNKNOWN_CATEGORY,
                description=riddle.description if riddle else None,
                gold_answer=riddle.answer if riddle else None,
                url=riddle.url if riddle else None,
                image=riddle.img if riddle and images else None,
                **_prediction_cells(prediction),
                verdicts=[
                    JudgeVerdict(
                        answer=None if np.isnan(a) else bool(a),
                        justification=None if np.isnan(j) else bool(j),
                    )
                    for a, j in zip(table.answer[i], table.justification[i], strict=True)
                ],
                jury=None if np.isnan(jury[i]) else float(jury[i]),
                disagree=len(given) > 1,
            )
        )
    return RunReport(
        name=run.name,
        label=verdicts.model,
        config=_config(run),
        judges=list(table.judges),
        costs=_costs(run),
        note=note,
        riddles=rows,
    )


def _prediction_cells(prediction: Prediction | None) -> dict[str, t.Any]:
    if prediction is None:
        return {"answer": None, "justification": None, "status": "missing", "detail": None}
    return {
        "answer": prediction.answer,
        "justification": prediction.justification,
        "status": prediction.status,
        "detail": prediction.error or prediction.raw_text[:400],
    }


def _config(run: Run) -> dict[str, str]:
    m = run.manifest
    sampling = {k: v for k, v in m.sampling.model_dump().items() if v not in (None, {})}
    return {
        "Model": m.model or "-",
        "Provider": m.provider or "-",
        "Split": str(m.split),
        "Hints": str(m.hints),
        "Sampling": ", ".join(f"{k}={v}" for k, v in sampling.items()) or "provider defaults",
        "Prompts": f"{m.prompts.source} · sha256 {m.prompts.sha256}",
        "Dataset": f"{m.dataset.source} · {m.dataset.location}"
        + (f" @ {m.dataset.revision}" if m.dataset.revision else ""),
        "Dataset sha256": m.dataset.sha256,
        "Riddles": str(m.dataset.riddles),
        "Created": m.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "layton": m.layton_version,
    }


def _costs(run: Run) -> list[CostLine]:
    from layton_eval.runs.outputs import load_outputs, summarize

    lines = []
    for member in run.family():
        outputs = load_outputs(member)
        total = summarize(member, outputs, fetched=[], waiting=[])
        judge = member.manifest.judge
        lines.append(
            CostLine(
                role="judge" if judge else "evaluated model",
                provider=member.manifest.provider,
                model=member.manifest.model,
                requests=len(outputs),
                input_tokens=total.input_tokens,
                output_tokens=total.output_tokens,
                reasoning_tokens=total.reasoning_tokens,
                cost_usd=total.cost_usd,
                standard_cost_usd=total.standard_cost_usd,
                saving_usd=total.saving_usd,
                estimated_usd=total.estimate.usd if total.estimate else None,
            )
        )
    return lines
