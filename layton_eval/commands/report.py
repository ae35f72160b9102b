"""``layton report``: one self-contained HTML page of the leaderboard, categories and your runs.

Import-light on purpose (``layton --help`` must stay fast): numpy and the domain modules are
imported inside the command body.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import DEFAULT_ITERATIONS, DEFAULT_SEED, CiMethod, VerdictField
from layton_eval.commands.options import DataDirOpt, ForceOpt, JsonOpt, SplitOpt, complete_run
from layton_eval.commands.score import (
    CiOpt,
    FieldOpt,
    IterationsOpt,
    SeedOpt,
    SkipUncalibratedOpt,
)

__all__ = ["report"]


RunsOpt = t.Annotated[
    list[str] | None,
    typer.Argument(
        metavar="RUN",
        help="Your runs (with judge files) to place on the leaderboard and detail.",
        autocompletion=complete_run,
        show_default=False,
    ),
]
OutOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="HTML file to write (default: layton-report-{split}.html here).",
        show_default=False,
    ),
]
ImagesOpt = t.Annotated[
    bool,
    typer.Option("--images", help="Embed the vlm riddles' pictures (makes the file large)."),
]


def report(
    split: SplitOpt,
    runs: RunsOpt = None,
    out: OutOpt = None,
    field: FieldOpt = VerdictField.both_correct,
    iterations: IterationsOpt = DEFAULT_ITERATIONS,
    seed: SeedOpt = DEFAULT_SEED,
    ci: CiOpt = CiMethod.calibration,
    skip_uncalibrated: SkipUncalibratedOpt = False,
    data_dir: DataDirOpt = None,
    images: ImagesOpt = False,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Write an offline HTML report: leaderboard chart, per-category results, your riddles."""
    from layton_eval.report.build import build_report
    from layton_eval.report.html import render_page
    from layton_eval.runs.store import RunStore, atomic_write_bytes
    from layton_eval.score.score import ScoreOptions
    from layton_eval.settings import get_settings

    path = _out_path(out, split.value, force=force)
    settings = get_settings()
    store = RunStore(settings.runs_dir)
    options = ScoreOptions(
        field=field, iterations=iterations, seed=seed, ci=ci,
        skip_uncalibrated=skip_uncalibrated, data_dir=data_dir,
    )  # fmt: skip
    data = build_report(
        split,
        [store.load(name) for name in runs or []],
        options=options,
        settings=settings,
        images=images,
    )
    page = render_page(data).encode("utf-8")
    atomic_write_bytes(path, page)
    summary: dict[str, t.Any] = {
        "path": str(path.resolve()),
        "bytes": len(page),
        "models": len(data.leaderboard),
        "runs": [run.name for run in data.runs],
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


def _out_path(out: Path | None, split: str, *, force: bool) -> Path:
    """The page's path; an existing file only with ``--force``, never a folder."""
    from layton_eval.errors import UsageError

    path = out if out is not None else Path(f"layton-report-{split}.html")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; pass --force to replace it or --out FILE")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; pass --out FILE")
    return path
