"""``fetch``: download the results of a run's finished batches into its outputs.

Each finished batch's results are kept as the provider sent them, then decoded one line at a
time into ``outputs.jsonl`` (each output parsed once, as it arrives; see
:mod:`layton_eval.runs.outputs`). Each batch is fetched on its own: one that cannot be polled or
downloaded is reported and the others go on. Results already on disk are never downloaded
again, and outputs missing from ``outputs.jsonl`` (a deleted or older file) are rebuilt from them
before anything is called missing.
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
from layton_eval.batches.status import apply_snapshot, poll_records, record_failure
from layton_eval.errors import BatchError, ProviderHTTPError
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.providers._results import LineCheck
from layton_eval.providers.batch_types import BatchSnapshot, RawResult
from layton_eval.runs import layout
from layton_eval.runs.atomic import atomic_open, writing
from layton_eval.runs.decode import BatchOutputs, batch_outputs, download_damage
from layton_eval.runs.manifest import BatchRecord, now
from layton_eval.runs.outputs import (
    FetchResult,
    OutputRecord,
    load_outputs,
    merge_outputs,
    save_outputs,
    summarize,
)
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["Fetched", "fetch_run", "rebuild_outputs"]


@dataclasses.dataclass(frozen=True)
class Fetched:
    """One run's fetch: the summary, and the merged outputs (parsed, in memory)."""

    result: FetchResult
    outputs: dict[str, OutputRecord]


@dataclasses.dataclass
class _Progress:
    """What one fetch did, batch by batch."""

    fetched: list[str] = dataclasses.field(default_factory=list)
    waiting: list[str] = dataclasses.field(default_factory=list)
    unreachable: dict[str, str] = dataclasses.field(default_factory=dict)
    duplicates: list[str] = dataclasses.field(default_factory=list)
    damaged: dict[str, str] = dataclasses.field(default_factory=dict)
    replaced: int = 0


def fetch_run(
    run: Run,
    *,
    settings: Settings,
    client_factory: ClientFactory | None = None,
    has_judges: bool = False,
) -> Fetched:
    """Download the results of finished, not yet fetched batches into ``outputs.jsonl``."""
    factory = client_factory or default_client_factory
    progress = _Progress()
    with run.lock("fetching"):
        outputs = load_outputs(run)
        rebuilt = rebuild_outputs(run, outputs)
        todo = [b for b in run.manifest.live_batches if b.batch_id and not b.fetched_at]
        snapshots = poll_records(run, todo, settings, factory)
        for record in todo:
            _fetch_one(
                run, record, snapshots[record.intent_id], outputs, settings, factory, progress
            )
        run.save()
    gone = next((b.batch_id for b in run.manifest.live_batches if b.gone), None)
    facts = Facts.of(
        run.manifest,
        waiting=bool(progress.waiting or progress.unreachable),
        damaged=bool(progress.damaged),
        has_judges=has_judges,
        gone=gone,
    )
    result = summarize(
        run,
        outputs,
        fetched=progress.fetched,
        waiting=progress.waiting,
        next_command=next_command(Step.fetch, facts),
    ).model_copy(
        update={
            "duplicates": sorted(set(progress.duplicates)),
            "rebuilt": len(rebuilt),
            "unreachable": progress.unreachable,
            "damaged": progress.damaged,
            "replaced": progress.replaced,
        }
    )
    return Fetched(result=result, outputs=outputs)


def _fetch_one(
    run: Run,
    record: BatchRecord,
    answer: BatchSnapshot | BatchError,
    outputs: dict[str, OutputRecord],
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
        found = _results(run, record, answer, settings, factory)
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
    merge_outputs(outputs, found.records, progress.duplicates)
    save_outputs(run, outputs)
    record.fetched_at = now()
    run.save()
    progress.fetched.append(record.batch_id)


def _results(
    run: Run,
    record: BatchRecord,
    snap: BatchSnapshot,
    settings: Settings,
    factory: ClientFactory,
) -> BatchOutputs | None:
    """The batch's outputs, decoded line by line from its results on disk: kept by a previous
    fetch, else downloaded (streamed to a file) and checked before they are kept. ``None``
    when the download is damaged: its bytes are set aside and the reason is recorded."""
    assert record.batch_id is not None
    impl = impl_of(record.provider)
    kept = _decode_saved(run, record)
    if kept is not None:
        return kept
    api_key = require_api_key(record.provider, settings)
    partial = run.file(layout.batch_partial(record.batch_id))
    with atomic_open(partial) as handle:
        tails = run_async(
            impl_for(record).download_to(
                record.batch_id, snap, handle, api_key=api_key, client_factory=factory
            )
        )
    check = LineCheck()
    with partial.open("rb") as lines:
        found = batch_outputs(impl.decode_lines(lines, check), record, impl, run.manifest.kind)
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


def _decode_saved(
    run: Run, record: BatchRecord, ids: list[str] | None = None
) -> BatchOutputs | None:
    """The outputs of ``record``'s batch decoded from the results kept on disk (of ``ids``
    among them); ``None`` when there are none. Results kept decoded by an earlier version are
    read as they are."""
    assert record.batch_id is not None
    impl = impl_of(record.provider)
    kind = run.manifest.kind
    path = run.file(layout.batch_download(record.batch_id))
    if path.is_file():
        with path.open("rb") as lines:
            return batch_outputs(impl.decode_lines(lines), record, impl, kind, ids=ids)
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
    return batch_outputs(rows, record, impl, kind, ids=ids)


def rebuild_outputs(run: Run, outputs: dict[str, OutputRecord] | None = None) -> set[str]:
    """Rebuild, from the raw results on disk, the outputs of fetched batches that
    ``outputs.jsonl`` lacks (call under the run's lock); the ids rebuilt."""
    outputs = load_outputs(run) if outputs is None else outputs
    rebuilt: set[str] = set()
    for record in run.manifest.live_batches:
        missing = [cid for cid in record.custom_ids if cid not in outputs]
        if not (record.fetched_at and record.batch_id and missing):
            continue
        saved = _decode_saved(run, record, ids=missing)
        if saved is None:
            continue
        rebuilt |= merge_outputs(outputs, saved.records)
    if rebuilt:
        save_outputs(run, outputs)
    return rebuilt
