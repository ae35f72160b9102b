"""Judge files: the bring-your-own interchange format, and the table of a jury's verdicts.

A judge file is JSONL, one line per riddle, as the reference project writes them::

    {"custom_id": "<riddle id>", "answer": "<JSON text of the verdict>", "model": "<judge model>"}

and is named ``judge_{provider}_{model}_{split}_hints_{n}_by_{judge_provider}_{judge_model}.jsonl``
(:func:`judge_file_name`, :func:`parse_judge_file_name`). Verdict text may be damaged: it is
repaired by :func:`layton_eval.answers.parse_verdict` when possible and otherwise kept as a
missing verdict, reported by riddle id; it never raises. :class:`JuryTable` holds the verdicts of
a whole panel, riddles x judges, for :mod:`layton_eval.scoring`.
"""

from __future__ import annotations

import collections
import dataclasses
import glob
import json
import os
import re
import typing as t
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from layton_eval import scoring
from layton_eval.answers import Verdict, parse_verdict
from layton_eval.errors import JuryError, UsageError

__all__ = [
    "JudgeFile",
    "JudgeFileName",
    "JudgeRecord",
    "JuryTable",
    "expand_judge_paths",
    "judge_file_name",
    "parse_judge_file_name",
    "read_judge_file",
    "write_judge_file",
]

_NAME = re.compile(
    r"^judge_(?P<provider>[^_]+)_(?P<model>.+)_(?P<split>llm|vlm)_hints_(?P<n_hints>\d+)"
    r"_by_(?P<judge_provider>[^_]+)_(?P<judge_model>.+)\.jsonl$"
)
_UNSAFE = re.compile(r"[/\\]")
_GLOB_CHARS = re.compile(r"[*?\[]")


class JudgeFileName(BaseModel):
    """What a judge file's name says (see :func:`parse_judge_file_name`)."""

    model_config = ConfigDict(frozen=True)

    provider: str
    model: str
    split: str
    n_hints: int
    judge_provider: str
    judge_model: str

    @property
    def filename(self) -> str:
        """The conventional file name for these fields."""
        return judge_file_name(**self.model_dump())


def judge_file_name(
    *,
    provider: str,
    model: str,
    split: str,
    n_hints: int,
    judge_provider: str,
    judge_model: str,
) -> str:
    """``judge_{provider}_{model}_{split}_hints_{n}_by_{judge_provider}_{judge_model}.jsonl``.

    Slashes in model names (``moonshotai/Kimi-K2``) become ``-``. Provider names must not
    contain ``_`` (the parser splits on it), model names may.

    Raises
    ------
    ValueError
        On an empty part, a provider with ``_``, an unknown split or a negative hint count.
    """
    if split not in ("llm", "vlm"):
        raise ValueError(f"split must be 'llm' or 'vlm', got {split!r}")
    if n_hints < 0:
        raise ValueError(f"n_hints must be >= 0, got {n_hints}")
    for name, value in {"provider": provider, "judge_provider": judge_provider}.items():
        if not value or "_" in value or _UNSAFE.search(value):
            raise ValueError(f"{name} must be non-empty, without '_' or '/': {value!r}")
    for name, value in {"model": model, "judge_model": judge_model}.items():
        if not value:
            raise ValueError(f"{name} must not be empty")
    safe_model = _UNSAFE.sub("-", model)
    safe_judge = _UNSAFE.sub("-", judge_model)
    return (
        f"judge_{provider}_{safe_model}_{split}_hints_{n_hints}"
        f"_by_{judge_provider}_{safe_judge}.jsonl"
    )


def parse_judge_file_name(path: str | os.PathLike[str]) -> JudgeFileName | None:
    """Read the naming convention from the *file name* only; ``None`` if it does not follow it.

    Directories may contain ``_``; model names may contain ``-``, ``.`` and even ``_`` (the
    split token and ``_hints_<n>_by_`` anchor the match).
    """
    match = _NAME.match(Path(path).name)
    if match is None:
        return None
    fields = match.groupdict()
    return JudgeFileName(
        provider=fields["provider"],
        model=fields["model"],
        split=fields["split"],
        n_hints=int(fields["n_hints"]),
        judge_provider=fields["judge_provider"],
        judge_model=fields["judge_model"],
    )


