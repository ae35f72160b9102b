"""``send``: render a run's requests for its provider, split them into batches and submit them.

Each batch's intent is on disk before the provider hears of it, and its batch id right after
(see :mod:`layton_eval.batches`).
"""

from __future__ import annotations

import dataclasses
import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_of, run_async
from layton_eval.errors import BatchError, ProviderHTTPError, RunError, UsageError
from layton_eval.neutral import GenerationOptions, NeutralRequest
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.pricing import PRICES_AS_OF, estimate_cost
from layton_eval.runs.manifest import BatchPhase, BatchRecord, now
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
    #: the options a dry run's suggested command repeats (as typed: ``--provider``, ``gemini``...)
    carry: tuple[str, ...] = ()


class PlannedBatch(BaseModel):
    custom_ids: list[str]
    requests: int
    bytes: int


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
    prices_as_of: str = PRICES_AS_OF


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
    )


def plan_requests(
    label: str,
    requests: list[NeutralRequest],
    options: GenerationOptions,
    *,
    provider: str,
    completion_window: str = "24h",
    purpose: str = "initial",
) -> tuple[SendPlan, list[list[tuple[str, dict[str, t.Any]]]]]:
    """Native bodies of ``requests`` for ``provider``, grouped into batches, with the estimate."""
    impl = impl_of(provider)
    impl.validate_completion_window(completion_window)
    if not requests:
        raise RunError(f"run {label} has no request to send", run=label)
    items = [(request.custom_id, impl.build_body(request, options)) for request in requests]
    for custom_id, _ in items:
        impl.validate_custom_id(custom_id)
    sizes = [impl.request_size(body) for _, body in items]
    groups = _chunks(items, sizes, impl)
    cost = estimate_cost(provider, options.model, requests)
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
            )
            for group in groups
        ],
        requests=len(items),
        bytes=sum(sizes),
        input_tokens=cost.input_tokens,
        assumed_output_tokens=cost.output_tokens,
        estimated_cost_usd=cost.usd,
    )
    return plan, [[items[i] for i in group] for group in groups]


def _check_can_send(run: Run, options: SendOptions) -> None:
    manifest = run.manifest
    unknown = [b for b in manifest.batches if b.phase is BatchPhase.submitting]
    if unknown and not options.force:
        raise RunError(
            f"run {run.name} was interrupted while submitting {len(unknown)} batch(es), which "
            "the provider may have accepted; run 'layton status "
            f"{run.name} --reconcile' to find out before sending again",
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
    _check_can_send(run, options)
    if not options.retry_failed:
        return None
    ids = retry_ids(run)
    if not ids and any(not b.fetched_at for b in run.manifest.live_batches):
        raise RunError(
            f"run {run.name} has batches that were not fetched yet; "
            f"'layton fetch {run.name}' first, then retry what failed",
            run=run.name,
        )
    if not ids:
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
    """Submit the run's requests (or, with ``retry_failed``, only those lacking a valid output)."""
    provider, model = _resolve_target(run, options.provider, options.model)
    ids = _ids_to_send(run, options)
    plan, groups = plan_send(
        run,
        provider=provider,
        model=model,
        completion_window=options.completion_window,
        ids=ids,
        purpose="retry" if options.retry_failed else "initial",
    )
    if dry_run:
        command = _next(Step.send_dry_run, run, options.carry)
        return SendResult(plan=plan, dry_run=True, next_command=command)
    submit = _Submitter(
        impl=impl_of(provider),
        api_key=require_api_key(provider, settings),
        factory=client_factory or default_client_factory,
        plan=plan,
    )
    with run.lock():
        # check again under the lock: another process may have sent in the meantime
        if _ids_to_send(run, options) != ids:
            raise RunError(f"run {run.name} changed while sending; look at 'layton status'")
        run.manifest.provider, run.manifest.model = provider, model
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


def _next(step: Step, run: Run, carry: tuple[str, ...] = ()) -> str:
    command = next_command(step, Facts.of(run.manifest, options=carry))
    assert command is not None
    return command


@dataclasses.dataclass(frozen=True)
class _Submitter:
    """Submits one planned batch of a run: intent on disk, submission, batch id on disk."""

    impl: Provider
    api_key: str
    factory: ClientFactory
    plan: SendPlan

    def __call__(
        self, run: Run, planned: PlannedBatch, items: list[tuple[str, dict[str, t.Any]]]
    ) -> str:
        plan = self.plan
        record = BatchRecord(
            provider=plan.provider,
            model=plan.model,
            endpoint=plan.endpoint,
            custom_ids=planned.custom_ids,
            request_count=planned.requests,
            bytes=planned.bytes,
            purpose=plan.purpose,
        )
        run.manifest.batches.append(record)
        run.save()  # the intent is on disk before the provider hears of it
        try:
            batch_id = run_async(
                self.impl.submit(
                    items,
                    model=plan.model,
                    api_key=self.api_key,
                    completion_window=plan.completion_window,
                    client_factory=self.factory,
                    metadata={"layton_run": run.name[:64], "layton_intent": record.intent_id},
                )
            )
        except BatchError as exc:
            refused = isinstance(exc, ProviderHTTPError) and (
                400 <= exc.status_code < 500 and exc.status_code not in (408, 409, 429)
            )
            if refused:
                record.phase = BatchPhase.rejected  # refused: nothing created, nothing owed
            record.error = str(exc)
            run.save()
            raise
        record.batch_id = batch_id
        record.phase = BatchPhase.submitted
        record.submitted_at = now()
        run.save()
        return batch_id
