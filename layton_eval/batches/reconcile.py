"""``status --reconcile``: after an interrupted send, find which batches the provider accepted.

A batch left ``submitting`` (its intent recorded, its id not) is looked up in the provider's
list of batches, read page after page until it is past the intent's time (minus a margin for
clocks): "never created" is concluded only from a list read that far. The rules, in order:

1. A batch id that any run of the runs folder records is never adopted by another run.
2. A batch carrying the intent's tag (layton's metadata, or Gemini's display name) is the one.
3. Otherwise, batches without a layton tag, of the same size, created between the intent and
   the end of the failed call (plus the margin) are candidates. A single candidate is adopted
   only on providers that keep no tag (Anthropic, Together); on the others an untagged batch is
   not layton's own, so it is shown, never adopted alone.
4. Anything else is left to the user, who sees the candidates: ``--adopt BATCH_ID`` records one
   (checked at the provider), ``--none-created`` declares the submission not created.

xAI cannot list batches: its container id, recorded as soon as it exists, is polled instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches._calls import (
    ClientFactory,
    default_client_factory,
    impl_for,
    run_async,
)
from layton_eval.batches.poll import apply_snapshot
from layton_eval.errors import BatchError, ProviderHTTPError, RunError
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.runs.manifest import BatchPhase, BatchRecord, RunState, now
from layton_eval.settings import Settings, require_api_key

if t.TYPE_CHECKING:
    from layton_eval.providers.base import Provider
    from layton_eval.providers.batch_types import BatchListing, RemoteBatch
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.store import Run

__all__ = [
    "Candidate",
    "Intent",
    "ReconcileChoice",
    "ReconcileResult",
    "reconcile_family",
    "reconcile_runs",
]

#: Allowance for the difference between this machine's clock and the provider's.
MARGIN = dt.timedelta(minutes=2)
#: How long a submission that never returned may have taken (upload and create calls).
LONGEST_SUBMIT = dt.timedelta(minutes=15)


class Candidate(BaseModel):
    """A batch at the provider that may be the interrupted submission."""

    batch_id: str
    created_at: dt.datetime | None
    request_count: int | None
    status: str
    tagged: bool


class Intent(BaseModel):
    """One interrupted submission and what reconcile made of it.

    ``outcome``: ``found`` (adopted from the list or the container), ``adopted`` (chosen by
    the user), ``never_created``, ``declared_not_created`` (by the user) or ``undecided``.
    """

    run: str
    intent_id: str
    provider: str
    requests: int
    intent_at: dt.datetime
    outcome: str
    batch_id: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    read: str = ""
    detail: str | None = None


class ReconcileResult(BaseModel):
    run: str
    found: list[str]
    not_submitted: list[str]
    ambiguous: dict[str, list[str]]
    intents: list[Intent] = Field(default_factory=list)
    next_command: str | None = None


@dataclasses.dataclass(frozen=True)
class ReconcileChoice:
    """The user's decision for submissions reconcile cannot settle alone."""

    adopt: str | None = None
    none_created: bool = False


def reconcile_family(
    runs: t.Sequence[Run],
    *,
    settings: Settings,
    recorded: dict[str, str],
    choice: ReconcileChoice = ReconcileChoice(),
    client_factory: ClientFactory | None = None,
) -> list[ReconcileResult]:
    """Settle the submissions of ``runs`` (a run and its judges) left ``submitting``.

    ``recorded`` maps every batch id recorded in the runs folder to its run; it grows as
    batches are adopted.
    """
    pending = [
        b.intent_at for r in runs for b in r.manifest.batches if b.phase is BatchPhase.submitting
    ]
    since = min(pending, default=now()) - MARGIN
    ctx = _Context(settings, client_factory or default_client_factory, recorded, since)
    results = [_reconcile_run(run, ctx) for run in runs]
    if choice.adopt is not None:
        _adopt(runs, results, choice.adopt, ctx)
    elif choice.none_created:
        _declare_none(runs, results)
    undecided = any(i.outcome == "undecided" for r in results for i in r.intents)
    main = runs[0]
    facts = Facts(run=main.name, state=main.manifest.derived_state(), undecided=undecided)
    command = next_command(Step.reconcile, facts)
    return [results[0].model_copy(update={"next_command": command}), *results[1:]]


