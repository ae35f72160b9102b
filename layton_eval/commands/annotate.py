"""``layton annotate``: label models' answers in a local page, to grow the calibration set.

Import-light on purpose (``layton --help`` must stay fast): the server, numpy and the domain
modules are imported inside the command body.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import Split
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    CalibrationOnlyOpt,
    CalibrationOpt,
    DataDirOpt,
    JsonOpt,
    absolute,
    complete_run,
)

__all__ = ["annotate"]

AnnotatedRunsArg = t.Annotated[
    list[str] | None,
    typer.Argument(
        metavar="RUN",
        help="Runs (or groups) whose judged answers to label. Without a run: the calibration set's "
        "unlabelled rows of --split (the published set's, unless --calibration-only, and those "
        "of the --calibration files).",
        autocompletion=complete_run,
        show_default=False,
    ),
]
AnnotateSplitOpt = t.Annotated[
    Split | None,
    typer.Option("--split", help="llm or vlm (default: the runs' split).", show_default=False),
]
LabelsOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--labels",
        callback=absolute,
        metavar="FILE",
        help="Labels file, appended to and resumed from (default: layton-labels-{split}.jsonl "
        "here); give it to score and leaderboard with --calibration.",
        show_default=False,
    ),
]
AnnotatorOpt = t.Annotated[
    str | None,
    typer.Option(
        "--annotator",
        metavar="NAME",
        help="Who labels (default: your login name); kept with every label.",
        show_default=False,
    ),
]
BudgetOpt = t.Annotated[
    int | None,
    typer.Option("--budget", min=1, metavar="N", help="Stop after N labels.", show_default=False),
]
PortOpt = t.Annotated[
    int,
    typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
]
NoBrowserOpt = t.Annotated[
    bool,
    typer.Option("--no-browser", help="Print the page's address; do not open a browser."),
]
RecheckOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--recheck",
        callback=absolute,
        metavar="FILE",
        help="Label again the items of another annotator's labels file (or of a calibration "
        "file), their labels hidden, to measure agreement (Cohen's kappa).",
        show_default=False,
    ),
]


@examples(
    "layton annotate --split llm",
    "layton annotate trial --budget 50",
    "layton annotate --split llm --recheck layton-labels-llm.jsonl",
)
def annotate(
    runs: AnnotatedRunsArg = None,
    split: AnnotateSplitOpt = None,
    labels: LabelsOpt = None,
    annotator: AnnotatorOpt = None,
    budget: BudgetOpt = None,
    port: PortOpt = 0,
    no_browser: NoBrowserOpt = False,
    recheck: RecheckOpt = None,
    calibration: CalibrationOpt = None,
    calibration_only: CalibrationOnlyOpt = False,
    data_dir: DataDirOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Label answers in a local web page (127.0.0.1): the calibration set grows with them."""
    from layton_eval.annotate.main import annotate as run_session
    from layton_eval.annotate.sources import AnnotateOptions, default_annotator
    from layton_eval.commands.runs import expand_names
    from layton_eval.console import err_console
    from layton_eval.settings import get_settings

    options = AnnotateOptions(
        split=split,
        runs=tuple(expand_names(runs or ())),
        labels=labels,
        annotator=annotator if annotator is not None else default_annotator(),
        budget=budget,
        recheck=recheck,
        calibration=tuple(calibration or ()),
        calibration_only=calibration_only,
        data_dir=data_dir,
    )

    def announce(url: str, opened: bool) -> None:
        where = "opened in your browser" if opened else "open it in a browser"
        err_console().print(
            f"Labelling page: {url} ({where}). Finish with q on the page, or Ctrl-C here.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    result = run_session(
        options, settings=get_settings(), port=port, open_browser=not no_browser,
        announce=announce,
    )  # fmt: skip
    if json_:
        from layton_eval.console import emit_json

        emit_json(result)
        return
    from layton_eval.cards.annotate import annotate_card
    from layton_eval.console import out_console

    out_console().print(annotate_card(result))
