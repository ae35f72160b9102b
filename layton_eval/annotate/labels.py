"""The labels file: one JSON line per label, in the calibration set's own schema.

A line holds the item (``riddle_id, provider, model, n_hints, answer, justification``), the
judges' columns ``{field}_{judge}``, the human labels (``human_answer_correct``,
``human_justification_correct``, ``human_both_correct``), then who and when (``annotator``,
``labelled_at``), ``notes``, ``split`` and ``source``: ``layton score --calibration FILE`` reads
it as it is.

Every change rewrites the file through a temporary file and a rename, under an exclusive lock
on a ``.<name>.lock`` file beside it: the file is always whole (a crash loses at most the label
being written), and two sessions writing to one file never lose each other's labels.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import json
import typing as t
from pathlib import Path

from layton_eval.annotate.items import Item, label_columns
from layton_eval.choices import Split
from layton_eval.errors import DatasetError, UsageError
from layton_eval.jsonl import json_objects
from layton_eval.runs.atomic import writing
from layton_eval.runs.locks import file_lock
from layton_eval.runs.store import atomic_write_bytes

__all__ = ["AlreadyLabelled", "LabelStore", "label_row", "row_key"]

Row = dict[str, t.Any]


def label_row(
    item: Item,
    *,
    answer: bool,
    justification: bool,
    annotator: str,
    notes: str,
    split: Split,
    at: dt.datetime | None = None,
) -> Row:
    """The labels file line of ``item`` labelled by ``annotator``."""
    when = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return {
        "riddle_id": item.riddle_id,
        "provider": item.provider,
        "model": item.model,
        "n_hints": item.n_hints,
        "answer": item.answer,
        "justification": item.justification,
        **item.columns(),
        **label_columns(answer, justification),
        "annotator": annotator,
        "labelled_at": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "notes": notes,
        "split": split.value,
        "source": item.source,
    }


class AlreadyLabelled(UsageError):
    """The annotator has labelled the item already (in another session on the file)."""


def row_key(row: Row) -> tuple[str, str, str]:
    return (row["riddle_id"], row["provider"], row["model"])


class LabelStore:
    """The labels file at ``path`` (created with the first label)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def _lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def rows(self) -> list[Row]:
        """Every label in the file, in order (none when the file does not exist yet).

        Raises
        ------
        DatasetError
            If a line is not a JSON object with the item's three keys (naming the line).
        """
        if not self.path.exists():
            return []
        if not self.path.is_file():
            raise UsageError(f"{self.path} is not a file; pass --labels FILE")
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetError(f"cannot read {self.path}: {exc}") from exc
        rows = []
        for number, row in json_objects(text, lambda n: f"{self.path}, line {n}"):
            if not all(isinstance(row.get(k), str) and row[k] for k in _KEYS):
                raise DatasetError(
                    f"{self.path}, line {number}: a label needs riddle_id, provider and model; "
                    "repair or remove the line"
                )
            rows.append(row)
        return rows

    def append(self, row: Row) -> None:
        """Add one label at the end of the file; :class:`AlreadyLabelled` if the file holds
        a label of the item by the same annotator (two processes on one file)."""
        with self._locked():
            rows = self.rows()
            key, who = row_key(row), row.get("annotator")
            if any(row_key(old) == key and old.get("annotator") == who for old in rows):
                raise AlreadyLabelled(f"{who} has labelled this item already in {self.path.name}")
            self._write([*rows, row])

    def clear_stale(self) -> list[Path]:
        """Remove the temporary files a killed label write left beside the file (none can be
        in use while the lock is held); the ones removed."""
        pattern = f".{glob.escape(self.path.name)}.*.tmp"
        if not any(self.path.parent.glob(pattern)):
            return []
        with self._locked():
            stale = sorted(self.path.parent.glob(pattern))
            for path in stale:
                path.unlink(missing_ok=True)
        return stale

    def remove_last(self, key: tuple[str, str, str], annotator: str) -> Row | None:
        """Take back the last label of ``key`` by ``annotator``; the removed row, if any."""
        with self._locked():
            rows = self.rows()
            for i in range(len(rows) - 1, -1, -1):
                if row_key(rows[i]) == key and rows[i].get("annotator") == annotator:
                    removed = rows.pop(i)
                    self._write(rows)
                    return removed
        return None

    def amend_notes(self, key: tuple[str, str, str], annotator: str, notes: str) -> bool:
        """Replace the notes of the last label of ``key`` by ``annotator``."""
        with self._locked():
            rows = self.rows()
            for row in reversed(rows):
                if row_key(row) == key and row.get("annotator") == annotator:
                    if row.get("notes") != notes:
                        row["notes"] = notes
                        self._write(rows)
                    return True
        return False

    @contextlib.contextmanager
    def _locked(self) -> t.Iterator[None]:
        with writing(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self._lock_path):
            yield

    def _write(self, rows: list[Row]) -> None:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        atomic_write_bytes(self.path, text.encode("utf-8"))


_KEYS = ("riddle_id", "provider", "model")
