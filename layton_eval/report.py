"""The ``layton report`` page: one self-contained HTML file (inline CSS, JS and SVG, no network).

:func:`build_report` gathers the data (leaderboard of the calibration models and your runs, jury
mean per riddle category, each run's riddles, configuration and cost) into a :class:`ReportData`;
:func:`render_html` turns it into the page (drawn by :mod:`layton_eval.report_html`, where every
text that comes from data goes through :func:`html.escape`).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import typing as t
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from layton_eval import __version__
from layton_eval.errors import DatasetError, RunError, UsageError
from layton_eval.evaluation import (
    UNKNOWN_CATEGORY,
    CategoryResult,
    LeaderboardRow,
    RunVerdicts,
    build_leaderboard,
    category_means,
    run_verdicts,
)

if t.TYPE_CHECKING:
    from layton_eval.dataset import LoadedSplit
    from layton_eval.runs import Run
    from layton_eval.settings import Settings

__all__ = [
    "CostLine",
    "JudgeVerdict",
    "ModelCategories",
    "ReportData",
    "RiddleRow",
    "RunReport",
    "build_report",
    "render_html",
]


class JudgeVerdict(BaseModel):
    """One judge's verdict on one riddle (``None``: missing or unreadable)."""

    answer: bool | None = None
    justification: bool | None = None


class RiddleRow(BaseModel):
    """One riddle of a run, as the per-riddle table shows it."""

    id: str
    category: str
    description: str | None = None
    gold_answer: str | None = None
    url: str | None = None
    image: str | None = Field(default=None, description="Base64 JPEG, only with --images.")
    answer: str | None = None
    justification: str | None = None
    status: str = Field(description="ok, invalid (unreadable output), failed or missing.")
    detail: str | None = Field(default=None, description="Provider error or raw output.")
    verdicts: list[JudgeVerdict]
    jury: float | None = Field(description="Jury value of the report's field (0-1).")
    disagree: bool = Field(description="The judges' verdicts on the field differ.")


class CostLine(BaseModel):
    """Tokens and batch cost of the evaluated model or of one judge."""

    role: str
    provider: str | None
    model: str | None
    requests: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float | None


class RunReport(BaseModel):
    """A run's configuration, cost, leaderboard row and riddles."""

    name: str
    label: str = Field(description="Its name on the leaderboard.")
    config: dict[str, str]
    judges: list[str]
    costs: list[CostLine]
    row: LeaderboardRow | None = None
    note: str | None = Field(default=None, description="Why riddle texts are missing, if so.")
    riddles: list[RiddleRow]


class ModelCategories(BaseModel):
    """Jury mean per category of one leaderboard model."""

    model: str
    provider: str
    is_yours: bool = False
    categories: list[CategoryResult]


class ReportData(BaseModel):
    """Everything the page shows."""

    split: str
    field: str
    iterations: int
    seed: int
    generated_at: str
    layton_version: str = __version__
    calibration_source: str
    leaderboard: list[LeaderboardRow]
    category_counts: dict[str, int] = Field(description="Riddles per category, most first.")
    breakdown: list[ModelCategories] = Field(description="In leaderboard order.")
    categories_note: str | None = None
    runs: list[RunReport]


# ------------------------------------------------------------------------------------ build


