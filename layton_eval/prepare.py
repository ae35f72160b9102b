"""``prepare``: dataset -> prompts -> neutral requests -> a new run folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydantic import BaseModel

from layton_eval.choices import DatasetSource, Split
from layton_eval.dataset import LoadedSplit, load_split, select_riddles
from layton_eval.errors import DatasetError, UsageError
from layton_eval.neutral import SamplingOptions
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.pricing import Estimate, UserPrice, estimate_cost
from layton_eval.prompts import benchmark_request, load_prompts
from layton_eval.providers import NAMES
from layton_eval.providers._options import check_options
from layton_eval.runs import layout
from layton_eval.runs.manifest import DatasetRef, PromptsRef, RunManifest
from layton_eval.runs.store import Run, RunStore, check_replaceable
from layton_eval.settings import Settings

__all__ = [
    "PrepareOptions",
    "PrepareResult",
    "default_run_name",
    "load_run_dataset",
    "prepare_run",
]


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


def prepare_run(options: PrepareOptions, *, settings: Settings) -> PrepareResult:
    """Load the riddles, build one neutral request per riddle and write a new run."""
    provider = options.provider or settings.default_provider
    model = options.model or settings.default_model
    if provider is not None and provider not in NAMES:
        raise UsageError(f"unknown provider {provider!r}; choose one of {', '.join(NAMES)}")
    if provider is not None:  # before anything is written or paid
        check_options(provider, options.sampling, model)
    store = RunStore(settings.runs_dir)
    run_name = options.name or default_run_name(provider, model, options.split, options.hints)
    check_replaceable(store.path(run_name), force=options.force)  # before the slow load
    loaded = load_split(
        options.split,
        settings=settings,
        data_dir=options.data_dir,
        dataset=options.dataset,
        revision=options.revision,
    )
    riddles = select_riddles(loaded.riddles, ids=options.ids, limit=options.limit)
    prompts = load_prompts(options.prompts_dir, official=options.official_prompts)
    requests = [benchmark_request(riddle, options.hints, prompts) for riddle in riddles]
    manifest = RunManifest(
        name=run_name,
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
            riddles=len(riddles),
            with_images=sum(1 for request in requests if request.has_image),
        ),
        prompts=PromptsRef.of(prompts),
        ids=[riddle.id for riddle in riddles],
    )
    run = store.create(manifest, requests, force=options.force)
    without_gold = sum(1 for riddle in riddles if not riddle.has_gold)
    return _result(run, estimate_cost(provider, model, requests, options.price), without_gold)


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


def load_run_dataset(run: Run, *, settings: Settings, data_dir: Path | None = None) -> LoadedSplit:
    """The riddles a run was prepared from, checked against the recorded sha256."""
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
