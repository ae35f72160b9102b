"""``jury``: build each judge's requests and send them as child runs of the evaluated run.

Each judge is a child run ``<run>/jury/<judge key>/`` with its own requests and batches, sent
and fetched by :mod:`layton_eval.batches` like any run. A riddle whose prediction failed or could
not be read is not sent to judges: it counts as incorrect on every field.
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field

from layton_eval.answers import Answer
from layton_eval.batches.plan import plan_requests
from layton_eval.batches.send import (
    CostLimit,
    SendOptions,
    SendResult,
    refuse_over_limit,
    send_run,
)
from layton_eval.errors import BatchError, JuryError, RunError
from layton_eval.jury.panel import (
    JudgeSpec,
    JuryConfig,
    choose_panel,
    panel_note,
    preset,
    retirement_hint,
)
from layton_eval.neutral import GenerationOptions, NeutralRequest
from layton_eval.next_step import (
    Facts,
    Step,
    again,
    family_facts,
    fixes,
    next_command,
    refusal,
    sent_next,
)
from layton_eval.prepare import load_run_dataset
from layton_eval.prompts import PromptSet, judge_request, load_prompts
from layton_eval.runs import layout
from layton_eval.runs.groups import total_cost
from layton_eval.runs.manifest import JudgeRef, PromptsRef, RunManifest, RunState
from layton_eval.runs.outputs import retry_ids
from layton_eval.runs.predictions import Prediction, load_predictions
from layton_eval.runs.store import Run, write_run
from layton_eval.settings import Settings, require_api_keys

if t.TYPE_CHECKING:
    from layton_eval.batches._calls import ClientFactory
    from layton_eval.runs.groups import Selection

__all__ = [
    "JudgeSend",
    "JuryOptions",
    "JuryOutcome",
    "JuryStart",
    "judging_what",
    "start_juries",
    "start_jury",
]


@dataclasses.dataclass(frozen=True)
class JuryOptions:
    """How ``layton jury`` should send the panel (see its ``--help``)."""

    config: JuryConfig = dataclasses.field(default_factory=lambda: preset("default"))
    allow_self_judging: bool = False
    force: bool = False
    retry_missing: bool = False
    completion_window: str = "24h"
    data_dir: Path | None = None
    prompts_dir: Path | None = None
    max_cost: float | None = None  # refuse above this estimate in USD (None: LAYTON_MAX_COST)
    #: the options a dry run's suggested command repeats (as typed: ``--jury-config``, ...)
    carry: tuple[str, ...] = ()


class JudgeSend(BaseModel):
    """One judge's send (or, in a dry run, its plan)."""

    judge: JudgeSpec
    send: SendResult


class JuryStart(BaseModel):
    """What ``layton jury`` sent (or, with ``--dry-run``, would send)."""

    run: str
    panel: list[JudgeSpec]
    judged: int
    not_judged: list[str]
    without_gold: list[str]
    judges: list[JudgeSend]
    already_sent: list[str] = Field(default_factory=list)  # judges left alone, sent before
    #: How the panel differs from the calibration set's judges (None: it does not).
    panel_note: str | None = None
    estimated_cost_usd: float | None
    dry_run: bool
    next_command: str


