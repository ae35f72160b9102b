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

if t.TYPE_CHECKING:
    from layton_eval.score.score import ScoreOptions, ScoreResult

__all__ = [
    "AllowMissingOpt",
    "CiOpt",
    "CompareCiOpt",
    "FieldOpt",
    "IterationsOpt",
    "SeedOpt",
    "SkipUncalibratedOpt",
    "leaderboard",
    "score",
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
ProviderOpt = t.Annotated[
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
AllowMissingOpt = t.Annotated[
    bool,
    typer.Option(
        "--allow-missing",
        help="Score riddles from the verdicts they have instead of stopping on a missing "
        "or unreadable verdict.",
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
    provider: ProviderOpt = None,
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
    from layton_eval.score.score import ScoreOptions

    positional = list(targets or [])
    run_name: str | None = None
    options = ScoreOptions(
        field=field,
        iterations=iterations,
        seed=seed,
        ci=ci,
        judges=allow_judges,
        allow_missing=allow_missing,
        skip_uncalibrated=skip_uncalibrated,
        data_dir=data_dir,
        calibration=tuple(calibration or ()),
        calibration_only=calibration_only,
    )
    if judge_files is None:
        if len(positional) > 1:
            raise UsageError(
                f"one run or group at a time, got {len(positional)}: {' '.join(positional)}"
            )
        if provider or split:
            raise UsageError("--provider and --split go with --judge-files; a run knows its own")
        if positional and _scored_group(positional[0], options, json_=json_):
            return
        result, run_name = _score_run(positional[0] if positional else None, options)
    else:
        from layton_eval.score.judge_files import expand_judge_paths
        from layton_eval.score.score import score_judge_files

        result = score_judge_files(
            expand_judge_paths([*judge_files, *positional]),
            provider=provider,
            split=split,
            options=options,
        )
    _show(result, run_name, options, json_=json_)


def _scored_group(name: str, options: ScoreOptions, *, json_: bool) -> bool:
    """Score ``name`` if it is a group or a glob of run names; whether it was one."""
    from layton_eval.commands.runs import find_runs
    from layton_eval.envvars import runs_dir
    from layton_eval.runs.groups import expand
    from layton_eval.runs.store import RunStore

    if expand(RunStore(runs_dir()), name)[1] is None:  # one run: no settings needed
        return False
    found = find_runs(name)
    from layton_eval.commands.group import score_group

    score_group(found, options, json_=json_)
    return True


def _show(result: ScoreResult, run_name: str | None, options: ScoreOptions, *, json_: bool) -> None:
    from layton_eval.commands.options import scoring_next, with_next
    from layton_eval.next_step import Step

    command = (
        scoring_next(
            Step.score,
            result.split,
            runs=[run_name],
            data_dir=options.data_dir,
            calibration=options.calibration,
            calibration_only=options.calibration_only,
        )
        if run_name
        else None
    )  # judge files: no run to place on the leaderboard
    if json_:
        from layton_eval.console import emit_json

        emit_json(with_next(result, command))
        return
    from layton_eval.cards.score import category_table, score_card
    from layton_eval.console import show

    show(score_card(result, next_command=command))
    categories = category_table(result)
    if categories is not None:
        show(categories)


def _score_run(name: str | None, options: ScoreOptions) -> tuple[ScoreResult, str]:
    """Score a run from its judge files and keep the result as ``score.json`` in the run; the
    result and the run's name."""
    from layton_eval.commands.runs import run_named
    from layton_eval.envvars import runs_dir
    from layton_eval.next_step import Step
    from layton_eval.runs import layout
    from layton_eval.score.score import score_run

    folder = runs_dir()
    run = run_named(
        name,
        step=Step.score,
        accept=lambda m: m.kind == "benchmark" and (folder / m.name / layout.JURY_DIR).is_dir(),
    )
    result = score_run(run, options)
    with run.lock():
        run.write_bytes(layout.SCORE, result.model_dump_json(indent=2).encode())
    return result, run.name


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
    from layton_eval.score.score import ScoreOptions

    added = [run_named(name, step=Step.score).name for name in expand_names(add or [])]
    extra = [load_run_table(name) for name in added]
    options = ScoreOptions(
        field=field, iterations=iterations, seed=seed, ci=ci,
        skip_uncalibrated=skip_uncalibrated, data_dir=data_dir,
        calibration=tuple(calibration or ()), calibration_only=calibration_only,
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
