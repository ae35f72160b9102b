"""Exclusive file locks that work on every platform, and folders built aside under one.

A lock is ``fcntl.flock`` on the lock file where the ``fcntl`` module exists (POSIX), and
``filelock``'s lock for the platform elsewhere (``msvcrt.locking`` on Windows, an existence
marker where neither exists): the operating system releases it when the process ends, however it
ends. ``flock`` is called directly where it exists because importing ``filelock`` (its asyncio
and read-write locks come with it) made ``prepare``, which takes one lock, about 10% slower.
Creating a lock file is a write like any other: a full disk or a folder that cannot be written
gives one line naming the file.

A new run folder is built under a hidden name beside its place (``.<name>.staging-XXXX``),
guarded by a lock file next to it, then renamed into place: a killed process leaves a hidden
folder whose lock nobody holds, which the next creation of that run removes.
"""

from __future__ import annotations

import contextlib
import os
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
    with writing(path):
        release = _acquire(path, wait=wait)
    try:
        yield
    finally:
        release()


def _acquire(path: Path, *, wait: bool) -> t.Callable[[], None]:
    """Take the lock of ``path``; what releases it."""
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): the platform's lock from filelock
        return _library_lock(path, wait=wait)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError as exc:  # held by another process, and not waiting for it
        os.close(descriptor)
        raise Busy(str(path)) from exc
    except BaseException:
        os.close(descriptor)
        raise

    def release() -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)

    return release


def _library_lock(path: Path, *, wait: bool) -> t.Callable[[], None]:
    from filelock import FileLock, Timeout

    lock = FileLock(str(path), timeout=-1 if wait else 0)
    try:
        lock.acquire()
    except Timeout as exc:  # an OSError: not a failed write
        raise Busy(str(path)) from exc
    return lock.release


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
