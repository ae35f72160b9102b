"""Run folders on disk: atomic writes, the run lock, reading and listing runs.

Only :mod:`layton_eval.runs` writes inside a run folder, and every write goes through this
module: atomic (temporary file + rename) and, for changes to a run, under an exclusive lock on
the run, so two processes cannot modify one run at once. File names come from
:mod:`layton_eval.runs.layout`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import typing as t
import uuid
from pathlib import Path

from pydantic import BaseModel, ValidationError

from layton_eval.errors import RunError
from layton_eval.jsonl import read_jsonl
from layton_eval.neutral import NeutralRequest
from layton_eval.next_step import fixes
from layton_eval.runs import layout
from layton_eval.runs.atomic import atomic_write_bytes, atomic_write_jsonl, writing
from layton_eval.runs.locks import Busy, file_lock, staging_folder
from layton_eval.runs.manifest import BatchPhase, RunManifest, now

__all__ = [
    "Run",
    "RunEntry",
    "RunStore",
    "atomic_write_bytes",
    "atomic_write_jsonl",
    "check_replaceable",
    "write_run",
]


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
    def lock(self, doing: str = "changing") -> t.Iterator[Run]:
        """Hold the run's exclusive lock; the manifest is re-read so changes start from disk.

        ``doing`` is written in the lock file, so that a second process is told what the first
        one is doing (``sending``, ``fetching``...).
        """
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(file_lock(self.path / layout.LOCK, wait=False))
            except Busy as exc:
                raise RunError(
                    f"{self._holder()} run {self.name}; wait for it to finish (nothing was "
                    "done here)",
                    run=self.name,
                ) from exc
            note = self.path / layout.LOCK_HOLDER
            with writing(note):
                note.write_text(f"{doing}\n{os.getpid()}", encoding="utf-8")
            held.callback(note.unlink, missing_ok=True)
            self.manifest = _read_manifest(self.path)
            yield self

    def _holder(self) -> str:
        """Who holds the run's lock, as far as its note says: ``another layton process (pid
        N) is sending``."""
        try:
            note = (self.path / layout.LOCK_HOLDER).read_text(encoding="utf-8", errors="replace")
        except OSError:
            note = ""
        doing, _, pid = note.partition("\n")
        who = (
            f"another layton process (pid {pid.strip()})"
            if pid.strip()
            else "another layton process"
        )
        return f"{who} is {doing.strip() or 'changing'}"

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

    def write_bytes(self, name: str, data: bytes | t.Iterable[bytes]) -> Path:
        """Replace the file ``name`` of the run atomically (``data``: bytes, or pieces of bytes
        written in turn); returns its path."""
        path = self.file(name)
        atomic_write_bytes(path, data)
        return path

    def read_bytes(self, name: str) -> bytes | None:
        """The content of the run's file ``name`` (``None`` when it does not exist)."""
        path = self.file(name)
        return path.read_bytes() if path.is_file() else None

    def read_jsonl(self, name: str) -> list[dict[str, t.Any]]:
        """The objects of the run's JSONL file ``name`` (empty when it does not exist)."""
        path = self.file(name)
        return read_jsonl(path, error=RunError) if path.is_file() else []

    def check_requests(self) -> None:
        """Refuse a ``requests.jsonl`` that changed since prepare (its sha256 is recorded)."""
        path = self.file(layout.REQUESTS)
        if not path.is_file():
            raise RunError(f"run {self.name} has no {layout.REQUESTS}", run=self.name)
        expected = self.manifest.requests_sha256
        if expected is None:  # prepared before layton recorded it
            return
        found = hashlib.sha256(path.read_bytes()).hexdigest()
        if found != expected:
            rebuild = (
                fixes.rejudge(self.manifest.parent or self.name)
                if self.manifest.kind == "judge"
                else fixes.prepare_again()
            )
            raise RunError(
                f"{layout.REQUESTS} of run {self.name} changed since it was prepared "
                f"(sha256 {expected[:12]} then, {found[:12]} now): nothing was sent; "
                f"rebuild the run with '{rebuild}'",
                run=self.name,
            )

    def requests(self) -> list[NeutralRequest]:
        """The run's neutral requests, in order, checked against the sha256 taken at prepare."""
        self.check_requests()
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


def damage(path: Path) -> str | None:
    """Why the run folder ``path`` (or one of its judges) cannot be read; ``None`` if it can."""
    try:
        _read_manifest(path)
        for child in sorted((path / layout.JURY_DIR).glob(f"*/{layout.MANIFEST}")):
            _read_manifest(child.parent)
    except RunError as exc:
        return str(exc)
    return None


def unfinished_batches(path: Path) -> list[str]:
    """Batches of the run at ``path`` and of its judges that are out or not fetched yet."""
    run = Run(path, _read_manifest(path))
    found = []
    for member in run.family():
        for batch in member.manifest.live_batches:
            if batch.phase is BatchPhase.submitting:
                found.append(
                    f"{member.name}: a batch of unknown outcome (intent {batch.intent_id[:8]})"
                )
            elif not batch.fetched_at:
                found.append(f"{member.name}: {batch.batch_id}")
    return found


def check_replaceable(path: Path, *, force: bool) -> None:
    """Refuse to replace an existing run without ``force``, or one whose family (the run and
    its judges) has a batch out or not fetched. A damaged run is moved aside, never refused
    or deleted (see :func:`write_run`)."""
    if not path.exists():
        return
    if not force:
        raise RunError(
            f"run {path.name} already exists at {path}; use --force to replace it "
            "or --name to choose another name",
            run=path.name,
        )
    if damage(path) is not None:
        return
    unfinished = unfinished_batches(path)
    if unfinished:
        raise RunError(
            f"run {path.name} has paid batches that are not finished and fetched "
            f"({'; '.join(unfinished)}): fetch them ('{fixes.fetch(path.name)}') or choose "
            "another --name; replacing it would lose them",
            run=path.name,
        )


