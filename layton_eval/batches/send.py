"""``send``: render a run's requests for its provider, split them into batches and submit them.

Each batch's intent is on disk before the provider hears of it, and its batch id right after
(see :mod:`layton_eval.batches`).

:func:`send_runs` sends a selection: one run, or each run of a group that has something left
to send. A run of a group that already has batches is left alone (never sent twice), and a run
interrupted while submitting is named with the command that settles it. Runs are sent one after
the other; the first failure stops the group, after saying which runs were sent, so that
nothing is spent past a problem and ``send GROUP`` again sends the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_of
from layton_eval.batches.plan import SendPlan, plan_send
from layton_eval.batches.submit import Submitter
from layton_eval.errors import LaytonError, RunError, UsageError
from layton_eval.next_step import Facts, Step, again, fixes, next_command, sent_next
from layton_eval.pricing import UserPrice
from layton_eval.runs.groups import total_cost
from layton_eval.runs.manifest import BatchPhase
from layton_eval.runs.outputs import retry_ids
from layton_eval.settings import Settings, require_api_key, require_api_keys

if t.TYPE_CHECKING:
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.store import Run

__all__ = [
    "CostLimit",
    "SendOptions",
    "SendOutcome",
    "SendResult",
    "refuse_over_limit",
    "send_run",
    "send_runs",
]


@dataclasses.dataclass(frozen=True)
class SendOptions:
    """How ``send`` should submit a run (``None``: the provider/model recorded in the run)."""

    provider: str | None = None
    model: str | None = None
    completion_window: str = "24h"
    force: bool = False
    retry_failed: bool = False
    include_refused: bool = False  # with retry_failed: resend refused answers too
    price: UserPrice | None = None  # the user's batch price, kept in the run
    max_cost: float | None = None  # refuse above this estimate in USD (None: LAYTON_MAX_COST)
    #: the options a dry run's suggested command repeats (as typed: ``--provider``, ``gemini``...)
    carry: tuple[str, ...] = ()


class SendResult(BaseModel):
    plan: SendPlan
    dry_run: bool
    batch_ids: list[str] = Field(default_factory=list)
    next_command: str


@dataclasses.dataclass(frozen=True)
class CostLimit:
    """The most a send may cost, in USD, and where it was set (``--max-cost`` or the
    ``LAYTON_MAX_COST`` variable)."""

    usd: float
    source: str

    @classmethod
    def of(cls, given: float | None, settings: Settings) -> CostLimit | None:
        """``--max-cost`` when given, else ``LAYTON_MAX_COST`` (``None``: no limit)."""
        if given is not None:
            return cls(given, "--max-cost")
        limit = settings.max_cost()
        return None if limit is None else cls(limit, "LAYTON_MAX_COST")


def refuse_over_limit(
    estimate: float | None, given: float | None, settings: Settings, what: str
) -> None:
    """Refuse (exit 1, before anything is created) a send of ``what`` whose estimate is above
    the limit (``given``: ``--max-cost``, else ``LAYTON_MAX_COST``), or unknown while a limit
    is set."""
    limit = CostLimit.of(given, settings)
    if limit is None or (estimate is not None and estimate <= limit.usd):
        return
    if estimate is None:
        why = (
            "cannot be estimated (a model without a known price: give one with "
            "--price-in/--price-out)"
        )
    else:
        why = f"is estimated at {_dollars(estimate)}"
    raise LaytonError(
        f"the cost of {what} {why}, and the limit is {_dollars(limit.usd)} ({limit.source}): "
        f"nothing was sent; raise {limit.source} or send less"
    )


def _dollars(value: float) -> str:
    """Dollars as the cards show them (cents from $1 up, four decimals below)."""
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.4f}"


def sending_what(selection: Selection) -> str:
    """What a send of ``selection`` is called in a refusal: ``group G`` or ``run R``."""
    return f"group {selection.group}" if selection.group else f"run {selection.name}"


def _resolve_target(run: Run, provider: str | None, model: str | None) -> tuple[str, str]:
    manifest = run.manifest
    chosen_provider = provider or manifest.provider
    chosen_model = model or manifest.model
    if not chosen_provider or not chosen_model:
        raise UsageError(
            f"run {run.name} has no provider/model yet: pass --provider and --model to send"
        )
    if manifest.live_batches and (
        chosen_provider != manifest.provider or chosen_model != manifest.model
    ):
        raise UsageError(
            f"run {run.name} was sent to {manifest.provider}/{manifest.model}; "
            "prepare a new run to evaluate another model"
        )
    impl_of(chosen_provider)  # unknown provider -> UsageError
    return chosen_provider, chosen_model


def _check_can_send(run: Run, options: SendOptions) -> None:
    manifest = run.manifest
    unknown = [b for b in manifest.batches if b.phase is BatchPhase.submitting]
    if unknown and not options.force:
        raise RunError(
            f"run {run.name} was interrupted while submitting {len(unknown)} batch(es), which "
            f"the provider may have accepted; run '{fixes.reconcile(manifest.parent or run.name)}'"
            " to find out before sending again",
            run=run.name,
        )
    if manifest.live_batches and not (options.force or options.retry_failed):
        ids = ", ".join(b.batch_id or "?" for b in manifest.live_batches)
        raise RunError(
            f"run {run.name} already has batches ({ids}); follow them with "
            f"'{fixes.follow(run.name)}', use --retry-failed to resend only failed riddles, "
            "or --force to submit everything again (paid twice)",
            run=run.name,
        )


def _ids_to_send(run: Run, options: SendOptions) -> list[str] | None:
    """Which requests this send covers (``None``: all of them), or why it must not happen."""
    if options.include_refused and not options.retry_failed:
        raise UsageError("--include-refused goes with --retry-failed")
    _check_can_send(run, options)
    if not options.retry_failed:
        return None
    from layton_eval.batches.fetch import rebuild_outputs

    rebuild_outputs(run)  # outputs.jsonl lost or cut: the raw results on disk still count
    ids = retry_ids(run, include_refused=options.include_refused)
    if not ids and any(not b.fetched_at for b in run.manifest.live_batches):
        raise RunError(
            f"run {run.name} has batches that were not fetched yet; "
            f"'{fixes.fetch(run.name)}' first, then retry what failed",
            run=run.name,
        )
    if not ids:
        refused = len(retry_ids(run, include_refused=True))
        if refused:
            raise RunError(
                f"nothing to retry in run {run.name}: {refused} refused answer(s) are kept as "
                "the model's answers (counted incorrect); add --include-refused to resend them"
            )
        raise RunError(f"every riddle of run {run.name} has a valid output; nothing to retry")
    return ids


def send_run(
    run: Run,
    options: SendOptions = SendOptions(),
    *,
    settings: Settings,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
) -> SendResult:
    """Submit the run's requests (or, with ``retry_failed``, only those lacking a valid output).

    Everything happens under the run's lock, the checks included: a second process is told
    that another one is sending, never that the first one was interrupted. A dry run only
    reads: it goes on without the lock where the lock file cannot be written (a read-only
    runs folder).
    """
    with _lock(run, dry_run=dry_run):
        run.check_requests()  # an edited requests.jsonl is never sent, not even in part
        provider, model = _resolve_target(run, options.provider, options.model)
        ids = _ids_to_send(run, options)
        plan, groups = plan_send(
            run,
            provider=provider,
            model=model,
            completion_window=options.completion_window,
            ids=ids,
            purpose="retry" if options.retry_failed else "initial",
            price=options.price,
        )
        if dry_run:
            command = _next(Step.send_dry_run, run, options.carry)
            return SendResult(plan=plan, dry_run=True, next_command=command)
        refuse_over_limit(plan.estimated_cost_usd, options.max_cost, settings, f"run {run.name}")
        submit = Submitter(
            impl=impl_of(provider),
            api_key=require_api_key(provider, settings),
            factory=client_factory or default_client_factory,
            plan=plan,
        )
        run.manifest.provider, run.manifest.model = provider, model
        run.manifest.price = options.price or run.manifest.price
        for old in run.manifest.batches:
            if options.force and old.phase is BatchPhase.submitting:
                old.phase = BatchPhase.rejected  # the user chose to stop waiting for it
                old.error = "outcome unknown; set aside by send --force"
        batch_ids = [
            submit(run, planned, items) for planned, items in zip(plan.batches, groups, strict=True)
        ]
    return SendResult(
        plan=plan, dry_run=False, batch_ids=batch_ids, next_command=_next(Step.send, run)
    )


@contextlib.contextmanager
def _lock(run: Run, *, dry_run: bool) -> t.Iterator[None]:
    """The run's lock; a dry run goes on without it when the lock file cannot be written (a
    process holding it is still said, to a dry run too)."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(run.lock("sending"))
        except RunError as exc:
            cause = exc.__cause__
            unwritable = isinstance(cause, OSError) and not isinstance(cause, BlockingIOError)
            if not (dry_run and unwritable):
                raise
        yield


