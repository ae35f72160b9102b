"""``layton send`` and ``layton fetch``: a run's batches submitted, then their results."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    PROVIDER_NAMES,
    JsonOpt,
    MaxCostOpt,
    PriceInOpt,
    PriceOutOpt,
    RunArg,
    YesOpt,
    complete_model,
    complete_provider,
    confirm_spending,
    ctrl_c_note,
    interactive,
    repeated_options,
    user_price,
)

if t.TYPE_CHECKING:
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


def is_benchmark(manifest: RunManifest) -> bool:
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


@examples(
    "layton send trial --provider gemini --model gemini-2.5-flash --dry-run",
    "layton send trial --provider gemini --model gemini-2.5-flash --max-cost 5",
    "layton send trial --wait --timeout 3600",
    "layton send my-sweep --retry-failed",
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
    include_refused: IncludeRefusedOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    max_cost: MaxCostOpt = None,
    force: ForceOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Submit a run's requests to the provider's Batch API (detached unless --wait)."""
    from layton_eval.batches.send import SendOptions, send_run
    from layton_eval.commands.runs import find_runs
    from layton_eval.console import emit_json, show

    found = find_runs(run_name, accept=is_benchmark)
    options = SendOptions(
        provider=provider,
        model=model,
        completion_window=completion_window,
        force=force,
        retry_failed=retry_failed,
        include_refused=include_refused,
        price=user_price(price_in, price_out),
        max_cost=max_cost,
        carry=repeated_options(ctx, leave_out={"dry_run", "json_", "yes"}),
    )
    ask = not dry_run and not yes and not json_ and interactive()
    if found.group is not None:
        from layton_eval.commands.group import send_group

        waiting = (interval, timeout) if wait else None
        send_group(found, options, dry_run=dry_run, ask=ask, json_=json_, wait=waiting)
        return
    run, settings = found.runs[0], found.settings
    if not dry_run:
        _before_paying(run, options, settings, ask=ask)
    result = send_run(run, options, settings=settings, dry_run=dry_run)
    if json_ and not wait:
        emit_json(result)
        return
    if not json_:
        from layton_eval.cards.batches import send_card

        show(send_card(result))
    if wait and not dry_run:
        wait_then_fetch([run], settings, interval=interval, timeout=timeout, json_=json_)


def _before_paying(run: Run, options: t.Any, settings: Settings, *, ask: bool) -> None:
    """Warn about a provider that cannot list batches; in a terminal, show the confirmation
    card and ask (Enter cancels)."""
    from layton_eval.batches.send import refuse_over_limit, send_run
    from layton_eval.cards.confirm import no_listing_warning, send_confirm_card
    from layton_eval.console import err_console

    plan = send_run(run, options, settings=settings, dry_run=True).plan
    refuse_over_limit(plan.estimated_cost_usd, options.max_cost, settings, f"run {run.name}")
    if ask:
        confirm_spending(
            send_confirm_card(plan), f"Submit {plan.requests} requests to {plan.provider}?"
        )
    elif not plan.can_list:
        err_console().print(f"Warning: {no_listing_warning(plan.provider)}")


def wait_then_fetch(
    runs: list[Run], settings: Settings, *, interval: float, timeout: float | None, json_: bool
) -> None:
    """Poll until every batch of ``runs`` is finished (or ``timeout``), then fetch."""
    from rich.live import Live

    from layton_eval.batches.status import family_next, wait_run
    from layton_eval.cards.batches import status_card
    from layton_eval.console import err_console

    with (
        ctrl_c_note(runs[0].name),
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


def _fetch_and_show(run: Run, settings: Settings, *, json_: bool, price: t.Any = None) -> None:
    import contextlib

    from layton_eval.console import FetchBar, emit_json, show, wants_progress
    from layton_eval.family import fetch_family

    with FetchBar() if wants_progress(json_) else contextlib.nullcontext() as bar:
        fetched = fetch_family(run, settings=settings, price=price, shown=bar)
    if json_:
        emit_json(fetched)
        return
    from layton_eval.cards.batches import fetch_card

    if fetched.run is not None:
        show(fetch_card(fetched.run))
    for judge in fetched.judges:
        show(fetch_card(judge, title=f"judge {judge.run}"))
    if fetched.judges:  # what the run and its judges cost, before the jury's Next: line
        from layton_eval.cards.cost import family_cost_table

        show(family_cost_table(fetched))
    if fetched.jury is not None:
        from layton_eval.cards.jury import jury_card

        show(jury_card(fetched.jury))


@examples("layton fetch trial", "layton fetch trial --json", "layton fetch my-sweep")
def fetch(
    run_name: RunArg = None,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Download the results of finished batches: predictions (and judges' verdicts)."""
    from layton_eval.commands.runs import find_runs
    from layton_eval.next_step import Step

    found = find_runs(run_name, step=Step.fetch, accept=_has_batches)
    price = user_price(price_in, price_out)
    if found.group is not None:
        from layton_eval.commands.group import fetch_group

        fetch_group(found, json_=json_, price=price)
        return
    _fetch_and_show(found.runs[0], found.settings, json_=json_, price=price)
