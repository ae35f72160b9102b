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
    interactive,
    repeated_options,
    user_price,
)
from layton_eval.commands.sending import CompletionWindowOpt, IntervalOpt, TimeoutOpt, finish

if t.TYPE_CHECKING:
    from layton_eval.batches.send import SendOutcome
    from layton_eval.runs.manifest import RunManifest


def is_benchmark(manifest: RunManifest) -> bool:
    return manifest.kind == "benchmark"


def _has_batches(manifest: RunManifest) -> bool:
    return manifest.kind == "benchmark" and bool(manifest.live_batches)


SendProviderOpt = t.Annotated[
    str | None,
    typer.Option(
        "--provider",
        help=f"Provider, when not set at prepare: {PROVIDER_NAMES}.",
        autocompletion=complete_provider,
        show_default=False,
    ),
]
SendModelOpt = t.Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model, when not set at prepare.",
        autocompletion=complete_model,
        show_default=False,
    ),
]
SendDryRunOpt = t.Annotated[
    bool,
    typer.Option("--dry-run", help="Show batches, size and estimated cost; send nothing."),
]
SendWaitOpt = t.Annotated[
    bool, typer.Option("--wait", help="Stay attached until the batches finish, then fetch.")
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
SendAgainOpt = t.Annotated[
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
    provider: SendProviderOpt = None,
    model: SendModelOpt = None,
    dry_run: SendDryRunOpt = False,
    wait: SendWaitOpt = False,
    interval: IntervalOpt = 30.0,
    timeout: TimeoutOpt = None,
    completion_window: CompletionWindowOpt = "24h",
    retry_failed: RetryFailedOpt = False,
    include_refused: IncludeRefusedOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    force: SendAgainOpt = False,
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


@examples("layton fetch trial", "layton fetch trial --json", "layton fetch my-sweep")
def fetch(
    run_name: RunArg = None,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Download the results of finished batches: predictions (and judges' verdicts)."""
    from layton_eval.commands.runs import find_runs
    from layton_eval.commands.sending import fetch_and_show
    from layton_eval.next_step import Step
    from layton_eval.settings import get_settings

    selection = find_runs(run_name, step=Step.fetch, accept=_has_batches)
    settings = get_settings()
    price = user_price(price_in, price_out)
    fetch_and_show(selection, settings, json_=json_, price=price)
