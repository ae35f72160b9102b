"""``layton export``: a run's requests as an OpenAI Batch input file, for another engine.

One line per riddle, ``{"custom_id": "<riddle id>", "method": "POST", "url":
"/v1/chat/completions", "body": {...}}``, the body being the chat completion the openai provider
renders for the run (its system prompt, the riddle, its picture for vlm, the hints, the answer
schema as ``response_format``, the run's sampling options and ``model``). OpenAI, Azure OpenAI,
vLLM's ``run-batch`` and other OpenAI-compatible engines read it; their output file comes back
with ``layton import OUTPUT --into RUN``. The run itself is not changed.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import typing as t
from pathlib import Path

from pydantic import BaseModel

from layton_eval.batches._calls import impl_of
from layton_eval.errors import RunError, UsageError
from layton_eval.neutral import GenerationOptions
from layton_eval.next_step import Facts, Step, next_command
from layton_eval.runs.atomic import atomic_write_bytes, check_out_file
from layton_eval.runs.outputs import retry_ids

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["ExportOptions", "ExportResult", "export_run", "results_path"]

#: The provider whose chat-completions body the exported lines carry.
RENDERER = "openai"


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """What ``layton export`` was asked for."""

    out: Path
    model: str | None = None  # the name the engine serves (default: the run's model)
    missing: bool = False  # only riddles without a valid answer yet
    force: bool = False


class ExportResult(BaseModel):
    """What ``layton export`` wrote, and how to answer it and bring the answers back."""

    run: str
    path: str
    format: t.Literal["openai-batch"] = "openai-batch"
    model: str
    requests: int
    bytes: int
    results_path: str  # where the engine is asked to write its output
    engine_command: str  # answering the file with vLLM's run-batch
    next_command: str


def results_path(out: Path) -> Path:
    """Where the engine's output of ``out`` goes: ``x.requests.jsonl`` -> ``x.results.jsonl``,
    ``x.jsonl`` -> ``x.results.jsonl``."""
    stem = out.name.removesuffix(".jsonl").removesuffix(".requests")
    return out.with_name(f"{stem}.results.jsonl")


def export_run(run: Run, options: ExportOptions) -> ExportResult:
    """Write the run's requests (``missing``: those without a valid answer yet) to
    ``options.out`` as OpenAI Batch input lines."""
    model = options.model or run.manifest.model
    if not model:
        raise UsageError(
            f"run {run.name} names no model: pass --model (the name the engine serves)"
        )
    check_out_file(options.out, force=options.force)
    wanted = set(retry_ids(run, include_refused=True)) if options.missing else None
    requests = [r for r in run.requests() if wanted is None or r.custom_id in wanted]
    if not requests:
        raise RunError(f"every riddle of run {run.name} has a valid answer: nothing to export")
    impl = impl_of(RENDERER)
    generation = GenerationOptions(model=model, **run.manifest.sampling.model_dump())
    lines = [
        json.dumps(
            {
                "custom_id": r.custom_id,
                "method": "POST",
                "url": impl.endpoint(model),
                "body": impl.build_body(r, generation),
            },
            ensure_ascii=False,
        )
        for r in requests
    ]
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    atomic_write_bytes(options.out, data)
    answers = results_path(options.out)
    engine = " ".join(
        [
            "vllm",
            "run-batch",
            "-i",
            shlex.quote(str(options.out)),
            "-o",
            shlex.quote(str(answers)),
            "--model",
            shlex.quote(model),
        ]
    )
    facts = Facts(run=run.name, options=(str(answers),), model_known=bool(run.manifest.provider))
    return ExportResult(
        run=run.name,
        path=str(options.out),
        model=model,
        requests=len(requests),
        bytes=len(data),
        results_path=str(answers),
        engine_command=engine,
        next_command=next_command(Step.export, facts) or "",
    )
