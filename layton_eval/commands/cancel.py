"""``layton cancel``: stop a run's batches (or its judges') at the provider."""

from __future__ import annotations

import typing as t

import typer

from layton_eval.commands.help import examples
from layton_eval.commands.options import JsonOpt, RunArg, confirm_spending, interactive

JudgesOpt = t.Annotated[
    bool,
    typer.Option(
        "--judges", help="Cancel the batches of the run's judges (its jury), not its own."
    ),
]
CancelYesOpt = t.Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts never ask)."),
]


@examples(
    "layton cancel trial",
    "layton cancel trial --judges",
    "layton cancel my-sweep --yes",
    "layton cancel trial --yes --json",
)
def cancel(
    run_name: RunArg = None,
    judges: JudgesOpt = False,
    yes: CancelYesOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Stop a run's batches still out at the provider; what they answered is kept (fetch)."""
    from layton_eval.batches.cancel import cancel_batches
    from layton_eval.commands.runs import find_runs
    from layton_eval.console import emit_json, show
    from layton_eval.settings import get_settings

    selection = find_runs(run_name, accept=lambda m: m.kind == "benchmark")
    settings = get_settings()

    def act(planned: bool) -> t.Any:
        return cancel_batches(selection, settings=settings, judges=judges, planned=planned)

    if not yes and not json_ and interactive():
        from layton_eval.cards.cancel import cancel_confirm_card

        plan = act(planned=True)
        confirm_spending(
            cancel_confirm_card(plan),
            f"Cancel {len(plan.batches)} batch(es)?",
            refused="not cancelled: the batches go on at the provider",
        )
    result = act(planned=False)
    if json_:
        emit_json(result)
        return
    from layton_eval.cards.cancel import cancel_card

    show(cancel_card(result))
