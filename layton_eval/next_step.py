"""The next command: what a user should type after each step, decided in one place.

Every card's ``Next:`` line, every ``next_command`` of ``--json`` and every "wrong state"
refusal's fix comes from this module, given the step that just ran (or was refused) and the facts
about the run family (the evaluated run and its judge child runs). Nothing else in the package
spells a next command. Each suggestion is a whole command that works when typed: a judge child
run is named by its parent run (the only name the commands accept), and a dry run's suggestion
carries the options the dry run was given.
"""

from __future__ import annotations

import dataclasses
import enum
import shlex
import typing as t

from layton_eval.errors import RunError
from layton_eval.runs import layout
from layton_eval.runs.data import scoring_data_dir
from layton_eval.runs.manifest import RunState

if t.TYPE_CHECKING:
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run

__all__ = [
    "EXAMPLE_TARGET",
    "Facts",
    "Step",
    "ensure_ready",
    "family_facts",
    "after_listing",
    "first_command",
    "group_next",
    "next_command",
    "refusal",
]

#: Provider and model a run prepared without one is shown with, in a free dry run; the provider
#: of answers made on one's own engine, imported into a run that names none.
EXAMPLE_TARGET, LOCAL_PROVIDER = ("openai", "gpt-5-mini"), "local"


class Step(enum.StrEnum):
    """The step that just ran (or that a command is about to run)."""

    prepare = "prepare"
    send = "send"
    send_dry_run = "send --dry-run"
    status = "status"
    fetch = "fetch"
    jury = "jury"
    jury_dry_run = "jury --dry-run"
    verdicts = "verdicts"  # the jury's verdicts were collected
    score = "score"  # also: a run read for its verdicts (leaderboard --add, report)
    submit_refused = "submit refused"  # nothing was created: send again
    submit_unknown = "submit unknown"  # the batch may or may not exist: reconcile
    submit_partial = "submit partial"  # an xAI container holds part of the requests
    reconcile = "status --reconcile"
    annotate = "annotate"  # labels were written to a labels file
    imported = "import"  # answers imported from a file (the run is as if fetched)
    export = "export"  # a run's requests written for another engine (options: the results file)
    judges = "judges"  # the judges were checked against the human labels (run: "" without one)
    leaderboard = "leaderboard"  # the ranked models (runs: those added)
    compare = "compare"  # subjects compared (runs: the runs among them)


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the step knows about the run (family) it acted on, one attribute a line:

    - ``run``: The name to put in the command: the evaluated run, also for its judges.
    - ``kind``: ``benchmark`` or ``judge``.
    - ``state``: The run's own state.
    - ``model_known``: The run names its provider and model.
    - ``judge_states``: The judge child runs' states, ``None`` when the step did not look.
    - ``has_judges``: The run has judge child runs (``fetch``).
    - ``waiting``: Batches (or judges) are still out.
    - ``missing_verdicts``: Some riddle lacks a verdict from some judge (``verdicts``).
    - ``scored``: The run has a ``score.json``.
    - ``split``: The run's split (``llm`` or ``vlm``).
    - ``options``: Arguments the suggested command carries (a dry run's ``--provider x``).
    - ``gone``: A batch the provider no longer knows, or that expired unfetched (``status``).
    - ``undecided``: Interrupted submissions that ``status --reconcile`` could not settle.
    - ``calibration, calibration_only, data_dir``: ``--calibration`` files (an annotation's
      labels file last), ``--calibration-only`` and ``--data-dir`` (absolute), as given:
      repeated to a next command that scores.
    - ``runs``: The runs whose answers were labelled (``annotate``), or added or compared.
    - ``accepted``: Some batch of the run was accepted by its provider (it has a batch id).
    """

    run: str
    kind: str = "benchmark"
    state: RunState | None = None
    model_known: bool = True
    judge_states: tuple[RunState, ...] | None = None
    has_judges: bool = False
    waiting: bool = False
    missing_verdicts: bool = False
    scored: bool = False
    split: str = "llm"
    options: tuple[str, ...] = ()
    gone: str | None = None
    undecided: bool = False
    calibration: tuple[str, ...] = ()
    calibration_only: bool = False
    data_dir: str | None = None
    runs: tuple[str, ...] = ()
    accepted: bool = False

    @classmethod
    def of(cls, manifest: RunManifest, **more: t.Any) -> Facts:
        """The facts a run's manifest holds (a judge is named by its parent run)."""
        known: dict[str, t.Any] = {
            "run": manifest.parent or manifest.name,
            "kind": manifest.kind,
            "state": manifest.derived_state(),
            "model_known": bool(manifest.provider and manifest.model),
            "split": str(manifest.split),
            "accepted": any(batch.batch_id for batch in manifest.live_batches),
            "data_dir": scoring_data_dir(manifest),
        }
        return cls(**(known | more))


def family_facts(run: Run, *, verdicts: bool = False) -> Facts:
    """The facts of ``run`` and its judge child runs, read from disk (with ``verdicts``, also
    whether some riddle lacks a verdict, from ``jury.jsonl``)."""
    missing = verdicts and any(row.get("missing") for row in run.read_jsonl(layout.JURY_FILE))
    return Facts.of(
        run.manifest,
        judge_states=tuple(child.manifest.derived_state() for child in run.children()),
        scored=run.file(layout.SCORE).is_file(),
        missing_verdicts=missing,
    )


def next_command(step: Step, facts: Facts) -> str | None:
    """The command to type next after ``step``, or ``None`` when another card says it."""
    return _RULES[step](facts)


def first_command() -> str:
    """What to type when there is no run yet: a trial on the bundled sample (works offline)."""
    return "layton prepare --split llm --hints 0 --dataset sample --name trial"


def after_listing(latest: str | None) -> str:
    """After ``status --all``: where the latest run stands (the first command, with none)."""
    return _command("status", latest) if latest else first_command()


def _command(*words: str) -> str:
    return " ".join(["layton", *(shlex.quote(word) for word in words)])


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


def _after_status(facts: Facts) -> str | None:
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
    return _after_status(dataclasses.replace(facts, judge_states=None))


def _after_annotate(facts: Facts) -> str:
    added = [word for run in facts.runs for word in ("--add", run)]
    return _command("leaderboard", "--split", facts.split, *_data_options(facts), *added)


def _after_export(facts: Facts) -> str:  # the model is read from the answers, not a provider
    who = [] if facts.model_known else ["--provider", LOCAL_PROVIDER]
    return _command("import", *facts.options, "--into", facts.run, *who)


def _after_judges(facts: Facts) -> str:  # label the run's answers, else unlabelled rows
    where = [facts.run] if facts.run else ["--split", facts.split]
    return _command("annotate", *where, *_data_options(facts))


_RULES: dict[Step, t.Callable[[Facts], str | None]] = {
    Step.prepare: _send,
    Step.send: lambda f: _command("status", f.run),
    Step.send_dry_run: _dry_run("send"),
    Step.status: _after_status,
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
    Step.leaderboard: lambda f: _command("report", *f.runs, "--split", f.split, *_data_options(f)),
    Step.compare: lambda f: _command("report", *f.runs, "--split", f.split, *_data_options(f)),
}

# -- groups: the command that moves a group of runs on ---------------------------------------------


def _member_stage(facts: Facts) -> tuple[int, str | None]:
    """How far behind a member of a group is (lower: further), and its own command when the
    fix is for that run alone (reconcile, set aside)."""
    states = (facts.state, *(facts.judge_states or ()))
    if facts.gone or RunState.submitting in states:
        return 0, _after_status(facts)
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


# -- refusals: a command asked to act on a run that is not ready for it --------------------------

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
    fix = _after_status(facts)
    return f"run {facts.run} {why}" + (f": {fix}" if fix else "")


def ensure_ready(step: Step, run: Run) -> None:
    """Raise :class:`RunError` (exit 1, naming the fixing command) unless ``step`` can act on
    ``run``."""
    message = refusal(step, family_facts(run))
    if message:
        raise RunError(message, run=run.name)
