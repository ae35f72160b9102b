"""Reading JSONL files line by line, with errors that name the file and the line.

The one reader of the package: riddles, calibration rows, judge files and a run's own files all
go through :func:`json_objects` (text already read) or :func:`read_jsonl` (a file).
:func:`many_records` pauses the cyclic garbage collector while a large file's records are built.
"""

from __future__ import annotations

import contextlib
import gc
import json
import typing as t
from pathlib import Path

from layton_eval.errors import DatasetError, LaytonError

__all__ = ["json_objects", "many_records", "read_jsonl"]


@contextlib.contextmanager
def many_records() -> t.Iterator[None]:
    """Pause the cyclic garbage collector while many records are built and kept.

    Each new container object counts towards the next collection, and each collection walks
    every object still alive: building 50,000 records (a large batch's outputs) spent more
    time in collections than in the work itself. Records hold no reference cycles, so nothing
    is left for the collector; it runs again, as it was, when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def json_objects(
    text: str,
    where: t.Callable[[int], str],
    *,
    error: type[LaytonError] = DatasetError,
    not_json: str = "not valid JSON ({msg})",
    not_object: str = "expected a JSON object",
) -> list[tuple[int, dict[str, t.Any]]]:
    """``(line number, object)`` for every non-blank line of ``text``.

    Lines end at ``\n`` only: a JSON string may hold U+2028, U+0085 and other characters that
    ``str.splitlines`` would split on (pydantic writes them unescaped).

    A line that is not a JSON object raises ``error`` with ``where(n)``, then ``not_json``
    (``{msg}`` is the decoder's message) or ``not_object``.
    """
    rows: list[tuple[int, dict[str, t.Any]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            msg = f"{exc.msg} column {exc.colno}"  # the decoder's words end on a position
            raise error(f"{where(number)}: {not_json.replace('{msg}', msg)}") from exc
        if not isinstance(row, dict):
            raise error(f"{where(number)}: {not_object}")
        rows.append((number, row))
    return rows


def read_jsonl(path: Path, *, error: type[LaytonError] = DatasetError) -> list[dict[str, t.Any]]:
    """The objects of the JSONL file ``path``; a damaged line raises ``error`` naming it."""
    text = path.read_text(encoding="utf-8")
    rows = json_objects(text, lambda n: f"{path}:{n}", error=error, not_json="damaged line ({msg})")
    return [row for _, row in rows]
