"""A run's outputs while a fetch merges them: lines on disk, an index in memory.

A fetch holds no output record and no answer text in memory: each outcome is serialised as soon
as it is decoded, and its lines (its ``outputs.jsonl`` line and, for a benchmark run, its
``predictions.jsonl`` line and its line of the original scripts' results file) are appended to
one temporary file in arrival order. :class:`OutputLines` keeps, per request, where the lines of
the outcome kept for it are and what the fetch card counts (:class:`Entry`). The run's files are
then written in the run's riddle order by copying those lines (:meth:`OutputLines.save`,
:meth:`OutputLines.save_predictions`): byte for byte what dumping the records would write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import typing as t

from pydantic_core import to_json

from layton_eval.answers import parse_output
from layton_eval.errors import RunError
from layton_eval.runs import layout
from layton_eval.runs.atomic import atomic_open, jsonl_line
from layton_eval.runs.outputs import OutputRecord
from layton_eval.runs.predictions import interchange_row, prediction_row

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["Entry", "OutputLines", "Tokens"]

#: Bytes written to, and read back from, the temporary files at a time.
_BLOCK = 1 << 20


class Tokens(t.NamedTuple):
    """One outcome's token counts, read like a :class:`~layton_eval.neutral.Usage` (pricing
    and :func:`~layton_eval.runs.outputs.summarize` take either) at the size of a tuple."""

    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cache_read_tokens: int


@dataclasses.dataclass(slots=True)
class Entry:
    """Where one outcome's lines are, and what is counted of it."""

    id: str
    #: Where its lines start in the temporary files of outputs, predictions and results-file
    #: lines, then their sizes (0: none): six numbers in one tuple.
    spans: tuple[int, int, int, int, int, int]
    quality: int
    status: str
    #: Its token counts (a tuple: a ``Usage`` each would double the index).
    usage: Tokens
    fetched_at: dt.datetime
    refusal: str | None
    #: Hash of its text (two valid answers that differ), and of all that makes it the same
    #: answer as another result line for the request.
    text: int
    same: int


def sameness(output: OutputRecord) -> int:
    """What two results for one request must share to count as the same answer, hashed."""
    used = output.usage
    return hash(
        (output.text, used.input_tokens, used.output_tokens, used.reasoning_tokens,
         output.finish_reason, output.error, output.refusal)
    )  # fmt: skip


