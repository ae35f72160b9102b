"""One poll of a run's batches, recorded on each batch: the provider's answer, or why the poll
failed (a 404: the provider no longer knows the batch; anything else: it cannot be reached)."""

from __future__ import annotations

import typing as t

from layton_eval.batches._calls import ClientFactory, impl_for, run_async
from layton_eval.errors import BatchError, ProviderHTTPError
from layton_eval.runs.manifest import BatchRecord, now
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.providers.batch_types import BatchSnapshot
    from layton_eval.runs.store import Run

__all__ = ["apply_answer", "apply_snapshot", "poll_records", "record_failure"]


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
    record.poll_error = None
    record.unreachable_since = None
    record.gone = False


def record_failure(record: BatchRecord, error: BatchError) -> None:
    """Record a failed poll or download: a 404 means the provider no longer knows the batch,
    anything else that it cannot be reached (since the first failure)."""
    record.poll_error = str(error)
    if isinstance(error, ProviderHTTPError) and error.status_code == 404:
        record.gone = True
        record.unreachable_since = None
    else:
        record.unreachable_since = record.unreachable_since or now()


def apply_answer(record: BatchRecord, answer: BatchSnapshot | BatchError) -> None:
    if isinstance(answer, BatchError):
        record_failure(record, answer)
    else:
        apply_snapshot(record, answer)


def poll_records(
    run: Run, records: list[BatchRecord], settings: Settings, factory: ClientFactory
) -> dict[str, BatchSnapshot | BatchError]:
    """One poll of each of ``records``, by intent id: its snapshot, or why the poll failed.

    A refused key stops everything (every other call would fail the same way).
    """
    snapshots: dict[str, BatchSnapshot | BatchError] = {}
    for record in records:
        assert record.batch_id is not None
        api_key = require_api_key(record.provider, settings)
        try:
            impl = impl_for(record)
            snapshots[record.intent_id] = run_async(
                impl.poll(
                    record.batch_id,
                    api_key=api_key,
                    total=record.request_count,
                    client_factory=factory,
                )
            )
        except ProviderHTTPError as exc:
            if exc.auth:
                raise
            snapshots[record.intent_id] = exc
        except BatchError as exc:
            snapshots[record.intent_id] = exc
    return snapshots
