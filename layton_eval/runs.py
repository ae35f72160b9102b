"""Run folders: one evaluation from ``prepare`` to ``score``.

A run is ``<runs dir>/<name>/`` holding ``run.json`` (:class:`RunManifest`), ``requests.jsonl``
(one :class:`~layton_eval.neutral.NeutralRequest` per riddle) and, later, results, predictions,
judge child runs (``jury/<judge>/``, same layout) and the score. Only this module writes inside a
run folder; every write is atomic (temporary file + rename) and every change happens under an
exclusive lock on the run, so two processes cannot modify one run at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import fcntl
import json
import os
import re
import shutil
import tempfile
import typing as t
import uuid
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from layton_eval import __version__
from layton_eval.dataset import Split
from layton_eval.errors import RunError, UsageError
from layton_eval.neutral import NeutralRequest, SamplingOptions

__all__ = [
    "BatchPhase",
    "BatchRecord",
    "DatasetRef",
    "JudgeRef",
    "PromptsRef",
    "Run",
    "RunManifest",
    "RunState",
    "RunStore",
    "atomic_write_bytes",
    "atomic_write_jsonl",
    "now",
    "sanitize_name",
]

MANIFEST = "run.json"
REQUESTS = "requests.jsonl"
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sanitize_name(raw: str) -> str:
    """A safe folder name made from ``raw`` (no separators, no leading dot, <= 128 chars)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip(".-_")
    name = re.sub(r"\.{2,}", ".", name)[:128]
    if not name:
        raise UsageError(f"cannot make a run name out of {raw!r}")
    return name


def check_name(name: str) -> str:
    """``name`` itself if it is a valid run name, else a :class:`UsageError`."""
    if not _NAME_OK.match(name) or ".." in name:
        raise UsageError(
            f"invalid run name {name!r}: use letters, digits, '.', '_' and '-' "
            "(it must start with a letter or digit)"
        )
    return name


class RunState(enum.StrEnum):
    """Where a run stands, derived from its batches."""

    prepared = "prepared"  # requests written, nothing sent
    submitting = "submitting"  # a submission's outcome is unknown: reconcile before resending
    running = "running"  # batches accepted, not all finished
    finished = "finished"  # every batch terminal, results not all fetched
    fetched = "fetched"  # every terminal batch fetched


class BatchPhase(enum.StrEnum):
    """Local life of one batch record."""

    submitting = "submitting"  # intent recorded; the provider may or may not have the batch
    submitted = "submitted"  # the provider accepted it; batch_id known
    rejected = "rejected"  # the provider refused it: nothing was created, nothing to pay


class BatchRecord(BaseModel):
    """One provider batch of a run, recorded before and after submission."""

    intent_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    phase: BatchPhase = BatchPhase.submitting
    provider: str
    model: str
    endpoint: str
    custom_ids: list[str]
    request_count: int
    bytes: int
    purpose: str = "initial"  # "initial" or "retry"
    batch_id: str | None = None
    intent_at: dt.datetime = Field(default_factory=now)
    submitted_at: dt.datetime | None = None
    error: str | None = None
    remote_status: str | None = None
    remote_state: str | None = None
    terminal: bool = False
    completed: int = 0
    failed: int = 0
    polled_at: dt.datetime | None = None
    fetched_at: dt.datetime | None = None


class DatasetRef(BaseModel):
    """Which riddles a run was prepared from."""

    source: str
    location: str
    revision: str | None = None
    sha256: str
    riddles: int
    with_images: int


class PromptsRef(BaseModel):
    source: str
    sha256: str


class JudgeRef(BaseModel):
    """The judge of a jury child run."""

    key: str  # folder name under jury/
    provider: str
    model: str


class RunManifest(BaseModel):
    """``run.json``: everything needed to continue a run later."""

    schema_version: int = 1
    layton_version: str = __version__
    name: str
    kind: t.Literal["benchmark", "judge"] = "benchmark"
    split: Split
    hints: int
    provider: str | None = None
    model: str | None = None
    sampling: SamplingOptions = Field(default_factory=SamplingOptions)
    dataset: DatasetRef
    prompts: PromptsRef
    ids: list[str]
    created_at: dt.datetime = Field(default_factory=now)
    updated_at: dt.datetime = Field(default_factory=now)
    state: RunState = RunState.prepared
    batches: list[BatchRecord] = Field(default_factory=list)
    parent: str | None = None  # judge runs: the evaluated run's name
    judge: JudgeRef | None = None
    notes: dict[str, t.Any] = Field(default_factory=dict)

    def derived_state(self) -> RunState:
        live = [b for b in self.batches if b.phase is not BatchPhase.rejected]
        if not live:
            return RunState.prepared
        if any(b.phase is BatchPhase.submitting for b in live):
            return RunState.submitting
        if not all(b.terminal for b in live):
            return RunState.running
        if not all(b.fetched_at for b in live):
            return RunState.finished
        return RunState.fetched

    @property
    def live_batches(self) -> list[BatchRecord]:
        return [b for b in self.batches if b.phase is not BatchPhase.rejected]


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