class JudgeRecord(BaseModel):
    """One line of a judge file: the raw verdict text is kept as the judge returned it."""

    custom_id: str
    answer: str | None
    model: str | None = None

    @classmethod
    def from_verdict(cls, custom_id: str, verdict: Verdict, *, model: str | None) -> JudgeRecord:
        """A line holding a clean verdict."""
        text = json.dumps(
            {
                "is_answer_correct": verdict.is_answer_correct,
                "is_justification_correct": verdict.is_justification_correct,
            }
        )
        return cls(custom_id=custom_id, answer=text, model=model)


@dataclasses.dataclass(frozen=True)
class JudgeFile:
    """A judge file, read.

    Attributes
    ----------
    path : Path
    judge : str
        Who judged: ``judge_provider/judge_model`` from the file name, else the lines' ``model``,
        else the file name's stem.
    name : JudgeFileName or None
        The file name's fields, when it follows the convention.
    verdicts : dict of str to Verdict or None
        Per riddle id, in file order; ``None`` when the verdict text could not be read.
    """

    path: Path
    judge: str
    name: JudgeFileName | None
    verdicts: dict[str, Verdict | None]

    @property
    def unparsable(self) -> list[str]:
        """Riddle ids whose verdict is missing or could not be read."""
        return [rid for rid, verdict in self.verdicts.items() if verdict is None]


