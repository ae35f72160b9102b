"""Atomic writes: a temporary file in the same folder, then a rename (never half a file)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import typing as t
from pathlib import Path

from pydantic import BaseModel

__all__ = ["atomic_write_bytes", "atomic_write_jsonl", "jsonl_bytes"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
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
