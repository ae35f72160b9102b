"""The next command: what a user should type after each step, decided in one place.

Every card's ``Next:`` line and every ``next_command`` of ``--json`` comes from
:func:`next_command`, given the step that just ran and the facts about the run family (the
evaluated run and its judge child runs) that step knows. Nothing else in the package spells a
command.
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t

from layton_eval.runs.manifest import RunState

__all__ = ["Facts", "Step", "next_command"]


class Step(enum.StrEnum):
    """The step that just ran."""

    prepare = "prepare"
    send = "send"
    send_dry_run = "send --dry-run"
    status = "status"
    fetch = "fetch"
    jury = "jury"
    jury_dry_run = "jury --dry-run"
    verdicts = "verdicts"  # the jury's verdicts were collected
    submit_refused = "submit refused"  # nothing was created: send again
    submit_unknown = "submit unknown"  # the batch may or may not exist: reconcile
    submit_partial = "submit partial"  # an xAI container holds part of the requests
    reconcile = "status --reconcile"
    annotate = "annotate"  # labels were written to a labels file


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the step knows about the run (family) it acted on.

    Attributes
    ----------
    run : str
        The name to put in the command.
    kind : str
        ``benchmark`` or ``judge``.
    state : RunState or None
        The run's own state (``status``).
    model_known : bool
        The run names its provider and model (``prepare``).
    judge_states : tuple of RunState or None
        The judge child runs' states, ``None`` when the step did not look at them.
    has_judges : bool
        The run has judge child runs (``fetch``).
    waiting : bool
        Batches (or judges) are still out.
    missing_verdicts : bool
        Some riddle lacks a verdict from some judge (``verdicts``).
    gone : str or None
        A batch the provider no longer knows, or that expired unfetched (``status``).
    undecided : bool
        Interrupted submissions that reconcile could not settle alone (``status --reconcile``).
    split : str or None
        The split of an annotation session (``annotate``).
    calibration : tuple of str
        The calibration files the session's labels join, its labels file last (``annotate``).
    calibration_only : bool
        Those files are the whole calibration (``annotate``).
    runs : tuple of str
        The runs whose answers were labelled (``annotate``).
    """

    run: str
    kind: str = "benchmark"
    state: RunState | None = None
    model_known: bool = True
    judge_states: tuple[RunState, ...] | None = None
    has_judges: bool = False
    waiting: bool = False
    missing_verdicts: bool = False
    gone: str | None = None
    undecided: bool = False
    split: str | None = None
    calibration: tuple[str, ...] = ()
    calibration_only: bool = False
    runs: tuple[str, ...] = ()


def next_command(step: Step, facts: Facts) -> str | None:
    """The command to type next after ``step``, or ``None`` when another card says it."""
    return _RULES[step](facts)


def _after_prepare(facts: Facts) -> str:
    command = f"layton send {facts.run}"
    return command if facts.model_known else command + " --provider PROVIDER --model MODEL"


def _after_fetch(facts: Facts) -> str | None:
    if facts.gone and facts.kind == "benchmark":
        return f"layton status {facts.run} --set-aside {facts.gone}"
    if facts.state is RunState.submitting and facts.kind == "benchmark":
        return f"layton status {facts.run} --reconcile"
    if facts.has_judges:
        return None  # the jury card says what comes next
    if facts.waiting:
        return f"layton status {facts.run} --watch 60"
    if facts.kind != "benchmark":
        return None  # a judge's outputs feed the jury card
    return f"layton jury {facts.run}"


def _after_verdicts(facts: Facts) -> str:
    if facts.waiting:
        return f"layton status {facts.run} --watch 60"
    if facts.missing_verdicts:
        return f"layton jury {facts.run} --retry-missing"
    return f"layton score {facts.run}"


_BY_STATE = {
    RunState.prepared: "layton send {run}",
    RunState.submitting: "layton status {run} --reconcile",
    RunState.running: "layton status {run} --watch 60",
    RunState.finished: "layton fetch {run}",
}


def _after_status(facts: Facts) -> str | None:
    if facts.gone:
        return f"layton status {facts.run} --set-aside {facts.gone}"
    if facts.state is not RunState.fetched or facts.judge_states is None:
        template = _BY_STATE.get(facts.state) if facts.state else None
        return template.format(run=facts.run) if template else None
    states = set(facts.judge_states)
    if not facts.judge_states:
        return f"layton jury {facts.run}"
    for state in (RunState.submitting, RunState.running):
        if state in states:
            return _BY_STATE[state].format(run=facts.run)
    if states & {RunState.finished, RunState.prepared}:
        return f"layton fetch {facts.run}"
    return f"layton score {facts.run}"


def _after_reconcile(facts: Facts) -> str | None:
    if facts.undecided:
        return f"layton status {facts.run} --reconcile --adopt BATCH_ID"
    return _after_status(dataclasses.replace(facts, judge_states=None))


def _after_annotate(facts: Facts) -> str:
    import shlex

    words = ["layton", "leaderboard", "--split", str(facts.split)]
    words += ["--calibration-only"] if facts.calibration_only else []
    for path in facts.calibration:
        words += ["--calibration", shlex.quote(path)]
    for run in facts.runs:
        words += ["--add", run]
    return " ".join(words)


_RULES: dict[Step, t.Callable[[Facts], str | None]] = {
    Step.prepare: _after_prepare,
    Step.send: lambda f: f"layton status {f.run}",
    Step.send_dry_run: lambda f: f"layton send {f.run}",
    Step.status: _after_status,
    Step.fetch: _after_fetch,
    Step.jury: lambda f: f"layton status {f.run}",
    Step.jury_dry_run: lambda f: f"layton jury {f.run}",
    Step.verdicts: _after_verdicts,
    Step.submit_refused: lambda f: f"layton {'jury' if f.kind == 'judge' else 'send'} {f.run}",
    Step.submit_unknown: lambda f: f"layton status {f.run} --reconcile",
    Step.submit_partial: lambda f: f"layton status {f.run}",
    Step.reconcile: _after_reconcile,
    Step.annotate: _after_annotate,
}
