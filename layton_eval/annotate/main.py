"""``layton annotate`` from start to end: open the session, serve the page, wait, summarise."""

from __future__ import annotations

import os
import sys
import typing as t

from pydantic import BaseModel, Field

from layton_eval.annotate.server import serve
from layton_eval.annotate.sources import AnnotateOptions, open_session
from layton_eval.annotate.summary import LabelSummary
from layton_eval.choices import Split
from layton_eval.next_step import Facts, Step, next_command

if t.TYPE_CHECKING:
    from layton_eval.annotate.session import Session
    from layton_eval.settings import Settings

__all__ = ["AnnotateResult", "annotate", "browser_available"]

_POLL_SECONDS = 0.25


class AnnotateResult(BaseModel):
    """What a labelling session did."""

    url: str
    split: Split
    labels_file: str
    annotator: str
    labelled: int = Field(description="Labels written in this session.")
    skipped: int = Field(description="Items skipped in this session.")
    stopped: str = Field(description="Why the session stopped.")
    summary: LabelSummary
    next_command: str


def browser_available() -> bool:
    """Whether a graphical browser can be opened (macOS, Windows, or a Linux display); a
    terminal browser is never started in the user's terminal."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False


def annotate(
    options: AnnotateOptions,
    *,
    settings: Settings,
    port: int,
    open_browser: bool,
    announce: t.Callable[[str, bool], None],
) -> AnnotateResult:
    """Serve the labelling page until the budget is reached, the page says finish, every item
    is labelled, or Ctrl-C; ``announce(url, opened)`` says where the page is.

    Raises
    ------
    UsageError, RunError, DatasetError
        Before anything is served, when the options or the data cannot be used.
    """
    session = open_session(options, settings)
    session.store.clear_stale()  # what a killed label write left
    context = {
        "split": session.split.value,
        "labels": str(session.store.path),
        "annotator": session.annotator,
        "source": _source(options),
        "budget": options.budget,
    }
    server = serve(session, port=port, context=context)
    try:
        opened = open_browser and browser_available() and _open(server.url)
        announce(server.url, opened)
        while not session.finished.wait(_POLL_SECONDS):
            pass
    except KeyboardInterrupt:
        session.stop("it was interrupted (Ctrl-C)")
    finally:
        server.stop()
    return _result(session, server.url, options)


def _source(options: AnnotateOptions) -> str:
    if options.runs:
        return "answers of run(s) " + ", ".join(options.runs)
    if options.recheck is not None:
        return f"labels of {options.recheck.name} to check"
    return "unlabelled rows of the calibration set"


def _result(session: Session, url: str, options: AnnotateOptions) -> AnnotateResult:
    path = str(session.store.path)
    written = (path,) if session.store.path.is_file() else ()  # no label: no file to name
    facts = Facts(
        run="",
        split=session.split.value,
        calibration=(*map(str, options.calibration), *written),
        calibration_only=options.calibration_only,
        data_dir=str(options.data_dir) if options.data_dir else None,
        runs=options.runs,
    )
    return AnnotateResult(
        url=url,
        split=session.split,
        labels_file=path,
        annotator=session.annotator,
        labelled=len(session.labelled),
        skipped=len(session.skipped),
        stopped=session.stopped or "it was stopped",
        summary=session.summary(),
        next_command=next_command(Step.annotate, facts) or "",
    )
