"""Card of ``layton prepare``."""

from __future__ import annotations

import typing as t
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if t.TYPE_CHECKING:
    from layton_eval.prepare import PrepareResult

__all__ = ["card", "cost_line", "estimate", "fields_table", "next_step", "prepare_card", "usd"]


def fields_table(rows: Sequence[tuple[str, RenderableType]]) -> Table:
    """Two-column key/value table used by every card; a long value (a path) folds, never cut."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    return table


def next_step(command: str) -> Text:
    """The ``Next:`` line: one line however long (the terminal wraps it, so that it is copied
    whole), printed under the card's panel."""
    return Text.assemble(
        ("Next: ", "bold"), (command, "bold green"), no_wrap=True, overflow="ignore"
    )


def card(
    body: RenderableType, *, title: str, border: str, next_command: str | None = None
) -> RenderableType:
    """A card: ``body`` in a titled panel, then its ``Next:`` line (if any) under it."""
    panel = Panel(body, title=Text(title, style="bold"), border_style=border, expand=False)
    return Group(panel, next_step(next_command)) if next_command else panel


def usd(value: float | None) -> str:
    """Dollars: cents from $1 up, four decimals below (a trial's cost is not "$0.00")."""
    if value is None:
        return "unknown"
    return f"${value:,.2f}" if abs(value) >= 1 or value == 0 else f"${value:.4f}"


def cost_line(cost: float | None, source: str) -> str:
    """A cost and where its price comes from (or why it is unknown)."""
    return source if cost is None else f"{usd(cost)}  ({source})"


def estimate(cost: float | None, source: str, output_tokens: int) -> str:
    """An estimated cost with the price's source and the assumption it rests on."""
    if cost is None:
        return source
    return f"{usd(cost)}  ({source}; ~{output_tokens:,} output tokens assumed)"


def prepare_card(result: PrepareResult) -> RenderableType:
    riddles = f"{result.riddles}"
    if result.with_images:
        riddles += f" ({result.with_images} with pictures)"
    if result.without_gold:
        riddles += f", {result.without_gold} without a gold answer"
    model = f"{result.provider or '?'} / {result.model or '?'}"
    if not (result.provider and result.model):
        model += "  (set at send with --provider/--model)"
    cost = estimate(result.estimated_cost_usd, result.price_source, result.assumed_output_tokens)
    if not result.model:
        cost = "unknown until a model is chosen"
    dataset = result.dataset.location + (
        f" @ {result.dataset.revision}" if result.dataset.revision else ""
    )
    table = fields_table(
        [
            ("Run", result.run),
            ("Split", str(result.split)),
            ("Riddles", riddles),
            ("Hints", str(result.hints)),
            ("Model", model),
            ("Input tokens", f"~{result.input_tokens:,} (estimate)"),
            ("Estimated cost", cost),
            ("Dataset", f"{dataset}  sha256 {result.dataset.sha256[:12]}"),
            ("Prompts", f"{result.prompts.source}  sha256 {result.prompts.sha256[:12]}"),
            ("Files", "\n".join(result.files.values())),
        ]
    )
    return card(table, title="layton prepare", border="cyan", next_command=result.next_command)
