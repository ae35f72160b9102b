"""``layton report``: one self-contained HTML page of the leaderboard, categories and your runs.

Import-light on purpose (``layton --help`` must stay fast): numpy and the domain modules are
imported inside the command body.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import DEFAULT_ITERATIONS, DEFAULT_SEED, CiMethod, VerdictField
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    CalibrationOnlyOpt,
    CalibrationOpt,
    DataDirOpt,
    ForceOpt,
    JsonOpt,
    RunsArg,
    SplitOpt,
    absolute,
)
from layton_eval.commands.scoring import (
    FieldOpt,
    IterationsOpt,
    SeedOpt,
    SkipUncalibratedOpt,
    parse_ci,
    score_options,
)

__all__ = ["report"]


ReportOutOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        callback=absolute,
        help="HTML file to write, in an existing folder (default: layton-report-SPLIT.html in "
        "the current folder).",
        show_default=False,
    ),
]
ReportCiOpt = t.Annotated[
    CiMethod,
    typer.Option(
        "--ci",
        parser=parse_ci,
        metavar="METHOD",
        help="The leaderboard's 95% interval: 'published' (reproduces the published ±), "
        "'labels' (these riddles fixed, labelled rows resampled) or 'full' (riddles resampled "
        "too). The comparison matrix uses 'full' unless 'labels' is chosen.",
    ),
]
ImagesOpt = t.Annotated[
    bool,
    typer.Option("--images", help="Embed the vlm riddles' pictures (makes the file large)."),
]


@examples(
    "layton report --split vlm --out vlm.html",
    "layton report trial --split llm",
    "layton report trial --split llm --out trial.html --force",
)
def report(
    split: SplitOpt,
    runs: RunsArg = None,
    out: ReportOutOpt = None,
    field: FieldOpt = VerdictField.both_correct,
    iterations: IterationsOpt = DEFAULT_ITERATIONS,
    seed: SeedOpt = DEFAULT_SEED,
    ci: ReportCiOpt = CiMethod.published,
    skip_uncalibrated: SkipUncalibratedOpt = False,
    data_dir: DataDirOpt = None,
    calibration: CalibrationOpt = None,
    calibration_only: CalibrationOnlyOpt = False,
    images: ImagesOpt = False,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Write an offline HTML report: leaderboard chart, per-category results, your riddles."""
    from layton_eval.commands.runs import expand_names, run_named
    from layton_eval.next_step import Step
    from layton_eval.report.build import build_report
    from layton_eval.report.html import render_page
    from layton_eval.runs.atomic import atomic_write_bytes, check_out_file

    path = out if out is not None else Path(f"layton-report-{split.value}.html")
    check_out_file(path, force=force)
    options = score_options(
        field=field, iterations=iterations, seed=seed, ci=ci,
        skip_uncalibrated=skip_uncalibrated, data_dir=data_dir, calibration=calibration,
        calibration_only=calibration_only,
    )  # fmt: skip
    data = build_report(
        split,
        [run_named(name, step=Step.score) for name in expand_names(runs or [])],
        options=options,
        images=images,
    )
    page = render_page(data).encode("utf-8")
    atomic_write_bytes(path, page)
    summary: dict[str, t.Any] = {
        "path": str(path.resolve()),
        "bytes": len(page),
        "models": len(data.leaderboard),
        "runs": [run.name for run in data.runs],
        "next_command": None,  # open the page: no command to type
    }
    from layton_eval.console import emit_json, out_console

    if json_:
        emit_json(summary)
        return
    out_console().print(
        f"Wrote {summary['path']} ({len(page) / 1024:,.0f} KB): {summary['models']} models, "
        f"{len(data.runs)} run(s). Open it in a browser; it needs no network.",
        markup=False,
        highlight=False,
        soft_wrap=True,  # the path stays whole, ready to copy
    )
