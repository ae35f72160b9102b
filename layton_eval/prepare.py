"""``prepare``: dataset -> prompts -> neutral requests -> a new run folder."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

from pydantic import BaseModel

from layton_eval.choices import DatasetSource, Split
from layton_eval.dataset import LoadedSplit, Riddle, load_split, select_riddles
from layton_eval.errors import DatasetError, RunError, UsageError
from layton_eval.estimates import Estimate, estimate_cost
from layton_eval.neutral import NeutralRequest, SamplingOptions
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.pricing import UserPrice
from layton_eval.prompts import PromptSet, benchmark_request, load_prompts
from layton_eval.providers import NAMES
from layton_eval.providers._options import check_options
from layton_eval.runs import layout
from layton_eval.runs.groups import check_group_name, check_not_a_group
from layton_eval.runs.manifest import DatasetRef, PromptsRef, RunManifest
from layton_eval.runs.store import Run, RunStore, check_replaceable

if t.TYPE_CHECKING:
    from layton_eval.settings import Settings

__all__ = [
    "GroupPrepareResult",
    "PrepareOptions",
    "PrepareResult",
    "Riddles",
    "default_group_name",
    "default_run_name",
    "load_riddles",
    "load_run_dataset",
    "new_run",
    "prepare_group",
    "prepare_run",
]


class GroupPrepareResult(BaseModel):
    """What ``layton prepare`` wrote: one run, or a group of runs (a sweep)."""

    group: str | None
    runs: list[PrepareResult]
    estimated_cost_usd: float | None  # of every run (None: a price is unknown)
    next_command: str


class PrepareResult(BaseModel):
    """What ``layton prepare`` did, for the card and ``--json``."""

    run: str
    path: str
    split: Split
    hints: int
    riddles: int
    with_images: int
    without_gold: int
    provider: str | None
    model: str | None
    input_tokens: int
    assumed_output_tokens: int
    estimated_cost_usd: float | None
    price_source: str  # where the price comes from, or why it is unknown
    dataset: DatasetRef
    prompts: PromptsRef
    files: dict[str, str]
    next_command: str


def default_run_name(provider: str | None, model: str | None, split: Split, hints: int) -> str:
    """``benchmark_{provider}_{model}_{split}_hints_{n}``, sanitised, as the original scripts."""
    if provider and model:
        return layout.sanitize_name(f"benchmark_{provider}_{model}_{split}_hints_{hints}")
    return layout.sanitize_name(f"benchmark_{split}_hints_{hints}")


def default_group_name(provider: str | None, models: t.Sequence[str | None], split: Split) -> str:
    """``{provider}_{model}_{split}`` (models joined by ``-and-``), sanitised."""
    named = [model for model in models if model]
    parts = [provider, "-and-".join(dict.fromkeys(named)) if named else None, str(split)]
    return layout.sanitize_name("_".join(part for part in parts if part))


@dataclasses.dataclass(frozen=True)
class PrepareOptions:
    """What ``layton prepare`` was asked for (see its ``--help``)."""

    split: Split
    hints: int
    provider: str | None = None
    model: str | None = None
    sampling: SamplingOptions = dataclasses.field(default_factory=SamplingOptions)
    price: UserPrice | None = None
    name: str | None = None
    ids: list[str] | None = None
    limit: int | None = None
    data_dir: Path | None = None
    dataset: DatasetSource | None = None
    revision: str | None = None
    prompts_dir: Path | None = None
    official_prompts: bool = False
    force: bool = False
    group: str | None = None  # the group the run joins


@dataclasses.dataclass(frozen=True)
class Riddles:
    """The riddles chosen for new runs, and the prompt files their requests are built with."""

    loaded: LoadedSplit
    chosen: list[Riddle]
    prompts: PromptSet


def load_riddles(options: PrepareOptions, *, settings: Settings) -> Riddles:
    """The riddles ``options`` choose (split, data, ``--ids``/``--limit``) and the prompts."""
    loaded = load_split(
        options.split,
        settings=settings,
        data_dir=options.data_dir,
        dataset=options.dataset,
        revision=options.revision,
    )
    chosen = select_riddles(loaded.riddles, ids=options.ids, limit=options.limit)
    prompts = load_prompts(options.prompts_dir, official=options.official_prompts)
    return Riddles(loaded, chosen, prompts)


def new_run(
    riddles: Riddles,
    options: PrepareOptions,
    *,
    name: str,
    provider: str | None,
    model: str | None,
) -> tuple[RunManifest, list[NeutralRequest]]:
    """The manifest and requests of a run of ``riddles`` at ``options.hints`` (not written)."""
    requests = [benchmark_request(r, options.hints, riddles.prompts) for r in riddles.chosen]
    loaded = riddles.loaded
    manifest = RunManifest(
        name=name,
        split=options.split,
        hints=options.hints,
        provider=provider,
        model=model,
        sampling=options.sampling,
        price=options.price,
        dataset=DatasetRef(
            source=loaded.source,
            location=loaded.location,
            revision=loaded.revision,
            sha256=loaded.sha256,
            riddles=len(riddles.chosen),
            with_images=sum(1 for request in requests if request.has_image),
        ),
        prompts=PromptsRef.of(riddles.prompts),
        ids=[riddle.id for riddle in riddles.chosen],
        group=options.group,
    )
    return manifest, requests


def _target(options: PrepareOptions, settings: Settings) -> tuple[str | None, str | None, str]:
    """Provider, model and run name of ``options``, checked before anything is written."""
    provider = options.provider or settings.default_provider
    model = options.model or settings.default_model
    if provider is not None and provider not in NAMES:
        raise UsageError(f"unknown provider {provider!r}; choose one of {', '.join(NAMES)}")
    if provider is not None:  # before anything is written or paid
        check_options(provider, options.sampling, model)
    name = options.name or default_run_name(provider, model, options.split, options.hints)
    return provider, model, name


def prepare_run(options: PrepareOptions, *, settings: Settings) -> PrepareResult:
    """Load the riddles, build one neutral request per riddle and write a new run."""
    return prepare_group([options], group=options.group, settings=settings).runs[0]


def prepare_group(
    each: t.Sequence[PrepareOptions], *, group: str | None, settings: Settings
) -> GroupPrepareResult:
    """Write one run per item of ``each`` (the same split and riddles, other hints or
    models), all in ``group``: every name is checked before the riddles are loaded, once."""
    store = RunStore(settings.runs_dir)
    targets = [_target(options, settings) for options in each]
    names = [name for _, _, name in targets]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"two runs would be named {', '.join(twice)}: give each its own --name")
    if group is not None:
        check_group_name(store, group, names)
    for name, options in zip(names, each, strict=True):
        check_not_a_group(store, name)
        if len(each) > 1 and not options.force and store.path(name).exists():
            raise RunError(
                f"run {name} already exists at {store.path(name)}: use --force to replace "
                "the group's runs (a run with paid batches not fetched is never replaced)",
                run=name,
            )
        check_replaceable(store.path(name), force=options.force)  # before the slow load
    riddles = load_riddles(each[0], settings=settings)
    without_gold = sum(1 for riddle in riddles.chosen if not riddle.has_gold)
    results = []
    for (provider, model, name), options in zip(targets, each, strict=True):
        options = dataclasses.replace(options, group=group)
        manifest, requests = new_run(riddles, options, name=name, provider=provider, model=model)
        run = store.create(manifest, requests, force=options.force)
        cost = estimate_cost(provider, model, requests, options.price)
        results.append(_result(run, cost, without_gold))
    return _group_result(group, results)


def _group_result(group: str | None, results: list[PrepareResult]) -> GroupPrepareResult:
    costs = [r.estimated_cost_usd for r in results]
    facts = Facts(run=group or results[0].run, model_known=all(r.model for r in results))
    return GroupPrepareResult(
        group=group,
        runs=results,
        estimated_cost_usd=None if None in costs else sum(c for c in costs if c is not None),
        next_command=(next_command(Step.prepare, facts) or "")
        if group
        else results[0].next_command,
    )


def _result(run: Run, cost: Estimate, without_gold: int) -> PrepareResult:
    manifest = run.manifest
    facts = Facts(run=run.name, model_known=bool(manifest.provider and manifest.model))
    return PrepareResult(
        run=run.name,
        path=str(run.path),
        split=manifest.split,
        hints=manifest.hints,
        riddles=len(manifest.ids),
        with_images=manifest.dataset.with_images,
        without_gold=without_gold,
        provider=manifest.provider,
        model=manifest.model,
        input_tokens=cost.input_tokens,
        assumed_output_tokens=cost.output_tokens,
        estimated_cost_usd=cost.usd,
        price_source=cost.source,
        dataset=manifest.dataset,
        prompts=manifest.prompts,
        files={
            "manifest": str(run.file(layout.MANIFEST)),
            "requests": str(run.file(layout.REQUESTS)),
        },
        next_command=next_command(Step.prepare, facts) or "",
    )


def load_run_dataset(
    run: Run, *, settings: Settings | None = None, data_dir: Path | None = None
) -> LoadedSplit:
    """The riddles a run was prepared from, checked against the recorded sha256 (``settings``:
    read when the riddles come from the Hub)."""
    ref = run.manifest.dataset
    if data_dir is not None:
        loaded = load_split(run.manifest.split, settings=settings, data_dir=data_dir)
    elif ref.source == "sample":
        loaded = load_split(run.manifest.split, settings=settings, dataset="sample")
    elif ref.source == "dir":
        loaded = load_split(run.manifest.split, settings=settings, data_dir=Path(ref.location))
    else:
        loaded = load_split(
            run.manifest.split, settings=settings, dataset="hub", revision=ref.revision
        )
    if loaded.sha256 != ref.sha256:
        raise DatasetError(
            f"the riddles changed since run {run.name} was prepared (sha256 {ref.sha256[:12]} "
            f"then, {loaded.sha256[:12]} now); point --data-dir at the data it was prepared with"
        )
    return loaded
