"""``fetch``: download the results of a run's finished batches into its outputs.

Each finished batch's raw results are kept, then merged into ``outputs.jsonl`` (each output
parsed once, as it arrives; see :mod:`layton_eval.runs.outputs`).
"""

from __future__ import annotations

import dataclasses
import typing as t

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_of, run_async
from layton_eval.batches.status import apply_snapshot, poll_records
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.runs.manifest import BatchRecord, now
from layton_eval.runs.outputs import (
    FetchResult,
    OutputRecord,
    load_outputs,
    merge_outputs,
    output_record,
    save_batch_results,
    save_outputs,
    summarize,
)
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.providers.batch_types import BatchSnapshot
    from layton_eval.runs.store import Run

__all__ = ["Fetched", "fetch_run"]


@dataclasses.dataclass(frozen=True)
class Fetched:
    """One run's fetch: the summary, and the merged outputs with the ids this fetch changed."""

    result: FetchResult
    outputs: dict[str, OutputRecord]
    changed: set[str]


def fetch_run(
    run: Run,
    *,
    settings: Settings,
    client_factory: ClientFactory | None = None,
    has_judges: bool = False,
) -> Fetched:
    """Download the results of finished, not yet fetched batches into ``outputs.jsonl``."""
    factory = client_factory or default_client_factory
    fetched: list[str] = []
    waiting: list[str] = []
    changed: set[str] = set()
    with run.lock():
        outputs = load_outputs(run)
        todo = [b for b in run.manifest.live_batches if b.batch_id and not b.fetched_at]
        snapshots = poll_records(run, todo, settings, factory)
        for record in todo:
            assert record.batch_id is not None
            snap = snapshots[record.intent_id]
            apply_snapshot(record, snap)
            if not snap.terminal:
                waiting.append(record.batch_id)
                continue
            changed |= _fetch_batch(run, record, snap, outputs, settings, factory)
            fetched.append(record.batch_id)
        run.save()
    facts = Facts.of(run.manifest, waiting=bool(waiting), has_judges=has_judges)
    result = summarize(
        run, outputs, fetched=fetched, waiting=waiting, next_command=next_command(Step.fetch, facts)
    )
    return Fetched(result=result, outputs=outputs, changed=changed)


def _fetch_batch(
    run: Run,
    record: BatchRecord,
    snap: BatchSnapshot,
    outputs: dict[str, OutputRecord],
    settings: Settings,
    factory: ClientFactory,
) -> set[str]:
    """Download one finished batch, merge it into ``outputs`` and record it; the changed ids."""
    assert record.batch_id is not None
    impl = impl_of(record.provider)
    api_key = require_api_key(record.provider, settings)
    results = run_async(
        impl.results(record.batch_id, snap, api_key=api_key, client_factory=factory)
    )
    save_batch_results(run, record.batch_id, results)
    kind = run.manifest.kind
    new = [output_record(cid, results.get(cid), record, impl, kind) for cid in record.custom_ids]
    changed = merge_outputs(outputs, new)
    save_outputs(run, outputs)
    record.fetched_at = now()
    run.save()
    return changed
