"""Outputs of a run: one merged record per request, and the counts, tokens and cost of them.

Every fetched batch adds its results to ``outputs.jsonl``; for each request the best outcome seen
so far is kept (a valid output over an unreadable one over a failed request), so fetching twice or
fetching a retry batch never loses or duplicates a line. Each output is parsed once, when its
result arrives (:func:`decoded_output`); the parsed answer or verdict travels with the record and
is written with it (``parsed``), so no later step reads the text again.

One classification holds for every provider (:attr:`OutputRecord.status`): ``valid`` (the
answer or verdict could be read), ``unreadable`` (text that cannot be read as one),
``truncated`` (cut at the output token limit before a complete answer), ``refused`` (the model
or the provider's filter declined, with the provider's reason) and ``failed`` (the request
failed, with the error). Only valid answers are judged: the others count as incorrect.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from layton_eval.answers import Answer, Verdict, parse_output, replace_lone_surrogates
from layton_eval.neutral import ModelOutput, TokenCounts, Usage
from layton_eval.pricing import EstimateRecord, Spend, pricing
from layton_eval.runs import layout
from layton_eval.runs.manifest import BatchRecord, now

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider
    from layton_eval.providers.batch_types import RawResult
    from layton_eval.runs.store import Run

__all__ = [
    "STATUSES",
    "FetchResult",
    "OutputRecord",
    "decoded_output",
    "load_outputs",
    "merge_outputs",
    "retry_ids",
    "save_decoded_results",
    "save_outputs",
    "spend",
    "summarize",
]


#: The classes of an outcome, best first.
STATUSES = ("valid", "unreadable", "truncated", "refused", "failed")
OutputStatus = t.Literal["valid", "unreadable", "truncated", "refused", "failed"]


class OutputRecord(BaseModel):
    """One request's outcome, merged over every batch of the run (``outputs.jsonl``)."""

    id: str
    text: str = ""
    valid: bool = False
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    error: str | None = None
    refusal: str | None = None  # the provider's reason, when the answer was refused
    truncated: bool = False  # cut at the output token limit
    batch_id: str | None = None
    provider: str | None = None
    model: str | None = None
    fetched_at: dt.datetime = Field(default_factory=now)
    #: What the text says: the answer, or a judge's verdict (``None`` when it is not valid).
    parsed: Answer | Verdict | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> OutputStatus:
        """The outcome's class (see the module docstring)."""
        if self.error:
            return "failed"
        if self.valid:
            return "valid"
        if self.refusal is not None:
            return "refused"
        return "truncated" if self.truncated else "unreadable"

    @property
    def quality(self) -> int:
        """2 valid output, 1 output that cannot be used (unreadable, truncated, refused),
        0 failed request."""
        if self.error:
            return 0
        return 2 if self.valid else 1


class FetchResult(BaseModel):
    """What fetching a run's batches gave, for the card and ``--json``."""

    run: str
    kind: str
    fetched_batches: list[str]
    waiting_batches: list[str]
    total: int
    ok: int
    invalid: int
    truncated: int
    refused: int
    failed: int
    missing: int
    #: Riddle id -> the provider's reason, for the refused answers.
    refusals: dict[str, str] = Field(default_factory=dict)
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    #: Input tokens read from the provider's prompt cache (in --json only when there are some).
    cache_read_tokens: int = Field(default=0, exclude_if=lambda count: not count)
    cost_usd: float | None
    price_source: str  # where the price comes from, or why it is unknown
    #: False when some answers came from a file without token counts (the tokens are short).
    tokens_counted: bool = True
    #: The same tokens at standard (non-batch) prices, and what batching saved.
    standard_cost_usd: float | None = None
    saving_usd: float | None = None
    #: What the estimate before sending said (None: nothing sent, or no estimate recorded).
    estimate: EstimateRecord | None = None
    files: dict[str, str]
    next_command: str | None
    #: Ids that got two different valid answers (the first was kept).
    duplicates: list[str] = Field(default_factory=list)
    #: Outputs rebuilt from raw result files already on disk (no download).
    rebuilt: int = 0
    #: Batches that could not be polled or downloaded this time, with the reason.
    unreachable: dict[str, str] = Field(default_factory=dict)
    #: Batches whose download was damaged this time (nothing kept: fetch again), with why.
    damaged: dict[str, str] = Field(default_factory=dict)
    #: Lone surrogates replaced (by U+FFFD) in the texts fetched this time.
    replaced: int = 0


