"""Refusals: a command asked to act on a run that is not ready for it, with the fix."""

from __future__ import annotations

import typing as t

from layton_eval.errors import RunError
from layton_eval.next_step.facts import Facts, Step, family_facts
from layton_eval.next_step.rules import after_status
from layton_eval.runs.manifest import RunState

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["ensure_ready", "refusal"]


_WHY: dict[RunState, str] = {
    RunState.prepared: "was not sent yet",
    RunState.submitting: "was interrupted while submitting",
    RunState.running: "has batches still running",
    RunState.finished: "has results not fetched yet",
}
_WHY_JUDGES: dict[RunState, str] = {
    RunState.prepared: "has a judge that was not sent",
    RunState.submitting: "has a judge interrupted while submitting",
    RunState.running: "has judges still at work",
    RunState.finished: "has verdicts not fetched yet",
}


def _not_fetched(facts: Facts) -> str | None:
    if facts.state is RunState.fetched or facts.state is None:
        return None
    return _WHY.get(facts.state, f"is {facts.state}")


def _not_judged(facts: Facts) -> str | None:
    why = _not_fetched(facts)
    if why or facts.judge_states is None:
        return why
    if not facts.judge_states:
        return "has no jury yet"
    for state in (RunState.submitting, RunState.running, RunState.finished, RunState.prepared):
        if state in facts.judge_states:
            return _WHY_JUDGES[state]
    return None


def _not_sent(facts: Facts) -> str | None:
    """Nothing to download: no batch was ever accepted (one that was is always fetched, even
    while another submission of the run is being reconciled)."""
    state = facts.state
    unsent = state in (RunState.prepared, RunState.submitting) and not facts.accepted
    if state is not None and unsent and not facts.judge_states:
        return _WHY[state]
    return None


def _batches_out(facts: Facts) -> str | None:
    """Answers brought into a run must not meet batches still out (or unknown) there."""
    if facts.state in (RunState.submitting, RunState.running, RunState.finished):
        return _WHY[facts.state]
    return None


_READY: dict[Step, t.Callable[[Facts], str | None]] = {
    Step.fetch: _not_sent,  # nothing was ever accepted: nothing to download
    Step.imported: _batches_out,
    Step.jury: _not_fetched,
    Step.jury_dry_run: _not_fetched,
    Step.score: _not_judged,
}


def refusal(step: Step, facts: Facts) -> str | None:
    """Why ``step`` cannot act on the run family, with the command that fixes it; ``None``
    when it can."""
    check = _READY.get(step)
    why = check(facts) if check else None
    if why is None:
        return None
    fix = after_status(facts)
    return f"run {facts.run} {why}" + (f": {fix}" if fix else "")


def ensure_ready(step: Step, run: Run) -> None:
    """Raise :class:`RunError` (exit 1, naming the fixing command) unless ``step`` can act on
    ``run``."""
    message = refusal(step, family_facts(run))
    if message:
        raise RunError(message, run=run.name)
