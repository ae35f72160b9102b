"""Files of answers made elsewhere, read line by line into the results fetch reads.

Two formats are read (the first line tells which; every line must be of that format):

- an *interchange results file* of the original layton-eval scripts, one line per riddle:
  ``{"custom_id": "<riddle id>", "answer": "<the model's text>", "model": "..."}``. It holds
  the text only: each answer is read as an OpenAI chat completion whose message is that text
  (no token counts, no finish reason); ``"answer": null`` is a failed request;
- an *OpenAI Batch output file*, as OpenAI, Azure OpenAI, vLLM's ``run-batch`` and other
  OpenAI-compatible engines write it: ``{"custom_id", "response": {"status_code", "body"},
  "error"}`` with a chat completion as the body. A line without a response body is a failed
  request with its ``error`` (vLLM writes a string there, OpenAI an object).

Each line becomes a :class:`~layton_eval.providers.batch_types.RawResult`, the shape a fetched
batch's results have; the openai provider then parses each one exactly as at fetch (see
:mod:`layton_eval.exchange.importing`). A line that is neither shape stops the reading with the
file and line number: nothing is imported from a file that cannot be read whole. A lone
UTF-16 surrogate escape (``"\\ud800"``, which no UTF-8 file can hold) is replaced by U+FFFD and
counted, so that every text written from the file is valid UTF-8.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import os
import re
import typing as t
from pathlib import Path

from layton_eval.answers import replace_lone_surrogates
from layton_eval.errors import DatasetError, UsageError
from layton_eval.jsonl import json_objects
from layton_eval.providers.batch_types import RawResult

__all__ = ["AnswerFile", "Format", "expand_files", "read_answer_file"]

Format = t.Literal["interchange", "openai-batch"]
#: Status of a request the file says failed without giving one.
_FAILED = 500
#: The JSON escape of a UTF-16 surrogate (lone ones decode to text UTF-8 cannot hold).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


@dataclasses.dataclass(frozen=True)
class AnswerFile:
    """A file of answers, read: each riddle's result, and what the file says about itself."""

    path: Path
    format: Format
    sha256: str
    lines: int
    results: dict[str, list[RawResult]]  # by riddle id: each of its lines' result, in order
    models: frozenset[str]  # the model names the lines give
    #: Lone surrogates replaced by U+FFFD (text no UTF-8 file can hold).
    replaced: int = 0

    @property
    def usage(self) -> bool:
        """The file reports token counts (an interchange file does not)."""
        return self.format == "openai-batch"


def expand_files(patterns: t.Iterable[str]) -> list[Path]:
    """Files given as paths or as quoted globs (``out/benchmark_*_hints_*.jsonl``), in order,
    each once; a glob that matches nothing is a usage error."""
    paths: dict[Path, None] = {}
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        matches = sorted(glob.glob(expanded)) if glob.has_magic(expanded) else [expanded]
        if not matches:
            raise UsageError(f"no file matches {pattern!r}")
        paths.update(dict.fromkeys(Path(match) for match in matches))
    return list(paths)


def _format_of(row: dict[str, t.Any]) -> Format | None:
    if "answer" in row:
        return "interchange"
    if "response" in row or "error" in row:
        return "openai-batch"
    return None


def _interchange(row: dict[str, t.Any], where: str) -> RawResult:
    answer = row.get("answer")
    if answer is None:
        return RawResult(_FAILED, {"error": {"message": "the imported file gives no answer"}})
    if not isinstance(answer, str):
        raise DatasetError(f"{where}: 'answer' must be the model's text (a string) or null")
    message = {"role": "assistant", "content": answer}
    choice = {"index": 0, "message": message, "finish_reason": None}
    return RawResult(
        200, {"object": "chat.completion", "model": row.get("model"), "choices": [choice]}
    )


def _openai_batch(row: dict[str, t.Any], where: str) -> RawResult:
    response, error = row.get("response"), row.get("error")
    if response is None and error is None:
        raise DatasetError(f"{where}: neither 'response' nor 'error'")
    if response is not None and not isinstance(response, dict):
        raise DatasetError(f"{where}: 'response' must be an object")
    response = response or {}
    status, body = response.get("status_code", _FAILED), response.get("body")
    if not isinstance(status, int) or isinstance(status, bool):
        raise DatasetError(f"{where}: 'response.status_code' must be a number")
    if isinstance(body, dict) and (status < 400 or error is None):
        return RawResult(status, body)
    if body is not None and not isinstance(body, dict):
        raise DatasetError(f"{where}: 'response.body' must be an object (a chat completion)")
    if error is None:
        raise DatasetError(f"{where}: a response without a body and no 'error'")
    detail = error if isinstance(error, dict) else {"message": str(error)}
    return RawResult(status if status >= 400 else _FAILED, {"error": detail})


def _custom_id(row: dict[str, t.Any], where: str) -> str:
    custom_id = row.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id.strip():
        raise DatasetError(f"{where}: no 'custom_id' (the riddle id)")
    return custom_id


def _model_of(row: dict[str, t.Any]) -> str | None:
    model = row.get("model")
    if model is None:
        body = (row.get("response") or {}).get("body")
        model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) and model else None


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def _scrub(value: t.Any) -> tuple[t.Any, int]:
    """``value`` with every lone surrogate of its strings (keys too) replaced by U+FFFD, and
    how many were replaced."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        pairs = [_scrub(item) for item in value]
        return [item for item, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        count, clean = 0, {}
        for key, item in value.items():
            (key, n), (item, m) = _scrub(key), _scrub(item)
            clean[key], count = item, count + n + m
        return clean, count
    return value, 0


def read_answer_file(path: Path) -> AnswerFile:
    """Read ``path`` whole (see the module docstring); :class:`DatasetError` naming the line
    that cannot be read."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    data = path.read_bytes()
    text = _text(path, data)
    rows = json_objects(text, lambda n: f"{path}:{n}", error=DatasetError)
    if not rows:
        raise DatasetError(f"{path}: no answers in the file")
    replaced = 0
    if _SURROGATE_ESCAPE.search(text):  # else no line can hold one: no walk through them
        for index, (number, row) in enumerate(rows):
            clean, count = _scrub(row)
            rows[index], replaced = (number, clean), replaced + count
    fmt: Format | None = None
    results: dict[str, list[RawResult]] = {}
    models: set[str] = set()
    for number, row in rows:
        where = f"{path}:{number}"
        found = _format_of(row)
        if found is None:
            raise DatasetError(f"{where}: {_what_is(row)}")
        if fmt is not None and found != fmt:
            raise DatasetError(f"{where}: an {found} line in an {fmt} file")
        fmt = found
        read = _interchange if fmt == "interchange" else _openai_batch
        results.setdefault(_custom_id(row, where), []).append(read(row, where))
        models.update(filter(None, [_model_of(row)]))
    assert fmt is not None
    digest = hashlib.sha256(data).hexdigest()
    return AnswerFile(path, fmt, digest, len(rows), results, frozenset(models), replaced)


def _what_is(row: dict[str, t.Any]) -> str:
    """Why a line is neither format, and what to do."""
    if {"method", "url", "body"} <= set(row):
        return (
            "an OpenAI Batch *input* line (method, url, body): import the output file the "
            "engine wrote from it"
        )
    return (
        "neither an interchange line (custom_id, answer, model) nor an OpenAI Batch output line "
        "(custom_id, response, error)"
    )
