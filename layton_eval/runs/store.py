"""Run folders on disk: atomic writes, the run lock, reading and listing runs.

Only :mod:`layton_eval.runs` writes inside a run folder, and every write goes through this
module: atomic (temporary file + rename) and, for changes to a run, under an exclusive lock on
the run, so two processes cannot modify one run at once. File names come from
:mod:`layton_eval.runs.layout`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import typing as t
import uuid
from pathlib import Path

from pydantic import BaseModel, ValidationError

from layton_eval.errors import RunError
from layton_eval.jsonl import read_jsonl
from layton_eval.neutral import NeutralRequest
from layton_eval.runs import layout
from layton_eval.runs.manifest import RunManifest, RunState, now

__all__ = [
    "Run",
    "RunStore",
    "atomic_write_bytes",
    "atomic_write_jsonl",
    "check_replaceable",
    "write_run",
]


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


def atomic_write_jsonl(path: Path, rows: t.Iterable[t.Any]) -> int:
    """Write one JSON document per line (pydantic models dumped as JSON); returns the count."""
    lines: list[str] = []
    for row in rows:
        if isinstance(row, BaseModel):
            lines.append(row.model_dump_json())
        else:
            lines.append(json.dumps(row, ensure_ascii=False))
    atomic_write_bytes(path, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    return len(lines)


class Run:
    """A run folder and its manifest; the only way to write inside it."""

    def __init__(self, path: Path, manifest: RunManifest) -> None:
        self.path = path
        self.manifest = manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    def file(self, name: str) -> Path:
        """The path of ``name`` (a :mod:`~layton_eval.runs.layout` name) in this run."""
        return self.path / name

    @contextlib.contextmanager
    def lock(self) -> t.Iterator[Run]:
        """Hold the run's exclusive lock; the manifest is re-read so changes start from disk."""
        with writing(self.path / layout.LOCK):
            handle = (self.path / layout.LOCK).open("a+")
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RunError(
                    f"run {self.name} is being changed by another layton process; "
                    "wait for it to finish",
                    run=self.name,
                ) from exc
            self.manifest = _read_manifest(self.path)
            yield self
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def save(self) -> None:
        """Write ``run.json`` atomically (call under :meth:`lock`)."""
        self.manifest.state = self.manifest.derived_state()
        self.manifest.updated_at = now()
        atomic_write_bytes(
            self.path / layout.MANIFEST, self.manifest.model_dump_json(indent=2).encode("utf-8")
        )

    def write_jsonl(self, name: str, rows: t.Iterable[t.Any]) -> Path:
        """Replace the JSONL file ``name`` of the run atomically; returns its path."""
        path = self.file(name)
        atomic_write_jsonl(path, rows)
        return path

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Replace the file ``name`` of the run atomically; returns its path."""
        path = self.file(name)
        atomic_write_bytes(path, data)
        return path

    def read_jsonl(self, name: str) -> list[dict[str, t.Any]]:
        """The objects of the run's JSONL file ``name`` (empty when it does not exist)."""
        path = self.file(name)
        return read_jsonl(path, error=RunError) if path.is_file() else []

    def requests(self) -> list[NeutralRequest]:
        """The run's neutral requests, in order."""
        if not self.file(layout.REQUESTS).is_file():
            raise RunError(f"run {self.name} has no {layout.REQUESTS}", run=self.name)
        return [NeutralRequest.model_validate(row) for row in self.read_jsonl(layout.REQUESTS)]

    def children(self) -> list[Run]:
        """The judge child runs (``jury/<judge key>/``), by key."""
        root = self.path / layout.JURY_DIR
        if not root.is_dir():
            return []
        return [
            Run(child, _read_manifest(child))
            for child in sorted(root.iterdir())
            if (child / layout.MANIFEST).is_file()
        ]

    def family(self) -> list[Run]:
        """The run, then its judge child runs (they share one batch lifecycle)."""
        return [self, *self.children()]