class OutputLines:
    """The run's outputs: those of ``outputs.jsonl`` at first, then merged batch by batch.

    ``predictions``: also keep each outcome's prediction and results-file lines (a benchmark
    run). Close it (or use it as a context manager) to remove the temporary file.
    """

    def __init__(self, run: Run, *, predictions: bool = False) -> None:
        self.run = run
        self.predictions = predictions
        self.kept: dict[str, Entry] = {}
        # closed by close() (a fetch hands them to its caller, which writes the predictions)
        self._files = [
            tempfile.TemporaryFile(dir=run.path, prefix=".outputs.", buffering=_BLOCK)  # noqa: SIM115
            for _ in range(3 if predictions else 1)
        ]
        self._ends = [0, 0, 0]
        for record in _read_outputs(run):
            self.kept[record.id] = self.add(record)

    def __enter__(self) -> OutputLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for handle in self._files:
            handle.close()

    def add(self, record: OutputRecord) -> Entry:
        """Write ``record``'s lines; where they are (an outcome that cannot be written is
        that request's failed outcome, with the reason)."""
        try:
            lines = self._lines(record)
        except Exception as exc:  # one odd answer must not stop the batch
            record = OutputRecord(
                id=record.id,
                batch_id=record.batch_id,
                provider=record.provider,
                model=record.model,
                fetched_at=record.fetched_at,
                error=f"the result could not be written ({type(exc).__name__})",
            )
            lines = self._lines(record)
        ends = self._ends
        spans = (ends[0], ends[1], ends[2], len(lines[0]), len(lines[1]), len(lines[2]))
        for which, line in enumerate(lines):
            if line:
                self._files[which].write(line)
                ends[which] += len(line)
        used = record.usage
        return Entry(
            id=record.id,
            spans=spans,
            quality=record.quality,
            status=record.status,
            usage=Tokens(
                used.input_tokens, used.output_tokens, used.reasoning_tokens, used.cache_read_tokens
            ),  # fmt: skip
            fetched_at=record.fetched_at,
            refusal=record.refusal,
            text=hash(record.text),
            same=sameness(record),
        )

    def _lines(self, record: OutputRecord) -> tuple[bytes, bytes, bytes]:
        if not self.predictions:
            return jsonl_line(record), b"", b""
        interchange = b"" if record.error else to_json(interchange_row(record)) + b"\n"
        return jsonl_line(record), to_json(prediction_row(record)) + b"\n", interchange

    def merge(self, new: t.Iterable[Entry], conflicts: list[str] | None = None) -> set[str]:
        """Merge ``new`` into the kept outcomes (the better outcome wins); the ids that changed.

        A valid answer is never replaced, neither by an error nor by a later answer: a
        different valid answer for the same id is added to ``conflicts``, the first is kept.
        """
        changed = set()
        for entry in new:
            old = self.kept.get(entry.id)
            if old is not None and old.quality == 2:
                if entry.quality == 2 and entry.text != old.text and conflicts is not None:
                    conflicts.append(entry.id)
                continue
            if old is None or entry.quality >= old.quality:
                self.kept[entry.id] = entry
                changed.add(entry.id)
        return changed

    def _kept_lines(self, which: int) -> t.Iterator[bytes]:
        """Line ``which`` (0 outputs, 1 prediction, 2 results file) of each kept outcome, in
        the run's riddle order: the lines that follow each other in the file are read and
        written as one piece (the lines of most runs arrive in riddle order)."""
        handle = self._files[which]
        handle.flush()
        fd = handle.fileno()
        start = end = 0  # the lines read next: one piece of the file
        for cid in self.run.manifest.ids:
            entry = self.kept.get(cid)
            if entry is None or not entry.spans[which + 3]:
                continue
            offset = entry.spans[which]
            if offset != end:
                yield from _pieces(fd, start, end)
                start = offset
            end = offset + entry.spans[which + 3]
        yield from _pieces(fd, start, end)

    def save(self) -> None:
        """Write ``outputs.jsonl`` in the run's riddle order."""
        _write(self.run, layout.OUTPUTS, self._kept_lines(0))

    def save_predictions(self) -> dict[str, str]:
        """Write ``predictions.jsonl`` and the original scripts' results file."""
        predictions = _write(self.run, layout.PREDICTIONS, self._kept_lines(1))
        results = _write(self.run, layout.results_file(self.run.manifest), self._kept_lines(2))
        return {"predictions": str(predictions), "interchange": str(results)}


def _pieces(fd: int, start: int, end: int) -> t.Iterator[bytes]:
    """The bytes of the file ``fd`` from ``start`` to ``end``, at most a block at a time."""
    while start < end:
        piece = os.pread(fd, min(_BLOCK, end - start), start)
        if not piece:
            raise RunError(f"a fetch's temporary file ended at byte {start} of {end}")
        yield piece
        start += len(piece)


def _write(run: Run, name: str, lines: t.Iterable[bytes]) -> str:
    path = run.file(name)
    with atomic_open(path) as handle:
        for line in lines:
            handle.write(line)
    return str(path)


def _read_outputs(run: Run) -> t.Iterator[OutputRecord]:
    """The records of ``outputs.jsonl``, one line at a time (see
    :func:`~layton_eval.runs.outputs.load_outputs`)."""
    path = run.file(layout.OUTPUTS)
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = OutputRecord.model_validate_json(line)
            except ValueError as exc:
                raise RunError(f"{path}:{number}: damaged line ({type(exc).__name__})") from exc
            if record.valid and record.parsed is None and not record.error:
                record.parsed = parse_output(
                    run.manifest.kind, record.text, repair=not record.truncated
                )
            yield record
