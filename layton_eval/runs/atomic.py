"""Atomic writes: a temporary file in the same folder, then a rename (never half a file).

Files get the permissions the umask gives new files (they never hold a secret), and a failed
write (permissions, full disk...) is one line naming the path. Writes stream: rows are dumped
and written one at a time through a buffered handle, so a large file is never held in memory
as a list of lines, a joined string and its bytes at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import typing as t
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel

from layton_eval.errors import RunError, UsageError

__all__ = [
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_jsonl",
    "check_out_file",
    "jsonl_line",
    "umask",
    "writing",
]

_BUFFER = 1 << 20
#: ``json.dumps(row, ensure_ascii=False)`` without building an encoder for every row.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class Digest(t.Protocol):
    """What a hashlib object offers to be fed the bytes written."""

    def update(self, data: bytes, /) -> None: ...


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failed write (permissions, full disk...) into one line naming ``path``.

    An error about another file (one the rows being written are read from, say) is left as it
    is, so that it names that file.
    """
    try:
        yield
    except OSError as exc:
        if not _about(exc, path):
            raise
        reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
        raise RunError(f"cannot write {path}: {reason}") from exc


def _about(exc: OSError, path: Path) -> bool:
    """``exc`` is about writing ``path``: no file named (a write on its handle), the file or
    its temporary sibling, or a folder on its way."""
    if exc.filename is None:
        return True
    named = Path(os.fsdecode(exc.filename)).absolute()
    target = path.absolute()
    return named.parent == target.parent or target.is_relative_to(named)


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[t.BinaryIO]:
    """A binary handle on a temporary file beside ``path``, renamed to ``path`` on success.

    On any exception (Ctrl-C included) the temporary file is removed and ``path`` is untouched.
    The file gets the permissions the umask gives new files.
    """
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~umask())
            with os.fdopen(fd, "wb", buffering=_BUFFER) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def check_out_file(path: Path, *, force: bool) -> None:
    """``path``, given with ``--out``, can be written: a file in an existing folder, replaced
    only with ``force`` (the one check of every file written outside the runs folder)."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder; pass --out FILE")
    if not path.parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist; create it or pick another --out")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; pass --force to replace it or --out FILE")


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or pieces of bytes written in turn) to ``path`` atomically."""
    with atomic_open(path) as handle:
        if isinstance(data, bytes | bytearray | memoryview):
            handle.write(data)
        else:
            for piece in data:
                handle.write(piece)


def jsonl_line(row: t.Any) -> bytes:
    """One JSON document and its newline, UTF-8 (a pydantic model is dumped as JSON; bytes are
    a document already encoded)."""
    if isinstance(row, bytes):
        return row + b"\n"
    if isinstance(row, BaseModel):
        return row.__pydantic_serializer__.to_json(row) + b"\n"
    return _ENCODE(row).encode("utf-8") + b"\n"


def atomic_write_jsonl(path: Path, rows: Iterable[t.Any], *, digest: Digest | None = None) -> int:
    """Write one JSON document per line (see :func:`jsonl_line`), streaming; returns the
    count. ``digest`` (a hashlib object) is fed the bytes written."""
    count = 0
    with atomic_open(path) as handle:
        for row in rows:
            line = jsonl_line(row)
            handle.write(line)
            if digest is not None:
                digest.update(line)
            count += 1
    return count
