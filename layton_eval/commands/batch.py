"""``layton send``, ``layton status`` and ``layton fetch``: the batch lifecycle of a run."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    PROVIDER_NAMES,
    JsonOpt,
    RunArg,
    YesOpt,
    complete_model,
    complete_provider,
    confirm_spending,
    interactive,
    repeated_options,
)

if t.TYPE_CHECKING:
    from layton_eval.batches.status import RunStatus
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

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


def _is_benchmark(manifest: RunManifest) -> bool:
    return manifest.kind == "benchmark"


def _has_batches(manifest: RunManifest) -> bool:
    return manifest.kind == "benchmark" and bool(manifest.live_batches)


ProviderOpt = t.Annotated[
    str | None,
    typer.Option(
        "--provider",
        help=f"Provider, when not set at prepare: {PROVIDER_NAMES}.",
        autocompletion=complete_provider,
        show_default=False,
    ),
]
ModelOpt = t.Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model, when not set at prepare.",
        autocompletion=complete_model,
        show_default=False,
    ),
]
DryRunOpt = t.Annotated[
    bool,
    typer.Option("--dry-run", help="Show batches, size and estimated cost; send nothing."),
]
WaitOpt = t.Annotated[
    bool, typer.Option("--wait", help="Stay attached until the batches finish, then fetch.")
]
CompletionWindowOpt = t.Annotated[
    str, typer.Option("--completion-window", help="Batch completion window.")
]
RetryFailedOpt = t.Annotated[
    bool,
    typer.Option(
        "--retry-failed",
        help="Resend only riddles without a valid prediction, as a new batch of the run.",
    ),
]
ForceOpt = t.Annotated[
    bool,
    typer.Option(
        "--force",
        help="Submit even though the run already has batches (they are paid twice).",
    ),
]
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


@examples(
    "layton send trial --provider gemini --model gemini-2.5-flash --dry-run",
    "layton send trial --provider gemini --model gemini-2.5-flash",
    "layton send trial --wait --timeout 3600",
    "layton send trial --retry-failed",
)
def send(
    ctx: typer.Context,
    run_name: RunArg = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    dry_run: DryRunOpt = False,
    wait: WaitOpt = False,
    interval: IntervalOpt = 30.0,
    timeout: TimeoutOpt = None,
    completion_window: CompletionWindowOpt = "24h",
    retry_failed: RetryFailedOpt = False,
    force: ForceOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Submit a run's requests to the provider's Batch API (detached unless --wait)."""
    from layton_eval.batches.send import SendOptions, send_run
    from layton_eval.commands.runs import find_run
    from layton_eval.console import emit_json, show

    run, settings = find_run(run_name, accept=_is_benchmark)
    options = SendOptions(
        provider=provider,
        model=model,
        completion_window=completion_window,
        force=force,
        retry_failed=retry_failed,
        carry=repeated_options(ctx, leave_out={"dry_run", "json_", "yes"}),
    )
    if not dry_run and not yes and not json_ and interactive():
        from layton_eval.cards.batches import send_card

        plan = send_run(run, options, settings=settings, dry_run=True)
        confirm_spending(
            send_card(plan),
            f"Submit {plan.plan.requests} requests to {plan.plan.provider}?",
        )
    result = send_run(run, options, settings=settings, dry_run=dry_run)
    if json_ and not wait:
        emit_json(result)
        return
    if not json_:
        from layton_eval.cards.batches import send_card

        show(send_card(result))
    if wait and not dry_run:
        wait_then_fetch([run], settings, interval=interval, timeout=timeout, json_=json_)


