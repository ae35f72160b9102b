"""``layton jury``: send a fetched run to its panel of three judges."""

from __future__ import annotations

import typing as t
from pathlib import Path

import typer

from layton_eval.commands.batch import TimeoutOpt
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

if t.TYPE_CHECKING:
    from layton_eval.jury.send import JuryOptions
    from layton_eval.runs.store import Run
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
DryRunOpt = t.Annotated[
    bool, typer.Option("--dry-run", help="Show the panel, requests and cost; send nothing.")
]
WaitOpt = t.Annotated[
    bool, typer.Option("--wait", help="Stay attached until the judges finish, then fetch.")
]
IntervalOpt = t.Annotated[
    float,
    typer.Option(
        "--interval", min=1.0, metavar="SECONDS", help="Seconds between polls while waiting."
    ),
]
CompletionWindowOpt = t.Annotated[
    str, typer.Option("--completion-window", help="Batch completion window.")
]
PromptsDirOpt = t.Annotated[
    Path | None,
    typer.Option(
        "--prompts-dir",
        callback=absolute,
        help="Judge prompt folder (default: the one the run was prepared with).",
        show_default=False,
    ),
]
ForceOpt = t.Annotated[
    bool, typer.Option("--force", help="Send the jury again even if judges were sent.")
]


@examples(
    "layton jury trial --dry-run",
    "layton jury trial",
    "layton jury my-sweep --retry-missing",
    "layton jury trial --jury-config jury.toml --dry-run",
)
def jury(
    ctx: typer.Context,
    run_name: RunArg = None,
    jury_config: JuryConfigOpt = None,
    allow_self_judging: AllowSelfJudgingOpt = False,
    retry_missing: RetryMissingOpt = False,
    dry_run: DryRunOpt = False,
    wait: WaitOpt = False,
    interval: IntervalOpt = 30.0,
    timeout: TimeoutOpt = None,
    completion_window: CompletionWindowOpt = "24h",
    data_dir: DataDirOpt = None,
    prompts_dir: PromptsDirOpt = None,
    force: ForceOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Send a fetched run's predictions to a panel of three judges (never its own provider)."""
    from layton_eval.commands.runs import find_runs
    from layton_eval.jury.panel import load_jury_config
    from layton_eval.jury.send import JuryOptions
    from layton_eval.next_step import Step
    from layton_eval.runs.manifest import RunState

    found = find_runs(
        run_name,
        step=Step.jury,
        accept=lambda m: m.kind == "benchmark" and m.derived_state() is RunState.fetched,
    )
    options = JuryOptions(
        config=load_jury_config(jury_config),
        allow_self_judging=allow_self_judging,
        force=force,
        retry_missing=retry_missing,
        completion_window=completion_window,
        data_dir=data_dir,
        prompts_dir=prompts_dir,
        carry=repeated_options(ctx, leave_out={"dry_run", "json_", "yes"}),
    )
    ask = not dry_run and not yes and not json_ and interactive()
    waiting = (interval, timeout) if wait else None
    if found.group is not None:
        from layton_eval.commands.group import jury_group

        jury_group(found, options, dry_run=dry_run, ask=ask, json_=json_, wait=waiting)
        return
    _one_run(
        found.runs[0], found.settings, options, dry_run=dry_run, ask=ask, json_=json_, wait=waiting
    )


def _one_run(
    run: Run,
    settings: Settings,
    options: JuryOptions,
    *,
    dry_run: bool,
    ask: bool,
    json_: bool,
    wait: tuple[float, float | None] | None,
) -> None:
    from layton_eval.console import emit_json, show
    from layton_eval.jury.send import start_jury

    if ask:
        from layton_eval.cards.confirm import jury_confirm_card

        plan = start_jury(run, options, settings=settings, dry_run=True)
        requests = sum(item.send.plan.requests for item in plan.judges)
        confirm_spending(jury_confirm_card(plan), f"Submit {requests} judge requests?")
    result = start_jury(run, options, settings=settings, dry_run=dry_run)
    if json_ and wait is None:
        emit_json(result)
        return
    if not json_:
        from layton_eval.cards.jury import jury_start_card

        show(jury_start_card(result))
    if wait is not None and not dry_run:
        from layton_eval.commands.batch import wait_then_fetch

        interval, timeout = wait
        wait_then_fetch(run.family(), settings, interval=interval, timeout=timeout, json_=json_)
