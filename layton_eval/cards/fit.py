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
from rich.measure import Measurement
from rich.table import Table

__all__ = ["Fitted", "width_of"]


def width_of(header: str, cells: Iterable[str]) -> int:
    """The width a column needs to show ``header`` and every cell on one line."""
    return max([cell_len(header), *(cell_len(cell) for cell in cells)])


class Fitted:
    """A table built by ``build(dropped)``; ``optional`` columns are dropped, in order, while
    the table does not fit: while its narrowest rendering (cells wrapped at their spaces) is
    too wide, or, with ``unwrapped``, while its widest (no cell wrapped) is."""

    def __init__(
        self,
        build: Callable[[frozenset[str]], Table],
        optional: Sequence[str] = (),
        *,
        unwrapped: bool = False,
    ) -> None:
        self.build = build
        self.optional = tuple(optional)
        self.unwrapped = unwrapped

    def table(self, console: Console, width: int) -> Table:
        """The widest version of the table whose narrowest rendering fits ``width``."""
        dropped: set[str] = set()
        table = self.build(frozenset())
        wide = console.options.update_width(1_000_000)
        for name in self.optional:
            measured = table.__rich_measure__(console, wide)
            if (measured.maximum if self.unwrapped else measured.minimum) <= width:
                break
            dropped.add(name)
            table = self.build(frozenset(dropped))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(console, options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # inside a panel that fits its content, the panel is as wide as the fitted table
        return self.table(console, options.max_width).__rich_measure__(console, options)
