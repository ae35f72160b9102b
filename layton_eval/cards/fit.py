"""Tables that fit the terminal: optional columns give way before any cell is cut.

Rich shrinks a table that is too wide by wrapping its wrappable columns and then cutting the
others with an ellipsis, which breaks the values users copy (run and model names). A
:class:`Fitted` table is built again without its optional columns, in the order given, until
its narrowest rendering fits the width it is drawn at; the kept cells are never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

__all__ = ["Fitted", "width_of"]


def width_of(header: str, cells: Iterable[str]) -> int:
    """The width a column needs to show ``header`` and every cell on one line."""
    return max([cell_len(header), *(cell_len(cell) for cell in cells)])


class Fitted:
    """A table built by ``build(dropped)``; ``optional`` columns are dropped, in order, while
    the table does not fit."""

    def __init__(
        self, build: Callable[[frozenset[str]], Table], optional: Sequence[str] = ()
    ) -> None:
        self.build = build
        self.optional = tuple(optional)

    def table(self, console: Console, width: int) -> Table:
        """The widest version of the table whose narrowest rendering fits ``width``."""
        dropped: set[str] = set()
        table = self.build(frozenset())
        wide = console.options.update_width(1_000_000)
        for name in self.optional:
            if table.__rich_measure__(console, wide).minimum <= width:
                break
            dropped.add(name)
            table = self.build(frozenset(dropped))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(console, options.max_width)
