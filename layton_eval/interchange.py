"""The original layton-eval scripts' file formats, kept compatible.

Both kinds of file are JSONL with one line per riddle,
``{"custom_id": "<riddle id>", "answer": "<JSON text>", "model": "<model>"}``:

- a *results file* holds a model's answers (``answer`` is the JSON text of
  ``{"answer", "justification"}``), named ``benchmark_{provider}_{model}_{split}_hints_{n}.jsonl``;
- a *judge file* holds one judge's verdicts on them (``answer`` is the JSON text of
  ``{"is_answer_correct", "is_justification_correct"}``), named
  ``judge_{provider}_{model}_{split}_hints_{n}_by_{judge_provider}_{judge_model}.jsonl``.

This module knows the names and the line shape; reading judge files for scoring lives in
:mod:`layton_eval.score.judge_files`, writing inside a run folder in :mod:`layton_eval.runs`.
"""

from __future__ import annotations

import json
import os
import re
import typing as t
from pathlib import Path

from pydantic import BaseModel, ConfigDict

if t.TYPE_CHECKING:
    from layton_eval.answers import Verdict

__all__ = [
    "JudgeFileName",
    "JudgeRecord",
    "ResultsFileName",
    "judge_file_name",
    "parse_judge_file_name",
    "parse_results_file_name",
    "results_file_name",
]

_NAME = re.compile(
    r"^judge_(?P<provider>[^_]+)_(?P<model>.+)_(?P<split>llm|vlm)_hints_(?P<hints>\d+)"
    r"_by_(?P<judge_provider>[^_]+)_(?P<judge_model>.+)\.jsonl$"
)
_RESULTS = re.compile(
    r"^benchmark_(?P<provider>[^_]+)_(?P<model>.+)_(?P<split>llm|vlm)_hints_(?P<hints>\d+)\.jsonl$"
)
_UNSAFE = re.compile(r"[/\\]")


class JudgeFileName(BaseModel):
    """What a judge file's name says (see :func:`parse_judge_file_name`)."""

    model_config = ConfigDict(frozen=True)

    provider: str
    model: str
    split: str
    hints: int
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
    hints: int,
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
    if hints < 0:
        raise ValueError(f"hints must be >= 0, got {hints}")
    for name, value in {"provider": provider, "judge_provider": judge_provider}.items():
        if not value or "_" in value or _UNSAFE.search(value):
            raise ValueError(f"{name} must be non-empty, without '_' or '/': {value!r}")
    for name, value in {"model": model, "judge_model": judge_model}.items():
        if not value:
            raise ValueError(f"{name} must not be empty")
    safe_model = _UNSAFE.sub("-", model)
    safe_judge = _UNSAFE.sub("-", judge_model)
    return (
        f"judge_{provider}_{safe_model}_{split}_hints_{hints}"
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
        hints=int(fields["hints"]),
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


def results_file_name(*, provider: str | None, model: str | None, split: str, hints: int) -> str:
    """The original scripts' results file name of a model's run."""
    safe_model = (model or "model").replace("/", "-")
    return f"benchmark_{provider}_{safe_model}_{split}_hints_{hints}.jsonl"


class ResultsFileName(BaseModel):
    """What a results file's name says (see :func:`parse_results_file_name`)."""

    model_config = ConfigDict(frozen=True)

    provider: str
    model: str
    split: str
    hints: int


def parse_results_file_name(path: str | os.PathLike[str]) -> ResultsFileName | None:
    """Provider, model, split and hints read from a results file's *name*
    (``benchmark_{provider}_{model}_{split}_hints_{n}.jsonl``); ``None`` if it does not follow
    the convention."""
    match = _RESULTS.match(Path(path).name)
    if match is None:
        return None
    fields = match.groupdict()
    return ResultsFileName(
        provider=fields["provider"],
        model=fields["model"],
        split=fields["split"],
        hints=int(fields["hints"]),
    )
