"""What a step knows about the run family it acted on (:class:`Facts`), and the steps."""

from __future__ import annotations

import dataclasses
import enum
import typing as t

from layton_eval.runs import layout
from layton_eval.runs.data import scoring_data_dir
from layton_eval.runs.manifest import RunState

if t.TYPE_CHECKING:
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run

__all__ = ["EXAMPLE_TARGET", "LOCAL_PROVIDER", "Facts", "Step", "family_facts"]

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
    """What the step knows about the run (family) it acted on.

    Attributes
    ----------
    run : str
        The name to put in the command: the evaluated run, also for its judges.
    kind : str
        ``benchmark`` or ``judge``.
    state : RunState or None
        The run's own state.
    model_known : bool
        The run names its provider and model.
    judge_states : tuple of RunState or None
        The judge child runs' states, ``None`` when the step did not look at them.
    has_judges : bool
        The run has judge child runs (``fetch``).
    waiting : bool
        Batches (or judges) are still out.
    missing_verdicts : bool
        Some riddle lacks a verdict from some judge (``verdicts``).
    scored : bool
        The run has a ``score.json``.
    split : str
        The run's split (``llm`` or ``vlm``).
    options : tuple of str
        Arguments the suggested command carries (a dry run's ``--provider gemini`` ...).
    gone : str or None
        A batch the provider no longer knows, or that expired unfetched (``status``).
    undecided : bool
        Interrupted submissions that reconcile could not settle alone (``status --reconcile``).
    calibration : tuple of str
        ``--calibration`` files (an annotation session's labels file last), as given: repeated
        to a next command that scores.
    calibration_only : bool
        ``--calibration-only`` was given: those files are the whole calibration.
    data_dir : str or None
        ``--data-dir`` (absolute), as given or as the run recorded it.
    runs : tuple of str
        The runs whose answers were labelled (``annotate``), or added or compared.
    accepted : bool
        Some batch of the run was accepted by its provider (it has a batch id).
    cancelled_unanswered : bool
        A batch of the run was cancelled and some riddle has no valid answer (``fetch``): they
        are sent again before the jury, else the jury counts them incorrect.
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
    cancelled_unanswered: bool = False

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
