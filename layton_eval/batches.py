"""The durable batch lifecycle of a run: send -> status -> fetch, recorded in ``run.json``.

Every step is written down before and after it talks to a provider, so a killed process never
orphans a paid batch and never causes one to be submitted twice:

1. ``send`` records each batch's *intent* (ids, provider, model, size) under the run lock, then
   submits it, then records the batch id. A crash in between leaves the intent in the
   ``submitting`` phase; ``send`` then refuses to resubmit and ``reconcile`` asks the provider's
   batch list (matched by layton's metadata, else by size and time) which batch was accepted.
2. ``poll`` asks the provider where each unfinished batch stands and caches the answer.
3. ``fetch`` downloads the results of finished batches and merges them into ``outputs.jsonl``
   (see :mod:`layton_eval.results`).

Judge child runs (``<run>/jury/<judge>/``) go through exactly the same functions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import ssl
import typing as t

from pydantic import BaseModel, Field

from layton_eval.errors import BatchError, ProviderHTTPError, RunError, UsageError
from layton_eval.neutral import GenerationOptions, NeutralRequest
from layton_eval.pricing import PRICES_AS_OF, estimate_cost
from layton_eval.results import (
    OUTPUTS,
    FetchResult,
    load_outputs,
    merge_outputs,
    output_record,
    retry_ids,
    summarize,
)
from layton_eval.runs import BatchPhase, BatchRecord, Run, RunState, atomic_write_jsonl, now
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    import httpx

    from layton_eval.providers.base import BatchSnapshot, Provider

__all__ = [
    "ClientFactory",
    "PlannedBatch",
    "ReconcileResult",
    "RunStatus",
    "SendPlan",
    "default_client_factory",
    "family_next",
    "fetch_run",
    "plan_requests",
    "plan_send",
    "poll_run",
    "reconcile_run",
    "send_run",
]

ClientFactory = t.Callable[[], "httpx.AsyncClient"]


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def default_client_factory() -> httpx.AsyncClient:
    """A fresh HTTP client per call, as batchling's adapters expect (one shared SSL context:
    building a context costs ~35 ms, a client per HTTP call would pay it every time)."""
    import httpx

    return httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=15.0), verify=_ssl_context())


# ------------------------------------------------------------------------------------ models


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


class BatchView(BaseModel):
    """One batch as shown by ``status``."""

    batch_id: str | None
    provider: str
    model: str
    phase: BatchPhase
    status: str | None
    state: str | None
    terminal: bool
    completed: int
    failed: int
    total: int
    submitted_at: dt.datetime | None
    fetched: bool
    error: str | None = None


class RunStatus(BaseModel):
    run: str
    kind: str
    state: RunState
    batches: list[BatchView]
    next_command: str | None


class ReconcileResult(BaseModel):
    run: str
    found: list[str]
    not_submitted: list[str]
    ambiguous: dict[str, list[str]]


# ---------------------------------------------------------------------------- small helpers


def _run_async[T](coro: t.Coroutine[t.Any, t.Any, T]) -> T:
    return asyncio.run(coro)


def _provider(name: str) -> Provider:
    from layton_eval.providers import get_provider

    return get_provider(name)


# ------------------------------------------------------------------------------------- send


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
    _provider(chosen_provider)  # unknown provider -> UsageError
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
    impl = _provider(provider)
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


def _check_can_send(run: Run, *, force: bool, retry_failed: bool) -> None:
    manifest = run.manifest
    unknown = [b for b in manifest.batches if b.phase is BatchPhase.submitting]
    if unknown and not force:
        raise RunError(
            f"run {run.name} was interrupted while submitting {len(unknown)} batch(es), which "
            "the provider may have accepted; run 'layton status "
            f"{run.name} --reconcile' to find out before sending again",
            run=run.name,
        )
    if manifest.live_batches and not (force or retry_failed):
        ids = ", ".join(b.batch_id or "?" for b in manifest.live_batches)
        raise RunError(
            f"run {run.name} already has batches ({ids}); follow them with 'layton status "
            f"{run.name}', use --retry-failed to resend only failed riddles, or --force to "
            "submit everything again (paid twice)",
            run=run.name,
        )


def _ids_to_send(run: Run, *, force: bool, retry_failed: bool) -> list[str] | None:
    """Which requests this send covers (``None``: all of them), or why it must not happen."""
    _check_can_send(run, force=force, retry_failed=retry_failed)
    if not retry_failed:
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
    *,
    settings: Settings,
    provider: str | None = None,
    model: str | None = None,
    completion_window: str = "24h",
    dry_run: bool = False,
    force: bool = False,
    retry_failed: bool = False,
    client_factory: ClientFactory | None = None,
) -> SendResult:
    """Submit the run's requests (or, with ``retry_failed``, only those lacking a valid output)."""
    provider, model = _resolve_target(run, provider, model)
    ids = _ids_to_send(run, force=force, retry_failed=retry_failed)
    plan, groups = plan_send(
        run,
        provider=provider,
        model=model,
        completion_window=completion_window,
        ids=ids,
        purpose="retry" if retry_failed else "initial",
    )
    if dry_run:
        return SendResult(plan=plan, dry_run=True, next_command=f"layton send {run.name}")
    submit = _Submitter(
        impl=_provider(provider),
        api_key=require_api_key(provider, settings),
        factory=client_factory or default_client_factory,
        plan=plan,
    )
    with run.lock():
        # check again under the lock: another process may have sent in the meantime
        if _ids_to_send(run, force=force, retry_failed=retry_failed) != ids:
            raise RunError(f"run {run.name} changed while sending; look at 'layton status'")
        run.manifest.provider, run.manifest.model = provider, model
        for old in run.manifest.batches:
            if force and old.phase is BatchPhase.submitting:
                old.phase = BatchPhase.rejected  # the user chose to stop waiting for it
                old.error = "outcome unknown; set aside by send --force"
        batch_ids = [
            submit(run, planned, items) for planned, items in zip(plan.batches, groups, strict=True)
        ]
    return SendResult(
        plan=plan, dry_run=False, batch_ids=batch_ids, next_command=f"layton status {run.name}"
    )


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
            batch_id = _run_async(
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


# ------------------------------------------------------------------------------------- poll


def _view(record: BatchRecord) -> BatchView:
    return BatchView(
        batch_id=record.batch_id,
        provider=record.provider,
        model=record.model,
        phase=record.phase,
        status=record.remote_status,
        state=record.remote_state,
        terminal=record.terminal,
        completed=record.completed,
        failed=record.failed,
        total=record.request_count,
        submitted_at=record.submitted_at,
        fetched=record.fetched_at is not None,
        error=record.error,
    )


def _apply_snapshot(record: BatchRecord, snap: BatchSnapshot) -> None:
    record.remote_status = snap.status
    record.remote_state = str(snap.state)
    if snap.error:
        record.error = snap.error
    record.terminal = snap.terminal
    record.completed = snap.completed
    record.failed = snap.failed
    record.polled_at = now()


def _poll_records(
    run: Run, records: list[BatchRecord], settings: Settings, factory: ClientFactory
) -> dict[str, BatchSnapshot]:
    snapshots: dict[str, BatchSnapshot] = {}
    for record in records:
        assert record.batch_id is not None
        impl = _provider(record.provider)
        api_key = require_api_key(record.provider, settings)
        snapshots[record.intent_id] = _run_async(
            impl.poll(
                record.batch_id,
                api_key=api_key,
                total=record.request_count,
                client_factory=factory,
            )
        )
    return snapshots


def status_of(run: Run) -> RunStatus:
    """The run's batches as last recorded (no HTTP)."""
    manifest = run.manifest
    state = manifest.derived_state()
    nexts = {
        RunState.prepared: f"layton send {run.name}",
        RunState.submitting: f"layton status {run.name} --reconcile",
        RunState.running: f"layton status {run.name} --watch 60",
        RunState.finished: f"layton fetch {run.name}",
    }
    return RunStatus(
        run=run.name,
        kind=manifest.kind,
        state=state,
        batches=[_view(b) for b in manifest.batches],
        next_command=nexts.get(state),
    )


def family_next(statuses: list[RunStatus]) -> list[RunStatus]:
    """``statuses`` (a run, then its judges) with the next command of the family as a whole."""
    main, judges = statuses[0], statuses[1:]
    if main.state is not RunState.fetched:
        return statuses
    states = {judge.state for judge in judges}
    name = main.run
    if not judges:
        command = f"layton jury {name}"
    elif RunState.submitting in states:
        command = f"layton status {name} --reconcile"
    elif RunState.running in states:
        command = f"layton status {name} --watch 60"
    elif RunState.finished in states or RunState.prepared in states:
        command = f"layton fetch {name}"
    else:
        command = f"layton score {name}"
    return [main.model_copy(update={"next_command": command}), *judges]


def poll_run(
    run: Run, *, settings: Settings, client_factory: ClientFactory | None = None
) -> RunStatus:
    """Poll every submitted, unfinished batch once and record what the provider says."""
    factory = client_factory or default_client_factory
    waiting = [
        b
        for b in run.manifest.batches
        if b.phase is BatchPhase.submitted and b.batch_id and not b.terminal
    ]
    if waiting:
        snapshots = _poll_records(run, waiting, settings, factory)
        try:
            with run.lock():
                for record in run.manifest.batches:
                    if record.intent_id in snapshots:
                        _apply_snapshot(record, snapshots[record.intent_id])
                run.save()
        except RunError:
            # another layton process holds the run (e.g. `send --wait`): show, do not record
            for record in run.manifest.batches:
                if record.intent_id in snapshots:
                    _apply_snapshot(record, snapshots[record.intent_id])
    return status_of(run)


# ------------------------------------------------------------------------------------ fetch


def fetch_run(
    run: Run, *, settings: Settings, client_factory: ClientFactory | None = None
) -> FetchResult:
    """Download the results of finished, not yet fetched batches into ``outputs.jsonl``."""
    factory = client_factory or default_client_factory
    kind = run.manifest.kind
    fetched: list[str] = []
    waiting: list[str] = []
    with run.lock():
        outputs = load_outputs(run)
        todo = [b for b in run.manifest.live_batches if b.batch_id and not b.fetched_at]
        snapshots = _poll_records(run, todo, settings, factory)
        for record in todo:
            assert record.batch_id is not None
            snap = snapshots[record.intent_id]
            _apply_snapshot(record, snap)
            if not snap.terminal:
                waiting.append(record.batch_id)
                continue
            impl = _provider(record.provider)
            api_key = require_api_key(record.provider, settings)
            results = _run_async(
                impl.results(record.batch_id, snap, api_key=api_key, client_factory=factory)
            )
            atomic_write_jsonl(
                run.file(f"batches/{record.batch_id}.results.jsonl"),
                (
                    {"custom_id": cid, "status_code": raw.status_code, "body": raw.body}
                    for cid, raw in results.items()
                ),
            )
            new = [
                output_record(cid, results.get(cid), record, impl, kind)
                for cid in record.custom_ids
            ]
            merge_outputs(outputs, new)
            atomic_write_jsonl(
                run.file(OUTPUTS),
                (outputs[cid] for cid in run.manifest.ids if cid in outputs),
            )
            record.fetched_at = now()
            run.save()
            fetched.append(record.batch_id)
        run.save()
    return summarize(run, outputs, fetched=fetched, waiting=waiting)


# -------------------------------------------------------------------------------- reconcile


def _match(record: BatchRecord, remote: list[t.Any]) -> list[str]:
    tagged = [b.batch_id for b in remote if b.metadata.get("layton_intent") == record.intent_id]
    if tagged:
        return tagged
    start = record.intent_at - dt.timedelta(minutes=2)
    end = record.intent_at + dt.timedelta(minutes=30)
    return [
        b.batch_id
        for b in remote
        if b.created_at is not None
        and start <= b.created_at <= end
        and b.request_count in (None, record.request_count)
        and not b.metadata.get("layton_intent")
    ]


def reconcile_run(
    run: Run, *, settings: Settings, client_factory: ClientFactory | None = None
) -> ReconcileResult:
    """Settle batches left ``submitting`` by a crash, from the provider's list of batches."""
    factory = client_factory or default_client_factory
    with run.lock():
        unknown = [b for b in run.manifest.batches if b.phase is BatchPhase.submitting]
        known_ids = {b.batch_id for b in run.manifest.batches if b.batch_id}
        result = ReconcileResult(run=run.name, found=[], not_submitted=[], ambiguous={})
        for record in unknown:
            impl = _provider(record.provider)
            if not impl.supports_listing:
                raise BatchError(
                    f"{record.provider} cannot list batches, so layton cannot tell whether the "
                    f"interrupted submission of run {run.name} was accepted: check the "
                    f"provider's console, then 'layton send {run.name} --force' if it was not",
                    provider=record.provider,
                )
            api_key = require_api_key(record.provider, settings)
            remote = _run_async(impl.list_batches(api_key=api_key, client_factory=factory))
            candidates = [i for i in _match(record, remote) if i not in known_ids]
            if len(candidates) == 1:
                record.batch_id = candidates[0]
                record.phase = BatchPhase.submitted
                record.submitted_at = record.submitted_at or now()
                record.error = None
                known_ids.add(candidates[0])
                result.found.append(candidates[0])
            elif not candidates:
                record.phase = BatchPhase.rejected
                record.error = "not found in the provider's batch list: never created"
                result.not_submitted.append(record.intent_id)
            else:
                result.ambiguous[record.intent_id] = candidates
            run.save()
    return result


# ------------------------------------------------------------------------------------- wait


def wait_run(
    runs: t.Sequence[Run],
    *,
    settings: Settings,
    interval: float,
    on_poll: t.Callable[[list[RunStatus]], None],
    client_factory: ClientFactory | None = None,
    sleep: t.Callable[[float], None] | None = None,
    timeout: float | None = None,
) -> list[RunStatus]:
    """Poll ``runs`` every ``interval`` seconds until every batch is terminal (or ``timeout``)."""
    import time

    pause = sleep or time.sleep
    waited = 0.0  # time spent between polls (the polls themselves are short)
    while True:
        statuses = [poll_run(run, settings=settings, client_factory=client_factory) for run in runs]
        on_poll(statuses)
        if all(s.state not in (RunState.running, RunState.submitting) for s in statuses):
            return statuses
        if timeout is not None and waited + interval > timeout:
            raise BatchError(
                f"batches still running after {waited:.0f} s of waiting; they go on at the "
                f"provider: come back later with 'layton status {runs[0].name}'"
            )
        pause(interval)
        waited += interval
