"""Result lines of a finished batch, decoded one at a time into :class:`RawResult` objects.

Each line is read with one ``json.loads`` and mapped to ``(status, native body)`` by the
provider's ``result_of`` (no round trip through batchling's ``httpx.Response`` objects). One bad
line loses only itself (docs/providers.md, D7): it becomes a malformed result for its id when
the id can be read, and is skipped otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing as t
from collections.abc import Callable

from pydantic_core import from_json

from layton_eval.providers.batch_types import RawResult

if t.TYPE_CHECKING:
    import httpx

__all__ = [
    "BodySink",
    "LineCheck",
    "OnBytes",
    "decode_line",
    "keep_result",
    "malformed_result",
    "salvage_id",
]

_MALFORMED = 502

#: Maps one decoded result item to its result (raises on an item of an unexpected shape).
ResultOf = Callable[[dict[str, t.Any]], RawResult]
#: Told of each chunk written: its size, and the size of the whole file when it is known (a
#: size of 0 when a file starts).
OnBytes = Callable[[int, int | None], None]
_CHUNK = 1 << 20


class BodySink:
    """Writes one downloaded file's body into a handle in chunks, from where it started (a
    retried download starts over), and keeps its unterminated last line."""

    def __init__(self, handle: t.BinaryIO, on_bytes: OnBytes | None = None) -> None:
        self.handle = handle
        self.start = handle.tell()
        self.on_bytes = on_bytes
        self.tail = bytearray()

    async def __call__(self, response: httpx.Response) -> None:
        self.handle.seek(self.start)
        self.handle.truncate()
        self.tail = bytearray()
        length = response.headers.get("content-length")
        total = int(length) if length and length.isdigit() else None
        if self.on_bytes is not None:
            self.on_bytes(0, total)  # a file starts
        async for chunk in response.aiter_bytes(_CHUNK):
            self.handle.write(chunk)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                self.tail = bytearray(chunk[cut + 1 :])
            else:
                self.tail += chunk
            if self.on_bytes is not None:
                self.on_bytes(len(chunk), total)

    def end(self) -> bytes:
        """The file's last line if it lacks its newline (then added), else ``b""``."""
        if self.tail:
            self.handle.write(b"\n")
        return bytes(self.tail)


@dataclasses.dataclass
class LineCheck:
    """What decoding a downloaded results file found wrong with it, line by line."""

    #: Non-blank lines that are not a result of any request (not JSON, or no id in them).
    unreadable: int = 0


def malformed_result() -> RawResult:
    """The result kept for a result line that could not be decoded."""
    return RawResult(
        status_code=_MALFORMED,
        body={
            "error": {
                "type": "malformed_result",
                "message": "the provider returned a result line that could not be decoded",
            }
        },
    )


def decode_line(line: bytes | str, field: str, result_of: ResultOf) -> tuple[str, RawResult] | None:
    """``(custom id, result)`` of one JSONL result line whose id is in ``field``.

    A blank line or an item without an id gives ``None``; a line that cannot be decoded gives a
    malformed result for its id when the id can be read (else ``None``).
    """
    if not line or line.isspace():  # blank (``not line.strip()`` without copying the line)
        return None
    custom_id: t.Any = None
    try:
        try:
            item = from_json(line)  # pydantic-core's reader: faster than json's
        except ValueError:  # what it refuses (a lone surrogate escape, say): json's reader
            item = json.loads(line)
        custom_id = item.get(field)
        if custom_id is None:
            return None
        return str(custom_id), result_of(item)
    except Exception:  # any bad line must not lose the other results
        if custom_id is None:
            text = line if isinstance(line, str) else line.decode("utf-8", "replace")
            custom_id = salvage_id(text, field)
        return None if custom_id is None else (str(custom_id), malformed_result())


def salvage_id(line: str, field: str) -> str | None:
    """The id in ``"field": "..."`` of a line that is not valid JSON, if it can be read."""
    match = re.search(rf'"{re.escape(field)}"\s*:\s*"((?:[^"\\]|\\.)*)"', line)
    if match is None:
        return None
    try:
        return str(json.loads(f'"{match.group(1)}"'))
    except ValueError:
        return None


def keep_result(merged: dict[str, RawResult], custom_id: str, result: RawResult) -> None:
    """Add one result line: the first success for an id is kept, whatever follows it.

    A later error never replaces a success (it was paid for and answered); a later, different
    success is not taken either, and is counted in the kept result's ``conflicts``. A failure
    is replaced by whatever comes next for the same id.
    """
    previous = merged.get(custom_id)
    if previous is None or previous.status_code >= 400:
        merged[custom_id] = result
    elif result.status_code < 400 and result.body != previous.body:
        merged[custom_id] = dataclasses.replace(
            previous, conflicts=previous.conflicts + 1 + result.conflicts
        )
