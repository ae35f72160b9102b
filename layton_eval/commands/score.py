"""``layton score`` and ``layton leaderboard``: calibrated scores with a 95% interval.

Import-light on purpose (``layton --help`` must stay fast): numpy and the domain modules are
imported inside the command bodies.
"""

from __future__ import annotations

import typing as t

import typer

from layton_eval.choices import DEFAULT_ITERATIONS, DEFAULT_SEED, CiMethod, Split, VerdictField
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    PROVIDER_NAMES,
    CalibrationOnlyOpt,
    CalibrationOpt,
    DataDirOpt,
    JsonOpt,
    SplitOpt,
    complete_provider,
    complete_run,
)
from layton_eval.commands.scoring import (
    AllowMissingOpt,
    CiOpt,
    FieldOpt,
    IterationsOpt,
    SeedOpt,
    SkipUncalibratedOpt,
    score_options,
)

if t.TYPE_CHECKING:
    from layton_eval.score.score import ScoreOptions

__all__ = ["leaderboard", "score"]

TargetsOpt = t.Annotated[
    list[str] | None,
    typer.Argument(
        metavar="RUN",
        help="Run to score (default: the latest judged run), or a group (a table of its runs "
        "and each model's score per hint level). After --judge-files, further arguments are "
        "more judge files, so '--judge-files F1 F2 F3' works.",
        autocompletion=complete_run,
        show_default=False,
    ),
]
JudgeFilesOpt = t.Annotated[
    list[str] | None,
    typer.Option(
        "--judge-files",
        "-j",
        metavar="FILE",
        help="Your judge files, one per judge (repeatable; globs such as "
        "'out/judge_*.jsonl' are expanded).",
        show_default=False,
    ),
]
JudgedProviderOpt = t.Annotated[
    str | None,
    typer.Option(
        "--provider",
        help="Provider of the evaluated model; its rows are left out of the calibration "
        f"set (default: from the judge file names): {PROVIDER_NAMES}.",
        autocompletion=complete_provider,
        show_default=False,
    ),
]
ScoreSplitOpt = t.Annotated[
    Split | None,
    typer.Option(
        "--split", help="llm or vlm (default: from the judge file names).", show_default=False
    ),
]
AllowJudgesOpt = t.Annotated[
    int,
    typer.Option(
        "--allow-judges",
        min=1,
        metavar="N",
        help="Number of judge files expected (3 is the published panel).",
    ),
]
AddOpt = t.Annotated[
    list[str] | None,
    typer.Option(
        "--add",
        metavar="RUN",
        help="Place your judged run among the models (repeatable; a group adds each of its runs).",
        autocompletion=complete_run,
        show_default=False,
    ),
]


