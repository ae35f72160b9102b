"""``layton judges``: the judges of the calibration set against the human labels, and a run's.

Import-light on purpose (``layton --help`` must stay fast): numpy and the domain modules are
imported inside the command body.
"""

from __future__ import annotations

import typing as t

import typer

from layton_eval.choices import Split, VerdictField
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    CalibrationOnlyOpt,
    CalibrationOpt,
    DataDirOpt,
    JsonOpt,
    complete_run,
)
from layton_eval.commands.scoring import FieldOpt

__all__ = ["judges"]

JudgedRunArg = t.Annotated[
    str | None,
    typer.Argument(
        metavar="RUN",
        help="A run with jury verdicts: adds its own judges (pass rates, agreement, and each "
        "one's record on the calibration set); a group: each of its runs.",
        autocompletion=complete_run,
        show_default=False,
    ),
]
JudgesSplitOpt = t.Annotated[
    Split | None,
    typer.Option(
        "--split",
        help="llm or vlm: the calibration set (default: the run's split).",
        show_default=False,
    ),
]


@examples(
    "layton judges --split llm",
    "layton judges --split vlm --field is_justification_correct --json",
    "layton judges trial",
)
def judges(
    run: JudgedRunArg = None,
    split: JudgesSplitOpt = None,
    field: FieldOpt = VerdictField.both_correct,
    data_dir: DataDirOpt = None,
    calibration: CalibrationOpt = None,
    calibration_only: CalibrationOnlyOpt = False,
    json_: JsonOpt = False,
) -> None:
    """How far the judges can be trusted: each judge against the human labels."""
    from layton_eval.commands.runs import expand_names
    from layton_eval.score.judges import judges_of

    names: list[str | None] = [*expand_names([run])] if run else [None]
    calibration_files = tuple(calibration or ())
    results = [
        judges_of(
            name,
            split=split,
            field=field,
            data_dir=data_dir,
            calibration_files=calibration_files,
            calibration_only=calibration_only,
        )  # fmt: skip
        for name in names
    ]
    command = results[0].next_command  # a group's: the first run's
    if json_:
        from layton_eval.console import emit_json

        several = {"runs": [r.model_dump(mode="json") for r in results]}  # one object, too
        emit_json(results[0] if len(results) == 1 else {**several, "next_command": command})
        return
    from layton_eval.cards.judges import judges_card
    from layton_eval.console import show

    for result in results:  # a group: each run's judges
        show(judges_card(result))
