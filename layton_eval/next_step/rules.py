"""The command to type after each step, for one run family or a group."""

from __future__ import annotations

import dataclasses
import shlex
import typing as t

from layton_eval.next_step.facts import (
    EXAMPLE_TARGET,
    LOCAL_PROVIDER,
    Facts,
    Step,
    family_facts,
)
from layton_eval.next_step.fixes import command as _command
from layton_eval.runs.manifest import RunState

if t.TYPE_CHECKING:
    from layton_eval.runs.groups import Selection

__all__ = [
    "after_listing",
    "after_status",
    "again",
    "first_command",
    "group_next",
    "next_command",
    "sent_next",
]


def next_command(step: Step, facts: Facts) -> str | None:
    """The command to type next after ``step``, or ``None`` when another card says it."""
    return _RULES[step](facts)


def again(step: Step, name: str) -> str:
    """The command that does ``step`` again on ``name`` (the rest of a group it stopped in)."""
    return _command(str(step), name)


def first_command() -> str:
    """What to type when there is no run yet: a trial on the bundled sample (works offline)."""
    return "layton prepare --split llm --hints 0 --dataset sample --name trial"


def after_listing(latest: str | None) -> str:
    """After ``status --all``: where the latest run stands (the first command, with none)."""
    return _command("status", latest) if latest else first_command()


def _send(facts: Facts) -> str:
    if facts.model_known:
        return _command("send", facts.run)
    provider, model = EXAMPLE_TARGET  # a free dry run shows what sending would cost
    return _command("send", facts.run, "--provider", provider, "--model", model, "--dry-run")


def _after_fetch(facts: Facts) -> str | None:
    if facts.has_judges:
        return None  # the jury card says what comes next
    if facts.waiting:
        return _command("status", facts.run, "--watch", "60")
    if facts.kind != "benchmark":
        return None  # a judge's outputs feed the jury card
    if facts.cancelled_unanswered:  # judged now, the riddles a cancel left would count as wrong
        return _command("send", facts.run, "--retry-failed")
    return _command("jury", facts.run)


def _after_verdicts(facts: Facts) -> str:
    if facts.waiting:
        return _command("status", facts.run, "--watch", "60")
    if facts.missing_verdicts:
        return _command("jury", facts.run, "--retry-missing")
    return _command("score", facts.run, *_data_options(facts))


def _data_options(facts: Facts) -> list[str]:
    """The data and calibration options the user gave, for a next command that scores."""
    words = (["--data-dir", facts.data_dir] if facts.data_dir else []) + (
        ["--calibration-only"] if facts.calibration_only else []
    )
    return words + [word for path in facts.calibration for word in ("--calibration", path)]


def _after_score(facts: Facts) -> str:
    added = ("--add", facts.run)
    return _command("leaderboard", "--split", facts.split, *added, *_data_options(facts))


_BY_STATE: dict[RunState, tuple[str, ...]] = {
    RunState.submitting: ("status", "{run}", "--reconcile"),
    RunState.running: ("status", "{run}", "--watch", "60"),
    RunState.finished: ("fetch", "{run}"),
}


def _by_state(state: RunState, facts: Facts) -> str | None:
    """The command that moves one run on from ``state`` (``None``: fetched, or unknown)."""
    if state is RunState.prepared:
        return _command("jury", facts.run) if facts.kind == "judge" else _send(facts)
    words = _BY_STATE.get(state)
    return _command(*(word.format(run=facts.run) for word in words)) if words else None


def after_status(facts: Facts) -> str | None:
    """The command that moves the run family on, from where it stands."""
    if facts.gone:
        return _command("status", facts.run, "--set-aside", facts.gone)
    if facts.state is None:
        return None
    if facts.state is not RunState.fetched or facts.kind == "judge":
        return _by_state(facts.state, facts)
    if facts.judge_states is None:
        return None  # the family's next command is decided once the judges are known
    if not facts.judge_states:
        return _command("jury", facts.run)
    for state in (RunState.submitting, RunState.running, RunState.finished, RunState.prepared):
        if state in facts.judge_states:
            return _by_state(state, dataclasses.replace(facts, kind="judge"))
    if facts.scored:
        return _after_score(facts)
    return _command("score", facts.run, *_data_options(facts))


def _dry_run(step: str) -> t.Callable[[Facts], str]:
    """The dry-run command again, without ``--dry-run`` (a judge is sent by ``jury``)."""
    return lambda facts: _command(
        "jury" if facts.kind == "judge" else step, facts.run, *facts.options
    )


