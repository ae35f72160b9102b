"""The two consoles of the process, created once, and the plain JSON writer.

Card functions receive a console instead of creating one, so tests can pass
``Console(file=io.StringIO())``.

Cards show text from files and providers (riddle ids, model names, answers, error texts):
the consoles never let it drive the terminal. Every string is shown as it is, never read as
Rich markup or emoji codes, with its control characters (ESC, BEL, C1 codes: terminal
escapes that set a title, colours or the clipboard) replaced by U+FFFD before the layout;
what reaches the terminal through a ``Text`` built by a card is cleaned the same way as it is
written. :func:`clean` does the same for a line written without a console.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import typing as t

from rich.console import Console, ConsoleOptions, RenderHook, RenderResult
from rich.segment import Segment

if t.TYPE_CHECKING:
    from rich.console import ConsoleRenderable
    from rich.text import Text

__all__ = [
    "FetchBar",
    "clean",
    "emit_json",
    "err_console",
    "out_console",
    "show",
    "wants_progress",
]

#: Control characters but tab and newline: C0, DEL and C1.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1_IN_JSON = re.compile("[\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` with its control characters (but tab and newline) replaced by U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


class _Cleaned:
    """A renderable whose text segments are cleaned as they are written."""

    def __init__(self, renderable: ConsoleRenderable) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            if segment.control is None and _CONTROL.search(segment.text):
                yield Segment(clean(segment.text), segment.style)
            else:
                yield segment


class _CleanHook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Cleaned(renderable) for renderable in renderables]


class _Console(Console):
    """A console that shows strings as they are (no markup, no emoji codes), cleaned."""

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)
        self.push_render_hook(_CleanHook())

    def render_str(self, text: str, **kwargs: t.Any) -> Text:
        kwargs.update(markup=False, emoji=False)
        return super().render_str(clean(text), **kwargs)


@functools.cache
def out_console() -> Console:
    """Console for cards on stdout."""
    return _Console()


@functools.cache
def err_console() -> Console:
    """Console for errors and progress on stderr."""
    return _Console(stderr=True)


def show(*renderables: t.Any) -> None:
    """Print cards on stdout. Nothing is cropped at the terminal's width: a card's ``Next:``
    line is one line however long, which the terminal wraps, so that it is copied whole."""
    out_console().print(*renderables, crop=False)


def emit_json(document: t.Any) -> None:
    """Write one JSON document on stdout (pydantic models are dumped in JSON mode)."""
    if hasattr(document, "model_dump"):
        document = document.model_dump(mode="json")
    elif isinstance(document, list):
        document = [d.model_dump(mode="json") if hasattr(d, "model_dump") else d for d in document]
    text = json.dumps(document, indent=2, ensure_ascii=False)  # C0 codes come escaped
    sys.stdout.write(_C1_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n")
    sys.stdout.flush()


def wants_progress(json_: bool) -> bool:
    """Whether long work shows a progress bar: stdout is a terminal, and not ``--json``."""
    return not json_ and _stdout_is_terminal()


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


class FetchBar:
    """A progress bar on stderr for a fetch: the bytes of each download, then the result
    lines decoded (see :class:`~layton_eval.batches.fetch.Progress`)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[done]}"),
            TimeElapsedColumn(),
            console=err_console(),
        )

    def __enter__(self) -> FetchBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def download(self, batch_id: str) -> t.Callable[[int, int | None], None]:
        """The callback told of each chunk downloaded (0 bytes and its size: a file starts)."""
        task = self.bar.add_task(f"download {batch_id}", total=None, done="")
        seen = [0, 0]  # bytes so far, the sizes of the files announced

        def advance(size: int, total: int | None) -> None:
            if size == 0:
                seen[1] += total or 0
            seen[0] += size
            self.bar.update(
                task,
                completed=seen[0],
                total=max(seen[1], seen[0]) or None,
                done=f"{seen[0] / 1e6:,.1f} MB",
            )

        return advance

    def decode(self, batch_id: str, lines: int) -> t.Callable[[int], None]:
        """The callback told of result lines decoded (how many more)."""
        task = self.bar.add_task(f"decode {batch_id}", total=lines, done="")
        seen = [0]

        def advance(count: int) -> None:
            seen[0] += count
            self.bar.update(task, completed=seen[0], done=f"{seen[0]:,}/{lines:,} lines")

        return advance
