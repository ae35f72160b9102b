"""``status``: where a run's batches stand at the provider, polled and recorded.

:func:`poll_run` asks once for every unfinished batch; :func:`wait_run` asks again every few
seconds until every batch is finished. The answers are recorded in ``run.json`` (unless another
layton process holds the run: then they are only shown).

Each batch is polled on its own: a batch whose poll fails keeps its error in its row and the
others go on. A batch the provider answers 404 for is ``gone``; it, or a batch that expired, can
be set aside (:func:`set_aside`), which opens its riddles to ``send --retry-failed``. While the
provider cannot be reached, :func:`wait_run` waits longer and longer between polls.

A selection (one run, or the runs of a group) is polled by :func:`poll_runs` and followed by
:func:`watch_runs`: one family's statuses per run (the run's, then its judges'), and for a
group the table of its runs with the group's next command.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

from pydantic import BaseModel, Field, PrivateAttr

from layton_eval.batches._calls import ClientFactory, default_client_factory
from layton_eval.batches.poll import apply_answer, poll_records
from layton_eval.errors import BatchError, RunError
from layton_eval.next_step import Facts, Step, family_facts, fixes, group_next, next_command
from layton_eval.runs import layout
from layton_eval.runs.manifest import BatchPhase, BatchRecord, RunState
from layton_eval.settings import Settings, require_api_keys

if t.TYPE_CHECKING:
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.store import Run

__all__ = [
    "BatchView",
    "GroupRow",
    "GroupStatus",
    "RunStatus",
    "SelectionStatus",
    "family_next",
    "poll_run",
    "poll_runs",
    "set_aside",
    "set_aside_in",
    "status_of",
    "statuses_of",
    "wait_run",
    "watch_runs",
    "require_keys",
]

#: Longest pause between polls while the provider cannot be reached (seconds).
MAX_BACKOFF = 600.0


class BatchView(BaseModel):
    """One batch as shown by ``status``."""

    batch_id: str | None
    provider: str
    model: str
    phase: BatchPhase
    status: str | None
    state: str | None
    terminal: bool
    completed: int
    failed: int
    total: int
    submitted_at: dt.datetime | None
    fetched: bool
    error: str | None = None
    poll_error: str | None = None
    unreachable_since: dt.datetime | None = None
    gone: bool = False


class RunStatus(BaseModel):
    run: str
    kind: str
    state: RunState
    batches: list[BatchView]
    next_command: str | None
    _facts: Facts = PrivateAttr()  # what the family's next command is decided from

    @property
    def waiting(self) -> bool:
        """Some batch is out at the provider and may still move (not finished, not gone)."""
        return any(
            b.phase is BatchPhase.submitted and not b.terminal and not b.gone for b in self.batches
        )

    @property
    def unreachable_since(self) -> dt.datetime | None:
        """Since when the provider has not answered a poll, if it does not answer now."""
        times = [b.unreachable_since for b in self.batches if b.unreachable_since]
        return min(times) if times else None


def _view(record: BatchRecord) -> BatchView:
    return BatchView(
        batch_id=record.batch_id,
        provider=record.provider,
        model=record.model,
        phase=record.phase,
        status=record.remote_status,
        state=record.remote_state,
        terminal=record.terminal,
        completed=record.completed,
        failed=record.failed,
        total=record.request_count,
        submitted_at=record.submitted_at,
        fetched=record.fetched_at is not None,
        error=record.error,
        poll_error=record.poll_error,
        unreachable_since=record.unreachable_since,
        gone=record.gone,
    )


def status_of(run: Run) -> RunStatus:
    """The run's batches as last recorded (no HTTP)."""
    manifest = run.manifest
    gone = next((b.batch_id for b in manifest.live_batches if _can_set_aside(b)), None)
    facts = Facts.of(manifest, scored=run.file(layout.SCORE).is_file(), gone=gone)
    status = RunStatus(
        run=run.name,
        kind=manifest.kind,
        state=manifest.derived_state(),
        batches=[_view(b) for b in manifest.batches],
        next_command=next_command(Step.status, facts),
    )
    status._facts = facts
    return status


def member_facts(statuses: list[RunStatus]) -> Facts:
    """The facts of a run family (a run's status, then its judges'), as polled."""
    main, judges = statuses[0], statuses[1:]
    gone = next((b.batch_id for s in statuses for b in s.batches if _view_gone(b)), None)
    judge_states = tuple(j.state for j in judges)
    return dataclasses.replace(main._facts, judge_states=judge_states, gone=gone)