def load_outputs(run: Run) -> dict[str, OutputRecord]:
    """The run's merged outputs by request id (empty before the first fetch).

    A valid output written by an earlier version, without its parsed value, is parsed here
    (it is written with it at the next fetch).
    """
    outputs = {}
    for row in run.read_jsonl(layout.OUTPUTS):
        record = OutputRecord.model_validate(row)
        if record.valid and record.parsed is None and not record.error:
            record.parsed = parse_output(
                run.manifest.kind, record.text, repair=not record.truncated
            )
        outputs[record.id] = record
    return outputs


def save_outputs(run: Run, outputs: dict[str, OutputRecord]) -> None:
    """Write ``outputs.jsonl`` in the run's riddle order."""
    run.write_jsonl(layout.OUTPUTS, (outputs[cid] for cid in run.manifest.ids if cid in outputs))


def save_decoded_results(run: Run, batch_id: str, results: t.Mapping[str, RawResult]) -> None:
    """Keep results that did not come as a provider's download (an imported file's), decoded:
    one ``{custom_id, status_code, body}`` line per request, read back by fetch."""
    run.write_jsonl(
        layout.batch_results(batch_id),
        (
            {"custom_id": cid, "status_code": raw.status_code, "body": raw.body}
            for cid, raw in results.items()
        ),
    )


def retry_ids(run: Run, *, include_refused: bool = False) -> list[str]:
    """Requests without a valid output and not waiting in a batch that is still out.

    A refused answer is an answer (it counts as incorrect): it is resent only with
    ``include_refused``.
    """
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
        if custom_id not in pending
        and (custom_id not in outputs or outputs[custom_id].quality < 2)
        and (include_refused or custom_id not in outputs or outputs[custom_id].status != "refused")
    ]


def decoded_output(
    custom_id: str,
    raw: RawResult | None,
    record: BatchRecord,
    impl: Provider,
    kind: str,
    fetched_at: dt.datetime | None = None,
) -> tuple[OutputRecord, int]:
    """The outcome of one request of a fetched (or imported) batch, its text parsed once here,
    and how many lone surrogates its texts held (replaced).

    A result that cannot be read (an unexpected shape, a value of the wrong type) is that
    request's failed outcome with the reason: it never stops the batch.
    """
    base: dict[str, t.Any] = {
        "id": custom_id,
        "batch_id": record.batch_id,
        "provider": record.provider,
        "model": record.model,
        "fetched_at": fetched_at or now(),
    }
    if raw is None:
        status = record.remote_status or "unknown"
        why = f": {record.error}" if record.error else ""
        return OutputRecord(
            **base, error=f"no result for this request (batch ended as {status}{why})"
        ), 0
    try:
        fields, replaced = _read_result(raw, impl, kind)
        # model_validate: the same validation as OutputRecord(**...), without __init__'s
        # keyword packing (once a result line at fetch)
        return OutputRecord.model_validate(base | fields), replaced
    except Exception as exc:  # one odd result must not stop the batch
        error = f"the result could not be read ({type(exc).__name__}: {str(exc)[:200]})"
        return OutputRecord(**base, error=replace_lone_surrogates(error)[0]), 0


def _read_result(raw: RawResult, impl: Provider, kind: str) -> tuple[dict[str, t.Any], int]:
    """The fields of one result's outcome, with every text valid UTF-8; the replacements."""
    output: ModelOutput = impl.parse_response(raw)
    fields: dict[str, t.Any] = {"text": output.text, "error": output.error,
                                "refusal": output.refusal,
                                "finish_reason": output.finish_reason}  # fmt: skip
    replaced = 0
    for key, value in fields.items():
        if value is not None and not value.isascii():  # an ASCII text holds no surrogate
            fields[key], count = replace_lone_surrogates(value)
            replaced += count
    parsed = None
    if output.error is None and output.refusal is None:
        # an answer cut at the token limit counts only if its JSON was complete
        parsed = parse_output(kind, fields["text"], repair=not output.truncated)
    if isinstance(parsed, Answer) and not (
        parsed.answer.isascii() and parsed.justification.isascii()
    ):
        answer, one = replace_lone_surrogates(parsed.answer)
        justification, two = replace_lone_surrogates(parsed.justification)
        if one or two:
            parsed = Answer(answer=answer, justification=justification)
            replaced += one + two
    fields |= {"valid": parsed is not None, "usage": output.usage,
               "truncated": output.truncated, "parsed": parsed}  # fmt: skip
    return fields, replaced


