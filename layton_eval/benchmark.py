"""Preparing a benchmark run: dataset -> prompts -> neutral requests -> run folder."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from layton_eval.dataset import DatasetSource, LoadedSplit, Split, load_split, select_riddles
from layton_eval.errors import DatasetError, UsageError
from layton_eval.neutral import SamplingOptions
from layton_eval.pricing import PRICES_AS_OF, estimate_cost
from layton_eval.prompts import benchmark_request, load_prompts
from layton_eval.runs import (
    DatasetRef,
    PromptsRef,
    Run,
    RunManifest,
    RunStore,
    check_replaceable,
    sanitize_name,
)
from layton_eval.settings import API_KEY_VARS, Settings

__all__ = [
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
    prices_as_of: str
    dataset: DatasetRef
    prompts: PromptsRef
    files: dict[str, str]
    next_command: str


def default_run_name(provider: str | None, model: str | None, split: Split, hints: int) -> str:
    """``benchmark_{provider}_{model}_{split}_hints_{n}``, sanitised, as the original scripts."""
    if provider and model:
        return sanitize_name(f"benchmark_{provider}_{model}_{split}_hints_{hints}")
    return sanitize_name(f"benchmark_{split}_hints_{hints}")


def prepare_run(
    *,
    settings: Settings,
    split: Split,
    hints: int,
    provider: str | None = None,
    model: str | None = None,
    sampling: SamplingOptions | None = None,
    name: str | None = None,
    ids: list[str] | None = None,
    limit: int | None = None,
    data_dir: Path | None = None,
    dataset: DatasetSource | None = None,
    revision: str | None = None,
    prompts_dir: Path | None = None,
    force: bool = False,
) -> PrepareResult:
    """Load the riddles, build one neutral request per riddle and write a new run."""
    if not 0 <= hints <= 4:
        raise UsageError(f"--hints must be between 0 and 4, not {hints}")
    provider = provider or settings.default_provider
    model = model or settings.default_model
    if provider is not None and provider not in API_KEY_VARS:
        raise UsageError(f"unknown provider {provider!r}; choose one of {', '.join(API_KEY_VARS)}")
    store = RunStore(settings.runs_dir)
    run_name = name or default_run_name(provider, model, split, hints)
    check_replaceable(store.path(run_name), force=force)  # before the (slow) dataset load
    loaded = load_split(
        split, settings=settings, data_dir=data_dir, dataset=dataset, revision=revision
    )
    riddles = select_riddles(loaded.riddles, ids=ids, limit=limit)
    prompts = load_prompts(prompts_dir)
    requests = [benchmark_request(riddle, hints, prompts) for riddle in riddles]
    dataset_ref = DatasetRef(
        source=loaded.source,
        location=loaded.location,
        revision=loaded.revision,
        sha256=loaded.sha256,
        riddles=len(riddles),
        with_images=sum(1 for request in requests if request.has_image),
    )
    prompts_ref = PromptsRef(source=prompts.source, sha256=prompts.sha256)
    manifest = RunManifest(
        name=run_name,
        split=split,
        hints=hints,
        provider=provider,
        model=model,
        sampling=sampling or SamplingOptions(),
        dataset=dataset_ref,
        prompts=prompts_ref,
        ids=[riddle.id for riddle in riddles],
    )
    run = store.create(manifest, requests, force=force)
    cost = estimate_cost(provider, model, requests)
    send = f"layton send {run_name}"
    if not (provider and model):
        send += " --provider PROVIDER --model MODEL"
    return PrepareResult(
        run=run_name,
        path=str(run.path),
        split=split,
        hints=hints,
        riddles=len(riddles),
        with_images=dataset_ref.with_images,
        without_gold=sum(1 for riddle in riddles if not riddle.has_gold),
        provider=provider,
        model=model,
        input_tokens=cost.input_tokens,
        assumed_output_tokens=cost.output_tokens,
        estimated_cost_usd=cost.usd,
        prices_as_of=PRICES_AS_OF,
        dataset=dataset_ref,
        prompts=prompts_ref,
        files={"manifest": str(run.file("run.json")), "requests": str(run.file("requests.jsonl"))},
        next_command=send,
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