def start_jury(
    run: Run,
    options: JuryOptions = JuryOptions(),
    *,
    settings: Settings,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
) -> JuryStart:
    """Build each judge's requests and send them (``retry_missing``: only missing verdicts)."""
    manifest = run.manifest
    if manifest.kind != "benchmark" or not manifest.provider:
        raise RunError(f"run {run.name} is not an evaluated run", run=run.name)
    if manifest.derived_state() is not RunState.fetched:
        raise RunError(
            f"run {run.name} is {manifest.derived_state()}: fetch its predictions first "
            f"({fixes.fetch(run.name)})",
            run=run.name,
        )
    if not dry_run and CostLimit.of(options.max_cost, settings) is not None:
        planned = start_jury(run, options, settings=settings, dry_run=True)  # the whole panel
        what = f"the jury of run {run.name}"
        refuse_over_limit(planned.estimated_cost_usd, options.max_cost, settings, what)
    predictions = load_predictions(run)
    judged = [cid for cid in manifest.ids if cid in predictions and predictions[cid].valid]
    panel = choose_panel(
        options.config, manifest.provider, allow_self_judging=options.allow_self_judging
    )
    children = {c.manifest.judge.key: c for c in run.children() if c.manifest.judge}
    send = _Sender(run, options, settings, dry_run, client_factory)
    without_gold: list[str] = []
    if options.retry_missing:
        sends, already_sent = send.missing(panel, children), []
    else:
        already_sent = _already_sent(run, panel, children, force=options.force)
        to_send = [judge for judge in panel if judge.key not in already_sent]
        sends, without_gold = send.panel(to_send, judged, predictions)
    costs = [s.send.plan.estimated_cost_usd for s in sends]
    step = Step.jury_dry_run if dry_run else Step.jury
    return JuryStart(
        run=run.name,
        panel=panel,
        judged=len(judged),
        not_judged=[cid for cid in manifest.ids if cid not in judged],
        without_gold=without_gold,
        judges=sends,
        already_sent=already_sent,
        panel_note=panel_note(judge.model for judge in panel),
        estimated_cost_usd=total_cost(costs),
        dry_run=dry_run,
        next_command=next_command(step, Facts.of(manifest, options=options.carry)) or "",
    )


class JuryOutcome(BaseModel):
    """What ``jury`` sent (or, in a dry run, would send): one result per run, and for a group
    its name, the runs left alone with why, the totals and the group's next command."""

    group: str | None
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
        return None if sent else f"no jury yet: {fixes.jury(run.name)}"
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


def judging_what(selection: Selection) -> str:
    """What a jury of ``selection`` is called in a refusal: the juries of a group, or the jury
    of one run."""
    if selection.group:
        return f"the juries of group {selection.group}"
    return f"the jury of run {selection.name}"


def start_juries(
    selection: Selection,
    options: JuryOptions = JuryOptions(),
    *,
    settings: Settings,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
) -> JuryOutcome:
    """Send each run of ``selection`` to its panel (of a group: each fetched run with no jury
    yet, planned first, so that what cannot go is left alone before anything is spent)."""
    juries, skipped = selection.each(
        lambda run, dry: start_jury(
            run, options, settings=settings, dry_run=dry, client_factory=client_factory
        ),
        dry_run=dry_run,
        left_alone=lambda run: _left_alone(run, options),
        errors=(RunError, JuryError),  # nothing to judge, every verdict there...
        did="sent to their judges",
        again=again(Step.jury, selection.name),
        check=lambda plans: refuse_over_limit(  # the group's total, before any judge is sent
            total_cost(j.estimated_cost_usd for j in plans),
            options.max_cost,
            settings,
            judging_what(selection),
        ),
    )
    step = Step.jury_dry_run if dry_run else Step.jury
    command = sent_next(step, selection, [j.next_command for j in juries], options.carry)
    return JuryOutcome(
        group=selection.group,
        juries=juries,
        skipped=skipped,
        requests=sum(s.send.plan.requests for j in juries for s in j.judges),
        estimated_cost_usd=total_cost(j.estimated_cost_usd for j in juries),
        dry_run=dry_run,
        next_command=command,
    )


def _already_sent(
    run: Run, panel: list[JudgeSpec], children: dict[str, Run], *, force: bool
) -> list[str]:
    """Judges of the panel sent before, left alone (a jury interrupted by one judge's failure
    resumes with the others); ``force`` sends every judge again."""
    sent = [
        judge.key
        for judge in panel
        if judge.key in children and children[judge.key].manifest.live_batches
    ]
    if sent and not force and len(sent) == len(panel):
        raise RunError(
            f"run {run.name} already has judge batches ({', '.join(sent)}); follow "
            f"them with '{fixes.follow(run.name)}', or use --retry-missing",
            run=run.name,
        )
    return [] if force else sent


