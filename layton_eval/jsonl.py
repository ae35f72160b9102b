"""Reading JSONL data files line by line, with errors that name the line."""

from __future__ import annotations

import json
import typing as t

from layton_eval.errors import DatasetError

__all__ = ["json_objects"]


def json_objects(text: str, where: t.Callable[[int], str]) -> list[tuple[int, dict[str, t.Any]]]:
    """``(line number, object)`` for every non-blank line of ``text``.

    ``where(n)`` names line ``n`` in the :class:`DatasetError` raised for a line that is not a
    JSON object.
    """
    rows: list[tuple[int, dict[str, t.Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where(number)}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise DatasetError(f"{where(number)}: expected a JSON object")
        rows.append((number, row))
    return rows
