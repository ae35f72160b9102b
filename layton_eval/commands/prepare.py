"""``layton prepare``: write a run's requests, ready to send."""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.choices import MAX_HINTS, DatasetSource, PromptsChoice, ReasoningEffort, Split
from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    PROVIDER_NAMES,
    DataDirOpt,
    DatasetOpt,
    ForceOpt,
    JsonOpt,
    PriceInOpt,
    PriceOutOpt,
    RevisionOpt,
    SplitOpt,
    absolute,
    complete_hints,
    complete_model,
    complete_provider,
    parse_params,
    user_price,
)

if t.TYPE_CHECKING:
    from layton_eval.neutral import SamplingOptions
    from layton_eval.prepare import PrepareOptions
    from layton_eval.pricing import UserPrice

HintsOpt = t.Annotated[
    str,
    typer.Option(
        "--hints",
        metavar="N[-M][,N...]",
        help="Hints given to the model (0-4; 4 adds the special hint). A range (0-4) or a list "
        "(0,2,4) prepares one run per level, all in one group.",
        autocompletion=complete_hints,
        show_default=False,
    ),
]
ProviderOpt = t.Annotated[
    str | None,
    typer.Option(
        "--provider",
        help=f"Provider of the evaluated model: {PROVIDER_NAMES} (default: LAYTON_PROVIDER; "
        "or give it to send).",
        autocompletion=complete_provider,
        show_default=False,
    ),
]
ModelOpt = t.Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        help="Model to evaluate (default: LAYTON_MODEL; or give it to send). Repeat it for one "
        "run per model, all in one group.",
        autocompletion=complete_model,
        show_default=False,
    ),
]
GroupOpt = t.Annotated[
    str | None,
    typer.Option(
        "--group",
        help="Group the runs join (default for several runs: PROVIDER_MODEL_SPLIT); every "
        "command that takes a run takes the group's name to act on each of its runs.",
        show_default=False,
    ),
]
MaxTokensOpt = t.Annotated[
    int | None,
    typer.Option("--max-tokens", min=1, help="Output token cap.", show_default=False),
]
TemperatureOpt = t.Annotated[
    float | None,
    typer.Option(
        "--temperature",
        min=0.0,
        max=2.0,
        metavar="T",
        help="Sampling temperature (0-2; some providers accept less).",
        show_default=False,
    ),
]
ReasoningEffortOpt = t.Annotated[
    str | None,
    typer.Option(
        "--reasoning-effort",
        help="Reasoning effort: none, minimal, low, medium or high "
        "(OpenAI-style effort; Gemini thinking level).",
        show_default=False,
    ),
]
ThinkingBudgetOpt = t.Annotated[
    int | None,
    typer.Option(
        "--thinking-budget",
        min=0,
        help="Thinking budget in tokens (Anthropic extended thinking; Gemini thinkingBudget).",
        show_default=False,
    ),
]
ParamOpt = t.Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="KEY=VALUE",
        help="Extra field of each native request body (repeatable). VALUE is read as JSON "
        "when it is JSON (0.5, true, null, {...}), else kept as a string.",
        show_default=False,
    ),
]
LimitOpt = t.Annotated[
    int | None,
    typer.Option(
        "--limit", min=1, help="Only the first N riddles (a cheap trial).", show_default=False
    ),
]
IdsOpt = t.Annotated[
    list[str] | None,
    typer.Option(
        "--ids",
        metavar="ID[,ID...]",
        help="Only these riddle ids (repeatable, or comma-separated).",
        show_default=False,
    ),
]
NameOpt = t.Annotated[
    str | None,
    typer.Option(
        "--name",
        help="Run name: letters, digits, '.', '_', '-' (default: benchmark_ then the "
        "provider, model, split and hints_N, joined by '_'); one run only.",
        show_default=False,
    ),
]
PromptsDirOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--prompts-dir",
        callback=absolute,
        help="Folder with benchmark/ and benchmark_judge/ prompt files (e.g. the official "
        "layton-eval prompts/ folder) instead of the built-in prompts.",
        show_default=False,
    ),
]
PromptsOpt = t.Annotated[
    PromptsChoice | None,
    typer.Option(
        "--prompts",
        help="'official': the layton-eval repository's prompt files (downloaded once, "
        "sha256-checked), for runs strictly comparable with the published leaderboard; "
        "'builtin': layton's own wording (the default).",
        show_default=False,
    ),
]