def family_next(statuses: list[RunStatus]) -> list[RunStatus]:
    """``statuses`` (a run, then its judges) with the next command of the family as a whole."""
    main, judges = statuses[0], statuses[1:]
    facts = member_facts(statuses)
    if facts.gone is None and main.state is not RunState.fetched:
        return statuses
    command = next_command(Step.status, facts)
    return [main.model_copy(update={"next_command": command}), *judges]


def poll_run(
    run: Run, *, settings: Settings, client_factory: ClientFactory | None = None
) -> RunStatus:
    """Poll every submitted, unfinished batch once and record what the provider says."""
    factory = client_factory or default_client_factory
    waiting = [
        b
        for b in run.manifest.batches
        if b.phase is BatchPhase.submitted and b.batch_id and not b.terminal
    ]
    if waiting:
        snapshots = poll_records(run, waiting, settings, factory)
        try:
            with run.lock("recording a poll of"):
                for record in run.manifest.batches:
                    if record.intent_id in snapshots:
                        apply_answer(record, snapshots[record.intent_id])
                run.save()
        except RunError:
            # another layton process holds the run (e.g. `send --wait`): show, do not record
            for record in run.manifest.batches:
                if record.intent_id in snapshots:
                    apply_answer(record, snapshots[record.intent_id])
    return status_of(run)


def require_keys(runs: t.Iterable[Run], settings: Settings) -> None:
    """The keys of every provider with a batch out in ``runs``, all checked before the first
    poll: every missing one named at once."""
    require_api_keys(
        (b.provider for run in runs for b in run.manifest.batches if b.batch_id and not b.terminal),
        settings,
    )


def wait_run(
    runs: t.Sequence[Run],
    *,
    settings: Settings,
    interval: float,
    on_poll: t.Callable[[list[RunStatus]], None],
    client_factory: ClientFactory | None = None,
    sleep: t.Callable[[float], None] | None = None,
    timeout: float | None = None,
    name: str | None = None,
) -> list[RunStatus]:
    """Poll ``runs`` every ``interval`` seconds until no batch is still out (or ``timeout``).

    While the provider cannot be reached the pause doubles, up to :data:`MAX_BACKOFF` (or
    ``interval`` when that is longer); it is back to ``interval`` once the provider answers.
    """
    import time

    pause_for = sleep or time.sleep
    waited = 0.0  # time spent between polls (the polls themselves are short)
    pause = interval
    require_keys(runs, settings)
    while True:
        statuses = [poll_run(run, settings=settings, client_factory=client_factory) for run in runs]
        on_poll(statuses)
        if not any(s.waiting for s in statuses):
            return statuses
        outage = any(s.unreachable_since for s in statuses)
        pause = min(pause * 2, max(interval, MAX_BACKOFF)) if outage else interval
        if timeout is not None and waited + pause > timeout:
            raise BatchError(
                f"batches still running after {waited:.0f} s of waiting; they go on at the "
                f"provider: come back later with '{fixes.follow(name or runs[0].name)}'"
            )
        pause_for(pause)
        waited += pause


def _can_set_aside(record: BatchRecord) -> bool:
    """A batch the provider no longer knows, or that expired before it was fetched."""
    return not record.fetched_at and (record.gone or record.remote_state == "expired")


def _view_gone(view: BatchView) -> bool:
    return not view.fetched and (view.gone or view.state == "expired")


def set_aside(runs: t.Sequence[Run], batch_id: str) -> list[RunStatus]:
    """Set aside ``batch_id`` of a run family (the provider lost it, or it expired): its
    riddles without a valid output are open to ``send --retry-failed`` again."""
    for run in runs:
        with run.lock("setting a batch aside in"):
            record = next((b for b in run.manifest.live_batches if b.batch_id == batch_id), None)
            if record is None:
                continue
            if not _can_set_aside(record):
                raise RunError(
                    f"batch {batch_id} of run {run.name} is still known to {record.provider} "
                    f"({record.remote_state or record.phase}): only a batch the provider no "
                    "longer knows (404) or that expired can be set aside",
                    run=run.name,
                )
            record.phase = BatchPhase.set_aside
            why = "the provider no longer knows it" if record.gone else "it expired"
            record.error = f"set aside by the user ({why}); its riddles can be sent again"
            run.save()
            return [status_of(r) for r in runs]
    raise RunError(f"no batch {batch_id} in run {runs[0].name} or its judges", run=runs[0].name)


