"""From the command's options to a labelling session: which items, which calibration, which file.

Items come from one source:

- the runs given (``layton annotate RUN...``): their answers the jury graded;
- ``--recheck FILE``: the labelled rows of another labels file (or of the published set), to
  measure how two annotators agree; their labels are not shown;
- otherwise, the calibration set's rows without a human label: the published set's (unless
  ``--calibration-only``) and those of the ``--calibration`` files.
"""

from __future__ import annotations

import dataclasses
import getpass
import typing as t
from pathlib import Path

from layton_eval.annotate.items import Item, calibration_items, run_items
from layton_eval.annotate.labels import LabelStore
from layton_eval.annotate.session import Session, labels_path
from layton_eval.choices import Split
from layton_eval.errors import RunError, UsageError
from layton_eval.next_step import fixes
from layton_eval.score.calibration import (
    CalibrationSet,
    calibration_path,
    combine_calibration,
    read_calibration_file,
)

if t.TYPE_CHECKING:
    from layton_eval.dataset import Riddle
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

__all__ = ["AnnotateOptions", "default_annotator", "open_session"]


@dataclasses.dataclass(frozen=True)
class AnnotateOptions:
    """What ``layton annotate`` was asked to do."""

    split: Split | None = None
    runs: tuple[str, ...] = ()
    labels: Path | None = None
    annotator: str = ""
    budget: int | None = None
    recheck: Path | None = None
    calibration: tuple[Path, ...] = ()
    calibration_only: bool = False
    data_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.budget is not None and self.budget < 1:
            raise UsageError(f"--budget must be at least 1, got {self.budget}")
        if not self.annotator.strip():
            raise UsageError("--annotator must not be empty")
        if self.recheck is not None and self.runs:
            raise UsageError("--recheck and RUN exclude each other: label one source at a time")
        if self.calibration_only and not (self.calibration or self.runs or self.recheck):
            raise UsageError(
                "--calibration-only needs --calibration FILE (the rows to label), a RUN or "
                "--recheck FILE"
            )


def default_annotator() -> str:
    """The login name, which labels are signed with unless ``--annotator`` says otherwise."""
    try:
        return getpass.getuser() or "anonymous"
    except (OSError, KeyError):
        return "anonymous"


def open_session(options: AnnotateOptions, settings: Settings) -> Session:
    """Load the items, the calibration and the labels file of a session.

    Raises
    ------
    UsageError
        On contradictory options, or when there is nothing to label.
    RunError, DatasetError
        When a run, the riddles or a calibration file cannot be used.
    """
    runs = _runs(options, settings)
    split = options.split or (runs[0].manifest.split if runs else None)
    if split is None:
        raise UsageError("pass --split llm|vlm (or give a RUN, which knows its split)")
    store = LabelStore(labels_path(split, options.labels))
    if store.rows():  # a damaged labels file stops here, before any page is served
        read_calibration_file(store.path, split)
    recheck = options.recheck
    if recheck is not None and _same(recheck, store.path):
        raise UsageError("--recheck needs another annotator's file than --labels")
    fixed = _fixed(options, split)
    if runs:
        items = _run_items(runs, settings, options.data_dir)
    else:
        riddles = _riddles(split, settings, options.data_dir)
        if recheck is not None:
            found = read_calibration_file(recheck, split)
            items = calibration_items(
                found, riddles, labelled=True, source=f"recheck:{recheck.name}"
            )
        elif fixed is not None:
            items = calibration_items(fixed, riddles, labelled=False, source="calibration")
        else:
            items = []
    if not items:
        raise UsageError(f"nothing to label: {_empty(options)}")
    session = Session(
        items,
        store=store,
        split=split,
        annotator=options.annotator.strip(),
        fixed=fixed,
        budget=options.budget,
        recheck=(recheck.name, LabelStore(recheck).rows()) if recheck else None,
    )
    if not session.left():
        raise UsageError(f"nothing to label: every item is labelled in {store.path} already")
    return session


def _runs(options: AnnotateOptions, settings: Settings) -> list[Run]:
    from layton_eval.runs.store import RunStore

    store = RunStore(settings.runs_dir)
    runs = [store.load(name) for name in dict.fromkeys(options.runs)]
    for run in runs:
        if run.manifest.kind != "benchmark":
            raise RunError(f"run {run.name} is a judge's run: give the evaluated run", run=run.name)
    splits = {run.manifest.split for run in runs} | ({options.split} if options.split else set())
    if len(splits) > 1:
        detail = ", ".join(f"{run.name} ({run.manifest.split})" for run in runs)
        raise UsageError(f"the runs are on different splits: {detail}; label one split at a time")
    models: dict[tuple[str | None, str | None], str] = {}
    for run in runs:
        other = models.setdefault((run.manifest.provider, run.manifest.model), run.name)
        if other != run.name:
            raise UsageError(
                f"runs {other} and {run.name} are both {run.manifest.provider}/"
                f"{run.manifest.model}: their labels would be one item; label one of them"
            )
    return runs


def _fixed(options: AnnotateOptions, split: Split) -> CalibrationSet | None:
    """The calibration the labels join: the published set (unless ``--calibration-only``) and
    the ``--calibration`` files."""
    if missing := [str(p) for p in options.calibration if not Path(p).is_file()]:
        raise UsageError(f"calibration file not found: {', '.join(missing)}")
    parts = [read_calibration_file(Path(path), split) for path in options.calibration]
    if not options.calibration_only:
        published = calibration_path(split, data_dir=options.data_dir)
        parts.insert(0, read_calibration_file(published, split))
    return combine_calibration(parts) if parts else None


def _riddles(split: Split, settings: Settings, data_dir: Path | None) -> dict[str, Riddle]:
    from layton_eval.dataset import load_split

    return load_split(split, settings=settings, data_dir=data_dir).by_id


def _run_items(runs: list[Run], settings: Settings, data_dir: Path | None) -> list[Item]:
    from layton_eval.prepare import load_run_dataset

    items = []
    for run in runs:
        riddles = load_run_dataset(run, settings=settings, data_dir=data_dir).by_id
        items.extend(run_items(run, riddles))
    return items


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _empty(options: AnnotateOptions) -> str:
    if options.runs:
        return (
            "the runs have no answer that every judge graded and no one labelled yet "
            f"(fetch their jury first: {fixes.fetch()})"
        )
    if options.recheck is not None:
        return f"{options.recheck} has no labelled row this labels file lacks"
    return "every row of the calibration set is labelled (or has no answer to judge)"
