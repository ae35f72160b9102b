"""``layton status``: where a run's batches (and its judges') stand, or every run."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.batch import is_benchmark
from layton_eval.commands.help import examples
from layton_eval.commands.options import JsonOpt, RunArg, ctrl_c_note
from layton_eval.commands.sending import TimeoutOpt

if t.TYPE_CHECKING:
    from layton_eval.batches.status import SelectionStatus
    from layton_eval.runs.groups import Selection
    from layton_eval.settings import Settings

AllOpt = t.Annotated[bool, typer.Option("--all", help="Table of every run and its state.")]
WatchOpt = t.Annotated[
    float | None,
    typer.Option(
        "--watch",
        min=1.0,
        metavar="SECONDS",
        help="Poll again every SECONDS until every batch is finished.",
        show_default=False,
    ),
]
ReconcileOpt = t.Annotated[
    bool,
    typer.Option(
        "--reconcile",
        help="After an interrupted send: find in the provider's batch list which batches "
        "were accepted, and record them.",
    ),
]
AdoptOpt = t.Annotated[
    str | None,
    typer.Option(
        "--adopt",
        metavar="BATCH_ID",
        help="With --reconcile: record this batch (one of the candidates shown) as the "
        "interrupted submission.",
        show_default=False,
    ),
]
NoneCreatedOpt = t.Annotated[
    bool,
    typer.Option(
        "--none-created",
        help="With --reconcile: declare the undecided submissions not created (after "
        "checking the provider's console).",
    ),
]
SetAsideOpt = t.Annotated[
    str | None,
    typer.Option(
        "--set-aside",
        metavar="BATCH_ID",
        help="Set aside a batch the provider no longer knows (404) or that expired; its "
        "riddles can then be sent again with send --retry-failed.",
        show_default=False,
    ),
]


@examples(
    "layton status trial",
    "layton status trial --watch 60 --timeout 7200",
    "layton status --all",
    "layton status my-sweep --watch 60",
)
def status(
    run_name: RunArg = None,
    all_: AllOpt = False,
    watch: WatchOpt = None,
    timeout: TimeoutOpt = None,
    reconcile: ReconcileOpt = False,
    adopt: AdoptOpt = None,
    none_created: NoneCreatedOpt = False,
    set_aside: SetAsideOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Poll a run's batches once (and its judges' batches) and show where they stand."""
    from layton_eval.errors import UsageError

    if all_:
        _all_runs(json_=json_)
        return
    if (adopt or none_created) and not reconcile:
        raise UsageError("--adopt and --none-created go with --reconcile")
    if adopt and none_created:
        raise UsageError("choose one of --adopt and --none-created")
    from layton_eval.batches import status as domain
    from layton_eval.commands.runs import find_runs
    from layton_eval.settings import get_settings

    selection, settings = find_runs(run_name, accept=is_benchmark), get_settings()
    if reconcile:
        _reconcile(selection, settings, adopt=adopt, none_created=none_created, json_=json_)
        return
    if set_aside:
        domain.set_aside_in(selection, set_aside)
    printed = False
    if set_aside and selection.group is None:  # one run: as recorded (no poll)
        standing = domain.statuses_of(selection)
    elif watch is not None:
        standing = _watch(selection, settings, interval=watch, timeout=timeout, json_=json_)
        printed = True  # --watch printed its last card
    else:
        standing = domain.poll_runs(selection, settings=settings)
    _show_status(standing, json_=json_, printed=printed)


def _show_status(standing: SelectionStatus, *, json_: bool, printed: bool) -> None:
    from layton_eval.console import emit_json, show

    if json_:
        emit_json(standing.table or standing.families[0])
    elif not printed:
        from layton_eval.cards.batches import status_cards

        show(status_cards(standing))


def _all_runs(*, json_: bool) -> None:
    from layton_eval.console import emit_json, show
    from layton_eval.next_step import after_listing, first_command
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings

    store = RunStore(get_settings().runs_dir)
    entries = store.entries()
    if json_:
        manifests = [e.manifest for e in entries if e.manifest]
        latest = max(manifests, key=lambda m: m.created_at, default=None)
        runs = [
            {
                "run": e.manifest.name,
                "state": e.manifest.derived_state(),
                "split": e.manifest.split,
                "provider": e.manifest.provider,
                "model": e.manifest.model,
                "batches": len(e.manifest.live_batches),
            }
            if e.manifest
            else {"run": e.name, "state": "damaged", "reason": e.damaged}
            for e in entries
        ]
        emit_json({"runs": runs, "next_command": after_listing(latest.name if latest else None)})
        return
    from layton_eval.cards.batches import runs_table

    show(runs_table(entries, root=str(store.root), start=first_command()))


def _watch(
    selection: Selection,
    settings: Settings,
    *,
    interval: float,
    timeout: float | None,
    json_: bool,
) -> SelectionStatus:
    from rich.live import Live

    from layton_eval.batches.status import watch_runs
    from layton_eval.cards.batches import status_cards
    from layton_eval.console import err_console, out_console, show

    last: list[SelectionStatus] = []

    def on_poll(standing: SelectionStatus) -> None:
        last[:] = [standing]
        live.update(status_cards(standing), refresh=True)

    console = err_console() if json_ else out_console()
    try:
        with (
            ctrl_c_note(selection.name),
            Live(console=console, auto_refresh=False, transient=True) as live,
        ):
            return watch_runs(
                selection, settings=settings, interval=interval, timeout=timeout, on_poll=on_poll
            )
    finally:  # the last card stays, printed whole (a live view crops its Next: line)
        if last and not json_:
            show(status_cards(last[0]))


def _reconcile(
    selection: Selection, settings: Settings, *, adopt: str | None, none_created: bool, json_: bool
) -> None:
    from layton_eval.batches.reconcile import ReconcileChoice, reconcile_runs
    from layton_eval.console import emit_json, show

    results = reconcile_runs(
        selection,
        settings=settings,
        choice=ReconcileChoice(adopt=adopt, none_created=none_created),
    )
    if json_:
        emit_json(results)
        return
    from layton_eval.cards.reconcile import reconcile_card

    for result in results:
        show(reconcile_card(result))
