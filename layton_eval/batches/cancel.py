"""``cancel``: stop a run's batches at the provider (or its judges'), saying what they cost.

Each batch still out is polled first, so that what the card says (answered so far, spent so
far) is the provider's word of the moment; then the provider is asked to stop it and the answer
is recorded in ``run.json``: the batch is ``cancelling`` (requests under way may still finish),
then, at a later poll, ``cancelled``. Requests answered before the cancel stay answered: the
provider keeps their results, ``fetch`` collects them and ``send --retry-failed`` sends the
others again. A batch that finished before the cancel arrived is left as it is (the provider
refuses the cancel); when that is every batch, nothing was cancelled and the user is told so.
"""

from __future__ import annotations

import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches._calls import ClientFactory, default_client_factory, impl_for, run_async
from layton_eval.batches.poll import apply_snapshot
from layton_eval.batches.status import poll_run
from layton_eval.errors import RunError
from layton_eval.next_step import Step, family_facts, group_next, next_command
from layton_eval.runs.groups import total_cost
from layton_eval.runs.manifest import BatchPhase, BatchRecord, now
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.store import Run

__all__ = ["CancelResult", "CancelRow", "cancel_batches"]

#: States of a batch the cancel reached (anything else terminal had finished before it).
_STOPPED = frozenset({"cancelling", "cancelled"})


class CancelRow(BaseModel):
    """One batch: what it holds, what it has done and cost so far, where it stands."""

    run: str  # the evaluated run (a judge's parent)
    who: str  # "model", or "judge <key>"
    batch_id: str
    provider: str
    model: str
    requests: int
    answered: int  # requests the provider answered so far (they are paid)
    state: str  # as last polled: running... before the cancel; cancelling, cancelled after
    estimate_usd: float | None  # the estimate of the whole batch, made before sending
    spent_usd: float | None  # the estimate's share of the answered requests


class CancelResult(BaseModel):
    """What ``layton cancel`` stopped (or, before the user said yes, would stop)."""

    target: str  # the run or group named
    judges: bool  # the judges' batches, not the run's own
    batches: list[CancelRow]
    finished: list[CancelRow] = Field(default_factory=list)  # ended before the cancel came
    spent_usd: float | None  # estimated, for the answered requests of ``batches``
    unspent_usd: float | None  # estimated, for the requests not answered yet
    planned: bool  # True: nothing was cancelled yet (the card asked before cancelling)
    next_command: str | None


def _members(runs: t.Sequence[Run], judges: bool) -> list[Run]:
    return [child for run in runs for child in run.children()] if judges else list(runs)


def _out(member: Run) -> list[BatchRecord]:
    """The batches of ``member`` still out at the provider, as last polled."""
    return [
        b
        for b in member.manifest.live_batches
        if b.phase is BatchPhase.submitted and b.batch_id and not b.terminal and not b.gone
    ]


def _row(member: Run, record: BatchRecord) -> CancelRow:
    manifest = member.manifest
    judge = manifest.judge
    estimate = record.estimate.usd if record.estimate else None
    share = record.completed / record.request_count if record.request_count else 0.0
    assert record.batch_id is not None
    return CancelRow(
        run=manifest.parent or manifest.name,
        who=f"judge {judge.key}" if judge else "model",
        batch_id=record.batch_id,
        provider=record.provider,
        model=record.model,
        requests=record.request_count,
        answered=min(record.completed, record.request_count),
        state=record.remote_state or str(record.phase),
        estimate_usd=estimate,
        spent_usd=None if estimate is None else estimate * share,
    )


def cancel_batches(
    selection: Selection,
    *,
    settings: Settings,
    judges: bool = False,
    planned: bool = False,
    client_factory: ClientFactory | None = None,
) -> CancelResult:
    """Cancel every batch of ``selection``'s runs (with ``judges``: of their judges) still out
    at the provider; with ``planned``, only poll them and say what would be cancelled.

    Raises :class:`RunError` (naming what to do instead) when no batch is out, or when every
    batch had finished before its cancel arrived (then nothing changed).
    """
    factory = client_factory or default_client_factory
    members = _members(selection.runs, judges)
    for member in members:
        if _out(member):
            poll_run(member, settings=settings, client_factory=factory)
    todo = [(member, record) for member in members for record in _out(member)]
    if not todo:
        raise RunError(_nothing_out(selection, judges=judges))
    rows = [_row(member, record) for member, record in todo]
    finished: list[CancelRow] = []
    if not planned:
        rows = []
        for member in dict.fromkeys(member for member, _ in todo):
            for row in _cancel_member(member, settings, factory):
                (rows if row.state in _STOPPED else finished).append(row)
        if not rows:
            raise RunError(_too_late(selection, finished))
    spent = total_cost(row.spent_usd for row in rows)
    whole = total_cost(row.estimate_usd for row in rows)
    return CancelResult(
        target=selection.name,
        judges=judges,
        batches=rows,
        finished=finished,
        spent_usd=spent,
        unspent_usd=None if spent is None or whole is None else max(whole - spent, 0.0),
        planned=planned,
        next_command=_next(selection),
    )


def _cancel_member(member: Run, settings: Settings, factory: ClientFactory) -> list[CancelRow]:
    """Ask the provider to stop each batch of ``member`` still out, and record each answer
    (under the run's lock, so that nothing else changes the run meanwhile)."""
    rows = []
    with member.lock("cancelling batches of"):
        for record in _out(member):
            assert record.batch_id is not None
            before = _row(member, record)  # answered and spent when the cancel was asked
            snapshot = run_async(
                impl_for(record).cancel(
                    record.batch_id,
                    api_key=require_api_key(record.provider, settings),
                    total=record.request_count,
                    client_factory=factory,
                )
            )
            if str(snapshot.state) in _STOPPED or not snapshot.terminal:
                record.cancel_requested_at = now()
            apply_snapshot(record, snapshot)
            member.save()
            rows.append(before.model_copy(update={"state": _row(member, record).state}))
    return rows


def _next(selection: Selection) -> str | None:
    if selection.group is not None:
        return group_next(selection.group, [family_facts(run) for run in selection.runs])
    return next_command(Step.status, family_facts(selection.runs[0]))  # wait, then fetch


def _nothing_out(selection: Selection, *, judges: bool) -> str:
    """Why there is nothing to cancel, what is out elsewhere in the family (the judges', or
    the runs' own), and the command that moves on."""
    what = f"group {selection.group}" if selection.group else f"run {selection.name}"
    whose = "its judges have" if judges else "it has"
    elsewhere = [b for m in _members(selection.runs, not judges) for b in _out(m)]
    hint = (
        " (its own batches are out: cancel them without --judges)"
        if judges
        else " (its judges' batches are out: cancel them with --judges)"
    )
    command = _next(selection)
    return (
        f"nothing to cancel in {what}: {whose} no batch out at the provider"
        + (hint if elsewhere else "")
        + (f": {command}" if command else "")
    )


def _too_late(selection: Selection, finished: list[CancelRow]) -> str:
    ended = ", ".join(f"{row.batch_id} ({row.state})" for row in finished)
    command = _next(selection)
    return (
        f"nothing was cancelled in {selection.name}: every batch had finished before its cancel "
        f"arrived ({ended}); nothing changed and the results are kept"
        + (f": {command}" if command else "")
    )