def merge_outputs(
    outputs: dict[str, OutputRecord],
    new: t.Iterable[OutputRecord],
    conflicts: list[str] | None = None,
) -> set[str]:
    """Merge ``new`` into ``outputs`` (the better outcome wins); the ids that changed.

    A valid answer is never replaced, neither by an error nor by a later answer: a different
    valid answer for the same id is added to ``conflicts`` and the first one is kept.
    """
    changed = set()
    for record in new:
        old = outputs.get(record.id)
        if old is not None and old.quality == 2:
            if record.quality == 2 and record.text != old.text and conflicts is not None:
                conflicts.append(record.id)
            continue
        if old is None or record.quality >= old.quality:
            outputs[record.id] = record
            changed.add(record.id)
    return changed


class Counted(t.Protocol):
    """What :func:`summarize` reads of an outcome (an :class:`OutputRecord`, or the index entry
    of one written to disk)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def usage(self) -> TokenCounts: ...
    @property
    def refusal(self) -> str | None: ...
    @property
    def fetched_at(self) -> dt.datetime: ...


def summarize(
    run: Run,
    outputs: t.Mapping[str, Counted],
    *,
    fetched: list[str],
    waiting: list[str],
    next_command: str | None = None,
    files: dict[str, str] | None = None,
) -> FetchResult:
    """Counts, tokens and cost of the run's outputs so far."""
    present = [outputs[cid] for cid in run.manifest.ids if cid in outputs]
    counts = dict.fromkeys(STATUSES, 0)
    tokens = [0, 0, 0, 0]  # input, output, reasoning, cache reads
    refusals = {}
    for output in present:  # one pass: a fetch may hold tens of thousands of outputs
        status = output.status
        counts[status] += 1
        used = output.usage
        tokens[0] += used.input_tokens
        tokens[1] += used.output_tokens
        tokens[2] += used.reasoning_tokens
        tokens[3] += used.cache_read_tokens
        if status == "refused" and output.refusal:
            refusals[output.id] = output.refusal
    usage = Usage(input_tokens=tokens[0], output_tokens=tokens[1], reasoning_tokens=tokens[2])
    price = pricing(run.manifest.provider, run.manifest.model, run.manifest.price)
    cost, standard = price.costs((o.usage, o.fetched_at) for o in present)
    source = price.source
    counted = not any(b.source and not b.source.usage for b in run.manifest.live_batches)
    if not counted:
        cost, standard = None, None
        source = "unknown: an imported interchange file holds no token counts"
    return FetchResult(
        run=run.name,
        kind=run.manifest.kind,
        fetched_batches=fetched,
        waiting_batches=waiting,
        total=len(run.manifest.ids),
        ok=counts["valid"],
        invalid=counts["unreadable"],
        truncated=counts["truncated"],
        refused=counts["refused"],
        failed=counts["failed"],
        refusals=refusals,
        missing=len(run.manifest.ids) - len(present),
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cache_read_tokens=tokens[3],
        cost_usd=cost,
        price_source=source,
        tokens_counted=counted,
        standard_cost_usd=standard,
        saving_usd=None if cost is None or standard is None else standard - cost,
        estimate=_estimate(run),
        files=files or _existing({"outputs": run.file(layout.OUTPUTS)}),
        next_command=next_command,
    )


def _estimate(run: Run) -> EstimateRecord | None:
    """The estimates of the run's sent batches added up (``None`` when a batch has none)."""
    sent = [b for b in run.manifest.live_batches if b.source is None]
    if not sent or any(b.estimate is None for b in sent):
        return None
    usd = [b.estimate.usd for b in sent if b.estimate]
    return EstimateRecord(
        input_tokens=sum(b.estimate.input_tokens for b in sent if b.estimate),
        output_tokens=sum(b.estimate.output_tokens for b in sent if b.estimate),
        usd=None if None in usd else sum(u for u in usd if u is not None),
    )


def spend(result: FetchResult) -> Spend:
    """The tokens and costs of a fetch summary, to add up with others."""
    estimate = result.estimate
    return Spend(
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        reasoning_tokens=result.reasoning_tokens,
        batch_usd=result.cost_usd,
        standard_usd=result.standard_cost_usd,
        estimated_usd=estimate.usd if estimate else None,
        estimated_input_tokens=estimate.input_tokens if estimate else None,
        estimated_output_tokens=estimate.output_tokens if estimate else None,
    )


def _existing(paths: dict[str, Path]) -> dict[str, str]:
    """The files of ``paths`` that exist (a card lists only what is on disk)."""
    return {key: str(path) for key, path in paths.items() if path.is_file()}
