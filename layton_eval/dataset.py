"""The riddles: the :class:`Riddle` model and loading a split (folder, Hub or sample)."""

from __future__ import annotations

import hashlib
import typing as t
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from layton_eval.choices import DatasetSource, Split
from layton_eval.errors import DatasetError, UsageError
from layton_eval.jsonl import json_objects

if t.TYPE_CHECKING:
    from layton_eval.settings import Settings

__all__ = [
    "HINT_FIELDS",
    "DatasetSource",
    "LoadedSplit",
    "Riddle",
    "Split",
    "load_split",
    "read_categories",
    "riddles_file_name",
    "select_riddles",
]


#: Hint fields in the order hint levels 1..MAX_HINTS reveal them, with the label shown to models.
HINT_FIELDS: tuple[tuple[str, str], ...] = (
    ("first_hint", "First hint"),
    ("second_hint", "Second hint"),
    ("third_hint", "Third hint"),
    ("special_hint", "Special hint"),
)


class Riddle(BaseModel):
    """One riddle, in the schema of the Hub dataset ``rvienne/layton-eval``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    category: str | None = None
    description: str
    img: str | None = None
    url: str | None = None
    picarats: float | None = None
    first_hint: str | None = None
    second_hint: str | None = None
    third_hint: str | None = None
    special_hint: str | None = None
    solution: str | None = None
    answer: str | None = None
    justification: str | None = None
    split: Split

    def hints(self, level: int) -> list[tuple[str, str]]:
        """``(label, text)`` of the hints revealed at ``level`` (0-4), skipping absent ones."""
        revealed = HINT_FIELDS[: max(0, min(level, len(HINT_FIELDS)))]
        return [(label, text) for name, label in revealed if (text := getattr(self, name))]

    @property
    def has_gold(self) -> bool:
        return bool(self.answer and self.answer.strip())


class _Entry(BaseModel):
    """What a light read of a riddles file keeps of each line (the rest is skipped unread)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    category: str | None = None


class LoadedSplit(BaseModel):
    """A split as loaded, with where it came from (recorded in each run)."""

    split: Split
    source: str  # "dir", "hub" or "sample"
    location: str  # folder path, "repo@revision", or "package"
    revision: str | None = None
    sha256: str
    riddles: list[Riddle]

    @property
    def by_id(self) -> dict[str, Riddle]:
        return {riddle.id: riddle for riddle in self.riddles}


def riddles_file_name(split: Split | str) -> str:
    return f"layton_eval_{Split(split).value}.jsonl"


def load_split(
    split: Split | str,
    *,
    settings: Settings | None = None,
    data_dir: Path | None = None,
    dataset: DatasetSource | str | None = None,
    revision: str | None = None,
) -> LoadedSplit:
    """Load a split: ``dataset="sample"``, else ``data_dir`` / ``LAYTON_DATA_DIR``, else the Hub
    (``settings``: read when needed, see :mod:`layton_eval.envvars`)."""
    split = Split(split)
    name = riddles_file_name(split)
    if dataset is not None and DatasetSource(dataset) is DatasetSource.sample:
        if data_dir is not None:
            raise UsageError("--dataset sample and --data-dir exclude each other")
        ref = resources.files("layton_eval") / "data" / "sample" / name
        data = ref.read_bytes()
        return _parse(data, split, f"sample:{name}", source="sample", location="package")
    hub = dataset is not None and DatasetSource(dataset) is DatasetSource.hub
    if not hub and data_dir is None:
        from layton_eval import envvars

        data_dir = settings.data_dir if settings is not None else envvars.data_dir()
    folder = None if hub else data_dir
    if folder is not None:
        path = Path(folder).expanduser().absolute()  # kept in run.json: valid from any folder
        if not path.is_dir():
            raise DatasetError(f"data folder {path} does not exist")
        file = path / name
        if not file.is_file():
            raise DatasetError(f"data folder {path} has no {name}")
        return _parse(file.read_bytes(), split, str(file), source="dir", location=str(path))
    from layton_eval.hub import download_dataset_file
    from layton_eval.settings import get_settings

    settings = settings or get_settings()
    rev = revision or settings.revision
    file = download_dataset_file(settings.dataset_repo, name, revision=rev)
    return _parse(
        file.read_bytes(),
        split,
        str(file),
        source="hub",
        location=f"{settings.dataset_repo}@{rev or 'main'}",
        revision=rev or _revision_from_cache_path(file),
    )


def _revision_from_cache_path(file: Path) -> str | None:
    # huggingface_hub caches files under .../snapshots/<commit sha>/<file name>
    parent = file.parent
    return parent.name if parent.parent.name == "snapshots" else None


def _parse(
    data: bytes,
    split: Split,
    label: str,
    *,
    source: str,
    location: str,
    revision: str | None = None,
) -> LoadedSplit:
    riddles: list[Riddle] = []
    seen: set[str] = set()
    for lineno, raw in json_objects(data.decode("utf-8"), lambda n: f"{label}:{n}"):
        try:
            riddle = Riddle.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "?"
            raise DatasetError(f"{label}:{lineno}: field {field!r}: {first['msg']}") from exc
        if riddle.split is not split:
            raise DatasetError(
                f"{label}:{lineno}: riddle {riddle.id} belongs to split {riddle.split}"
            )
        if split is Split.vlm and not riddle.img:
            raise DatasetError(f"{label}:{lineno}: field 'img': a vlm riddle needs its picture")
        if riddle.id in seen:
            raise DatasetError(f"{label}:{lineno}: duplicate riddle id {riddle.id}")
        seen.add(riddle.id)
        riddles.append(riddle)
    if not riddles:
        raise DatasetError(f"{label}: no riddles")
    return LoadedSplit(
        split=split,
        source=source,
        location=location,
        revision=revision,
        sha256=hashlib.sha256(data).hexdigest(),
        riddles=riddles,
    )


def read_categories(path: Path) -> dict[str, str | None]:
    """Riddle id -> category of the riddles file ``path``, read lightly: each line is checked
    for its ``id`` and ``category`` only, so pictures (8.6 MB of base64 on vlm), hints and
    texts are never turned into Python objects.

    Raises
    ------
    DatasetError
        If the file cannot be read, or a line is not an object with a string ``id``.
    """
    categories: dict[str, str | None] = {}
    try:
        with Path(path).open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    entry = _Entry.model_validate_json(line)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(part) for part in first["loc"]) or "line"
                    raise DatasetError(f"{path}:{number}: {where}: {first['msg']}") from exc
                categories[entry.id] = entry.category
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    return categories


def select_riddles(
    riddles: list[Riddle], *, ids: list[str] | None = None, limit: int | None = None
) -> list[Riddle]:
    """The subset chosen with ``--ids`` and/or ``--limit`` (dataset order kept)."""
    chosen = riddles
    if ids:
        wanted = list(dict.fromkeys(ids))
        known = {riddle.id for riddle in riddles}
        unknown = [riddle_id for riddle_id in wanted if riddle_id not in known]
        if unknown:
            raise UsageError(f"unknown riddle id(s) for this split: {', '.join(unknown)}")
        keep = set(wanted)
        chosen = [riddle for riddle in riddles if riddle.id in keep]
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be at least 1")
        chosen = chosen[:limit]
    return chosen