def _after_reconcile(facts: Facts) -> str | None:
    if facts.undecided:
        return f"layton status {shlex.quote(facts.run)} --reconcile --adopt BATCH_ID"
    return after_status(dataclasses.replace(facts, judge_states=None))


def _after_annotate(facts: Facts) -> str:
    added = [word for run in facts.runs for word in ("--add", run)]
    return _command("leaderboard", "--split", facts.split, *_data_options(facts), *added)


def _after_export(facts: Facts) -> str:  # the model is read from the answers, not a provider
    who = [] if facts.model_known else ["--provider", LOCAL_PROVIDER]
    return _command("import", *facts.options, "--into", facts.run, *who)


def _after_judges(facts: Facts) -> str:  # label the run's answers, else unlabelled rows
    where = [facts.run] if facts.run else ["--split", facts.split]
    return _command("annotate", *where, *_data_options(facts))


def _after_ranking(facts: Facts) -> str:  # leaderboard, compare: the report of those runs
    return _command("report", *facts.runs, "--split", facts.split, *_data_options(facts))


_RULES: dict[Step, t.Callable[[Facts], str | None]] = {
    Step.prepare: _send,
    Step.send: lambda f: _command("status", f.run),
    Step.send_dry_run: _dry_run("send"),
    Step.status: after_status,
    Step.fetch: _after_fetch,
    Step.jury: lambda f: _command("status", f.run),
    Step.jury_dry_run: _dry_run("jury"),
    Step.verdicts: _after_verdicts,
    Step.score: _after_score,
    Step.submit_refused: lambda f: _command("jury" if f.kind == "judge" else "send", f.run),
    Step.submit_unknown: lambda f: _command("status", f.run, "--reconcile"),
    Step.submit_partial: lambda f: _command("status", f.run),
    Step.reconcile: _after_reconcile,
    Step.annotate: _after_annotate,
    Step.imported: _after_fetch,
    Step.export: _after_export,
    Step.judges: _after_judges,
    Step.leaderboard: _after_ranking,
    Step.compare: _after_ranking,
}

# -- groups: the command that moves a group of runs on ---------------------------------------------


def _member_stage(facts: Facts) -> tuple[int, str | None]:
    """How far behind a member of a group is (lower: further), and its own command when the
    fix is for that run alone (reconcile, set aside)."""
    states = (facts.state, *(facts.judge_states or ()))
    if facts.gone or RunState.submitting in states:
        return 0, after_status(facts)
    if facts.state is RunState.prepared:
        return 1, None
    if RunState.finished in states:
        return 2, None
    if facts.state is RunState.fetched and (
        not facts.judge_states or RunState.prepared in states or facts.missing_verdicts
    ):
        return 3, None
    if RunState.running in states:
        return 4, None
    return (6, None) if facts.scored else (5, None)


def group_next(group: str, members: t.Sequence[Facts]) -> str | None:
    """The command that moves a group on, decided by the member furthest behind: a run to
    reconcile (or a batch to set aside) alone, else ``send``, ``fetch``, ``jury``,
    ``status --watch``, ``score`` or ``report`` on the whole group."""
    if not members:
        return None
    stage, own = min((_member_stage(f) for f in members), key=lambda pair: pair[0])
    if own is not None:
        return own
    first = next(f for f in members if _member_stage(f)[0] == stage)
    if stage == 1:
        return _send(dataclasses.replace(first, run=group))
    if stage == 3:
        missing = any(f.missing_verdicts and f.judge_states for f in members)
        return _command("jury", group, *(["--retry-missing"] if missing else []))
    data = tuple(_data_options(first))
    words = {2: ("fetch", group), 4: ("status", group, "--watch", "60"), 5: ("score", group, *data),
             6: ("report", group, "--split", first.split, *data)}  # fmt: skip
    return _command(*words[stage])


def sent_next(
    step: Step, selection: Selection, done: t.Sequence[str | None], carry: tuple[str, ...] = ()
) -> str | None:
    """After ``send`` or ``jury`` (``step``) on ``selection``: one run's own next command
    (``done``: each run's); for a group, the step's next command on the group when some run
    was sent, else the command that moves the group on."""
    if selection.group is None:
        return done[0]
    if done:
        return next_command(step, Facts(run=selection.group, options=carry))
    return group_next(selection.group, [family_facts(run, verdicts=True) for run in selection.runs])