def _next(step: Step, run: Run, carry: tuple[str, ...] = ()) -> str:
    command = next_command(step, Facts.of(run.manifest, options=carry))
    assert command is not None
    return command


class SendOutcome(BaseModel):
    """What ``send`` sent (or, in a dry run, would send): one result per run, and for a group
    its name, the runs left alone with why, the totals and the group's next command."""

    group: str | None
    sends: list[SendResult]
    skipped: dict[str, str] = Field(default_factory=dict)  # run -> why it was left alone
    requests: int
    estimated_cost_usd: float | None
    dry_run: bool
    next_command: str | None


def _left_alone(run: Run, options: SendOptions) -> str | None:
    """Why ``send GROUP`` leaves ``run`` alone, or ``None`` when it has something to send."""
    live = run.manifest.live_batches
    if any(b.phase is BatchPhase.submitting for b in live):
        return f"interrupted while submitting: {fixes.reconcile(run.name)}"
    if live and not options.retry_failed:
        return "already sent"
    return None


def _check_group(
    selection: Selection, plans: list[SendResult], options: SendOptions, settings: Settings
) -> None:
    """Before anything of a group is sent: its total against the spending limit, then every
    API key its plans need (all named at once)."""
    what = sending_what(selection)
    refuse_over_limit(
        total_cost(s.plan.estimated_cost_usd for s in plans), options.max_cost, settings, what
    )
    require_api_keys((s.plan.provider for s in plans), settings)


def send_runs(
    selection: Selection,
    options: SendOptions = SendOptions(),
    *,
    settings: Settings,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
) -> SendOutcome:
    """Send each run of ``selection`` (of a group: each one with nothing out yet, or with
    ``retry_failed`` what failed in each), planned first, one after the other."""
    if options.force and selection.group is not None:
        raise UsageError("--force sends a run again (paid twice): name the run, not a group")
    sends, skipped = selection.each(
        lambda run, dry: send_run(
            run, options, settings=settings, dry_run=dry, client_factory=client_factory
        ),
        dry_run=dry_run,
        left_alone=lambda run: _left_alone(run, options),
        did="sent",
        again=again(Step.send, selection.name),
        check=lambda plans: _check_group(selection, plans, options, settings),
    )
    step = Step.send_dry_run if dry_run else Step.send
    command = sent_next(step, selection, [s.next_command for s in sends], options.carry)
    return SendOutcome(
        group=selection.group,
        sends=sends,
        skipped=skipped,
        requests=sum(s.plan.requests for s in sends),
        estimated_cost_usd=total_cost(s.plan.estimated_cost_usd for s in sends),
        dry_run=dry_run,
        next_command=command,
    )
