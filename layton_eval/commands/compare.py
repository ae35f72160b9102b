"""``layton compare``: paired comparison of runs and calibration models.

Import-light on purpose (``layton --help`` must stay fast): numpy and the domain modules are
imported inside the command body.
"""

from __future__ import annotations

import typing as t

import typer

from layton_eval.choices import DEFAULT_ITERATIONS, DEFAULT_SEED, CiMethod, Split, VerdictField
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    CalibrationOnlyOpt,
    CalibrationOpt,
    DataDirOpt,
    JsonOpt,
    complete_subject,
)
from layton_eval.commands.scoring import (
    AllowMissingOpt,
    CompareCiOpt,
    FieldOpt,
    IterationsOpt,
    SeedOpt,
    SkipUncalibratedOpt,
    score_options,
)

__all__ = ["compare"]

SubjectsArg = t.Annotated[
    list[str],
    typer.Argument(
        metavar="SUBJECT",
        help="Two or more runs (with jury verdicts) or models of the calibration set "
        "(model or provider/model); write run:NAME or model:NAME when a name is both. A group "
        "name or a quoted glob of run names stands for its runs (TAB completes runs, groups "
        "and the calibration set's models, from --data-dir or LAYTON_DATA_DIR).",
        autocompletion=complete_subject,
        show_default=False,
    ),
]
CompareSplitOpt = t.Annotated[
    Split | None,
    typer.Option(
        "--split",
        help="llm or vlm: the calibration set (default: the runs' split; needed when every "
        "subject is a calibration model).",
        show_default=False,
    ),
]


@examples(
    "layton compare gemini-3-flash-high mistral-large-2512 --split llm",
    "layton compare trial gpt-5.1-2025-11-13-high --ci labels",
    "layton compare run-a run-b run-c --json",
)
def compare(
    subjects: SubjectsArg,
    split: CompareSplitOpt = None,
    field: FieldOpt = VerdictField.both_correct,
    ci: CompareCiOpt = CiMethod.full,
    iterations: IterationsOpt = DEFAULT_ITERATIONS,
    seed: SeedOpt = DEFAULT_SEED,
    allow_missing: AllowMissingOpt = False,
    skip_uncalibrated: SkipUncalibratedOpt = False,
    data_dir: DataDirOpt = None,
    calibration: CalibrationOpt = None,
    calibration_only: CalibrationOnlyOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Compare models on their common riddles: paired difference, McNemar, power, per category."""
    from layton_eval.score.compare import compare_names

    options = score_options(
        field=field, iterations=iterations, seed=seed, ci=ci,
        skip_uncalibrated=skip_uncalibrated, data_dir=data_dir, calibration=calibration,
        calibration_only=calibration_only, allow_missing=allow_missing,
    )  # fmt: skip
    from layton_eval.commands.options import scoring_next, with_next
    from layton_eval.commands.runs import expand_names
    from layton_eval.next_step import Step

    result = compare_names(expand_names(subjects), split=split, options=options)
    command = scoring_next(
        Step.compare, result.split, runs=[s.name for s in result.subjects if s.kind == "run"],
        data_dir=data_dir, calibration=options.calibration, calibration_only=calibration_only,
    )  # fmt: skip
    if json_:
        from layton_eval.console import emit_json

        emit_json(with_next(result, command))
        return
    from layton_eval.cards.compare import compare_card
    from layton_eval.cards.prepare import next_step
    from layton_eval.console import show

    show(compare_card(result), next_step(command) if command else "")
