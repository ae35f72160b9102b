"""``layton send`` and ``layton fetch``: a run's batches submitted, then their results."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    PROVIDER_NAMES,
    JsonOpt,
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
    from pydantic import BaseModel

    from layton_eval.batches.send import SendOutcome
    from layton_eval.pricing import UserPrice
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.settings import Settings

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
    "layton send trial --provider gemini --model gemini-2.5-flash",
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
    force: ForceOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Submit a run's requests to the provider's Batch API (detached unless --wait)."""
    from layton_eval.batches.send import SendOptions, send_runs
    from layton_eval.cards.batches import send_cards
    from layton_eval.commands.runs import find_runs
    from layton_eval.settings import get_settings

    selection, settings = find_runs(run_name, accept=is_benchmark), get_settings()
    options = SendOptions(
        provider=provider,
        model=model,
        completion_window=completion_window,
        force=force,
        retry_failed=retry_failed,
        include_refused=include_refused,
        price=user_price(price_in, price_out),
        carry=repeated_options(ctx, leave_out={"dry_run", "json_", "yes"}),
    )
    if not dry_run:
        plan = send_runs(selection, options, settings=settings, dry_run=True)
        _before_paying(plan, ask=not yes and not json_ and interactive())
    result = send_runs(selection, options, settings=settings, dry_run=dry_run)
    document = result.sends[0] if result.group is None else result
    finish(
        selection,
        settings,
        document,
        send_cards(result),
        json_=json_,
        wait=(interval, timeout) if wait and not dry_run else None,
    )


def _before_paying(plan: SendOutcome, *, ask: bool) -> None:
    """In a terminal, show the confirmation card and ask (Enter cancels); else warn about
    each provider that cannot list batches."""
    if ask and plan.sends:
        from layton_eval.cards.batches import send_confirmation

        confirm_spending(*send_confirmation(plan))
    elif not ask:
        from layton_eval.cards.confirm import no_listing_warning
        from layton_eval.console import err_console

        for provider in dict.fromkeys(s.plan.provider for s in plan.sends if not s.plan.can_list):
            err_console().print(f"Warning: {no_listing_warning(provider)}")


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
    _fetch_and_show(selection, settings, json_=json_)


def _fetch_and_show(
    selection: Selection, settings: Settings, *, json_: bool, price: UserPrice | None = None
) -> None:
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
    from layton_eval.settings import get_settings

    selection = find_runs(run_name, step=Step.fetch, accept=_has_batches)
    settings = get_settings()
    price = user_price(price_in, price_out)
    _fetch_and_show(selection, settings, json_=json_, price=price)
