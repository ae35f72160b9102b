"""``layton prepare``: write a run's requests, ready to send."""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import MAX_HINTS, ReasoningEffort
from layton_eval.commands.options import (
    DataDirOpt,
    DatasetOpt,
    ForceOpt,
    JsonOpt,
    RevisionOpt,
    SplitOpt,
    complete_provider,
    parse_params,
)


def prepare(
    split: SplitOpt,
    hints: t.Annotated[
        int,
        typer.Option("--hints", min=0, max=MAX_HINTS, help="Hints given to the model (0-4)."),
    ],
    provider: t.Annotated[
        str | None,
        typer.Option(
            "--provider",
            help="Provider of the evaluated model (default: LAYTON_PROVIDER; or give it to send).",
            autocompletion=complete_provider,
            show_default=False,
        ),
    ] = None,
    model: t.Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Model to evaluate (default: LAYTON_MODEL; or give it to send).",
            show_default=False,
        ),
    ] = None,
    max_tokens: t.Annotated[
        int | None,
        typer.Option("--max-tokens", min=1, help="Output token cap.", show_default=False),
    ] = None,
    temperature: t.Annotated[
        float | None,
        typer.Option("--temperature", help="Sampling temperature.", show_default=False),
    ] = None,
    reasoning_effort: t.Annotated[
        str | None,
        typer.Option(
            "--reasoning-effort",
            help="Reasoning effort: none, minimal, low, medium or high "
            "(OpenAI-style effort; Gemini thinking level).",
            show_default=False,
        ),
    ] = None,
    thinking_budget: t.Annotated[
        int | None,
        typer.Option(
            "--thinking-budget",
            min=0,
            help="Thinking budget in tokens (Anthropic extended thinking; Gemini thinkingBudget).",
            show_default=False,
        ),
    ] = None,
    param: t.Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Extra key=value put as is into each native request body (repeatable).",
            show_default=False,
        ),
    ] = None,
    limit: t.Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, help="Only the first N riddles (a cheap trial).", show_default=False
        ),
    ] = None,
    ids: t.Annotated[
        list[str] | None,
        typer.Option(
            "--ids",
            help="Only these riddle ids (repeatable, or comma-separated).",
            show_default=False,
        ),
    ] = None,
    name: t.Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Run name (default: benchmark_{provider}_{model}_{split}_hints_{n}).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    dataset: DatasetOpt = None,
    revision: RevisionOpt = None,
    prompts_dir: t.Annotated[
        Path | None,
        typer.Option(
            "--prompts-dir",
            help="Folder with benchmark/ and benchmark_judge/ prompt files (e.g. the official "
            "layton-eval prompts/ folder) instead of the built-in prompts.",
            show_default=False,
        ),
    ] = None,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Write a run: one request per riddle, ready for 'layton send'."""
    from layton_eval.errors import UsageError
    from layton_eval.neutral import SamplingOptions
    from layton_eval.prepare import PrepareOptions, prepare_run
    from layton_eval.runs.layout import check_name
    from layton_eval.settings import get_settings

    if reasoning_effort is not None and reasoning_effort not in t.get_args(ReasoningEffort):
        raise UsageError(
            f"--reasoning-effort must be one of {', '.join(t.get_args(ReasoningEffort))}"
        )
    sampling = SamplingOptions(
        max_tokens=max_tokens,
        temperature=temperature,
        reasoning_effort=t.cast(ReasoningEffort | None, reasoning_effort),
        thinking_budget=thinking_budget,
        params=parse_params(param),
    )
    wanted = [part.strip() for item in ids or [] for part in item.split(",") if part.strip()]
    options = PrepareOptions(
        split=split,
        hints=hints,
        provider=provider,
        model=model,
        sampling=sampling,
        name=check_name(name) if name else None,
        ids=wanted or None,
        limit=limit,
        data_dir=data_dir,
        dataset=dataset,
        revision=revision,
        prompts_dir=prompts_dir,
        force=force,
    )
    result = prepare_run(options, settings=get_settings())
    if json_:
        from layton_eval.console import emit_json

        emit_json(result)
        return
    from layton_eval.cards.prepare import prepare_card
    from layton_eval.console import out_console

    out_console().print(prepare_card(result))
