"""The human-labelled calibration set (``ppi_{split}.jsonl``): loading it, and the arrays it gives.

One row per (model, riddle) prediction of the published leaderboard models, with each judge's
verdicts in columns named ``{field}_{judge}`` and the human labels in ``human_*`` columns (null
where no human looked). Two schemas exist in the wild (with and without ``n_hints``; old and new
model names); judge columns are discovered from the column names, never hard-coded.

The file comes from ``--data-dir`` / ``LAYTON_DATA_DIR`` when given, else from the Hub dataset
``LAYTON_PPI_REPO`` (``rvienne/layton-eval-ppi``, cached by huggingface_hub).

Local files in the same schema (``layton annotate``'s labels, a team's own set) join it here and
only here: :func:`load_calibration` adds them to the published set, or uses them alone.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from pathlib import Path

import numpy as np
import numpy.typing as npt

from layton_eval.choices import Split, VerdictField
from layton_eval.errors import DatasetError, UsageError
from layton_eval.jsonl import json_objects
from layton_eval.stats import ppi

if t.TYPE_CHECKING:
    from layton_eval.settings import Settings

__all__ = [
    "FIELDS",
    "HUMAN_COLUMNS",
    "SPLITS",
    "CalibrationPool",
    "CalibrationSet",
    "ModelRows",
    "calibration_path",
    "combine_calibration",
    "load_calibration",
    "read_calibration_file",
]

#: The verdict fields a score can be computed on (``both_correct`` is the published one).
FIELDS: tuple[str, ...] = tuple(field.value for field in VerdictField)
#: The human label column that calibrates each field.
HUMAN_COLUMNS: dict[str, str] = {
    "both_correct": "human_both_correct",
    "is_answer_correct": "human_answer_correct",
    "is_justification_correct": "human_justification_correct",
}
#: The benchmark's splits.
SPLITS: tuple[str, ...] = tuple(split.value for split in Split)

_JUDGE_COLUMN = re.compile(rf"^({'|'.join(FIELDS)})_(.+)$")
_REQUIRED_TEXT = ("riddle_id", "provider", "model")
ItemKey = tuple[str, str, str]  # an item: one model's answer to one riddle, across files


@dataclasses.dataclass(frozen=True)
class CalibrationPool:
    """Labelled rows usable to calibrate one evaluated provider, for one field.

    Attributes
    ----------
    yhat : ndarray of float, shape (m,)
        Jury value of each row (mean of its judges' verdicts).
    y : ndarray of float, shape (m,)
        Human label of each row (0.0 or 1.0).
    excluded_provider : str
        The evaluated provider, whose rows are left out.
    """

    yhat: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    excluded_provider: str

    def rows_per_bin(self) -> dict[float, int]:
        """Number of rows per jury value (rounded as the scoring bins are)."""
        if self.yhat.size == 0:
            return {}
        keys, counts = np.unique(ppi.bin_keys(self.yhat), return_counts=True)
        return {float(k): int(c) for k, c in zip(keys, counts, strict=True)}


@dataclasses.dataclass(frozen=True)
class ModelRows:
    """One calibration model's predictions, used as the unlabelled set of the leaderboard.

    Attributes
    ----------
    provider, model : str
        Who made the predictions.
    riddle_ids : tuple of str, length N
    yhat : ndarray of float, shape (N,)
        Jury value per riddle; NaN where no judge gave a verdict.
    """

    provider: str
    model: str
    riddle_ids: tuple[str, ...]
    yhat: npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class CalibrationSet:
    """A parsed ``ppi_{split}.jsonl``, column by column.

    Attributes
    ----------
    split : Split
    source : str
        Where the rows were read from (shown in errors and cards).
    riddle_ids, providers, models : tuple of str, length R
        Per row.
    judges : tuple of str
        Judge names discovered from the ``{field}_{judge}`` columns.
    verdicts : dict of str to ndarray, shape (R, len(judges))
        Per field: 1.0 / 0.0, NaN where the judge did not judge the row.
    human : dict of str to ndarray, shape (R,)
        Per field present in the file: the human label, NaN where no human looked.
    details : tuple of dict, length R (or empty)
        Each row's other fields (``answer``, ``justification``, ``n_hints``, ``annotator``...).
    ranked : tuple of (provider, model), optional
        The models a leaderboard ranks when not all of them (see :func:`load_calibration`).
    """

    split: Split
    source: str
    riddle_ids: tuple[str, ...]
    providers: tuple[str, ...]
    models: tuple[str, ...]
    judges: tuple[str, ...]
    verdicts: dict[str, npt.NDArray[np.float64]]
    human: dict[str, npt.NDArray[np.float64]]
    details: tuple[dict[str, t.Any], ...] = ()
    ranked: tuple[tuple[str, str], ...] | None = None

    def __len__(self) -> int:
        return len(self.riddle_ids)

    def item_keys(self) -> list[ItemKey]:
        """``(riddle_id, provider, model)`` of every row."""
        return list(zip(self.riddle_ids, self.providers, self.models, strict=True))

    def jury_values(self, field: VerdictField) -> npt.NDArray[np.float64]:
        """Jury value of every row for ``field``, shape (R,); NaN for a row without verdicts."""
        return ppi.jury_values(self.verdicts[field])

    def labels(self, field: VerdictField) -> npt.NDArray[np.float64]:
        """Human label of every row for ``field``, shape (R,); NaN where unlabelled."""
        column = HUMAN_COLUMNS[field]
        if field not in self.human:
            raise DatasetError(f"{self.source} has no {column} column: cannot calibrate {field}")
        return self.human[field]

    def pool(self, field: VerdictField, *, exclude_provider: str) -> CalibrationPool:
        """Labelled rows (with a jury value) whose provider is not ``exclude_provider``."""
        yhat = self.jury_values(field)
        y = self.labels(field)
        providers = np.asarray(self.providers, dtype=object)
        keep = ~np.isnan(y) & ~np.isnan(yhat) & (providers != exclude_provider)
        return CalibrationPool(yhat=yhat[keep], y=y[keep], excluded_provider=exclude_provider)

    def model_keys(self) -> list[tuple[str, str]]:
        """The models a leaderboard ranks: ``ranked``, else every one, in order of appearance."""
        if self.ranked is not None:
            return list(self.ranked)
        return list(dict.fromkeys(zip(self.providers, self.models, strict=True)))

    def model_rows(self, provider: str, model: str, field: VerdictField) -> ModelRows:
        """All rows (labelled or not) of one model: its unlabelled set on the leaderboard."""
        yhat = self.jury_values(field)
        index = [
            i
            for i, key in enumerate(zip(self.providers, self.models, strict=True))
            if key == (provider, model)
        ]
        if not index:
            raise DatasetError(f"{self.source} has no rows for {provider}/{model}")
        riddle_ids = tuple(self.riddle_ids[i] for i in index)
        if len(set(riddle_ids)) != len(riddle_ids):
            twice = sorted({r for r in riddle_ids if riddle_ids.count(r) > 1})
            raise DatasetError(
                f"{self.source} has several rows for {provider}/{model} on riddle(s) "
                + ", ".join(twice[:10])
            )
        return ModelRows(provider=provider, model=model, riddle_ids=riddle_ids, yhat=yhat[index])

    def riddle_id_set(self) -> frozenset[str]:
        """The riddle ids of this split."""
        return frozenset(self.riddle_ids)


def calibration_path(
    split: Split | str, *, data_dir: Path | None = None, settings: Settings | None = None
) -> Path:
    """Local path of ``ppi_{split}.jsonl``: in ``data_dir`` (or ``LAYTON_DATA_DIR``), else the Hub.

    Raises
    ------
    DatasetError
        If the file is not in the data directory, or the Hub cannot be reached.
    """
    if split not in SPLITS:  # the one check of a split given as text (file names, tests)
        raise DatasetError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    filename = f"ppi_{Split(split)}.jsonl"
    if data_dir is None:  # pydantic-settings is slow to import: only when needed
        from layton_eval import envvars

        data_dir = settings.data_dir if settings is not None else envvars.data_dir()
    if data_dir is None:
        from layton_eval.hub import download_dataset_file  # huggingface_hub: slow import
        from layton_eval.settings import get_settings

        settings = settings or get_settings()
        repo, revision = settings.calibration_repo, settings.calibration_revision
        return download_dataset_file(repo, filename, revision=revision, offline_hint="")
    path = Path(data_dir).expanduser() / filename
    if not path.is_file():
        raise DatasetError(
            f"{filename} not found in {data_dir}: point --data-dir (or LAYTON_DATA_DIR) at a "
            "folder holding the calibration files (ppi_llm.jsonl, ppi_vlm.jsonl)"
        )
    return path


def load_calibration(
    split: Split | str,
    *,
    data_dir: Path | None = None,
    settings: Settings | None = None,
    extra: t.Sequence[Path] = (),
    only: bool = False,
) -> CalibrationSet:
    """The published set of ``split`` (:func:`calibration_path`) plus the rows of the ``extra``
    files (``--calibration FILE...``), or only those (``only``, ``--calibration-only``).

    Rows meet as :func:`combine_calibration` says. Models found only in extra files calibrate
    without being ranked on a leaderboard, unless ``only`` makes the files the whole set.
    Raises UsageError (``only`` without a file, a missing file) or DatasetError.
    """
    if only and not extra:
        raise UsageError("--calibration-only needs at least one --calibration FILE")
    if missing := [str(path) for path in extra if not Path(path).is_file()]:
        raise UsageError(f"calibration file not found: {', '.join(missing)}")
    files = [read_calibration_file(Path(path), split) for path in extra]
    if only:
        return combine_calibration(files)
    base = read_calibration_file(
        calibration_path(split, data_dir=data_dir, settings=settings), split
    )
    return combine_calibration([base, *files], ranked=tuple(base.model_keys())) if files else base


def combine_calibration(
    sets: t.Sequence[CalibrationSet], *, ranked: tuple[tuple[str, str], ...] | None = None
) -> CalibrationSet:
    """The rows of ``sets`` as one set, one row per item ``(riddle_id, provider, model)``.

    When rows hold the same item, the last one (last file, then last line) takes the first
    one's place: your label of an item of the published set wins, and of two labels the later.
    Judges: the union of the sets' (NaN where a set lacks one). DatasetError on mixed splits.
    """
    split = sets[0].split
    judges = tuple(dict.fromkeys(judge for s in sets for judge in s.judges))
    human_fields = [field for field in FIELDS if any(field in s.human for s in sets)]
    verdicts: dict[str, list[npt.NDArray[np.float64]]] = {field: [] for field in FIELDS}
    human: dict[str, list[npt.NDArray[np.float64]]] = {field: [] for field in human_fields}
    keys: list[ItemKey] = []
    details: list[dict[str, t.Any]] = []
    for part in sets:
        if part.split != split:
            raise DatasetError(f"{part.source} is a {part.split} set, not {split}")
        where = [judges.index(judge) for judge in part.judges]
        for field in FIELDS:
            verdicts[field].append(np.full((len(part), len(judges)), np.nan))
            verdicts[field][-1][:, where] = part.verdicts[field]
        for field in human_fields:
            human[field].append(part.human.get(field, np.full(len(part), np.nan)))
        keys.extend(part.item_keys())
        details.extend(part.details or ({},) * len(part))
    last = {key: i for i, key in enumerate(keys)}
    take = np.array([last[key] for key in dict.fromkeys(keys)], dtype=np.intp)
    return CalibrationSet(
        split=split,
        source=" + ".join(part.source for part in sets),
        riddle_ids=tuple(keys[i][0] for i in take),
        providers=tuple(keys[i][1] for i in take),
        models=tuple(keys[i][2] for i in take),
        judges=judges,
        verdicts={field: np.concatenate(verdicts[field])[take] for field in FIELDS},
        human={field: np.concatenate(human[field])[take] for field in human_fields},
        details=tuple(details[i] for i in take),
        ranked=ranked,
    )


def read_calibration_file(path: Path, split: Split | str) -> CalibrationSet:
    """Parse one ``ppi_*.jsonl`` file; DatasetError names the file, line and field of a bad one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    rows = json_objects(text, lambda number: f"{path}, line {number}")
    if not rows:
        raise DatasetError(f"{path} holds no rows")
    return _columns(rows, path=path, split=Split(split))


def _columns(
    rows: list[tuple[int, dict[str, t.Any]]], *, path: Path, split: Split
) -> CalibrationSet:
    keys: dict[str, None] = {}
    for _, row in rows:
        keys.update(dict.fromkeys(row))
    judge_columns = _judge_columns(keys)
    judges = tuple(dict.fromkeys(j for field in FIELDS for j in judge_columns[field]))
    if not judges:
        raise DatasetError(
            f"{path} has no judge columns (expected names like both_correct_<judge>)"
        )
    verdicts = {field: np.full((len(rows), len(judges)), np.nan) for field in FIELDS}
    for field, j, column in (
        (f, j, judge_columns[f][judge]) for f in FIELDS for j, judge in enumerate(judges)
        if judge in judge_columns[f]
    ):  # fmt: skip
        verdicts[field][:, j] = np.array(_column(rows, column, path, "bool"), dtype=np.float64)
    human = {  # None (null or absent) becomes NaN
        field: np.array(_column(rows, HUMAN_COLUMNS[field], path, "bool"), dtype=np.float64)
        for field in FIELDS
        if HUMAN_COLUMNS[field] in keys
    }
    text = {name: tuple(_column(rows, name, path, "text")) for name in _REQUIRED_TEXT}
    columns = (
        {c for field in FIELDS for c in judge_columns[field].values()}
        | set(HUMAN_COLUMNS.values())
        | set(_REQUIRED_TEXT)
    )
    return CalibrationSet(
        split=split,
        source=str(path),
        riddle_ids=text["riddle_id"],
        providers=text["provider"],
        models=text["model"],
        judges=judges,
        verdicts=verdicts,
        human=human,
        details=tuple(_details(row, columns, path, number, split) for number, row in rows),
    )


def _details(
    row: dict[str, t.Any], columns: set[str], path: Path, number: int, split: Split
) -> dict[str, t.Any]:
    """The row's fields other than ``columns``; a row that names another split is refused."""
    if (named := row.get("split")) not in (None, split):
        raise DatasetError(
            f"{path}, line {number}: a row of the {named} split, not {split}; "
            f"pass this file with --split {named}"
        )
    return {key: value for key, value in row.items() if key not in columns}


def _judge_columns(keys: t.Iterable[str]) -> dict[str, dict[str, str]]:
    """Field -> judge -> column name, from column names like ``both_correct_<judge>``."""
    judge_columns: dict[str, dict[str, str]] = {field: {} for field in FIELDS}
    for key in keys:
        match = _JUDGE_COLUMN.match(key)
        if match:
            judge_columns[match.group(1)][match.group(2)] = key
    return judge_columns


def _column(
    rows: list[tuple[int, dict[str, t.Any]]], name: str, path: Path, kind: str
) -> list[t.Any]:
    """Column ``name`` of every row, checked whole: ``text`` non-empty strings, ``bool`` true,
    false or null (absent: null); DatasetError names the first row that is neither."""
    values = [row.get(name) for _, row in rows]
    expected, bad = _CHECKS[kind]
    if (
        set(map(type, values)) <= {bool, type(None)}
        if kind == "bool"
        else not any(map(bad, values))
    ):
        return values
    number, value = next((n, v) for (n, _), v in zip(rows, values, strict=True) if bad(v))
    raise DatasetError(f"{path}, line {number}, field {name!r}: expected {expected}, got {value!r}")


_CHECKS: dict[str, tuple[str, t.Callable[[t.Any], bool]]] = {
    "text": ("a non-empty string", lambda value: not (isinstance(value, str) and value)),
    "bool": ("true, false or null", lambda value: type(value) not in (bool, type(None))),
}
