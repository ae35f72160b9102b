"""``fetch``: download the results of a run's finished batches into its outputs.

Each finished batch's results are streamed to a partial file as the provider sends them, then
decoded one line at a time (each output parsed once, as it arrives, and written at once; see
:mod:`layton_eval.runs.lines`). The download is checked before it is kept
(:func:`~layton_eval.runs.decode.download_damage`): a damaged one is set aside, its batch stays
to fetch and nothing of it is counted. Each batch is fetched on its own: one that cannot be
polled or downloaded is reported and the others go on. Results already on disk are never
downloaded again, and outputs missing from ``outputs.jsonl`` (a deleted or older file) are
rebuilt from them before anything is called missing.
"""

from __future__ import annotations

import dataclasses
import os
import typing as t

from layton_eval.batches._calls import (
    ClientFactory,
    default_client_factory,
    impl_for,
    impl_of,
    run_async,
)
from layton_eval.batches.poll import apply_snapshot, poll_records, record_failure
from layton_eval.errors import BatchError, ProviderHTTPError
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.providers._results import LineCheck, OnBytes
from layton_eval.providers.batch_types import BatchSnapshot, RawResult
from layton_eval.runs import layout
from layton_eval.runs.atomic import atomic_open, writing
from layton_eval.runs.decode import BatchOutputs, batch_outputs, download_damage
from layton_eval.runs.lines import OutputLines
from layton_eval.runs.manifest import BatchRecord, now
from layton_eval.runs.outputs import FetchResult, retry_ids, summarize
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["Fetched", "Progress", "fetch_run", "rebuild_outputs"]

#: Result lines decoded between two reports to a progress bar.
_REPORT_EVERY = 500


class Progress(t.Protocol):
    """What a progress display is told of a fetch (the command layer draws it)."""

    def download(self, batch_id: str) -> OnBytes:
        """The callback told of each chunk of ``batch_id``'s results downloaded."""

    def decode(self, batch_id: str, lines: int) -> t.Callable[[int], None]:
        """The callback told of result lines decoded (how many more)."""


@dataclasses.dataclass(frozen=True)
class Fetched:
    """One run's fetch: the summary, and the merged outputs (their lines on disk, indexed:
    close them when done)."""

    result: FetchResult
    outputs: OutputLines


@dataclasses.dataclass
class _Progress:
    """What one fetch did, batch by batch."""

    fetched: list[str] = dataclasses.field(default_factory=list)
    waiting: list[str] = dataclasses.field(default_factory=list)
    unreachable: dict[str, str] = dataclasses.field(default_factory=dict)
    duplicates: list[str] = dataclasses.field(default_factory=list)
    damaged: dict[str, str] = dataclasses.field(default_factory=dict)
    replaced: int = 0
    shown: Progress | None = None


def fetch_run(
    run: Run,
    *,
    settings: Settings,
    client_factory: ClientFactory | None = None,
    has_judges: bool = False,
    predictions: bool = False,
    shown: Progress | None = None,
) -> Fetched:
    """Download the results of finished, not yet fetched batches into ``outputs.jsonl``.

    ``predictions``: keep each outcome's prediction lines too, for
    :meth:`~layton_eval.runs.lines.OutputLines.save_predictions`. ``shown``: told how the
    downloads and the decoding go.
    """
    factory = client_factory or default_client_factory
    progress = _Progress(shown=shown)
    with run.lock("fetching"):
        lines = OutputLines(run, predictions=predictions)
        try:
            rebuilt = _rebuild(run, lines)
            todo = [b for b in run.manifest.live_batches if b.batch_id and not b.fetched_at]
            snapshots = poll_records(run, todo, settings, factory)
            for record in todo:
                answer = snapshots[record.intent_id]
                _fetch_one(run, record, answer, lines, settings, factory, progress)
            run.save()
        except BaseException:
            lines.close()
            raise
    gone = next((b.batch_id for b in run.manifest.live_batches if b.gone), None)
    facts = Facts.of(
        run.manifest,
        waiting=bool(progress.waiting or progress.unreachable),
        has_judges=has_judges,
        gone=gone,
        cancelled_unanswered=_cancelled_unanswered(run),
    )
    result = summarize(
        run,
        lines.kept,
        fetched=progress.fetched,
        waiting=progress.waiting,
        # after a damaged download, what moves the run on from where it stands: fetch again
        next_command=next_command(Step.status if progress.damaged else Step.fetch, facts),
    ).model_copy(
        update={
            "duplicates": sorted(set(progress.duplicates)),
            "rebuilt": len(rebuilt),
            "unreachable": progress.unreachable,
            "damaged": progress.damaged,
            "replaced": progress.replaced,
        }
    )
    return Fetched(result=result, outputs=lines)


