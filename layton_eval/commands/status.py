"""``layton status``: where a run's batches (and its judges') stand, or every run."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.batch import TimeoutOpt, is_benchmark
from layton_eval.commands.help import examples
from layton_eval.commands.options import JsonOpt, RunArg, ctrl_c_note

if t.TYPE_CHECKING:
    from layton_eval.batches.status import RunStatus
    from layton_eval.runs.store import Run
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
    from layton_eval.batches.status import family_next, poll_run, require_keys
    from layton_eval.errors import UsageError

    if all_:
        _all_runs(json_=json_)
        return
    if (adopt or none_created) and not reconcile:
        raise UsageError("--adopt and --none-created go with --reconcile")
    if adopt and none_created:
        raise UsageError("choose one of --adopt and --none-created")
    from layton_eval.commands.runs import find_runs

    found = find_runs(run_name, accept=is_benchmark)
    if found.group is not None:
        _group(
            found,
            watch=watch,
            timeout=timeout,
            reconcile=reconcile,
            adopt=adopt,
            none_created=none_created,
            set_aside=set_aside,
            json_=json_,
        )
        return
    run, settings = found.runs[0], found.settings
    if reconcile:
        _reconcile(run, settings, adopt=adopt, none_created=none_created, json_=json_)
        return
    if set_aside:
        from layton_eval.batches.status import set_aside as set_batch_aside

        statuses = family_next(set_batch_aside(run.family(), set_aside))
    elif watch is not None:
        statuses = _watch(run, settings, interval=watch, timeout=timeout, json_=json_)
    else:
        require_keys(run.family(), settings)
        statuses = family_next([poll_run(r, settings=settings) for r in run.family()])
    _show_status(statuses, json_=json_, printed=watch is not None and not set_aside)


def _group(
    found: t.Any,
    *,
    watch: float | None,
    timeout: float | None,
    reconcile: bool,
    adopt: str | None,
    none_created: bool,
    set_aside: str | None,
    json_: bool,
) -> None:
    """``status GROUP``: reconcile, set aside, or one table of the group's runs."""
    from layton_eval.commands import group

    if reconcile:
        group.reconcile_group(found, adopt=adopt, none_created=none_created, json_=json_)
        return
    if set_aside:
        from layton_eval.batches.status import set_aside as set_batch_aside
        from layton_eval.errors import RunError

        owner = next(
            (run for run in found.runs for member in run.family()
             for b in member.manifest.live_batches if b.batch_id == set_aside),
            None,
        )  # fmt: skip
        if owner is None:
            raise RunError(f"no batch {set_aside} in group {found.group} or its judges")
        set_batch_aside(owner.family(), set_aside)
    group.status_group(found, watch=watch, timeout=timeout, json_=json_)


def _show_status(statuses: list[RunStatus], *, json_: bool, printed: bool) -> None:
    from layton_eval.batches.status import family_next
    from layton_eval.console import emit_json, show

    if json_:
        emit_json(family_next(statuses))
    elif not printed:  # --watch printed its last card
        from layton_eval.cards.batches import status_card

        show(status_card(statuses))


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
    run: Run, settings: Settings, *, interval: float, timeout: float | None, json_: bool
) -> list[RunStatus]:
    from rich.live import Live

    from layton_eval.batches.status import family_next, wait_run
    from layton_eval.cards.batches import status_card
    from layton_eval.console import err_console, out_console, show

    last: list[RunStatus] = []

    def on_poll(statuses: list[RunStatus]) -> None:
        last[:] = family_next(statuses)
        live.update(status_card(last), refresh=True)

    console = err_console() if json_ else out_console()
    try:
        with (
            ctrl_c_note(run.name),
            Live(console=console, auto_refresh=False, transient=True) as live,
        ):
            return wait_run(
                run.family(), settings=settings, interval=interval, timeout=timeout, on_poll=on_poll
            )
    finally:  # the last card stays, printed whole (a live view crops its Next: line)
        if last and not json_:
            show(status_card(last))


def _reconcile(
    run: Run, settings: Settings, *, adopt: str | None, none_created: bool, json_: bool
) -> None:
    from layton_eval.batches.reconcile import ReconcileChoice, reconcile_family
    from layton_eval.console import emit_json, show
    from layton_eval.runs.store import RunStore

    results = reconcile_family(
        run.family(),
        settings=settings,
        recorded=RunStore(settings.runs_dir).recorded_batch_ids(),
        choice=ReconcileChoice(adopt=adopt, none_created=none_created),
    )
    if json_:
        emit_json(results)
        return
    from layton_eval.cards.reconcile import reconcile_card

    for result in results:
        show(reconcile_card(result))
