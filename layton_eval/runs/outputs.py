"""Outputs of a run: one merged record per request, and the counts, tokens and cost of them.

Every fetched batch adds its results to ``outputs.jsonl``; for each request the best outcome seen
so far is kept (a valid output over an unreadable one over a failed request), so fetching twice or
fetching a retry batch never loses or duplicates a line. Each output is parsed once, when its
result arrives (:func:`output_record`); the parsed answer or verdict travels with the record.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field, PrivateAttr

from layton_eval.answers import Answer, Verdict, parse_output
from layton_eval.neutral import ModelOutput, Usage
from layton_eval.pricing import PRICES_AS_OF, batch_price
from layton_eval.runs import layout
from layton_eval.runs.manifest import BatchRecord, now

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider
    from layton_eval.providers.batch_types import RawResult
    from layton_eval.runs.store import Run

__all__ = [
    "FetchResult",
    "OutputRecord",
    "load_outputs",
    "merge_outputs",
    "output_record",
    "retry_ids",
    "save_batch_results",
    "save_outputs",
    "summarize",
]


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
    #: What the text says, when it was parsed in this process (not written to disk).
    _parsed: Answer | Verdict | None = PrivateAttr(default=None)

    @property
    def quality(self) -> int:
        """2 valid output, 1 unreadable output, 0 failed request."""
        if self.error:
            return 0
        return 2 if self.valid else 1

    def parsed(self, kind: str) -> Answer | Verdict | None:
        """The answer (or, for a judge, the verdict) the text holds; ``None`` if unreadable."""
        if self.error:
            return None
        if self._parsed is None and self.valid:  # read from disk: parse it now
            self._parsed = parse_output(kind, self.text)
        return self._parsed


class FetchResult(BaseModel):
    """What fetching a run's batches gave, for the card and ``--json``."""

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


def load_outputs(run: Run) -> dict[str, OutputRecord]:
    """The run's merged outputs by request id (empty before the first fetch)."""
    return {row["id"]: OutputRecord.model_validate(row) for row in run.read_jsonl(layout.OUTPUTS)}


def save_outputs(run: Run, outputs: dict[str, OutputRecord]) -> None:
    """Write ``outputs.jsonl`` in the run's riddle order."""
    run.write_jsonl(layout.OUTPUTS, (outputs[cid] for cid in run.manifest.ids if cid in outputs))


def save_batch_results(run: Run, batch_id: str, results: dict[str, RawResult]) -> None:
    """Keep a batch's raw results as the provider sent them (decoded, one line per request)."""
    run.write_jsonl(
        layout.batch_results(batch_id),
        (
            {"custom_id": cid, "status_code": raw.status_code, "body": raw.body}
            for cid, raw in results.items()
        ),
    )


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
    """The outcome of one request of a fetched batch, its text parsed once here."""
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
    parsed = parse_output(kind, output.text) if output.error is None else None
    merged = OutputRecord(
        **base,
        text=output.text,
        valid=parsed is not None,
        usage=output.usage,
        finish_reason=output.finish_reason,
        error=output.error,
    )
    merged._parsed = parsed
    return merged


def merge_outputs(outputs: dict[str, OutputRecord], new: t.Iterable[OutputRecord]) -> set[str]:
    """Merge ``new`` into ``outputs`` (the better outcome wins); the ids that changed."""
    changed = set()
    for record in new:
        old = outputs.get(record.id)
        if old is None or record.quality >= old.quality:
            outputs[record.id] = record
            changed.add(record.id)
    return changed


def summarize(
    run: Run,
    outputs: dict[str, OutputRecord],
    *,
    fetched: list[str],
    waiting: list[str],
    next_command: str | None = None,
    files: dict[str, str] | None = None,
) -> FetchResult:
    """Counts, tokens and cost of the run's outputs so far."""
    present = [outputs[cid] for cid in run.manifest.ids if cid in outputs]
    usage = Usage(
        input_tokens=sum(o.usage.input_tokens for o in present),
        output_tokens=sum(o.usage.output_tokens for o in present),
        reasoning_tokens=sum(o.usage.reasoning_tokens for o in present),
    )
    price = batch_price(run.manifest.provider, run.manifest.model)
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
        files=files or _existing({"outputs": run.file(layout.OUTPUTS)}),
        next_command=next_command,
    )


def _existing(paths: dict[str, Path]) -> dict[str, str]:
    """The files of ``paths`` that exist (a card lists only what is on disk)."""
    return {key: str(path) for key, path in paths.items() if path.is_file()}