def wait_then_fetch(
    runs: list[Run], settings: Settings, *, interval: float, timeout: float | None, json_: bool
) -> None:
    """Poll until every batch of ``runs`` is finished (or ``timeout``), then fetch."""
    from rich.live import Live

    from layton_eval.batches.status import family_next, wait_run
    from layton_eval.cards.batches import status_card
    from layton_eval.console import err_console

    with Live(console=err_console(), transient=True, auto_refresh=False) as live:
        wait_run(
            runs,
            settings=settings,
            interval=interval,
            timeout=timeout,
            on_poll=lambda statuses: live.update(status_card(family_next(statuses)), refresh=True),
        )
    _fetch_and_show(runs[0], settings, json_=json_)


@examples(
    "layton status trial",
    "layton status trial --watch 60 --timeout 7200",
    "layton status --all",
    "layton status trial --reconcile",
)
def status(
    run_name: RunArg = None,
    all_: AllOpt = False,
    watch: WatchOpt = None,
    timeout: TimeoutOpt = None,
    reconcile: ReconcileOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Poll a run's batches once (and its judges' batches) and show where they stand."""
    from layton_eval.batches.status import family_next, poll_run
    from layton_eval.console import emit_json, show

    if all_:
        _all_runs(json_=json_)
        return
    from layton_eval.commands.runs import find_run

    run, settings = find_run(run_name, accept=_is_benchmark)
    if reconcile:
        _reconcile(run, settings, json_=json_)
        return
    if watch is not None:
        statuses = _watch(run, settings, interval=watch, timeout=timeout, json_=json_)
    else:
        statuses = family_next([poll_run(r, settings=settings) for r in run.family()])
        if not json_:
            from layton_eval.cards.batches import status_card

            show(status_card(statuses))
    if json_:
        emit_json(family_next(statuses))


def _all_runs(*, json_: bool) -> None:
    from layton_eval.console import emit_json, show
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings

    store = RunStore(get_settings().runs_dir)
    manifests = store.manifests()
    if json_:
        emit_json(
            [
                {
                    "run": m.name,
                    "state": m.derived_state(),
                    "split": m.split,
                    "provider": m.provider,
                    "model": m.model,
                    "batches": len(m.live_batches),
                }
                for m in manifests
            ]
        )
        return
    from layton_eval.cards.batches import runs_table
    from layton_eval.next_step import first_command

    show(runs_table(manifests, root=str(store.root), start=first_command()))


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
        with Live(console=console, auto_refresh=False, transient=True) as live:
            return wait_run(
                run.family(), settings=settings, interval=interval, timeout=timeout, on_poll=on_poll
            )
    finally:  # the last card stays, printed whole (a live view crops its Next: line)
        if last and not json_:
            show(status_card(last))


def _reconcile(run: Run, settings: Settings, *, json_: bool) -> None:
    from layton_eval.batches.reconcile import reconcile_run
    from layton_eval.console import emit_json, show

    results = [reconcile_run(r, settings=settings) for r in run.family()]
    if json_:
        emit_json(results)
        return
    from layton_eval.cards.batches import reconcile_card

    for result in results:
        show(reconcile_card(result))


def _fetch_and_show(run: Run, settings: Settings, *, json_: bool) -> None:
    from layton_eval.console import emit_json, show
    from layton_eval.family import fetch_family

    fetched = fetch_family(run, settings=settings)
    if json_:
        emit_json(fetched)
        return
    from layton_eval.cards.batches import fetch_card

    if fetched.run is not None:
        show(fetch_card(fetched.run))
    for judge in fetched.judges:
        show(fetch_card(judge, title=f"judge {judge.run}"))
    if fetched.jury is not None:
        from layton_eval.cards.jury import jury_card

        show(jury_card(fetched.jury))


@examples("layton fetch trial", "layton fetch trial --json", "layton fetch")
def fetch(run_name: RunArg = None, json_: JsonOpt = False) -> None:
    """Download the results of finished batches: predictions (and judges' verdicts)."""
    from layton_eval.commands.runs import find_run
    from layton_eval.next_step import Step

    run, settings = find_run(run_name, step=Step.fetch, accept=_has_batches)
    _fetch_and_show(run, settings, json_=json_)
