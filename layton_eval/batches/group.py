"""A group of runs (a sweep) sent and followed as one: ``send GROUP`` and ``status GROUP``.

Sending a group sends only what is left: a run that already has batches is left alone (never
sent twice), and a run interrupted while submitting is named with the command that settles it.
Runs are sent one after the other; the first failure stops the group, after saying which runs
were sent, so that nothing is spent past a problem and ``send GROUP`` again sends the rest.
"""

from __future__ import annotations

import dataclasses
import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches.send import SendOptions, SendResult, send_run
from layton_eval.batches.status import RunStatus, member_facts, poll_run, require_keys, wait_run
from layton_eval.errors import LaytonError, RunError, UsageError
from layton_eval.next_step import Facts, Step, group_next, next_command
from layton_eval.runs.manifest import BatchPhase, RunState
from layton_eval.settings import require_api_keys

if t.TYPE_CHECKING:
    from layton_eval.batches._calls import ClientFactory
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

__all__ = [
    "GroupRow",
    "GroupSend",
    "GroupStatus",
    "each_in_turn",
    "plan_each",
    "poll_group",
    "send_group",
    "total_cost",
    "watch_group",
]


class GroupSend(BaseModel):
    """What ``send GROUP`` sent (or, in a dry run, would send)."""

    group: str
    sends: list[SendResult]
    skipped: dict[str, str] = Field(default_factory=dict)  # run -> why it was left alone
    requests: int
    estimated_cost_usd: float | None
    dry_run: bool
    next_command: str | None


def _left_alone(run: Run, options: SendOptions) -> str | None:
    """Why ``send GROUP`` leaves ``run`` alone, or ``None`` when it has something to send."""
    live = run.manifest.live_batches
    if any(b.phase is BatchPhase.submitting for b in live):
        return f"interrupted while submitting: layton status {run.name} --reconcile"
    if live and not options.retry_failed:
        return "already sent"
    return None


def send_group(
    group: str,
    runs: t.Sequence[Run],
    options: SendOptions,
    *,
    settings: Settings,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
) -> GroupSend:
    """Send every run of ``group`` that has nothing out yet (with ``retry_failed``: resend
    what failed in each run), one run after the other; the first failure stops the group."""
    if options.force:
        raise UsageError("--force sends a run again (paid twice): name the run, not a group")
    planned, sends, skipped = plan_each(
        runs,
        lambda run: _left_alone(run, options),
        lambda run: send_run(run, options, settings=settings, dry_run=True),
    )
    if not dry_run:
        require_api_keys((s.plan.provider for s in sends), settings)  # all named at once
        sends = each_in_turn(
            group,
            planned,
            lambda run: send_run(run, options, settings=settings, client_factory=client_factory),
            did="sent",
            again=f"layton send {group}",
        )
    step = Step.send_dry_run if dry_run else Step.send
    facts = Facts(run=group, options=options.carry)
    return GroupSend(
        group=group,
        sends=sends,
        skipped=skipped,
        requests=sum(s.plan.requests for s in sends),
        estimated_cost_usd=total_cost(s.plan.estimated_cost_usd for s in sends),
        dry_run=dry_run,
        next_command=next_command(step, facts) if sends else _group_next(group, runs),
    )


def plan_each[T](
    runs: t.Sequence[Run],
    left_alone: t.Callable[[Run], str | None],
    plan: t.Callable[[Run], T],
    errors: tuple[type[LaytonError], ...] = (RunError,),
) -> tuple[list[Run], list[T], dict[str, str]]:
    """Every check of a group's step, before anything is spent: the runs that can go, their
    plans, and why each other run is left alone (a run whose plan fails with one of
    ``errors`` included; any other error stops the group)."""
    skipped = {run.name: why for run in runs if (why := left_alone(run))}
    planned: list[Run] = []
    plans: list[T] = []
    for run in (run for run in runs if run.name not in skipped):
        try:
            plans.append(plan(run))
        except errors as exc:
            skipped[run.name] = str(exc)
        else:
            planned.append(run)
    return planned, plans, skipped


