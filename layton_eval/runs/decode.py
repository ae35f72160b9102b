"""One batch's results decoded into outputs, one result line at a time.

Each result is read defensively (:func:`~layton_eval.runs.outputs.decoded_output`): a body of
an unexpected shape becomes that request's failed outcome with the reason, and every text is
made valid UTF-8 (lone surrogates replaced, and counted). One odd answer never stops the batch.
A fresh download is checked before it is kept (:func:`download_damage`).
"""

from __future__ import annotations

import dataclasses
import typing as t

from layton_eval.runs.lines import Entry, OutputLines, sameness
from layton_eval.runs.manifest import BatchRecord, now
from layton_eval.runs.outputs import decoded_output

if t.TYPE_CHECKING:
    from layton_eval.providers._results import LineCheck
    from layton_eval.providers.base import Provider
    from layton_eval.providers.batch_types import BatchSnapshot, RawResult

__all__ = ["BatchOutputs", "batch_outputs", "download_damage"]


@dataclasses.dataclass
class BatchOutputs:
    """The outcomes of one batch's results (written, see :class:`OutputLines`), and what
    decoding them found."""

    entries: list[Entry]
    #: Ids that got two different successful lines.
    conflicts: list[str]
    #: Requests of the batch that had a result line (a success, an error, or a damaged line).
    answered: int = 0
    #: Lone surrogates replaced in the texts.
    replaced: int = 0


def batch_outputs(
    results: t.Iterable[tuple[str, RawResult]],
    record: BatchRecord,
    impl: Provider,
    lines: OutputLines,
    *,
    ids: t.Sequence[str] | None = None,
) -> BatchOutputs:
    """The outcomes of a batch's requests (or of ``ids`` among them), each decoded from its
    result line and written to ``lines`` at once (one record in memory at a time).

    For each id the first success is kept, whatever follows it (a later, different success is
    named in ``conflicts``); a failure is replaced by whatever comes next for the same id. A
    request without a result line gets a failed outcome.
    """
    wanted = list(record.custom_ids if ids is None else ids)
    known = set(wanted)
    kind = lines.run.manifest.kind
    stamp = now()  # one fetch time for the batch
    kept: dict[str, Entry] = {}
    answered: set[str] = set()
    found = BatchOutputs([], [])
    for custom_id, raw in results:
        if custom_id not in known:
            continue
        if custom_id in answered:
            if raw.status_code < 400:
                other, _ = decoded_output(custom_id, raw, record, impl, kind, stamp)
                if sameness(other) != kept[custom_id].same:
                    found.conflicts.append(custom_id)
            continue
        output, replaced = decoded_output(custom_id, raw, record, impl, kind, stamp)
        kept[custom_id] = lines.add(output)
        found.replaced += replaced
        if raw.status_code < 400:
            answered.add(custom_id)
    found.answered = len(kept)
    for cid in wanted:
        if cid not in kept:
            kept[cid] = lines.add(decoded_output(cid, None, record, impl, kind, stamp)[0])
        found.entries.append(kept[cid])
    return found


def download_damage(
    record: BatchRecord,
    snap: BatchSnapshot,
    answered: int,
    check: LineCheck,
    tails: t.Sequence[bytes],
) -> str | None:
    """Why a batch's fresh download cannot be kept as its results (``None``: it can).

    Every line must be a result, no file may end in the middle of a line, and as many requests
    must have a result line as the provider said were done (completed or failed) at the last
    poll; a batch that completed without counts must have one for every request. A download of
    no file at all (a batch that failed as a whole has none) has nothing to check.
    """
    import json

    if not tails:
        return None
    if check.unreadable:
        return f"{check.unreadable} line(s) are not results: not JSON, or without a request id"
    for tail in tails:
        try:
            if tail:
                json.loads(tail)
        except ValueError:
            return "a file ends in the middle of a line: it was cut short"
    requests = len(record.custom_ids)
    expected = min(requests, snap.completed + snap.failed)
    if not expected and snap.state == "completed":
        expected = requests
    if answered < expected:
        return (
            f"{answered} result line(s) for the {expected} request(s) "
            f"{record.provider} reported done"
        )
    return None