def reconcile_runs(
    selection: Selection,
    *,
    settings: Settings,
    choice: ReconcileChoice = ReconcileChoice(),
    client_factory: ClientFactory | None = None,
) -> list[ReconcileResult]:
    """Settle each run family of ``selection`` (of a group: those interrupted while
    submitting) in turn, each against every batch id the runs folder records by then."""
    from layton_eval.runs.store import RunStore

    interrupted, _ = selection.left_alone(
        lambda run: (
            None
            if any(m.manifest.derived_state() is RunState.submitting for m in run.family())
            else "not interrupted"
        )
    )
    if not interrupted:
        raise RunError(f"no run of group {selection.name} was interrupted while submitting")
    results = []
    for run in interrupted:
        results += reconcile_family(
            run.family(),
            settings=settings,
            recorded=RunStore(settings.runs_dir).recorded_batch_ids(),
            choice=choice,
            client_factory=client_factory,
        )
    return results


@dataclasses.dataclass
class _Context:
    settings: Settings
    factory: ClientFactory
    recorded: dict[str, str]
    since: dt.datetime  # the earliest interrupted submission, less the margin
    listings: dict[str, BatchListing] = dataclasses.field(default_factory=dict)

    def listing(self, impl: Provider) -> BatchListing:
        """The provider's list read back to ``since`` (once per provider and reconcile)."""
        if impl.name not in self.listings:
            api_key = require_api_key(impl.name, self.settings)
            self.listings[impl.name] = run_async(
                impl.list_batches(api_key=api_key, client_factory=self.factory, since=self.since)
            )
        return self.listings[impl.name]

    def poll(self, impl: Provider, batch_id: str, total: int) -> t.Any:
        api_key = require_api_key(impl.name, self.settings)
        return run_async(
            impl.poll(batch_id, api_key=api_key, total=total, client_factory=self.factory)
        )


def _reconcile_run(run: Run, ctx: _Context) -> ReconcileResult:
    with run.lock("reconciling"):
        result = ReconcileResult(run=run.name, found=[], not_submitted=[], ambiguous={})
        pending = [b for b in run.manifest.batches if b.phase is BatchPhase.submitting]
        for record in pending:
            intent = _settle(run, record, ctx)
            result.intents.append(intent)
            if intent.outcome == "found":
                result.found.append(record.batch_id or "")
            elif intent.outcome == "never_created":
                result.not_submitted.append(record.intent_id)
            else:
                result.ambiguous[record.intent_id] = [c.batch_id for c in intent.candidates]
            run.save()
    return result


def _intent(run: Run, record: BatchRecord, outcome: str, **extra: t.Any) -> Intent:
    return Intent(
        run=run.name,
        intent_id=record.intent_id,
        provider=record.provider,
        requests=record.request_count,
        intent_at=record.intent_at,
        outcome=outcome,
        **extra,
    )


def _found(run: Run, record: BatchRecord, batch_id: str, ctx: _Context, **extra: t.Any) -> Intent:
    record.batch_id = batch_id
    record.phase = BatchPhase.submitted
    record.submitted_at = record.submitted_at or now()
    record.error = None
    ctx.recorded[batch_id] = run.name
    return _intent(run, record, "found", batch_id=batch_id, **extra)


def _never(run: Run, record: BatchRecord, why: str, **extra: t.Any) -> Intent:
    record.phase = BatchPhase.rejected
    record.error = f"never created: {why}"
    return _intent(run, record, "never_created", detail=why, **extra)


def _settle(run: Run, record: BatchRecord, ctx: _Context) -> Intent:
    impl = impl_for(record)
    if record.container_id:
        return _settle_container(run, record, impl, ctx)
    if not impl.supports_listing:
        tag = run.manifest.batch_tag(record)
        return _intent(
            run,
            record,
            "undecided",
            detail=f"{impl.name} cannot list batches and no container id was recorded: look "
            f"in its console for a batch named {tag}, then --adopt BATCH_ID, or --none-created",
        )
    listing = ctx.listing(impl)
    read = _how_far(listing)
    mine = [b for b in listing.batches if b.batch_id not in ctx.recorded]
    tagged = [b for b in mine if b.metadata.get("layton_intent") == record.intent_id]
    if len(tagged) == 1:
        return _found(run, record, tagged[0].batch_id, ctx, read=read)
    candidates = tagged or _untagged_candidates(record, mine)
    shown = [_candidate(b) for b in candidates]
    far_enough = listing.complete or listing.reached(record.intent_at - MARGIN)
    if not candidates and far_enough:
        return _never(run, record, f"not in {impl.name}'s batch list ({read})", read=read)
    if len(candidates) == 1 and not tagged and not impl.keeps_tags and far_enough:
        return _found(run, record, candidates[0].batch_id, ctx, read=read)
    return _intent(
        run, record, "undecided", candidates=shown, read=read, detail=_why(impl, far_enough, shown)
    )


