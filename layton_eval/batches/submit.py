"""One batch submitted: intent on disk, submission, then the batch id (or what went wrong).

A failed submission is recorded for what it is:

- it failed while the input was sent (file upload, xAI's empty container), or the provider
  refused the create call (a 4xx other than 408/409, 429 included): nothing was created, the
  batch is ``rejected`` and a plain ``send`` sends it again;
- the create call's outcome is unknown (5xx, network, odd answer): the intent stays
  ``submitting`` until ``status --reconcile`` finds out;
- an xAI container holds only part of the requests: it is recorded as the batch, and
  ``send --retry-failed`` sends the rest once it is fetched.

The ids a failed submission left at the provider (input file, xAI container) are kept on the
record, to clean up or to reconcile.
"""

from __future__ import annotations

import dataclasses
import typing as t

from layton_eval.batches._calls import ClientFactory, endpoint_of, run_async
from layton_eval.errors import BatchError, ProviderHTTPError, SubmitError
from layton_eval.next_step import Facts, Step, fixes, next_command
from layton_eval.providers.batch_types import SubmitTrace
from layton_eval.runs.manifest import BatchPhase, BatchRecord, now

if t.TYPE_CHECKING:
    from layton_eval.batches.plan import PlannedBatch, SendPlan
    from layton_eval.providers.base import Provider
    from layton_eval.runs.store import Run

__all__ = ["Submitter", "nothing_created"]

#: 4xx answers to a create call that do not say the call was refused.
_UNSURE_4XX = (408, 409)


def nothing_created(trace: SubmitTrace, error: BatchError) -> bool:
    """Whether a failed submission surely created no paid batch."""
    if trace.stage == "upload":
        return True
    return (
        isinstance(error, ProviderHTTPError)
        and 400 <= error.status_code < 500
        and error.status_code not in _UNSURE_4XX
    )


def _command(step: Step, run: Run) -> str:
    facts = Facts(run=run.manifest.parent or run.name, kind=run.manifest.kind)
    return next_command(step, facts) or ""


@dataclasses.dataclass(frozen=True)
class Submitter:
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
            api_base=endpoint_of(self.impl),
            estimate=planned.estimate,
        )
        run.manifest.batches.append(record)
        run.save()  # the intent is on disk before the provider hears of it
        trace = SubmitTrace(on_container=lambda cid: _keep_container(run, record, cid))
        try:
            batch_id = run_async(
                self.impl.submit(
                    items,
                    model=plan.model,
                    api_key=self.api_key,
                    completion_window=plan.completion_window,
                    client_factory=self.factory,
                    metadata=run.manifest.batch_tag(record),
                    trace=trace,
                )
            )
        except BatchError as exc:
            raise _failed(run, record, trace, exc) from exc
        record.batch_id = batch_id
        record.phase = BatchPhase.submitted
        record.submitted_at = now()
        run.save()
        return batch_id


def _keep_container(run: Run, record: BatchRecord, container_id: str) -> None:
    """Record an xAI container id as soon as it exists (a crash then still knows it)."""
    record.container_id = container_id
    run.save()


def _failed(run: Run, record: BatchRecord, trace: SubmitTrace, exc: BatchError) -> BatchError:
    """Record a failed submission for what it is; the error to raise, saying what to do."""
    record.attempt_ended_at = now()
    record.file_id = trace.file_id or record.file_id
    record.container_id = trace.container_id or record.container_id
    record.error = str(exc)
    left = _left_behind(record)
    if isinstance(exc, SubmitError) and exc.batch_id:  # an xAI container holds part of it
        record.batch_id = exc.batch_id
        record.phase = BatchPhase.submitted
        record.submitted_at = now()
        run.save()
        return BatchError(
            f"{exc}; it was recorded as a batch of run {run.name}: follow it with "
            f"'{_command(Step.submit_partial, run)}', fetch it, then "
            f"'{fixes.retry_failed(run.manifest.parent or run.name)}' sends the rest",
            provider=record.provider,
            batch_id=exc.batch_id,
        )
    if nothing_created(trace, exc):
        record.phase = BatchPhase.rejected  # nothing was created, nothing is owed
        run.save()
        return BatchError(
            f"{exc}; nothing was created{left}: '{_command(Step.submit_refused, run)}' "
            "sends it again",
            provider=record.provider,
        )
    run.save()  # outcome unknown: stays `submitting` until reconciled
    said = (
        str(exc) if "may or may not exist" in str(exc) else f"{exc}; the batch may or may not exist"
    )
    return BatchError(
        f"{said}{left}: '{_command(Step.submit_unknown, run)}' finds out before anything is "
        "sent again",
        provider=record.provider,
    )


def _left_behind(record: BatchRecord) -> str:
    kept = [
        f"{what} {value}"
        for what, value in (("input file", record.file_id), ("container", record.container_id))
        if value
    ]
    return f" (left at {record.provider}, kept in run.json: {', '.join(kept)})" if kept else ""