def each_in_turn[T](
    group: str, runs: t.Sequence[Run], act: t.Callable[[Run], T], *, did: str, again: str
) -> list[T]:
    """``act`` on ``runs`` one after the other; the first failure stops the group, saying
    which runs were done (``did``: "sent") and that ``again`` does the rest."""
    done: list[T] = []
    for run in runs:
        try:
            done.append(act(run))
        except LaytonError as exc:
            names = ", ".join(r.name for r in runs[: len(done)]) or "none"
            raise RunError(
                f"{exc} (group {group}: {len(done)} of {len(runs)} runs {did} before this one: "
                f"{names}; once this is settled, '{again}' sends the rest)",
                run=run.name,
            ) from exc
    return done


def total_cost(costs: t.Iterable[float | None]) -> float | None:
    """The sum of estimated costs; unknown when any one is."""
    known = list(costs)
    return None if None in known else sum(c for c in known if c is not None)


def _group_next(group: str, runs: t.Sequence[Run]) -> str | None:
    from layton_eval.next_step import family_facts

    return group_next(group, [family_facts(run, verdicts=True) for run in runs])


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


def _judges(statuses: list[RunStatus]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status.state)] = counts.get(str(status.state), 0) + 1
    return ", ".join(f"{n} {state}" for state, n in counts.items()) or "-"


def group_status(
    group: str, families: t.Sequence[list[RunStatus]], runs: t.Sequence[Run]
) -> GroupStatus:
    """The table of ``families`` (each a run's status, then its judges')."""
    rows, facts = [], []
    for statuses, run in zip(families, runs, strict=True):
        main = statuses[0]
        member = member_facts(statuses)
        facts.append(dataclasses.replace(member, missing_verdicts=_missing(run)))
        live = [b for b in main.batches if b.phase is not BatchPhase.rejected]
        rows.append(
            GroupRow(
                run=main.run,
                provider=run.manifest.provider,
                model=run.manifest.model,
                hints=run.manifest.hints,
                state=main.state,
                completed=sum(b.total if b.terminal else b.completed for b in live),
                total=sum(b.total for b in live),
                judges=_judges(statuses[1:]),
                errors=[
                    e for s in statuses for b in s.batches for e in (b.error, b.poll_error) if e
                ],
                next_command=next_command(Step.status, member),
            )
        )
    return GroupStatus(group=group, runs=rows, next_command=group_next(group, facts))


def _missing(run: Run) -> bool:
    """Some riddle of the run lacks a judge's verdict (read from its ``jury.jsonl``)."""
    from layton_eval.next_step import family_facts

    return family_facts(run, verdicts=True).missing_verdicts


def poll_group(
    group: str,
    runs: t.Sequence[Run],
    *,
    settings: Settings,
    client_factory: ClientFactory | None = None,
) -> GroupStatus:
    """Poll every run of the group and its judges once."""
    require_keys([member for run in runs for member in run.family()], settings)
    families = [
        [
            poll_run(member, settings=settings, client_factory=client_factory)
            for member in run.family()
        ]
        for run in runs
    ]
    return group_status(group, families, runs)


def watch_group(
    group: str,
    runs: t.Sequence[Run],
    *,
    settings: Settings,
    interval: float,
    timeout: float | None,
    on_poll: t.Callable[[GroupStatus], None],
) -> GroupStatus:
    """Poll the group every ``interval`` seconds until no batch is out (or ``timeout``)."""
    families = [run.family() for run in runs]
    flat = [member for family in families for member in family]

    def regroup(statuses: list[RunStatus]) -> GroupStatus:
        it = iter(statuses)
        return group_status(group, [[next(it) for _ in family] for family in families], runs)

    last = wait_run(
        flat,
        settings=settings,
        interval=interval,
        timeout=timeout,
        on_poll=lambda statuses: on_poll(regroup(statuses)),
        name=group,
    )
    return regroup(last)