@examples(
    "layton score trial",
    "layton score my-sweep --ci full",
    "layton score -j 'results/judge_*.jsonl' --allow-judges 3",
    "layton score -j j1.jsonl j2.jsonl j3.jsonl --provider openai --split llm",
)
def score(
    targets: TargetsOpt = None,
    judge_files: JudgeFilesOpt = None,
    provider: JudgedProviderOpt = None,
    split: ScoreSplitOpt = None,
    field: FieldOpt = VerdictField.both_correct,
    iterations: IterationsOpt = DEFAULT_ITERATIONS,
    seed: SeedOpt = DEFAULT_SEED,
    ci: CiOpt = CiMethod.published,
    allow_judges: AllowJudgesOpt = 3,
    allow_missing: AllowMissingOpt = False,
    skip_uncalibrated: SkipUncalibratedOpt = False,
    data_dir: DataDirOpt = None,
    calibration: CalibrationOpt = None,
    calibration_only: CalibrationOnlyOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Human-calibrated score (PPI++) with its 95% interval, from a run or your judge files."""
    from layton_eval.errors import UsageError

    positional = list(targets or [])
    options = score_options(
        field=field, iterations=iterations, seed=seed, ci=ci,
        skip_uncalibrated=skip_uncalibrated, data_dir=data_dir, calibration=calibration,
        calibration_only=calibration_only, judges=allow_judges, allow_missing=allow_missing,
    )  # fmt: skip
    if judge_files is None:
        if len(positional) > 1:
            raise UsageError(
                f"one run or group at a time, got {len(positional)}: {' '.join(positional)}"
            )
        if provider or split:
            raise UsageError("--provider and --split go with --judge-files; a run knows its own")
        _score_runs(positional[0] if positional else None, options, json_=json_)
    else:
        _score_files([*judge_files, *positional], options, provider, split, json_=json_)


def _score_files(
    patterns: list[str],
    options: ScoreOptions,
    provider: str | None,
    split: Split | None,
    *,
    json_: bool,
) -> None:
    """Score judge files brought from elsewhere (their names say the model and split)."""
    from layton_eval.score.judge_files import expand_judge_paths
    from layton_eval.score.score import score_judge_files

    result = score_judge_files(
        expand_judge_paths(patterns), provider=provider, split=split, options=options
    )
    if json_:
        from layton_eval.commands.options import with_next
        from layton_eval.console import emit_json

        emit_json(with_next(result, None))  # no run to place on the leaderboard
        return
    from layton_eval.cards.score import category_table, score_card
    from layton_eval.console import show

    show(score_card(result, next_command=None))
    categories = category_table(result)
    if categories is not None:
        show(categories)


def _score_runs(name: str | None, options: ScoreOptions, *, json_: bool) -> None:
    """Score a run (by default the latest judged one), or each judged run of a group, and
    keep each result as ``score.json`` in its run."""
    from layton_eval.commands.runs import find_runs
    from layton_eval.console import emit_json, show
    from layton_eval.envvars import runs_dir
    from layton_eval.next_step import Step
    from layton_eval.runs import layout
    from layton_eval.score.curve import score_runs

    folder = runs_dir()  # a run is scored without pydantic-settings (issue 24)
    selection = find_runs(
        name,
        step=Step.score,
        accept=lambda m: m.kind == "benchmark" and (folder / m.name / layout.JURY_DIR).is_dir(),
    )
    result = score_runs(selection, options)
    by_name = {run.name: run for run in selection.runs}
    for scored in result.runs:
        run = by_name[scored.run]
        with run.lock():
            run.write_bytes(layout.SCORE, scored.result.model_dump_json(indent=2).encode())
    if json_:
        from layton_eval.commands.options import with_next

        one = result.runs[0].result
        emit_json(with_next(one, result.next_command) if result.group is None else result)
        return
    from layton_eval.cards.curve import score_cards

    for shown in score_cards(result):
        show(shown)


@examples(
    "layton leaderboard --split llm",
    "layton leaderboard --split llm --add trial",
    "layton leaderboard --split llm --ci full --json",
)
def leaderboard(
    split: SplitOpt,
    field: FieldOpt = VerdictField.both_correct,
    iterations: IterationsOpt = DEFAULT_ITERATIONS,
    seed: SeedOpt = DEFAULT_SEED,
    ci: CiOpt = CiMethod.published,
    add: AddOpt = None,
    skip_uncalibrated: SkipUncalibratedOpt = False,
    data_dir: DataDirOpt = None,
    calibration: CalibrationOpt = None,
    calibration_only: CalibrationOnlyOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Rank the calibration models (and your runs) by calibrated score, with rank spread."""
    from layton_eval.commands.runs import expand_names, run_named
    from layton_eval.next_step import Step
    from layton_eval.score.calibration import load_calibration
    from layton_eval.score.leaderboard import build_leaderboard, load_run_table

    added = [run_named(name, step=Step.score).name for name in expand_names(add or [])]
    extra = [load_run_table(name) for name in added]
    options = score_options(
        field=field, iterations=iterations, seed=seed, ci=ci,
        skip_uncalibrated=skip_uncalibrated, data_dir=data_dir, calibration=calibration,
        calibration_only=calibration_only,
    )  # fmt: skip
    rows = build_leaderboard(
        split,
        options=options,
        calibration=load_calibration(
            split, data_dir=data_dir, extra=options.calibration, only=calibration_only
        ),
        extra=extra,
    )
    from layton_eval.commands.options import scoring_next

    command = scoring_next(
        Step.leaderboard, split, runs=added, data_dir=data_dir,
        calibration=options.calibration, calibration_only=calibration_only,
    )  # fmt: skip
    if json_:
        from layton_eval.console import emit_json

        rows_json = [row.model_dump(mode="json") for row in rows]
        emit_json({"split": split.value, "field": field.value, "ci_method": ci.value,
                   "rows": rows_json, "next_command": command})  # fmt: skip
        return
    from layton_eval.cards.prepare import next_step
    from layton_eval.cards.score import leaderboard_table
    from layton_eval.console import show

    table = leaderboard_table(
        rows, split=split, field=field, iterations=iterations, seed=seed, ci_method=ci
    )
    show(table, next_step(command) if command else "")
