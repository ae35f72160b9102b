"""Card of ``layton prepare``."""

from __future__ import annotations

import typing as t
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if t.TYPE_CHECKING:
    from layton_eval.prepare import PrepareResult

__all__ = ["card", "cost_line", "estimate", "fields_table", "next_step", "prepare_card", "usd"]


class Fields:
    """Key/value rows, keys beside their values; when a word of a value (a path, a run or judge
    name) would not fit beside its key, every value goes under its key instead, so that names
    stay whole (only a word wider than the whole card folds)."""

    def __init__(self, rows: Sequence[tuple[str, RenderableType]]) -> None:
        self.rows = list(rows)

    def _grid(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
        for key, value in self.rows:
            table.add_row(key, value)
        return table

    def _stacked(self) -> Table:
        table = Table.grid()
        table.add_column(overflow="fold")
        for key, value in self.rows:
            table.add_row(Text(key, style="bold cyan"))
            table.add_row(Padding(value, (0, 0, 0, 2)))
        return table

    def _fits(self, width: int) -> bool:
        keys = max((cell_len(key) for key, _ in self.rows), default=0)
        texts = [v if isinstance(v, str) else getattr(v, "plain", "") for _, v in self.rows]
        longest = max((cell_len(word) for text in texts for word in text.split()), default=0)
        # stacked only when that keeps the word whole (one wider than the card folds anyway)
        return keys + 2 + longest <= width or longest > width - 2

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._grid() if self._fits(options.max_width) else self._stacked()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._grid())


def fields_table(rows: Sequence[tuple[str, RenderableType]]) -> Fields:
    """Two-column key/value rows used by every card; names and paths are never broken."""
    return Fields(rows)


def next_step(command: str) -> Group:
    """The ``Next:`` line: one line however long (the terminal wraps it, so that it is copied
    whole), printed under the card's panel (in a group: a text printed alone is wrapped)."""
    return Group(
        Text.assemble(("Next: ", "bold"), (command, "bold green"), no_wrap=True, overflow="ignore")
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


def _here(location: str) -> str:
    """A folder under the working directory, shown relative to it (where the card is read);
    any other as kept (``run.json`` keeps it absolute)."""
    import os

    if not os.path.isabs(location) or not location.startswith(os.getcwd() + os.sep):
        return location
    return os.path.relpath(location)


def prepare_card(result: PrepareResult) -> RenderableType:
    riddles = f"{result.riddles}"
    if result.with_images:
        riddles += f" ({result.with_images} with pictures)"
    if result.without_gold:
        riddles += (
            f", {result.without_gold} without a gold answer (the judges grade those against "
            "the solution text alone)"
        )
    model = f"{result.provider or '?'} / {result.model or '?'}"
    if not (result.provider and result.model):
        model += "  (set at send with --provider/--model)"
    cost = estimate(result.estimated_cost_usd, result.price_source, result.assumed_output_tokens)
    if not result.model:
        cost = "unknown until a model is chosen"
    dataset = _here(result.dataset.location) + (
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