def _fetch_one(
    run: Run,
    record: BatchRecord,
    answer: BatchSnapshot | BatchError,
    lines: OutputLines,
    settings: Settings,
    factory: ClientFactory,
    progress: _Progress,
) -> None:
    """Fetch one batch if it is finished; a failure is recorded on it and reported, a damaged
    download is set aside (the batch stays to fetch)."""
    assert record.batch_id is not None
    if isinstance(answer, BatchError):
        record_failure(record, answer)
        progress.unreachable[record.batch_id] = str(answer)
        return
    apply_snapshot(record, answer)
    if not answer.terminal:
        progress.waiting.append(record.batch_id)
        return
    try:
        found = _results(run, record, answer, lines, settings, factory, progress.shown)
    except BatchError as exc:
        if isinstance(exc, ProviderHTTPError) and exc.auth:
            raise
        record_failure(record, exc)
        progress.unreachable[record.batch_id] = str(exc)
        return
    if found is None:  # damaged: set aside, nothing recorded
        progress.damaged[record.batch_id] = str(record.poll_error)
        run.save()
        return
    progress.duplicates += found.conflicts
    progress.replaced += found.replaced
    lines.merge(found.entries, progress.duplicates)
    lines.save()
    record.fetched_at = now()
    run.save()
    progress.fetched.append(record.batch_id)


def _results(
    run: Run,
    record: BatchRecord,
    snap: BatchSnapshot,
    lines: OutputLines,
    settings: Settings,
    factory: ClientFactory,
    shown: Progress | None = None,
) -> BatchOutputs | None:
    """The batch's outputs, decoded line by line from its results on disk: kept by a previous
    fetch, else downloaded (streamed to a file) and checked before they are kept. ``None``
    when the download is damaged: its bytes are set aside and the reason is recorded."""
    assert record.batch_id is not None
    impl = impl_of(record.provider)
    kept = _decode_saved(run, record, lines)
    if kept is not None:
        return kept
    api_key = require_api_key(record.provider, settings)
    partial = run.file(layout.batch_partial(record.batch_id))
    with atomic_open(partial) as handle:
        on_bytes = shown.download(record.batch_id) if shown else None
        tails = run_async(
            impl_for(record).download_to(
                record.batch_id, snap, handle, api_key=api_key, client_factory=factory,
                on_bytes=on_bytes,
            )
        )  # fmt: skip
    check = LineCheck()
    with partial.open("rb") as handle:
        results = impl.decode_lines(handle, check)
        if shown is not None:
            results = _counted(results, shown.decode(record.batch_id, len(record.custom_ids)))
        found = batch_outputs(results, record, impl, lines)
    damage = download_damage(record, snap, found.answered, check, tails)
    name = layout.batch_download if damage is None else layout.batch_damaged
    target = run.file(name(record.batch_id))
    with writing(target):
        os.replace(partial, target)
    if damage is None:
        return found
    record.poll_error = (
        f"download damaged: {damage}; nothing was kept (bytes set aside in "
        f"{layout.batch_damaged(record.batch_id)}): fetch again to download it again"
    )
    return None


def _counted(
    results: t.Iterator[tuple[str, RawResult]], advance: t.Callable[[int], None]
) -> t.Iterator[tuple[str, RawResult]]:
    """``results``, telling ``advance`` every few hundred lines."""
    count = 0
    for item in results:
        yield item
        count += 1
        if count == _REPORT_EVERY:
            advance(count)
            count = 0
    advance(count)


def _decode_saved(
    run: Run, record: BatchRecord, lines: OutputLines, ids: list[str] | None = None
) -> BatchOutputs | None:
    """The outcomes of ``record``'s batch decoded from the results kept on disk (of ``ids``
    among them); ``None`` when there are none. Results kept decoded by an earlier version are
    read as they are."""
    assert record.batch_id is not None
    impl = impl_of(record.provider)
    path = run.file(layout.batch_download(record.batch_id))
    if path.is_file():
        with path.open("rb") as handle:
            return batch_outputs(impl.decode_lines(handle), record, impl, lines, ids=ids)
    legacy = layout.batch_results(record.batch_id)
    if not run.file(legacy).is_file():
        return None
    rows = (
        (
            str(row["custom_id"]),
            RawResult(status_code=int(row["status_code"]), body=row.get("body")),
        )
        for row in run.read_jsonl(legacy)
    )
    return batch_outputs(rows, record, impl, lines, ids=ids)


def _rebuild(run: Run, lines: OutputLines) -> set[str]:
    """Rebuild, from the raw results on disk, the outputs of fetched batches that
    ``outputs.jsonl`` lacks, and save it if any was (call under the run's lock); the ids
    rebuilt."""
    rebuilt: set[str] = set()
    for record in run.manifest.live_batches:
        missing = [cid for cid in record.custom_ids if cid not in lines.kept]
        if not (record.fetched_at and record.batch_id and missing):
            continue
        saved = _decode_saved(run, record, lines, ids=missing)
        if saved is not None:
            rebuilt |= lines.merge(saved.entries)
    if rebuilt:
        lines.save()
    return rebuilt


def rebuild_outputs(run: Run) -> set[str]:
    """Rebuild the outputs that ``outputs.jsonl`` lacks from the raw results of fetched
    batches on disk (call under the run's lock); the ids rebuilt."""
    with OutputLines(run) as lines:
        return _rebuild(run, lines)


def _cancelled_unanswered(run: Run) -> bool:
    """A batch of ``run`` was cancelled and some riddle still has no valid answer."""
    if not any(batch.cancel_requested_at for batch in run.manifest.live_batches):
        return False  # the common case reads no outputs
    return bool(retry_ids(run))
