"""The two consoles of the process, created once, and the plain JSON writer.

Card functions receive a console instead of creating one, so tests can pass
``Console(file=io.StringIO())``.
"""

from __future__ import annotations

import functools
import json
import sys
import typing as t

from rich.console import Console

__all__ = ["emit_json", "err_console", "out_console", "show"]


@functools.cache
def out_console() -> Console:
    """Console for cards on stdout."""
    return Console(highlight=False)


@functools.cache
def err_console() -> Console:
    """Console for errors and progress on stderr."""
    return Console(stderr=True, highlight=False)


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
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