@dataclasses.dataclass(frozen=True)
class _Sender:
    """Sends judges of one run, or plans them in a dry run."""

    run: Run
    options: JuryOptions
    settings: Settings
    dry_run: bool
    client_factory: ClientFactory | None

    def panel(
        self, judges: list[JudgeSpec], judged: list[str], predictions: dict[str, Prediction]
    ) -> tuple[list[JudgeSend], list[str]]:
        """Send ``judges`` the ``judged`` riddles; also the riddles without a gold answer."""
        run = self.run
        if not judged:
            raise JuryError(f"run {run.name} has no valid prediction to judge")
        loaded = load_run_dataset(run, settings=self.settings, data_dir=self.options.data_dir)
        riddles = loaded.by_id
        without_gold = [cid for cid in judged if not riddles[cid].has_gold]
        prompts = _judge_prompts(run.manifest.prompts, self.options.prompts_dir)
        requests = [
            judge_request(riddles[cid], _answer(predictions[cid]), prompts) for cid in judged
        ]
        if not self.dry_run:
            # every key before the first batch, every missing one named: no half-sent jury
            require_api_keys((judge.provider for judge in judges), self.settings)
            with run.lock():  # jury.jsonl flags these riddles
                run.manifest.notes["without_gold"] = without_gold
                run.save()
        sends = [self._one(judge, requests, judged, prompts) for judge in judges]
        return sends, without_gold

    def _one(
        self, judge: JudgeSpec, requests: list[NeutralRequest], ids: list[str], prompts: PromptSet
    ) -> JudgeSend:
        window = self.options.completion_window
        if self.dry_run:
            plan, _ = plan_requests(
                judge.key,
                requests,
                GenerationOptions(model=judge.model, **judge.sampling.model_dump()),
                provider=judge.provider,
                completion_window=window,
                price=judge.price,
            )
            facts = Facts.of(self.run.manifest, options=self.options.carry)
            command = next_command(Step.jury_dry_run, facts) or ""
            return JudgeSend(
                judge=judge, send=SendResult(plan=plan, dry_run=True, next_command=command)
            )
        child = write_run(
            self.run.file(layout.judge_child(judge.key)),
            _child_manifest(self.run, judge, ids, PromptsRef.of(prompts)),
            requests,
            force=True,
        )
        try:
            sent = send_run(
                child,
                SendOptions(completion_window=window),
                settings=self.settings,
                client_factory=self.client_factory,
            )
        except BatchError as exc:
            hint = retirement_hint(judge.provider, judge.model, str(exc))
            if hint is None:
                raise
            raise JuryError(f"judge {judge.key}: {exc}; {hint}") from exc
        return JudgeSend(judge=judge, send=sent)

    def missing(self, panel: list[JudgeSpec], children: dict[str, Run]) -> list[JudgeSend]:
        """Resend, judge by judge, only the riddles that lack a valid verdict."""
        run, sends = self.run, []
        for judge in panel:
            child = children.get(judge.key)
            if child is None:
                raise JuryError(
                    f"judge {judge.key} was never sent for run {run.name}; run "
                    f"'{fixes.jury(run.name)}' first"
                )
            # a judge's refusal is no verdict: resend it with the missing ones
            if not retry_ids(child, include_refused=True):
                continue
            options = SendOptions(
                completion_window=self.options.completion_window,
                retry_failed=True,
                include_refused=True,
                carry=self.options.carry,
            )
            sent = send_run(
                child,
                options,
                settings=self.settings,
                dry_run=self.dry_run,
                client_factory=self.client_factory,
            )
            sends.append(JudgeSend(judge=judge, send=sent))
        if not sends:
            raise JuryError(f"every judge of run {run.name} has a verdict for every riddle")
        return sends


def _judge_prompts(ref: PromptsRef, prompts_dir: Path | None) -> PromptSet:
    """The judges' prompts: ``--prompts-dir``, else those the run was prepared with."""
    if prompts_dir is None and ref.source == "custom" and ref.location:
        prompts_dir = Path(ref.location)
    return load_prompts(prompts_dir, official=prompts_dir is None and ref.source == "official")


def _child_manifest(run: Run, judge: JudgeSpec, ids: list[str], prompts: PromptsRef) -> RunManifest:
    parent = run.manifest
    return RunManifest(
        name=judge.key,
        kind="judge",
        split=parent.split,
        hints=parent.hints,
        provider=judge.provider,
        model=judge.model,
        sampling=judge.sampling,
        price=judge.price,
        dataset=parent.dataset,
        prompts=prompts,
        ids=ids,
        parent=parent.name,
        judge=JudgeRef(key=judge.key, provider=judge.provider, model=judge.model),
    )


def _answer(prediction: Prediction) -> Answer:
    return Answer(answer=prediction.answer or "", justification=prediction.justification or "")
