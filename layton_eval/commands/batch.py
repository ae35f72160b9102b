"""``layton send``, ``layton status`` and ``layton fetch``: the batch lifecycle of a run."""

from __future__ import annotations

import contextlib
import typing as t

import typer

from layton_eval.commands.options import (
    JsonOpt,
    PriceInOpt,
    PriceOutOpt,
    RunArg,
    YesOpt,
    complete_provider,
    confirm_spending,
    interactive,
    user_price,
)

if t.TYPE_CHECKING:
    from layton_eval.batches.status import RunStatus
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

IntervalOpt = t.Annotated[
    float,
    typer.Option("--interval", min=1.0, help="Seconds between polls while waiting."),
]
TimeoutOpt = t.Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1.0,
        help="Stop waiting after this many seconds (the batches go on; come back later).",
        show_default=False,
    ),
]


def _is_benchmark(manifest: RunManifest) -> bool:
    return manifest.kind == "benchmark"


def _has_batches(manifest: RunManifest) -> bool:
    return manifest.kind == "benchmark" and bool(manifest.live_batches)


def _store_run(name: str | None, accept: t.Callable[[RunManifest], bool]) -> tuple[Run, Settings]:
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings

    settings = get_settings()
    return RunStore(settings.runs_dir).resolve(name, accept=accept), settings


