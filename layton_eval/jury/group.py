"""``jury GROUP``: every fetched run of a group sent to its judges, once.

A run already sent to its whole panel is left alone (``--retry-missing`` resends, run by run,
only the verdicts that are missing), a run not fetched yet is named with the command that
fetches it. Runs go one after the other; the first failure stops the group after saying which
runs were sent, and ``jury GROUP`` again sends the rest.
"""

from __future__ import annotations

import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches.group import each_in_turn, plan_each, total_cost
from layton_eval.batches.send import refuse_over_limit
from layton_eval.errors import JuryError, RunError
from layton_eval.jury.panel import choose_panel
from layton_eval.jury.send import JuryOptions, JuryStart, start_jury
from layton_eval.next_step import Facts, Step, family_facts, group_next, next_command, refusal

if t.TYPE_CHECKING:
    from layton_eval.batches._calls import ClientFactory
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

__all__ = ["GroupJury", "start_group_jury"]


class GroupJury(BaseModel):
    """What ``jury GROUP`` sent (or, in a dry run, would send)."""

    group: str
    juries: list[JuryStart]
    skipped: dict[str, str] = Field(default_factory=dict)  # run -> why it was left alone
    requests: int
    estimated_cost_usd: float | None
    dry_run: bool
    next_command: str | None


def _left_alone(run: Run, options: JuryOptions) -> str | None:
    """Why ``jury GROUP`` leaves ``run`` alone, or ``None`` when it has judges to send."""
    facts = family_facts(run)
    why = refusal(Step.jury, facts)
    if why is not None:
        return why
    sent = {
        c.manifest.judge.key for c in run.children() if c.manifest.judge and c.manifest.live_batches
    }
    if options.retry_missing:
        return None if sent else f"no jury yet: layton jury {run.name}"
    try:
        panel = choose_panel(
            options.config,
            run.manifest.provider or "",
            allow_self_judging=options.allow_self_judging,
        )
    except JuryError as exc:
        return str(exc)
    if {judge.key for judge in panel} <= sent and not options.force:
        return "already sent to its judges"
    return None


def start_group_jury(
    group: str,
    runs: t.Sequence[Run],
    options: JuryOptions,
    *,
    settings: Settings,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
) -> GroupJury:
    """Send each fetched run of ``group`` that has no jury yet to its panel (planned first, so
    that what cannot go is left alone before anything is spent)."""
    planned, juries, skipped = plan_each(  # nothing to judge, every verdict there...
        runs,
        lambda run: _left_alone(run, options),
        lambda run: start_jury(run, options, settings=settings, dry_run=True),
        (RunError, JuryError),
    )
    if not dry_run:
        estimate = total_cost(j.estimated_cost_usd for j in juries)
        refuse_over_limit(estimate, options.max_cost, settings, f"the juries of group {group}")
        juries = each_in_turn(
            group,
            planned,
            lambda run: start_jury(run, options, settings=settings, client_factory=client_factory),
            did="sent to their judges",
            again=f"layton jury {group}",
        )
    step = Step.jury_dry_run if dry_run else Step.jury
    return GroupJury(
        group=group,
        juries=juries,
        skipped=skipped,
        requests=sum(s.send.plan.requests for j in juries for s in j.judges),
        estimated_cost_usd=total_cost(j.estimated_cost_usd for j in juries),
        dry_run=dry_run,
        next_command=(
            next_command(step, Facts(run=group, options=options.carry))
            if juries
            else group_next(group, [family_facts(run, verdicts=True) for run in runs])
        ),
    )
