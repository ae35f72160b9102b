"""``status --reconcile``: after an interrupted send, find which batches the provider accepted.

A batch left ``submitting`` (its intent recorded, its id not) is looked up in the provider's
list of batches: by layton's metadata when the provider keeps it, else by request count and
creation time.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from pydantic import BaseModel

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_of, run_async
from layton_eval.errors import BatchError
from layton_eval.runs.manifest import BatchPhase, BatchRecord, now
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["ReconcileResult", "reconcile_run"]


class ReconcileResult(BaseModel):
    run: str
    found: list[str]
    not_submitted: list[str]
    ambiguous: dict[str, list[str]]


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
            impl = impl_of(record.provider)
            if not impl.supports_listing:
                raise BatchError(
                    f"{record.provider} cannot list batches, so layton cannot tell whether the "
                    f"interrupted submission of run {run.name} was accepted: check the "
                    f"provider's console, then 'layton send {run.name} --force' if it was not",
                    provider=record.provider,
                )
            api_key = require_api_key(record.provider, settings)
            remote = run_async(impl.list_batches(api_key=api_key, client_factory=factory))
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
