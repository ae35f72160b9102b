"""``layton jury``: send a fetched run to its panel of three judges."""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.commands.help import examples
from layton_eval.commands.options import (
    DataDirOpt,
    JsonOpt,
    RunArg,
    YesOpt,
    absolute,
    confirm_spending,
    interactive,
    repeated_options,
)
from layton_eval.commands.sending import (
    CompletionWindowOpt,
    IntervalOpt,
    MaxCostOpt,
    TimeoutOpt,
    finish,
)

if t.TYPE_CHECKING:
    from layton_eval.jury.send import JuryOptions
    from layton_eval.runs.groups import Selection
    from layton_eval.settings import Settings

JuryConfigOpt = t.Annotated[
    str | None,
    typer.Option(
        "--jury-config",
        help="A preset ('default': layton-eval's pool with retired judges replaced by their "
        "successors; 'published': exactly the calibration set's judges) or a JSON or TOML file "
        "naming the judge pool, the panel and the substitute.",
        show_default=False,
    ),
]
AllowSelfJudgingOpt = t.Annotated[
    bool,
    typer.Option("--allow-self-judging", help="Let a judge of the evaluated model's provider sit."),
]
RetryMissingOpt = t.Annotated[
    bool,
    typer.Option(
        "--retry-missing", help="Resend only riddles lacking a valid verdict from some judge."
    ),
]
JuryDryRunOpt = t.Annotated[
    bool, typer.Option("--dry-run", help="Show the panel, requests and cost; send nothing.")
]
JuryWaitOpt = t.Annotated[
    bool, typer.Option("--wait", help="Stay attached until the judges finish, then fetch.")
]
JudgePromptsDirOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--prompts-dir",
        callback=absolute,
        help="Judge prompt folder (default: the one the run was prepared with).",
        show_default=False,
    ),
]
JuryAgainOpt = t.Annotated[
    bool, typer.Option("--force", help="Send the jury again even if judges were sent.")
]


@examples(
    "layton jury trial --dry-run",
    "layton jury trial --max-cost 2",
    "layton jury my-sweep --retry-missing",
    "layton jury trial --jury-config jury.toml --dry-run",
)
def jury(
    ctx: typer.Context,
    run_name: RunArg = None,
    jury_config: JuryConfigOpt = None,
    allow_self_judging: AllowSelfJudgingOpt = False,
    retry_missing: RetryMissingOpt = False,
    dry_run: JuryDryRunOpt = False,
    wait: JuryWaitOpt = False,
    interval: IntervalOpt = 30.0,
    timeout: TimeoutOpt = None,
    completion_window: CompletionWindowOpt = "24h",
    data_dir: DataDirOpt = None,
    prompts_dir: JudgePromptsDirOpt = None,
    max_cost: MaxCostOpt = None,
    force: JuryAgainOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Send a fetched run's predictions to a panel of three judges (never its own provider)."""
    from layton_eval.cards.jury import jury_cards
    from layton_eval.commands.runs import find_runs
    from layton_eval.jury.panel import load_jury_config
    from layton_eval.jury.send import JuryOptions, start_juries
    from layton_eval.next_step import Step
    from layton_eval.runs.manifest import RunState
    from layton_eval.settings import get_settings

    selection = find_runs(
        run_name,
        step=Step.jury,
        accept=lambda m: m.kind == "benchmark" and m.derived_state() is RunState.fetched,
    )
    settings = get_settings()
    options = JuryOptions(
        config=load_jury_config(jury_config),
        allow_self_judging=allow_self_judging,
        force=force,
        retry_missing=retry_missing,
        completion_window=completion_window,
        data_dir=data_dir,
        prompts_dir=prompts_dir,
        max_cost=max_cost,
        carry=repeated_options(ctx, leave_out={"dry_run", "json_", "yes"}),
    )
    if not dry_run and not yes and not json_ and interactive():
        _ask_first(selection, options, settings)
    result = start_juries(selection, options, settings=settings, dry_run=dry_run)
    finish(
        selection,
        settings,
        result.juries[0] if result.group is None else result,
        jury_cards(result),
        json_=json_,
        wait=(interval, timeout) if wait and not dry_run else None,
    )


def _ask_first(selection: Selection, options: JuryOptions, settings: Settings) -> None:
    """In a terminal: refuse what is over the spending limit before the card asks, then show
    the card and ask (Enter cancels)."""
    from layton_eval.batches.send import refuse_over_limit
    from layton_eval.jury.send import judging_what, start_juries

    plan = start_juries(selection, options, settings=settings, dry_run=True)
    what = judging_what(selection)
    refuse_over_limit(plan.estimated_cost_usd, options.max_cost, settings, what)
    if plan.juries:
        from layton_eval.cards.jury import jury_confirmation

        confirm_spending(*jury_confirmation(plan))
