"""Outputs of a run: one merged record per request, and the counts, tokens and cost of them.

Every fetched batch adds its results to ``outputs.jsonl``; for each request the best outcome seen
so far is kept (a valid output over an unreadable one over a failed request), so fetching twice or
fetching a retry batch never loses or duplicates a line.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from pydantic import BaseModel, Field

from layton_eval.answers import parse_answer, parse_verdict
from layton_eval.neutral import ModelOutput, Usage
from layton_eval.pricing import PRICES_AS_OF, batch_price
from layton_eval.runs import BatchRecord, Run, now, read_jsonl

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider, RawResult

__all__ = [
    "OUTPUTS",
    "FetchResult",
    "OutputRecord",
    "load_outputs",
    "merge_outputs",
    "output_record",
    "retry_ids",
    "summarize",
]

OUTPUTS = "outputs.jsonl"


class OutputRecord(BaseModel):
    """One request's outcome, merged over every batch of the run (``outputs.jsonl``)."""

    id: str
    text: str = ""
    valid: bool = False
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    error: str | None = None
    batch_id: str | None = None
    provider: str | None = None
    model: str | None = None
    fetched_at: dt.datetime = Field(default_factory=now)

    @property
    def quality(self) -> int:
        """2 valid output, 1 unreadable output, 0 failed request."""
        if self.error:
            return 0
        return 2 if self.valid else 1


class FetchResult(BaseModel):
    run: str
    kind: str
    fetched_batches: list[str]
    waiting_batches: list[str]
    total: int
    ok: int
    invalid: int
    failed: int
    missing: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float | None
    prices_as_of: str = PRICES_AS_OF
    files: dict[str, str]
    next_command: str | None


def _is_valid(kind: str, text: str) -> bool:
    parsed = parse_verdict(text) if kind == "judge" else parse_answer(text)
    return parsed is not None


def load_outputs(run: Run) -> dict[str, OutputRecord]:
    """The run's merged outputs by request id (empty before the first fetch)."""
    path = run.file(OUTPUTS)
    if not path.is_file():
        return {}
    return {row["id"]: OutputRecord.model_validate(row) for row in read_jsonl(path)}


def retry_ids(run: Run) -> list[str]:
    """Requests without a valid output and not waiting in a batch that is still out."""
    outputs = load_outputs(run)
    pending = {
        custom_id
        for batch in run.manifest.live_batches
        if not batch.fetched_at
        for custom_id in batch.custom_ids
    }
    return [
        custom_id
        for custom_id in run.manifest.ids
        if custom_id not in pending and (custom_id not in outputs or outputs[custom_id].quality < 2)
    ]


def output_record(
    custom_id: str, raw: RawResult | None, record: BatchRecord, impl: Provider, kind: str
) -> OutputRecord:
    base: dict[str, t.Any] = {
        "id": custom_id,
        "batch_id": record.batch_id,
        "provider": record.provider,
        "model": record.model,
    }
    if raw is None:
        status = record.remote_status or "unknown"
        why = f": {record.error}" if record.error else ""
        return OutputRecord(
            **base, error=f"no result for this request (batch ended as {status}{why})"
        )
    output: ModelOutput = impl.parse_response(raw)
    return OutputRecord(
        **base,
        text=output.text,
        valid=output.error is None and _is_valid(kind, output.text),
        usage=output.usage,
        finish_reason=output.finish_reason,
        error=output.error,
    )


def merge_outputs(
    outputs: dict[str, OutputRecord], new: t.Iterable[OutputRecord]
) -> dict[str, OutputRecord]:
    for record in new:
        old = outputs.get(record.id)
        if old is None or record.quality >= old.quality:
            outputs[record.id] = record
    return outputs


def summarize(
    run: Run,
    outputs: dict[str, OutputRecord],
    *,
    fetched: list[str],
    waiting: list[str],
    files: dict[str, str] | None = None,
    next_command: str | None = None,
) -> FetchResult:
    """Counts, tokens and cost of the run's outputs so far."""
    present = [outputs[cid] for cid in run.manifest.ids if cid in outputs]
    usage = Usage(
        input_tokens=sum(o.usage.input_tokens for o in present),
        output_tokens=sum(o.usage.output_tokens for o in present),
        reasoning_tokens=sum(o.usage.reasoning_tokens for o in present),
    )
    price = batch_price(run.manifest.provider, run.manifest.model)
    if next_command is None and not waiting:
        next_command = f"layton jury {run.name}" if run.manifest.kind == "benchmark" else None
    return FetchResult(
        run=run.name,
        kind=run.manifest.kind,
        fetched_batches=fetched,
        waiting_batches=waiting,
        total=len(run.manifest.ids),
        ok=sum(1 for o in present if o.quality == 2),
        invalid=sum(1 for o in present if o.quality == 1),
        failed=sum(1 for o in present if o.quality == 0),
        missing=len(run.manifest.ids) - len(present),
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cost_usd=price.cost_of(usage) if price else None,
        files=files or {"outputs": str(run.file(OUTPUTS))},
        next_command=next_command if not waiting else f"layton status {run.name} --watch 60",
    )
