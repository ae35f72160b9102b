"""Judge files brought by the user (or written by the jury), read for scoring.

A judge file follows the original scripts' format (:mod:`layton_eval.interchange`). Verdict text
may be damaged: it is repaired by :func:`layton_eval.answers.parse_verdict` when possible and
otherwise kept as a missing verdict, reported by riddle id; it never raises.
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

from layton_eval.choices import Split
from layton_eval.errors import JuryError, RunError, UsageError
from layton_eval.interchange import JudgeFileName, parse_judge_file_name
from layton_eval.jsonl import json_objects
from layton_eval.next_step import fixes

if t.TYPE_CHECKING:
    from layton_eval.answers import Verdict
    from layton_eval.runs.store import Run

__all__ = [
    "JudgeFile",
    "Target",
    "expand_judge_paths",
    "read_judge_file",
    "resolve_target",
    "run_judge_files",
]

_GLOB_CHARS = re.compile(r"[*?\[]")
_EXPECTED = 'expected {"custom_id", "answer", "model"}'


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
    lines = json_objects(
        text,
        lambda number: f"{path}, line {number}",
        error=JuryError,
        not_json="not valid JSON ({msg}); " + _EXPECTED,
        not_object="not a JSON object; " + _EXPECTED,
    )
    verdicts: dict[str, Verdict | None] = {}
    models: collections.Counter[str] = collections.Counter()
    for number, record in lines:
        custom_id, verdict, model = _read_line(record, path, number)
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
    return JudgeFile(path=path, judge=_judge_of(path, name, models), name=name, verdicts=verdicts)


def _judge_of(path: Path, name: JudgeFileName | None, models: collections.Counter[str]) -> str:
    """Who judged: the file name's judge, else the lines' most common model, else the stem."""
    if name is not None:
        return f"{name.judge_provider}/{name.judge_model}"
    return models.most_common(1)[0][0] if models else path.stem


def _read_line(
    record: dict[str, t.Any], path: Path, number: int
) -> tuple[str, Verdict | None, str | None]:
    from layton_eval.answers import parse_verdict  # only where verdict text is read

    custom_id = record.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise JuryError(f"{path}, line {number}, field 'custom_id': missing; {_EXPECTED}")
    answer = record.get("answer")
    if isinstance(answer, dict):  # already decoded by some other tool
        answer = json.dumps(answer)
    verdict = parse_verdict(answer) if isinstance(answer, str) else None
    model = record.get("model")
    return custom_id, verdict, model if isinstance(model, str) else None


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
class Target:
    """Whom a set of judge files judged: from the options first, then the file names."""

    provider: str
    split: Split
    model: str | None
    hints: int | None


def resolve_target(
    names: t.Sequence[JudgeFileName | None],
    *,
    provider: str | None,
    split: Split | None,
) -> Target:
    """Evaluated provider, split, model and hint count: options first, then the file names.

    Raises
    ------
    UsageError
        If a value is neither given nor readable from the file names, or the names disagree.
    """
    parsed = [name for name in names if name is not None]

    def from_names(attribute: str) -> t.Any:
        values = sorted({getattr(name, attribute) for name in parsed}, key=str)
        if len(values) > 1:
            raise UsageError(
                f"the judge file names disagree on the evaluated {attribute} "
                f"({', '.join(map(str, values))}): pass the judge files of one model"
            )
        return values[0] if values else None

    named_provider, named_split = from_names("provider"), from_names("split")
    model, hints = from_names("model"), from_names("hints")
    provider = provider or named_provider
    if provider is None:
        raise UsageError(
            "cannot tell the evaluated provider from the file names: pass --provider "
            "(its rows are left out of the calibration set)"
        )
    chosen = split or (Split(named_split) if named_split else None)
    if chosen is None:
        raise UsageError("cannot tell the split from the file names: pass --split llm|vlm")
    return Target(provider=provider, split=chosen, model=model, hints=hints)


def run_judge_files(run: Run) -> list[Path]:
    """The judge files of a run's jury; :class:`RunError` naming the next step when none."""
    from layton_eval.jury.collect import judge_files

    paths = judge_files(run)
    if not paths:
        raise RunError(
            f"run {run.name} has no jury verdicts yet: send it to the jury "
            f"({fixes.jury(run.name)}), then fetch them ({fixes.fetch(run.name)})",
            run=run.name,
        )
    return paths
