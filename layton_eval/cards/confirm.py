"""The cards shown before money is spent: what a paid send or jury is about to submit."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from layton_eval.batches.plan import SendPlan
from layton_eval.cards.prepare import estimate, fields_table, usd
from layton_eval.jury.send import JuryStart

__all__ = ["jury_confirm_card", "no_listing_warning", "paid_panel", "send_confirm_card"]


def no_listing_warning(provider: str) -> str:
    """What a user must know before sending to a provider that cannot list batches."""
    return (
        f"{provider} cannot list batches: if this send is interrupted, layton finds the batch "
        "only through the container id it records as soon as it exists"
    )


def paid_panel(body: RenderableType, command: str) -> Panel:
    """The look of every card asked before money is spent: red, saying that only y pays."""
    return Panel(
        body,
        title=Text(f"layton {command}", style="bold"),
        subtitle="paid: nothing is sent unless you answer y",
        border_style="red",
        expand=False,
    )


def send_confirm_card(plan: SendPlan) -> Panel:
    """What a paid send is about to submit, and what it should cost (asked before sending)."""
    cost = estimate(plan.estimated_cost_usd, plan.price_source, plan.assumed_output_tokens)
    rows: list[tuple[str, RenderableType]] = [
        ("Run", plan.run),
        ("Provider", plan.provider),
        ("Model", plan.model),
        (
            "Requests",
            f"{plan.requests:,}"
            + ("  (retry of failed riddles)" if plan.purpose == "retry" else ""),
        ),
        ("Batches", f"{len(plan.batches)} ({plan.bytes / 1e6:,.2f} MB)"),
        ("Estimated cost", cost),
        ("Window", plan.completion_window),
    ]
    if not plan.can_list:
        rows.append(("Warning", Text(no_listing_warning(plan.provider), style="yellow")))
    return paid_panel(fields_table(rows), "send")


def jury_confirm_card(plan: JuryStart) -> Panel:
    """What a paid jury is about to submit, judge by judge (asked before sending)."""
    table = Table(show_edge=False, header_style="bold")
    for column in ("judge", "provider", "model", "requests", "batches", "est. cost"):
        table.add_column(column)
    for item in plan.judges:
        judge, sent = item.judge, item.send.plan
        table.add_row(
            judge.key,
            judge.provider,
            judge.model,
            f"{sent.requests:,}",
            str(len(sent.batches)),
            usd(sent.estimated_cost_usd),
        )
    rows: list[tuple[str, RenderableType]] = [
        ("Run", plan.run),
        ("Judged", f"{plan.judged} riddles"),
        ("Estimated cost", usd(plan.estimated_cost_usd) + "  (estimate)"),
    ]
    for item in plan.judges:
        if not item.send.plan.can_list:
            rows.append(("Warning", Text(no_listing_warning(item.judge.provider), style="yellow")))
    return paid_panel(Group(fields_table(rows), Text(), table), "jury")