def _set_aside_damaged(path: Path) -> Path:
    """Move the damaged run folder ``path`` to ``<run>.damaged-<time>`` (nothing deleted)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    suffix = 1
    while aside.exists():
        suffix += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{suffix}")
    os.replace(path, aside)
    return aside


def write_run(
    path: Path,
    manifest: RunManifest,
    requests: t.Sequence[NeutralRequest],
    *,
    force: bool,
    fill: t.Callable[[Run], None] | None = None,
) -> Run:
    """Create the run folder ``path`` (or replace it with ``force``) in one rename.

    The folder is built beside its place (see :func:`~layton_eval.runs.locks.staging_folder`):
    ``requests.jsonl`` (its sha256 recorded in the manifest), the manifest, then what ``fill``
    writes into the new run (no lock needed: no other process sees it). On any error nothing
    is left. A damaged run in the way is moved aside to ``<run>.damaged-<time>/``.
    """
    check_replaceable(path, force=force)
    with staging_folder(path) as staging:
        digest = hashlib.sha256()
        atomic_write_jsonl(staging / layout.REQUESTS, requests, digest=digest)
        manifest.requests_sha256 = digest.hexdigest()
        manifest.state = manifest.derived_state()
        manifest_json = manifest.model_dump_json(indent=2).encode("utf-8")
        atomic_write_bytes(staging / layout.MANIFEST, manifest_json)
        if fill is not None:
            fill(Run(staging, manifest))
        with writing(path):
            if path.exists() and damage(path) is not None:
                _set_aside_damaged(path)
            _move_into_place(staging, path)
    return Run(path, _read_manifest(path))


def _move_into_place(staging: Path, path: Path) -> None:
    """Rename ``staging`` to ``path``, replacing what is there."""
    if path.exists():
        trash = path.with_name(f".{path.name}.replaced-{uuid.uuid4().hex[:8]}")
        os.replace(path, trash)
        os.replace(staging, path)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, path)


class RunEntry(BaseModel):
    """A folder of the runs folder: its manifest, or why it cannot be read."""

    name: str
    manifest: RunManifest | None = None
    damaged: str | None = None


_BATCH_ID_IN_TEXT = re.compile(r'"batch_id"\s*:\s*"([^"]+)"')


class RunStore:
    """The runs folder: create, load, list and find the latest run."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The folder of run ``name`` (checked to be a valid name)."""
        return self.root / layout.check_name(name)

    def create(
        self,
        manifest: RunManifest,
        requests: t.Sequence[NeutralRequest],
        *,
        force: bool = False,
        fill: t.Callable[[Run], None] | None = None,
    ) -> Run:
        """Write a new run (see :func:`write_run`)."""
        layout.check_name(manifest.name)
        return write_run(self.path(manifest.name), manifest, requests, force=force, fill=fill)

    def remove(self, name: str) -> None:
        """Delete the run ``name`` (one this command has just made, whose making failed)."""
        shutil.rmtree(self.path(name), ignore_errors=True)

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
        return [entry.manifest for entry in self.entries() if entry.manifest is not None]

    def entries(self) -> list[RunEntry]:
        """Every run folder: readable runs oldest first, then the damaged ones by name."""
        if not self.root.is_dir():
            return []
        found, damaged = [], []
        for child in sorted(self.root.iterdir()):
            if child.name.startswith(".") or not child.is_dir():
                continue
            if not (child / layout.MANIFEST).is_file():
                if (child / layout.REQUESTS).is_file():  # a run whose manifest was lost
                    damaged.append(RunEntry(name=child.name, damaged=f"no {layout.MANIFEST}"))
                continue
            try:
                found.append(RunEntry(name=child.name, manifest=_read_manifest(child)))
            except RunError as exc:
                why = str(exc).removeprefix(f"{child / layout.MANIFEST} is damaged: ")
                damaged.append(RunEntry(name=child.name, damaged=f"{layout.MANIFEST} {why}"))
        found.sort(key=lambda e: (e.manifest.created_at, e.name) if e.manifest else (now(), ""))
        return found + damaged

    def recorded_batch_ids(self) -> dict[str, str]:
        """Every batch id recorded by a run of the runs folder (judges and damaged runs
        included), with the run that records it."""
        recorded: dict[str, str] = {}
        if not self.root.is_dir():
            return recorded
        for manifest_path in sorted(self.root.glob(f"*/{layout.MANIFEST}")) + sorted(
            self.root.glob(f"*/{layout.JURY_DIR}/*/{layout.MANIFEST}")
        ):
            owner = manifest_path.parent.relative_to(self.root).as_posix()
            text = manifest_path.read_text(encoding="utf-8", errors="replace")
            for batch_id in _BATCH_ID_IN_TEXT.findall(text):
                recorded.setdefault(batch_id, owner)
        return recorded

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
            raise RunError(f"no runs yet in {self.root}; create one with '{fixes.prepare()}'")
        return self.load(candidates[-1].name)


def _known(names: list[str], shown: int = 5) -> str:
    """``; known runs: ...`` (the latest ``shown``, and how many more), or nothing."""
    if not names:
        return ""
    more = len(names) - shown
    rest = f" and {more} more ({fixes.list_runs()})" if more > 0 else ""
    return f"; known runs: {', '.join(names[-shown:])}{rest}"
