"""Tables that fit the terminal: optional columns give way before any cell is cut.

Rich shrinks a table that is too wide by wrapping its wrappable columns and then cutting the
others with an ellipsis, which breaks the values users copy (run and model names). A
:class:`Fitted` table is built again without its optional columns, in the order given, until
its narrowest rendering fits the width it is drawn at; the kept cells are never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["COMPACT", "Fitted", "name_table", "width_of"]


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


#: The first thing a table built by :func:`name_table` gives up: its wide layout (outer edge,
#: outer padding; the padding between columns is shared), short cells where it has them.
COMPACT = "compact"

#: A row of a :func:`name_table`: its cells, else ``None`` for a line between sections.
Row = Sequence[str | Text] | None


def name_table(
    title: str,
    caption: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    optional: Sequence[str] = (),
    short: Sequence[Row] | None = None,
    short_note: str = "",
) -> Fitted:
    """A table whose first column holds names (judges, models, runs, fields), never wrapped
    or cut: on a narrow terminal the table first narrows (``short`` rows instead of ``rows``,
    ``short_note`` added to the caption), then drops the ``optional`` columns in order, named
    in the caption."""

    def build(dropped: frozenset[str]) -> Table:
        compact = COMPACT in dropped
        gone = [name for name in optional if name in dropped]
        notes = [caption, short_note if compact and short is not None else ""]
        notes.append(f"left out for width: {', '.join(gone)}" if gone else "")
        table = Table(
            title=title,
            caption="\n".join(note for note in notes if note),
            caption_style="dim",
            header_style="bold cyan",
            box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
            pad_edge=not compact,
            show_edge=not compact,
            collapse_padding=compact,
        )
        kept = [i for i, name in enumerate(columns) if name not in dropped]
        for i in kept:
            table.add_column(columns[i], justify="left" if i == 0 else "right", no_wrap=True)
        for row in short if compact and short is not None else rows:
            if row is None:
                table.add_section()
            else:
                table.add_row(*(row[i] for i in kept))
        return table

    return Fitted(build, optional=(COMPACT, *optional), unwrapped=True)
