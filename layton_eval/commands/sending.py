"""What the commands that send (``send``, ``jury``) share: their options for waiting and for
the batches, declared once, and what they do once sent (the card or ``--json``, then the wait
and the fetch, for one run or a group alike)."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.options import ctrl_c_note

if t.TYPE_CHECKING:
    from pydantic import BaseModel

    from layton_eval.pricing import UserPrice
    from layton_eval.runs.groups import Selection
    from layton_eval.settings import Settings

__all__ = [
    "CompletionWindowOpt",
    "IntervalOpt",
    "TimeoutOpt",
    "Wait",
    "fetch_and_show",
    "finish",
    "wait_then_fetch",
]

#: ``(interval, timeout)`` of ``--wait``, or ``None`` when not waiting.
Wait = tuple[float, float | None] | None

IntervalOpt = t.Annotated[
    float,
    typer.Option(
        "--interval", min=1.0, metavar="SECONDS", help="Seconds between polls while waiting."
    ),
]
TimeoutOpt = t.Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1.0,
        metavar="SECONDS",
        help="Stop waiting after this many seconds (the batches go on; come back later).",
        show_default=False,
    ),
]
CompletionWindowOpt = t.Annotated[
    str, typer.Option("--completion-window", help="Batch completion window.")
]


def finish(
    selection: Selection,
    settings: Settings,
    document: BaseModel,
    cards: list[t.Any],
    *,
    json_: bool,
    wait: Wait,
) -> None:
    """What a send or jury did: its cards (or ``--json``, unless the runs are waited for and
    fetched, whose document then stands for both), then the wait."""
    from layton_eval.console import emit_json, show

    if json_ and wait is None:
        emit_json(document)
        return
    if not json_:
        for shown in cards:
            show(shown)
    if wait is not None:
        wait_then_fetch(selection, settings, wait, json_=json_)


def wait_then_fetch(
    selection: Selection, settings: Settings, wait: tuple[float, float | None], *, json_: bool
) -> None:
    """Poll every run of ``selection`` and its judges until no batch is out (or the
    timeout), then fetch."""
    from rich.live import Live

    from layton_eval.batches.status import watch_runs
    from layton_eval.cards.batches import status_cards
    from layton_eval.console import err_console

    interval, timeout = wait
    with (
        ctrl_c_note(selection.name),
        Live(console=err_console(), transient=True, auto_refresh=False) as live,
    ):
        watch_runs(
            selection,
            settings=settings,
            interval=interval,
            timeout=timeout,
            on_poll=lambda status: live.update(status_cards(status), refresh=True),
        )
    fetch_and_show(selection, settings, json_=json_)


def fetch_and_show(
    selection: Selection, settings: Settings, *, json_: bool, price: UserPrice | None = None
) -> None:
    """Fetch what is ready in each run of ``selection``; its cards, or ``--json``."""
    import contextlib

    from layton_eval.console import FetchBar, emit_json, show, wants_progress
    from layton_eval.family import fetch_runs

    lone = selection.group is None  # a group's table says how far each run got
    with FetchBar() if lone and wants_progress(json_) else contextlib.nullcontext() as bar:
        result = fetch_runs(selection, settings=settings, price=price, shown=bar)
    if json_:
        emit_json(result.runs[0] if result.group is None else result)
        return
    from layton_eval.cards.batches import fetch_cards

    for shown in fetch_cards(result):
        show(shown)