def _read_manifest(path: Path) -> RunManifest:
    file = path / layout.MANIFEST
    try:
        return RunManifest.model_validate_json(file.read_bytes())
    except FileNotFoundError as exc:
        raise RunError(f"{path} is not a run (no {layout.MANIFEST})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RunError(f"{file} is damaged: field {where!r}: {first['msg']}") from exc


def check_replaceable(path: Path, *, force: bool) -> None:
    """Refuse to replace an existing run without ``force``, or one with batches in flight."""
    if not path.exists():
        return
    if not force:
        raise RunError(
            f"run {path.name} already exists at {path}; use --force to replace it "
            "or --name to choose another name",
            run=path.name,
        )
    if (path / layout.MANIFEST).is_file() and _read_manifest(path).derived_state() in (
        RunState.submitting,
        RunState.running,
        RunState.finished,
    ):
        raise RunError(
            f"run {path.name} has batches that were not fetched; fetch them (layton fetch) "
            "or choose another --name: replacing it would orphan paid batches",
            run=path.name,
        )


def write_run(
    path: Path, manifest: RunManifest, requests: t.Sequence[NeutralRequest], *, force: bool
) -> Run:
    """Create the run folder ``path`` (or replace it with ``force``) in one rename."""
    check_replaceable(path, force=force)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        staging.chmod(0o777 & ~umask())
    try:
        atomic_write_jsonl(staging / layout.REQUESTS, requests)
        manifest.state = manifest.derived_state()
        manifest_json = manifest.model_dump_json(indent=2).encode("utf-8")
        atomic_write_bytes(staging / layout.MANIFEST, manifest_json)
        with writing(path):
            _move_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Run(path, manifest)


def _move_into_place(staging: Path, path: Path) -> None:
    """Rename ``staging`` to ``path``, replacing what is there."""
    if path.exists():
        trash = path.with_name(f".{path.name}.replaced-{uuid.uuid4().hex[:8]}")
        os.replace(path, trash)
        os.replace(staging, path)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, path)


class RunStore:
    """The runs folder: create, load, list and find the latest run."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The folder of run ``name`` (checked to be a valid name)."""
        return self.root / layout.check_name(name)

    def create(
        self, manifest: RunManifest, requests: t.Sequence[NeutralRequest], *, force: bool = False
    ) -> Run:
        """Write a new run (see :func:`write_run`)."""
        layout.check_name(manifest.name)
        return write_run(self.path(manifest.name), manifest, requests, force=force)

    def load(self, name: str) -> Run:
        """The run called ``name``; :class:`RunError` naming some known runs otherwise."""
        path = self.path(name)
        if not (path / layout.MANIFEST).is_file():
            raise RunError(f"no run named {name!r} in {self.root}{_known(self.names())}", run=name)
        return Run(path, _read_manifest(path))

    def names(self) -> list[str]:
        """Run names, oldest first (by creation time in their manifest, then name)."""
        return [manifest.name for manifest in self.manifests()]

    def manifests(self) -> list[RunManifest]:
        """The manifests of every readable run, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for child in self.root.iterdir():
            if child.name.startswith(".") or not (child / layout.MANIFEST).is_file():
                continue
            with contextlib.suppress(RunError):
                found.append(_read_manifest(child))
        return sorted(found, key=lambda m: (m.created_at, m.name))

    def resolve(
        self, name: str | None, *, accept: t.Callable[[RunManifest], bool] | None = None
    ) -> Run:
        """The run called ``name``; when ``None``, the latest run that ``accept`` admits, else
        the latest run (the command then says why it cannot act on it)."""
        if name:
            return self.load(name)
        manifests = self.manifests()
        candidates = [m for m in manifests if accept is None or accept(m)] or manifests
        if not candidates:
            raise RunError(f"no runs yet in {self.root}; create one with 'layton prepare'")
        return self.load(candidates[-1].name)


def _known(names: list[str], shown: int = 5) -> str:
    """``; known runs: ...`` (the latest ``shown``, and how many more), or nothing."""
    if not names:
        return ""
    more = len(names) - shown
    rest = f" and {more} more (layton status --all)" if more > 0 else ""
    return f"; known runs: {', '.join(names[-shown:])}{rest}"