@examples(
    "layton prepare --split llm --hints 2 --dataset sample --limit 3 --name trial",
    "layton prepare --split llm --hints 0 --provider openai --model gpt-5-mini",
    "layton prepare --split llm --hints 0 --ids 002-1115,005-3 --name pair",
    "layton prepare --split llm --hints 0-4 --model gpt-5-mini --model gpt-5-nano",
)
def prepare(
    split: SplitOpt,
    hints: HintsOpt,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    reasoning_effort: ReasoningEffortOpt = None,
    thinking_budget: ThinkingBudgetOpt = None,
    param: ParamOpt = None,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    limit: LimitOpt = None,
    ids: IdsOpt = None,
    name: NameOpt = None,
    group: GroupOpt = None,
    data_dir: DataDirOpt = None,
    dataset: DatasetOpt = None,
    revision: RevisionOpt = None,
    prompts: PromptsOpt = None,
    prompts_dir: PromptsDirOpt = None,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Write a run: one request per riddle, ready for 'layton send' (or a group of runs)."""
    from layton_eval.runs.layout import check_name

    levels = hint_levels(hints)
    models: list[str | None] = [*dict.fromkeys(model or [])] or [None]
    sampling = _sampling(max_tokens, temperature, reasoning_effort, thinking_budget, param)
    wanted = [part.strip() for item in ids or [] for part in item.split(",") if part.strip()]
    options = prepare_options(
        split=split, hints=levels[0], price=user_price(price_in, price_out),
        data_dir=data_dir, dataset=dataset, revision=revision, prompts=prompts,
        prompts_dir=prompts_dir, provider=provider, model=models[0], sampling=sampling,
        name=None if name is None else check_name(name), ids=wanted or None, limit=limit,
        force=force, group=None if group is None else check_name(group),
    )  # fmt: skip
    _prepare(options, levels, models, json_=json_)


def prepare_options(
    *,
    split: Split,
    hints: int,
    price: UserPrice | None,
    data_dir: Path | None,
    dataset: DatasetSource | None,
    revision: str | None,
    prompts: PromptsChoice | None,
    prompts_dir: Path | None,
    **more: t.Any,
) -> PrepareOptions:
    """What ``prepare`` and ``import`` share (the riddles, the prompts and the price of a
    run), with ``more`` of the command's own, as the domain takes them."""
    from layton_eval.prepare import PrepareOptions

    if prompts is not None and prompts_dir is not None:
        from layton_eval.errors import UsageError

        raise UsageError("--prompts and --prompts-dir exclude each other: pass one of them")
    return PrepareOptions(
        split=split,
        hints=hints,
        price=price,
        data_dir=data_dir,
        dataset=dataset,
        revision=revision,
        prompts_dir=prompts_dir,
        official_prompts=prompts is PromptsChoice.official,
        **more,
    )


def _prepare(
    options: PrepareOptions, levels: list[int], models: list[str | None], *, json_: bool
) -> None:
    """One run, or one run per model and hint level in a group."""
    import dataclasses

    from layton_eval.prepare import default_group_name, prepare_group, prepare_run
    from layton_eval.settings import get_settings

    settings = get_settings()
    if len(levels) * len(models) == 1 and options.group is None:
        _show(prepare_run(options, settings=settings), json_=json_)
        return
    if options.name is not None and len(levels) * len(models) > 1:
        from layton_eval.errors import UsageError

        raise UsageError("--name names one run: a group's runs take their default names")
    each = [dataclasses.replace(options, model=m, hints=h) for m in models for h in levels]
    provider = options.provider or settings.default_provider
    group = options.group or default_group_name(provider, models, options.split)
    _show(prepare_group(each, group=group, settings=settings), json_=json_)


def _show(result: t.Any, *, json_: bool) -> None:
    from layton_eval.console import emit_json, show

    if json_:
        emit_json(result)
        return
    from layton_eval.prepare import PrepareResult

    if isinstance(result, PrepareResult):
        from layton_eval.cards.prepare import prepare_card

        show(prepare_card(result))
    else:
        from layton_eval.cards.group import prepare_group_card

        show(prepare_group_card(result))


def hint_levels(text: str) -> list[int]:
    """The hint levels of ``--hints``: ``2``, a range ``0-4``, a list ``0,2,4`` or both."""
    from layton_eval.errors import UsageError

    levels: list[int] = []
    for part in text.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        if not (low.isdigit() and (high.isdigit() or not dash)):
            raise UsageError(f"--hints {text!r}: give a level (2), a range (0-4) or a list (0,2,4)")
        first, last = int(low), int(high) if dash else int(low)
        if not 0 <= first <= last <= MAX_HINTS:
            raise UsageError(f"--hints {text!r}: levels go from 0 to {MAX_HINTS}, low to high")
        levels += [level for level in range(first, last + 1) if level not in levels]
    return levels


def _sampling(
    max_tokens: int | None,
    temperature: float | None,
    reasoning_effort: str | None,
    thinking_budget: int | None,
    param: list[str] | None,
) -> SamplingOptions:
    from layton_eval.errors import UsageError
    from layton_eval.neutral import SamplingOptions

    if reasoning_effort is not None and reasoning_effort not in t.get_args(ReasoningEffort):
        raise UsageError(
            f"--reasoning-effort must be one of {', '.join(t.get_args(ReasoningEffort))}"
        )
    return SamplingOptions(
        max_tokens=max_tokens,
        temperature=temperature,
        reasoning_effort=t.cast(ReasoningEffort | None, reasoning_effort),
        thinking_budget=thinking_budget,
        params=parse_params(param),
    )