def read_jsonl(path: Path) -> list[dict[str, t.Any]]:
    """Rows of a JSONL file written by layton; a damaged line is a :class:`RunError`."""
    rows: list[dict[str, t.Any]] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise RunError(f"{path}:{lineno}: damaged line ({exc.msg})") from exc
    return rows


class Run:
    """A run folder and its manifest."""

    def __init__(self, path: Path, manifest: RunManifest) -> None:
        self.path = path
        self.manifest = manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    def file(self, name: str) -> Path:
        return self.path / name

    @contextlib.contextmanager
    def lock(self) -> t.Iterator[Run]:
        """Hold the run's exclusive lock; the manifest is re-read so changes start from disk."""
        handle = (self.path / ".lock").open("a+")
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
            self.path / MANIFEST, self.manifest.model_dump_json(indent=2).encode("utf-8")
        )

    def requests(self) -> list[NeutralRequest]:
        path = self.path / REQUESTS
        if not path.is_file():
            raise RunError(f"run {self.name} has no {REQUESTS}", run=self.name)
        return [NeutralRequest.model_validate(row) for row in read_jsonl(path)]

    def children(self, folder: str = "jury") -> list[Run]:
        root = self.path / folder
        if not root.is_dir():
            return []
        return [
            Run(child, _read_manifest(child))
            for child in sorted(root.iterdir())
            if (child / MANIFEST).is_file()
        ]


def _read_manifest(path: Path) -> RunManifest:
    file = path / MANIFEST
    try:
        return RunManifest.model_validate_json(file.read_bytes())
    except FileNotFoundError as exc:
        raise RunError(f"{path} is not a run (no {MANIFEST})") from exc
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
    if (path / MANIFEST).is_file() and _read_manifest(path).derived_state() in (
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
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        atomic_write_jsonl(staging / REQUESTS, requests)
        manifest.state = manifest.derived_state()
        atomic_write_bytes(staging / MANIFEST, manifest.model_dump_json(indent=2).encode("utf-8"))
        if path.exists():
            trash = path.with_name(f".{path.name}.replaced-{uuid.uuid4().hex[:8]}")
            os.replace(path, trash)
            os.replace(staging, path)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Run(path, manifest)


class RunStore:
    """The runs folder: create, load, list and find the latest run."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / check_name(name)

    def create(
        self, manifest: RunManifest, requests: t.Sequence[NeutralRequest], *, force: bool = False
    ) -> Run:
        check_name(manifest.name)
        return write_run(self.path(manifest.name), manifest, requests, force=force)

    def load(self, name: str) -> Run:
        path = self.path(name)
        if not (path / MANIFEST).is_file():
            known = self.names()
            hint = f"; known runs: {', '.join(known[-5:])}" if known else ""
            raise RunError(f"no run named {name!r} in {self.root}{hint}", run=name)
        return Run(path, _read_manifest(path))

    def names(self) -> list[str]:
        """Run names, oldest first (by creation time in their manifest, then name)."""
        return [manifest.name for manifest in self.manifests()]

    def manifests(self) -> list[RunManifest]:
        if not self.root.is_dir():
            return []
        found = []
        for child in self.root.iterdir():
            if child.name.startswith(".") or not (child / MANIFEST).is_file():
                continue
            with contextlib.suppress(RunError):
                found.append(_read_manifest(child))
        return sorted(found, key=lambda m: (m.created_at, m.name))

    def resolve(
        self, name: str | None, *, accept: t.Callable[[RunManifest], bool] | None = None
    ) -> Run:
        """The run called ``name``, or the latest one (that ``accept`` admits) when ``None``."""
        if name:
            return self.load(name)
        candidates = [m for m in self.manifests() if accept is None or accept(m)]
        if not candidates:
            raise RunError(f"no suitable run in {self.root}; create one with 'layton prepare'")
        return self.load(candidates[-1].name)