def read_judge_file(path: str | os.PathLike[str]) -> JudgeFile:
    """Read a judge file; damaged verdict text becomes a missing verdict, never an exception.

    Raises
    ------
    UsageError
        If the file does not exist.
    JuryError
        If a line is not a JSON object with a string ``custom_id`` (naming file and line), or
        one riddle has two different readable verdicts.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"judge file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JuryError(f"cannot read judge file {path}: {exc}") from exc
    verdicts: dict[str, Verdict | None] = {}
    models: collections.Counter[str] = collections.Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        custom_id, verdict, model = _read_line(line, path, number)
        if model:
            models[model] += 1
        previous = verdicts.get(custom_id)
        if previous is not None and verdict is not None and previous != verdict:
            raise JuryError(
                f"{path}, line {number}: riddle {custom_id} has two different verdicts; "
                "keep one line per riddle"
            )
        if previous is None:
            verdicts[custom_id] = verdict
    name = parse_judge_file_name(path)
    if name is not None:
        judge = f"{name.judge_provider}/{name.judge_model}"
    elif models:
        judge = models.most_common(1)[0][0]
    else:
        judge = path.stem
    return JudgeFile(path=path, judge=judge, name=name, verdicts=verdicts)


def _read_line(line: str, path: Path, number: int) -> tuple[str, Verdict | None, str | None]:
    expected = 'expected {"custom_id", "answer", "model"}'
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise JuryError(f"{path}, line {number}: not valid JSON ({exc.msg}); {expected}") from exc
    if not isinstance(record, dict):
        raise JuryError(f"{path}, line {number}: not a JSON object; {expected}")
    custom_id = record.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise JuryError(f"{path}, line {number}, field 'custom_id': missing; {expected}")
    answer = record.get("answer")
    if isinstance(answer, dict):  # already decoded by some other tool
        answer = json.dumps(answer)
    verdict = parse_verdict(answer) if isinstance(answer, str) else None
    model = record.get("model")
    return custom_id, verdict, model if isinstance(model, str) else None


def write_judge_file(path: str | os.PathLike[str], records: t.Iterable[JudgeRecord]) -> Path:
    """Write a judge file atomically (one JSON line per record, in order).

    Parameters
    ----------
    path : path-like
        Destination; its folder is created if needed.
    records : iterable of JudgeRecord
        One per riddle.

    Returns
    -------
    Path
        ``path``.
    """
    from layton_eval.runs import atomic_write_jsonl

    path = Path(path)
    atomic_write_jsonl(path, (record.model_dump(mode="json") for record in records))
    return path


def expand_judge_paths(patterns: t.Iterable[str]) -> list[Path]:
    """Expand globs (``dir/judge_*.jsonl``) and plain paths, in order, without duplicates.

    Raises
    ------
    UsageError
        If a glob matches nothing or a plain path does not exist.
    """
    paths: dict[Path, None] = {}
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        if _GLOB_CHARS.search(expanded):
            matches = sorted(glob.glob(expanded))
            if not matches:
                raise UsageError(f"no judge file matches {pattern!r}")
        else:
            matches = [expanded]
        for match in matches:
            candidate = Path(match)
            if not candidate.is_file():
                raise UsageError(f"judge file not found: {pattern}")
            paths.setdefault(candidate.resolve(), None)
    return list(paths)


@dataclasses.dataclass(frozen=True)
class JuryTable:
    """The verdicts of a panel: riddles x judges, per field.

    Attributes
    ----------
    riddle_ids : tuple of str, length R
    judges : tuple of str, length J
    answer, justification : ndarray of float, shape (R, J)
        ``is_answer_correct`` / ``is_justification_correct`` as 1.0/0.0; NaN where the judge's
        verdict is missing or unreadable.
    """

    riddle_ids: tuple[str, ...]
    judges: tuple[str, ...]
    answer: npt.NDArray[np.float64]
    justification: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        shape = (len(self.riddle_ids), len(self.judges))
        if self.answer.shape != shape or self.justification.shape != shape:
            raise ValueError(f"verdict matrices must have shape {shape}")

    @classmethod
    def from_verdicts(cls, verdicts: t.Mapping[str, t.Mapping[str, Verdict | None]]) -> JuryTable:
        """Build from ``{judge: {riddle_id: verdict or None}}``; riddles in first-seen order."""
        judges = tuple(verdicts)
        riddle_ids = tuple(dict.fromkeys(rid for per in verdicts.values() for rid in per))
        row = {rid: i for i, rid in enumerate(riddle_ids)}
        answer = np.full((len(riddle_ids), len(judges)), np.nan)
        justification = np.full_like(answer, np.nan)
        for j, judge in enumerate(judges):
            for rid, verdict in verdicts[judge].items():
                if verdict is not None:
                    answer[row[rid], j] = float(verdict.is_answer_correct)
                    justification[row[rid], j] = float(verdict.is_justification_correct)
        return cls(riddle_ids, judges, answer, justification)

    @classmethod
    def from_judge_files(cls, files: t.Sequence[JudgeFile]) -> JuryTable:
        """One column per judge file.

        Raises
        ------
        JuryError
            If two files come from the same judge.
        """
        by_judge: dict[str, JudgeFile] = {}
        for judge_file in files:
            other = by_judge.get(judge_file.judge)
            if other is not None:
                raise JuryError(
                    f"{other.path.name} and {judge_file.path.name} are both from judge "
                    f"{judge_file.judge}: pass one file per judge"
                )
            by_judge[judge_file.judge] = judge_file
        return cls.from_verdicts({judge: f.verdicts for judge, f in by_judge.items()})

    def verdicts(self, field: str) -> npt.NDArray[np.float64]:
        """Verdicts of ``field``, shape (R, J); ``both_correct`` is answer AND justification."""
        if field == "is_answer_correct":
            return self.answer
        if field == "is_justification_correct":
            return self.justification
        if field == "both_correct":
            return self.answer * self.justification  # NaN stays NaN
        raise ValueError(f"unknown field {field!r}")

    def jury_values(self, field: str) -> npt.NDArray[np.float64]:
        """Jury value per riddle, shape (R,): mean over the judges that answered (NaN: none)."""
        return scoring.jury_values(self.verdicts(field))

    def missing(self) -> dict[str, list[str]]:
        """Riddles lacking a verdict from some judge: ``{riddle_id: [judge, ...]}``."""
        absent = np.isnan(self.answer) | np.isnan(self.justification)
        return {
            rid: [self.judges[j] for j in np.flatnonzero(absent[i])]
            for i, rid in enumerate(self.riddle_ids)
            if absent[i].any()
        }
