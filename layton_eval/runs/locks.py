"""Exclusive file locks that work on every platform, and folders built aside under one.

Locks are taken with ``filelock`` (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows, an
existence marker where neither exists): the operating system releases them when the process
ends, however it ends. Creating a lock file is a write like any other: a full disk or a folder
that cannot be written gives one line naming the file.

A new run folder is built under a hidden name beside its place (``.<name>.staging-XXXX``),
guarded by a lock file next to it, then renamed into place: a killed process leaves a hidden
folder whose lock nobody holds, which the next creation of that run removes.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import typing as t
from pathlib import Path

from layton_eval.runs.atomic import umask, writing

__all__ = ["Busy", "file_lock", "staging_folder"]

_STAGING = ".staging-"
_GUARD = ".guard"


class Busy(Exception):
    """Another process holds the lock."""


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True) -> t.Iterator[None]:
    """Hold the exclusive lock of ``path`` (created when missing) for the block.

    Raises
    ------
    Busy
        If ``wait`` is false and another process holds it.
    RunError
        If the lock file cannot be written (``cannot write PATH: ...``).
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(path), timeout=-1 if wait else 0)
    with writing(path):
        try:
            lock.acquire()
        except Timeout as exc:  # an OSError: not a failed write
            raise Busy(str(path)) from exc
    try:
        yield
    finally:
        lock.release()


def _guard(staging: Path) -> Path:
    return staging.with_name(staging.name + _GUARD)


def clear_stale(path: Path) -> list[Path]:
    """Remove what a creation of ``path`` that was killed left beside it (a folder and its
    guard that nobody holds); the folders removed. A creation in progress keeps its own."""
    removed = []
    for guard in sorted(path.parent.glob(f".{path.name}{_STAGING}*{_GUARD}")):
        staging = guard.with_name(guard.name.removesuffix(_GUARD))
        try:
            with file_lock(guard, wait=False):
                if staging.is_dir():
                    shutil.rmtree(staging, ignore_errors=True)
                    removed.append(staging)
        except Busy:
            continue
        guard.unlink(missing_ok=True)
    return removed


@contextlib.contextmanager
def staging_folder(path: Path) -> t.Iterator[Path]:
    """A new hidden folder beside ``path`` (folders left by a killed creation are removed
    first), guarded by a lock for the block, and removed if the block raises; the block
    renames it into place when it succeeds."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        clear_stale(path)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}{_STAGING}", dir=path.parent))
        staging.chmod(0o777 & ~umask())
    try:
        with file_lock(_guard(staging), wait=False):
            yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _guard(staging).unlink(missing_ok=True)
