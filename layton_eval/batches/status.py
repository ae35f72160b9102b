"""``status``: where a run's batches stand at the provider, polled and recorded.

:func:`poll_run` asks once for every unfinished batch; :func:`wait_run` asks again every few
seconds until every batch is finished. The answers are recorded in ``run.json`` (unless another
layton process holds the run: then they are only shown).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

from pydantic import BaseModel, PrivateAttr

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_of, run_async
from layton_eval.errors import BatchError, RunError
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.runs import layout
from layton_eval.runs.manifest import BatchPhase, BatchRecord, RunState, now
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.providers.batch_types import BatchSnapshot
    from layton_eval.runs.store import Run

__all__ = [
    "BatchView",
    "RunStatus",
    "apply_snapshot",
    "family_next",
    "poll_records",
    "poll_run",
    "status_of",
    "wait_run",
]


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
    _facts: Facts = PrivateAttr()  # what the family's next command is decided from


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


def apply_snapshot(record: BatchRecord, snap: BatchSnapshot) -> None:
    """Record one poll's answer on the batch."""
    record.remote_status = snap.status
    record.remote_state = str(snap.state)
    if snap.error:
        record.error = snap.error
    record.terminal = snap.terminal
    record.completed = snap.completed
    record.failed = snap.failed
    record.polled_at = now()


def poll_records(
    run: Run, records: list[BatchRecord], settings: Settings, factory: ClientFactory
) -> dict[str, BatchSnapshot]:
    """One poll of each of ``records``, by intent id."""
    snapshots: dict[str, BatchSnapshot] = {}
    for record in records:
        assert record.batch_id is not None
        impl = impl_of(record.provider)
        api_key = require_api_key(record.provider, settings)
        snapshots[record.intent_id] = run_async(
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
    facts = Facts.of(manifest, scored=run.file(layout.SCORE).is_file())
    status = RunStatus(
        run=run.name,
        kind=manifest.kind,
        state=manifest.derived_state(),
        batches=[_view(b) for b in manifest.batches],
        next_command=next_command(Step.status, facts),
    )
    status._facts = facts
    return status


def family_next(statuses: list[RunStatus]) -> list[RunStatus]:
    """``statuses`` (a run, then its judges) with the next command of the family as a whole."""
    main, judges = statuses[0], statuses[1:]
    if main.state is not RunState.fetched:
        return statuses
    facts = dataclasses.replace(main._facts, judge_states=tuple(j.state for j in judges))
    command = next_command(Step.status, facts)
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
        snapshots = poll_records(run, waiting, settings, factory)
        try:
            with run.lock():
                for record in run.manifest.batches:
                    if record.intent_id in snapshots:
                        apply_snapshot(record, snapshots[record.intent_id])
                run.save()
        except RunError:
            # another layton process holds the run (e.g. `send --wait`): show, do not record
            for record in run.manifest.batches:
                if record.intent_id in snapshots:
                    apply_snapshot(record, snapshots[record.intent_id])
    return status_of(run)


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
