"""Atomic writes: a temporary file in the same folder, then a rename (never half a file).

Files get the permissions the umask gives new files (they never hold a secret), and a failed
write (permissions, full disk...) is one line naming the path.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import typing as t
from pathlib import Path

from pydantic import BaseModel

from layton_eval.errors import RunError

__all__ = ["atomic_write_bytes", "atomic_write_jsonl", "jsonl_bytes", "umask", "writing"]


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
def writing(path: Path) -> t.Iterator[None]:
    """Turn a failed write (permissions, full disk...) into one line naming ``path``."""
    try:
        yield
    except OSError as exc:
        reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
        raise RunError(f"cannot write {path}: {reason}") from exc


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The file gets the permissions the umask gives new files (it never holds a secret).
    """
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def jsonl_bytes(rows: t.Iterable[t.Any]) -> bytes:
    """One JSON document per line (pydantic models dumped as JSON), UTF-8."""
    lines: list[str] = []
    for row in rows:
        if isinstance(row, BaseModel):
            lines.append(row.model_dump_json())
        else:
            lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def atomic_write_jsonl(path: Path, rows: t.Iterable[t.Any]) -> int:
    """Write one JSON document per line (pydantic models dumped as JSON); returns the count."""
    data = jsonl_bytes(rows)
    atomic_write_bytes(path, data)
    return data.count(b"\n")