def _why(impl: Provider, far_enough: bool, candidates: list[Candidate]) -> str:
    if not far_enough:
        return "the list could not be read back to the submission's time: try again later"
    if impl.keeps_tags:
        return (
            f"no batch carries this submission's tag, and {impl.name} keeps tags: adopt an "
            "untagged batch only if you know it is this run's"
        )
    return f"{len(candidates)} batches of the same size and time: choose the run's own"


def _untagged_candidates(record: BatchRecord, batches: list[RemoteBatch]) -> list[RemoteBatch]:
    start = record.intent_at - MARGIN
    end = (record.attempt_ended_at or record.intent_at + LONGEST_SUBMIT) + MARGIN
    return [
        b
        for b in batches
        if not b.metadata.get("layton_intent")
        and b.created_at is not None
        and start <= b.created_at <= end
        and b.request_count in (None, record.request_count)
    ]


def _candidate(batch: RemoteBatch) -> Candidate:
    return Candidate(
        batch_id=batch.batch_id,
        created_at=batch.created_at,
        request_count=batch.request_count,
        status=batch.status,
        tagged=bool(batch.metadata.get("layton_intent")),
    )


def _how_far(listing: BatchListing) -> str:
    where = (
        "to the end of the list"
        if listing.complete
        else f"back to {listing.oldest:%Y-%m-%d %H:%M} UTC"
        if listing.oldest
        else "without dates"
    )
    return f"{len(listing.batches)} batches in {listing.pages} page(s), {where}"


def _settle_container(run: Run, record: BatchRecord, impl: Provider, ctx: _Context) -> Intent:
    """xAI: poll the container recorded as soon as it existed."""
    container = record.container_id
    assert container is not None
    try:
        snap = ctx.poll(impl, container, record.request_count)
    except ProviderHTTPError as exc:
        if exc.status_code != 404:
            return _intent(run, record, "undecided", detail=str(exc))
        return _never(run, record, f"{impl.name} does not know container {container}")
    except BatchError as exc:
        return _intent(run, record, "undecided", detail=str(exc))
    if not snap.counted:
        return _never(run, record, f"container {container} holds no request (nothing to pay)")
    apply_snapshot(record, snap)
    detail = None
    if snap.counted < record.request_count:
        detail = (
            f"the container holds {snap.counted} of {record.request_count} requests: once "
            "it is fetched, send --retry-failed sends the rest"
        )
    return _found(run, record, container, ctx, detail=detail)


def _undecided(runs: t.Sequence[Run], results: list[ReconcileResult]) -> list[tuple[Run, Intent]]:
    by_name = {run.name: run for run in runs}
    return [
        (by_name[intent.run], intent)
        for result in results
        for intent in result.intents
        if intent.outcome == "undecided"
    ]


def _adopt(
    runs: t.Sequence[Run], results: list[ReconcileResult], batch_id: str, ctx: _Context
) -> None:
    """Record ``batch_id`` as the interrupted submission the user chose it for."""
    if batch_id in ctx.recorded:
        raise RunError(
            f"batch {batch_id} is recorded by run {ctx.recorded[batch_id]}: a batch is never "
            "adopted by two runs"
        )
    open_ = _undecided(runs, results)
    chosen = [(r, i) for r, i in open_ if batch_id in {c.batch_id for c in i.candidates}]
    if not chosen and len(open_) == 1:
        chosen = open_
    if len(chosen) != 1:
        raise RunError(
            f"no single interrupted submission of run {runs[0].name} to adopt {batch_id} for "
            f"({len(open_)} undecided)"
        )
    run, intent = chosen[0]
    with run.lock("reconciling"):
        record = next(b for b in run.manifest.batches if b.intent_id == intent.intent_id)
        impl = impl_for(record)
        snap = ctx.poll(impl, batch_id, record.request_count)  # 404: unknown to the provider
        if snap.counted is not None and snap.counted != record.request_count:
            raise RunError(
                f"batch {batch_id} holds {snap.counted} requests, the submission "
                f"{record.request_count}: not adopted"
            )
        _found(run, record, batch_id, ctx)
        apply_snapshot(record, snap)
        run.save()
    intent.outcome, intent.batch_id, intent.detail = "adopted", batch_id, "chosen by the user"


def _declare_none(runs: t.Sequence[Run], results: list[ReconcileResult]) -> None:
    """Mark every undecided submission as not created, as the user said."""
    open_ = _undecided(runs, results)
    if not open_:
        raise RunError(f"run {runs[0].name} has no undecided submission to declare")
    for run, intent in open_:
        with run.lock("reconciling"):
            record = next(b for b in run.manifest.batches if b.intent_id == intent.intent_id)
            record.phase = BatchPhase.rejected
            record.error = "declared not created by the user (status --reconcile --none-created)"
            run.save()
        intent.outcome = "declared_not_created"