def build_report(
    split: str,
    runs: t.Sequence[Run],
    *,
    field: str,
    iterations: int,
    seed: int,
    settings: Settings,
    data_dir: Path | None = None,
    images: bool = False,
) -> ReportData:
    """Score the calibration models and ``runs`` and gather the page's data.

    Raises
    ------
    RunError
        If a run is not an evaluated run, is on another split or has no judge files.
    UsageError
        If a run is given twice.
    DatasetError, ScoreError
        If the calibration set cannot be loaded, or a model cannot be scored.
    """
    from layton_eval.calibration import load_calibration
    from layton_eval.dataset import load_split

    names = [run.name for run in runs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"run {', '.join(twice)} given twice")
    verdicts = []
    for run in runs:
        manifest = run.manifest
        if manifest.kind != "benchmark":
            raise RunError(f"run {run.name} is not an evaluated run", run=run.name)
        if str(manifest.split) != split:
            raise RunError(
                f"run {run.name} is on the {manifest.split} split, not {split}: pass "
                f"--split {manifest.split} or leave it out",
                run=run.name,
            )
        verdicts.append(run_verdicts(run))
    labels = collections.Counter(v.model for v in verdicts)
    verdicts = [
        dataclasses.replace(v, model=f"{v.model} ({v.name})") if labels[v.model] > 1 else v
        for v in verdicts
    ]
    calibration = load_calibration(split, data_dir=data_dir, settings=settings)
    rows = build_leaderboard(
        split,
        field=field,
        iterations=iterations,
        seed=seed,
        calibration=calibration,
        extra=verdicts,
    )
    note = None
    try:
        split_categories = _categories(load_split(split, settings=settings, data_dir=data_dir))
    except DatasetError as exc:
        split_categories = {}
        note = f"The riddles of the {split} split could not be loaded ({exc})."
    by_model: dict[tuple[str, bool], ModelCategories] = {}
    for provider, model in calibration.model_keys():
        own = calibration.model_rows(provider, model, field)
        means = category_means(own.riddle_ids, own.yhat, split_categories)
        by_model[model, False] = ModelCategories(model=model, provider=provider, categories=means)
    reports = []
    for run, run_v in zip(runs, verdicts, strict=True):
        report = _run_report(
            run,
            run_v,
            field=field,
            settings=settings,
            data_dir=data_dir,
            images=images,
            fallback=split_categories,
        )
        categories = {row.id: row.category for row in report.riddles}
        table = run_v.table
        means = category_means(table.riddle_ids, table.jury_values(field), categories)
        by_model[run_v.model, True] = ModelCategories(
            model=run_v.model, provider=run_v.provider, is_yours=True, categories=means
        )
        report.row = next(r for r in rows if r.is_yours and r.model == run_v.model)
        reports.append(report)
    breakdown = [by_model[row.model, row.is_yours] for row in rows]
    counts = collections.Counter(split_categories.values())
    for entry in breakdown:  # categories that no riddle of the split has (unknown)
        for cat in entry.categories:
            counts[cat.category] = max(counts[cat.category], cat.n)
    if not any(m.categories for m in breakdown) and note is None:
        note = "No riddle category is known for these riddles."
    return ReportData(
        split=split,
        field=field,
        iterations=iterations,
        seed=seed,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        calibration_source=calibration.source,
        leaderboard=rows,
        category_counts=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        breakdown=breakdown,
        categories_note=note,
        runs=reports,
    )


def _categories(loaded: LoadedSplit) -> dict[str, str]:
    return {r.id: r.category or UNKNOWN_CATEGORY for r in loaded.riddles}


def _run_report(
    run: Run,
    verdicts: RunVerdicts,
    *,
    field: str,
    settings: Settings,
    data_dir: Path | None,
    images: bool,
    fallback: t.Mapping[str, str],
) -> RunReport:
    """The run's section, without its leaderboard row.

    ``fallback`` gives the categories of riddles when the run's own riddles cannot be loaded.
    """
    from layton_eval.benchmark import load_run_dataset
    from layton_eval.predictions import load_predictions

    note, riddles = None, {}
    try:
        riddles = load_run_dataset(run, settings=settings, data_dir=data_dir).by_id
    except DatasetError as exc:
        note = f"The riddles of this run could not be loaded ({exc})."
    predictions = load_predictions(run)
    table = verdicts.table
    values = table.verdicts(field)
    jury = table.jury_values(field)
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
                answer=prediction.answer if prediction else None,
                justification=prediction.justification if prediction else None,
                status=prediction.status if prediction else "missing",
                detail=(prediction.error or prediction.raw_text[:400]) if prediction else None,
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
    from layton_eval.results import load_outputs, summarize

    lines = []
    for member in [run, *run.children()]:
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
            )
        )
    return lines


def render_html(data: ReportData) -> str:
    """The whole page as one HTML document: no external resource, nothing fetched."""
    from layton_eval.report_html import render_page

    return render_page(data)
