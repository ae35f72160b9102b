"""A run family (the evaluated run and its judge child runs) fetched as one.

``layton fetch RUN`` downloads what is ready for the evaluated model, writes its predictions,
then downloads each judge's verdicts and collects the jury (see :mod:`layton_eval.jury.collect`).
:func:`fetch_runs` fetches a selection: one run, or what is ready in each run of a group (with
what the group cost).
"""

from __future__ import annotations

import typing as t

from pydantic import BaseModel, Field

from layton_eval.batches.fetch import Progress, fetch_run
from layton_eval.jsonl import many_records
from layton_eval.jury.collect import JurySummary, collect_jury
from layton_eval.pricing import Spend, UserPrice
from layton_eval.runs import layout
from layton_eval.runs.outputs import FetchResult, spend
from layton_eval.settings import Settings

if t.TYPE_CHECKING:
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.store import Run

__all__ = ["FamilyFetch", "FetchOutcome", "fetch_family", "fetch_runs"]


class FamilyFetch(BaseModel):
    """What ``layton fetch RUN`` collected."""

    run: FetchResult | None = None
    judges: list[FetchResult] = Field(default_factory=list)
    jury: JurySummary | None = None
    #: What the run and its judges cost so far (tokens, batch and standard prices, estimate).
    cost: Spend = Field(default_factory=Spend)


def fetch_family(
    run: Run,
    *,
    settings: Settings,
    price: UserPrice | None = None,
    shown: Progress | None = None,
) -> FamilyFetch:
    """Fetch what is ready in ``run`` and its judge child runs, and write derived files.

    ``price``: the evaluated model's batch price, given now (kept in ``run.json``). ``shown``:
    told how the downloads and the decoding go.
    """
    if price is not None:
        with run.lock():
            run.manifest.price = price
            run.save()
    with many_records():
        return _fetch_family(run, settings, shown)


def _fetch_family(run: Run, settings: Settings, shown: Progress | None) -> FamilyFetch:
    children = run.children()
    fetched = fetch_run(
        run, settings=settings, has_judges=bool(children), predictions=True, shown=shown
    )
    result = fetched.result
    with fetched.outputs as lines:
        if run.file(layout.OUTPUTS).is_file():
            result = result.model_copy(update={"files": result.files | lines.save_predictions()})
    family = FamilyFetch(run=result)
    for child in children:
        judged = fetch_run(child, settings=settings, shown=shown)
        judged.outputs.close()  # the jury reads the verdicts from the judge's outputs.jsonl
        family.judges.append(judged.result)
    if children:
        family.jury = collect_jury(run)
    family.cost = Spend.total(spend(r) for r in [result, *family.judges])
    return family


class FetchOutcome(BaseModel):
    """What ``layton fetch`` collected, run by run, and for a group what it cost so far."""

    group: str | None
    runs: list[FamilyFetch]
    #: Runs with nothing fetched yet and nothing to fetch (never sent), with why.
    skipped: dict[str, str] = Field(default_factory=dict)
    cost: Spend = Field(default_factory=Spend)
    next_command: str | None = None


def _pending(run: Run) -> bool:
    """Some batch of the run or of its judges was accepted and is not fetched yet."""
    return any(
        b.batch_id and not b.fetched_at
        for member in run.family()
        for b in member.manifest.live_batches
    )


def _as_fetched(run: Run) -> FamilyFetch:
    """A family with nothing left to fetch, summed up from disk (nothing is written)."""
    from layton_eval.runs.outputs import load_outputs, summarize

    results = [summarize(m, load_outputs(m), fetched=[], waiting=[]) for m in run.family()]
    return FamilyFetch(
        run=results[0], judges=results[1:], cost=Spend.total(spend(r) for r in results)
    )


def fetch_runs(
    selection: Selection,
    *,
    settings: Settings,
    price: UserPrice | None = None,
    shown: Progress | None = None,
) -> FetchOutcome:
    """Fetch what is ready in each run of ``selection`` and its judges (of a group: a run with
    nothing left to fetch is only summed up, a run never sent is left alone).

    ``price``: the evaluated model's batch price, given now for one run (kept in ``run.json``).
    ``shown``: what follows the download and reading of each batch (see :func:`fetch_family`).
    """
    from layton_eval.errors import UsageError
    from layton_eval.next_step import Step, family_facts, group_next, refusal

    group = selection.group
    if price is not None and group is not None:
        raise UsageError("--price-in/--price-out price one run: name the run, not a group")
    runs, skipped = selection.left_alone(lambda run: refusal(Step.fetch, family_facts(run)))
    fetched = [
        fetch_family(run, settings=settings, price=price, shown=shown)
        if group is None or _pending(run)
        else _as_fetched(run)
        for run in runs
    ]
    return FetchOutcome(
        group=group,
        runs=fetched,
        skipped=skipped,
        cost=Spend.total(f.cost for f in fetched),
        next_command=group
        and group_next(group, [family_facts(run, verdicts=True) for run in selection.runs]),
    )