ProviderOpt = t.Annotated[
    str | None,
    typer.Option(
        "--provider",
        help="Provider, when not set at prepare.",
        autocompletion=complete_provider,
        show_default=False,
    ),
]
ModelOpt = t.Annotated[
    str | None,
    typer.Option("--model", help="Model, when not set at prepare.", show_default=False),
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
IncludeRefusedOpt = t.Annotated[
    bool,
    typer.Option(
        "--include-refused",
        help="With --retry-failed: resend refused answers too (by default a refusal is kept "
        "as the model's answer and counts as incorrect).",
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
        help="Poll again every N seconds until every batch is finished.",
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


def send(
    run_name: RunArg = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    dry_run: DryRunOpt = False,
    wait: WaitOpt = False,
    interval: IntervalOpt = 30.0,
    timeout: TimeoutOpt = None,
    completion_window: CompletionWindowOpt = "24h",
    retry_failed: RetryFailedOpt = False,
    include_refused: IncludeRefusedOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    force: ForceOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Submit a run's requests to the provider's Batch API (detached unless --wait)."""
    from layton_eval.batches.send import SendOptions, send_run
    from layton_eval.console import emit_json, out_console

    run, settings = _store_run(run_name, _is_benchmark)
    options = SendOptions(
        provider=provider,
        model=model,
        completion_window=completion_window,
        force=force,
        retry_failed=retry_failed,
        include_refused=include_refused,
        price=user_price(price_in, price_out),
    )
    if not dry_run:
        _before_paying(run, options, settings, ask=not yes and not json_ and interactive())
    result = send_run(run, options, settings=settings, dry_run=dry_run)
    if json_ and not wait:
        emit_json(result)
        return
    if not json_:
        from layton_eval.cards.batches import send_card

        out_console().print(send_card(result))
    if wait and not dry_run:
        wait_then_fetch([run], settings, interval=interval, timeout=timeout, json_=json_)


def _before_paying(run: Run, options: t.Any, settings: Settings, *, ask: bool) -> None:
    """Warn about a provider that cannot list batches; in a terminal, show the confirmation
    card and ask (Enter cancels)."""
    from layton_eval.batches.send import send_run
    from layton_eval.cards.batches import no_listing_warning, send_confirm_card
    from layton_eval.console import err_console

    plan = send_run(run, options, settings=settings, dry_run=True).plan
    if ask:
        confirm_spending(
            send_confirm_card(plan), f"Submit {plan.requests} requests to {plan.provider}?"
        )
    elif not plan.can_list:
        err_console().print(f"Warning: {no_listing_warning(plan.provider)}")


@contextlib.contextmanager
def _ctrl_c_note(run_name: str) -> t.Iterator[None]:
    """Ctrl-C while waiting stops only the waiting: say so, then let it through."""
    try:
        yield
    except KeyboardInterrupt:
        from layton_eval.console import err_console

        err_console().print(
            f"Stopped waiting: nothing was lost and the batches go on at the provider "
            f"('layton status {run_name}' shows them)."
        )
        raise


def wait_then_fetch(
    runs: list[Run], settings: Settings, *, interval: float, timeout: float | None, json_: bool
) -> None:
    """Poll until every batch of ``runs`` is finished (or ``timeout``), then fetch."""
    from rich.live import Live

    from layton_eval.batches.status import family_next, wait_run
    from layton_eval.cards.batches import status_card
    from layton_eval.console import err_console

    with (
        _ctrl_c_note(runs[0].name),
        Live(console=err_console(), transient=True, auto_refresh=False) as live,
    ):
        wait_run(
            runs,
            settings=settings,
            interval=interval,
            timeout=timeout,
            on_poll=lambda statuses: live.update(status_card(family_next(statuses)), refresh=True),
        )
    _fetch_and_show(runs[0], settings, json_=json_)


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
    from layton_eval.batches.status import family_next, poll_run
    from layton_eval.errors import UsageError

    if all_:
        _all_runs(json_=json_)
        return
    if (adopt or none_created) and not reconcile:
        raise UsageError("--adopt and --none-created go with --reconcile")
    if adopt and none_created:
        raise UsageError("choose one of --adopt and --none-created")
    run, settings = _store_run(run_name, _is_benchmark)
    if reconcile:
        _reconcile(run, settings, adopt=adopt, none_created=none_created, json_=json_)
        return
    if set_aside:
        from layton_eval.batches.status import set_aside as set_batch_aside

        statuses = family_next(set_batch_aside(run.family(), set_aside))
    elif watch is not None:
        statuses = _watch(run, settings, interval=watch, timeout=timeout, json_=json_)
    else:
        statuses = family_next([poll_run(r, settings=settings) for r in run.family()])
    _show_status(statuses, json_=json_, printed=watch is not None and not set_aside)


def _show_status(statuses: list[RunStatus], *, json_: bool, printed: bool) -> None:
    from layton_eval.batches.status import family_next
    from layton_eval.console import emit_json, out_console

    if json_:
        emit_json(family_next(statuses))
    elif not printed:  # --watch drew it live
        from layton_eval.cards.batches import status_card

        out_console().print(status_card(statuses))


def _all_runs(*, json_: bool) -> None:
    from layton_eval.console import emit_json, out_console
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings

    entries = RunStore(get_settings().runs_dir).entries()
    if json_:
        emit_json(
            [
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
        )
        return
    from layton_eval.cards.batches import runs_table

    out_console().print(runs_table(entries))


def _watch(
    run: Run, settings: Settings, *, interval: float, timeout: float | None, json_: bool
) -> list[RunStatus]:
    from rich.live import Live

    from layton_eval.batches.status import family_next, wait_run
    from layton_eval.cards.batches import status_card
    from layton_eval.console import err_console, out_console

    console = err_console() if json_ else out_console()
    with _ctrl_c_note(run.name), Live(console=console, auto_refresh=False, transient=json_) as live:
        return wait_run(
            run.family(),
            settings=settings,
            interval=interval,
            timeout=timeout,
            on_poll=lambda s: live.update(status_card(family_next(s)), refresh=True),
        )


def _reconcile(
    run: Run, settings: Settings, *, adopt: str | None, none_created: bool, json_: bool
) -> None:
    from layton_eval.batches.reconcile import ReconcileChoice, reconcile_family
    from layton_eval.console import emit_json, out_console
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
    from layton_eval.cards.batches import reconcile_card

    for result in results:
        out_console().print(reconcile_card(result))


def _fetch_and_show(run: Run, settings: Settings, *, json_: bool, price: t.Any = None) -> None:
    from layton_eval.console import emit_json, out_console
    from layton_eval.family import fetch_family

    fetched = fetch_family(run, settings=settings, price=price)
    if json_:
        emit_json(fetched)
        return
    from layton_eval.cards.batches import fetch_card

    console = out_console()
    if fetched.run is not None:
        console.print(fetch_card(fetched.run))
    for judge in fetched.judges:
        console.print(fetch_card(judge, title=f"judge {judge.run}"))
    if fetched.jury is not None:
        from layton_eval.cards.jury import jury_card

        console.print(jury_card(fetched.jury))


def fetch(
    run_name: RunArg = None,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Download the results of finished batches: predictions (and judges' verdicts)."""
    run, settings = _store_run(run_name, _has_batches)
    _fetch_and_show(run, settings, json_=json_, price=user_price(price_in, price_out))
