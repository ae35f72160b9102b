"""``send``: render a run's requests for its provider, split them into batches and submit them.

Each batch's intent is on disk before the provider hears of it, and its batch id right after
(see :mod:`layton_eval.batches`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_of
from layton_eval.batches.submit import Submitter
from layton_eval.errors import BatchError, RunError, UsageError
from layton_eval.neutral import GenerationOptions, NeutralRequest
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.pricing import EstimateRecord, UserPrice, estimate_cost, pricing
from layton_eval.runs.manifest import BatchPhase
from layton_eval.runs.outputs import retry_ids
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider
    from layton_eval.runs.store import Run

__all__ = [
    "PlannedBatch",
    "SendOptions",
    "SendPlan",
    "SendResult",
    "plan_requests",
    "plan_send",
    "send_run",
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
    #: the options a dry run's suggested command repeats (as typed: ``--provider``, ``gemini``...)
    carry: tuple[str, ...] = ()


class PlannedBatch(BaseModel):
    custom_ids: list[str]
    requests: int
    bytes: int
    #: The batch's estimated tokens and cost (kept on the batch when it is sent).
    estimate: EstimateRecord | None = None


class SendPlan(BaseModel):
    """What ``send`` will submit (the whole answer of ``--dry-run``)."""

    run: str
    provider: str
    model: str
    endpoint: str
    completion_window: str
    purpose: str
    batches: list[PlannedBatch]
    requests: int
    bytes: int
    input_tokens: int
    assumed_output_tokens: int
    estimated_cost_usd: float | None
    price_source: str  # where the price comes from, or why it is unknown
    #: The provider can list batches (else an interrupted send cannot be looked up there).
    can_list: bool = True


class SendResult(BaseModel):
    plan: SendPlan
    dry_run: bool
    batch_ids: list[str] = Field(default_factory=list)
    next_command: str


def _chunks(
    items: list[tuple[str, dict[str, t.Any]]], sizes: list[int], provider: Provider
) -> list[list[int]]:
    """Indices of ``items`` grouped into as few batches as the provider's limits allow."""
    groups: list[list[int]] = [[]]
    used = 0
    for index, size in enumerate(sizes):
        if size > provider.max_bytes_per_batch:
            raise BatchError(
                f"request {items[index][0]} alone is {size:,} bytes, over {provider.name}'s "
                f"{provider.max_bytes_per_batch:,}-byte batch limit",
                provider=provider.name,
            )
        current = groups[-1]
        if current and (
            len(current) >= provider.max_requests_per_batch
            or used + size > provider.max_bytes_per_batch
        ):
            groups.append([])
            used = 0
        groups[-1].append(index)
        used += size
    return [group for group in groups if group]


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


def plan_send(
    run: Run,
    *,
    provider: str,
    model: str,
    completion_window: str = "24h",
    ids: list[str] | None = None,
    purpose: str = "initial",
    price: UserPrice | None = None,
) -> tuple[SendPlan, list[list[tuple[str, dict[str, t.Any]]]]]:
    """Render the run's requests for ``provider`` and split them into batches (no HTTP)."""
    wanted = set(ids) if ids is not None else None
    requests = [r for r in run.requests() if wanted is None or r.custom_id in wanted]
    return plan_requests(
        run.name,
        requests,
        GenerationOptions(model=model, **run.manifest.sampling.model_dump()),
        provider=provider,
        completion_window=completion_window,
        purpose=purpose,
        price=price or run.manifest.price,
    )


def plan_requests(
    label: str,
    requests: list[NeutralRequest],
    options: GenerationOptions,
    *,
    provider: str,
    completion_window: str = "24h",
    purpose: str = "initial",
    price: UserPrice | None = None,
) -> tuple[SendPlan, list[list[tuple[str, dict[str, t.Any]]]]]:
    """Native bodies of ``requests`` for ``provider``, grouped into batches, with the estimate
    (at ``price`` when the user gave one)."""
    impl = impl_of(provider)
    impl.validate_completion_window(completion_window)
    if not requests:
        raise RunError(f"run {label} has no request to send", run=label)
    items = [(request.custom_id, impl.build_body(request, options)) for request in requests]
    for custom_id, _ in items:
        impl.validate_custom_id(custom_id)
    sizes = [impl.request_size(body) for _, body in items]
    groups = _chunks(items, sizes, impl)
    estimates = [
        estimate_cost(provider, options.model, [requests[i] for i in group], price)
        for group in groups
    ]
    usd = [e.usd for e in estimates]
    plan = SendPlan(
        run=label,
        provider=provider,
        model=options.model,
        endpoint=impl.endpoint(options.model),
        completion_window=completion_window,
        purpose=purpose,
        batches=[
            PlannedBatch(
                custom_ids=[items[i][0] for i in group],
                requests=len(group),
                bytes=sum(sizes[i] for i in group),
                estimate=EstimateRecord(
                    input_tokens=e.input_tokens, output_tokens=e.output_tokens, usd=e.usd
                ),
            )
            for group, e in zip(groups, estimates, strict=True)
        ],
        requests=len(items),
        bytes=sum(sizes),
        input_tokens=sum(e.input_tokens for e in estimates),
        assumed_output_tokens=sum(e.output_tokens for e in estimates),
        estimated_cost_usd=None if None in usd else sum(u for u in usd if u is not None),
        can_list=impl.supports_listing,
        price_source=pricing(provider, options.model, price).source,
    )
    return plan, [[items[i] for i in group] for group in groups]


def _check_can_send(run: Run, options: SendOptions) -> None:
    manifest = run.manifest
    unknown = [b for b in manifest.batches if b.phase is BatchPhase.submitting]
    if unknown and not options.force:
        raise RunError(
            f"run {run.name} was interrupted while submitting {len(unknown)} batch(es), which "
            "the provider may have accepted; run 'layton status "
            f"{manifest.parent or run.name} --reconcile' to find out before sending again",
            run=run.name,
        )
    if manifest.live_batches and not (options.force or options.retry_failed):
        ids = ", ".join(b.batch_id or "?" for b in manifest.live_batches)
        raise RunError(
            f"run {run.name} already has batches ({ids}); follow them with 'layton status "
            f"{run.name}', use --retry-failed to resend only failed riddles, or --force to "
            "submit everything again (paid twice)",
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
            f"'layton fetch {run.name}' first, then retry what failed",
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