def set_aside_in(selection: Selection, batch_id: str) -> None:
    """Set aside ``batch_id`` in the run family of ``selection`` that holds it."""
    owner = next(
        (run for run in selection.runs for member in run.family()
         for b in member.manifest.live_batches if b.batch_id == batch_id),
        None,
    )  # fmt: skip
    if owner is None:
        what = "run" if selection.group is None else "group"
        raise RunError(
            f"no batch {batch_id} in {what} {selection.name} or its judges",
            run=selection.runs[0].name if selection.group is None else None,
        )
    set_aside(owner.family(), batch_id)


# -- a selection: one family's statuses per run, and a group's table ------------------------------


class GroupRow(BaseModel):
    """One run of a group, as ``status GROUP`` shows it."""

    run: str
    provider: str | None
    model: str | None
    hints: int
    state: RunState
    completed: int  # requests done in its live batches
    total: int
    judges: str  # the judges' states, e.g. "3 fetched" ("-": no jury yet)
    errors: list[str] = Field(default_factory=list)
    next_command: str | None  # this run's own next command


class GroupStatus(BaseModel):
    """Where every run of a group stands."""

    group: str
    runs: list[GroupRow]
    next_command: str | None


@dataclasses.dataclass(frozen=True)
class SelectionStatus:
    """Where each run of a selection stands: its family's statuses (the run's, then its
    judges', with the family's next command), and for a group its table."""

    families: list[list[RunStatus]]
    table: GroupStatus | None


def _judges(statuses: list[RunStatus]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status.state)] = counts.get(str(status.state), 0) + 1
    return ", ".join(f"{n} {state}" for state, n in counts.items()) or "-"


def _row(statuses: list[RunStatus], run: Run) -> GroupRow:
    main = statuses[0]
    live = [b for b in main.batches if b.phase is not BatchPhase.rejected]
    return GroupRow(
        run=main.run,
        provider=run.manifest.provider,
        model=run.manifest.model,
        hints=run.manifest.hints,
        state=main.state,
        completed=sum(b.total if b.terminal else b.completed for b in live),
        total=sum(b.total for b in live),
        judges=_judges(statuses[1:]),
        errors=[e for s in statuses for b in s.batches for e in (b.error, b.poll_error) if e],
        next_command=next_command(Step.status, member_facts(statuses)),
    )


def standing(selection: Selection, families: list[list[RunStatus]]) -> SelectionStatus:
    """``families`` (one per run of ``selection``) with the family's next command on each,
    and for a group the table of its runs."""
    families = [family_next(statuses) for statuses in families]
    if selection.group is None:
        return SelectionStatus(families, None)
    facts = [
        dataclasses.replace(
            member_facts(statuses),
            missing_verdicts=family_facts(run, verdicts=True).missing_verdicts,
        )
        for statuses, run in zip(families, selection.runs, strict=True)
    ]
    rows = [_row(statuses, run) for statuses, run in zip(families, selection.runs, strict=True)]
    table = GroupStatus(
        group=selection.group, runs=rows, next_command=group_next(selection.group, facts)
    )
    return SelectionStatus(families, table)


def statuses_of(selection: Selection) -> SelectionStatus:
    """Where each run of ``selection`` stands, as last recorded (no HTTP)."""
    return standing(selection, [[status_of(m) for m in run.family()] for run in selection.runs])


def poll_runs(
    selection: Selection, *, settings: Settings, client_factory: ClientFactory | None = None
) -> SelectionStatus:
    """Poll each run of ``selection`` and its judges once."""
    require_keys([member for run in selection.runs for member in run.family()], settings)
    families = [
        [poll_run(m, settings=settings, client_factory=client_factory) for m in run.family()]
        for run in selection.runs
    ]
    return standing(selection, families)


def watch_runs(
    selection: Selection,
    *,
    settings: Settings,
    interval: float,
    timeout: float | None,
    on_poll: t.Callable[[SelectionStatus], None],
) -> SelectionStatus:
    """Poll ``selection`` (each run and its judges) every ``interval`` seconds until no batch
    is out (or ``timeout``)."""
    families = [run.family() for run in selection.runs]
    flat = [member for family in families for member in family]

    def regroup(statuses: list[RunStatus]) -> SelectionStatus:
        it = iter(statuses)
        return standing(selection, [[next(it) for _ in family] for family in families])

    last = wait_run(
        flat,
        settings=settings,
        interval=interval,
        timeout=timeout,
        on_poll=lambda statuses: on_poll(regroup(statuses)),
        name=selection.name,
    )
    return regroup(last)
