"""``layton export RUN --format csv|jsonl``: one row per riddle, for pandas, polars or a sheet.

The columns (README, "layton export"), in this order:

- ``run``, ``riddle_id``, ``category`` (the dataset's, empty when its riddles cannot be read),
  ``hints``, ``provider``, ``model``;
- ``outcome``: ``valid``, ``unreadable``, ``truncated``, ``refused``, ``failed``, or ``missing``
  (no result yet); ``answer`` and ``justification`` (the parsed answer, valid ones only);
  ``error`` (the request's error, or the provider's reason for a refusal);
- ``input_tokens``, ``output_tokens``, ``reasoning_tokens`` and ``cost_usd`` of the answer (at
  the run's batch price; empty when unknown);
- per judge, by its model name as in the calibration set: ``is_answer_correct_<judge>``,
  ``is_justification_correct_<judge>``, ``both_correct_<judge>`` (empty: no verdict; an
  answer that is not valid is not judged);
- ``jury_is_answer_correct``, ``jury_is_justification_correct``, ``jury_both_correct``: the
  share of the judges that said correct, the jury value the score uses (0 for an answer that
  is not valid: it counts as incorrect), empty before the jury is fetched.

For a group, one file holds every run's rows, the judges' columns being those of all its runs.
A CSV writes true/false for booleans and nothing for a missing value; JSONL keeps JSON types.
"""

from __future__ import annotations

import csv
import io
import json
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field

from layton_eval.answers import Answer
from layton_eval.errors import DatasetError
from layton_eval.pricing import pricing
from layton_eval.runs import layout
from layton_eval.runs.atomic import atomic_write_bytes
from layton_eval.runs.outputs import load_outputs

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run

__all__ = ["FORMATS", "TableResult", "export_table"]

FORMATS = ("csv", "jsonl")
_FIELDS = ("is_answer_correct", "is_justification_correct", "both_correct")
_HEAD = ("run", "riddle_id", "category", "hints", "provider", "model", "outcome", "answer")
_MIDDLE = ("justification", "error", "input_tokens", "output_tokens", "reasoning_tokens")
_JURY = tuple(f"jury_{field}" for field in _FIELDS)

Row = dict[str, t.Any]


class TableResult(BaseModel):
    """What ``layton export --format csv|jsonl`` wrote."""

    runs: list[str]
    path: str
    format: str
    rows: int
    columns: list[str]
    judges: list[str] = Field(description="The judges whose verdicts have columns.")
    bytes: int
    next_command: str | None = None


def _judges(run: Run) -> dict[str, str]:
    """Judge key (its folder under ``jury/``) -> the judge's model name."""
    return {child.path.name: child.manifest.model or child.path.name for child in run.children()}


def _categories(run: Run) -> dict[str, str | None]:
    """Riddle id -> category of the riddles the run was prepared from (none if they cannot be
    read any more)."""
    from layton_eval.prepare import load_run_dataset
    from layton_eval.settings import get_settings

    try:
        loaded = load_run_dataset(run, settings=get_settings())
    except DatasetError:
        return {}
    return {riddle.id: riddle.category for riddle in loaded.riddles}


def run_rows(run: Run) -> list[Row]:
    """One row per riddle of ``run`` (see the module docstring)."""
    manifest = run.manifest
    outputs = load_outputs(run)
    jury = {row["id"]: row for row in run.read_jsonl(layout.JURY_FILE)}
    judges = _judges(run)
    categories = _categories(run)
    price = pricing(manifest.provider, manifest.model, manifest.price)
    uncounted = {b.batch_id for b in manifest.live_batches if b.source and not b.source.usage}
    rows = []
    for cid in manifest.ids:
        output = outputs.get(cid)
        answer = output.parsed if output is not None else None
        row: Row = {
            "run": run.name,
            "riddle_id": cid,
            "category": categories.get(cid),
            "hints": manifest.hints,
            "provider": manifest.provider,
            "model": manifest.model,
            "outcome": output.status if output is not None else "missing",
            "answer": answer.answer if isinstance(answer, Answer) else None,
            "justification": answer.justification if isinstance(answer, Answer) else None,
            "error": (output.error or output.refusal) if output is not None else None,
        }
        counted = output is not None and output.batch_id not in uncounted  # else no counts
        used = output.usage if output is not None and counted else None
        row["input_tokens"] = used.input_tokens if used else None
        row["output_tokens"] = used.output_tokens if used else None
        row["reasoning_tokens"] = used.reasoning_tokens if used else None
        row["cost_usd"] = price.request_cost(used, output.fetched_at) if output and used else None
        row.update(_verdicts(jury.get(cid), judges))
        rows.append(row)
    return rows


def _verdicts(judged: Row | None, judges: dict[str, str]) -> Row:
    """The judges' and the jury's columns of one riddle."""
    columns: Row = {}
    judged = judged or {}
    verdicts = (judged.get("verdicts") or {}) if judged.get("judged") else {}
    for key, model in judges.items():
        verdict = verdicts.get(key)
        for field in _FIELDS:
            value = None
            if verdict is not None:
                answer, reasons = verdict["is_answer_correct"], verdict["is_justification_correct"]
                value = {_FIELDS[0]: answer, _FIELDS[1]: reasons, _FIELDS[2]: answer and reasons}
                value = value[field]
            columns[f"{field}_{model}"] = value
    values = judged.get("jury") or {}
    for field in _FIELDS:
        columns[f"jury_{field}"] = values.get(field)
    return columns


def _columns(rows: list[Row]) -> tuple[list[str], list[str]]:
    """Every column, in the documented order, and the judges' model names."""
    judges: list[str] = []
    for row in rows:
        for name in row:
            if name.startswith(f"{_FIELDS[0]}_") and name[len(_FIELDS[0]) + 1 :] not in judges:
                judges.append(name[len(_FIELDS[0]) + 1 :])
    per_judge = [f"{field}_{judge}" for judge in judges for field in _FIELDS]
    return [*_HEAD, *_MIDDLE, "cost_usd", *per_judge, *_JURY], judges


def _csv_value(value: t.Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _encode(rows: list[Row], columns: list[str], fmt: str) -> bytes:
    if fmt == "jsonl":
        lines = (json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) for row in rows)
        text = "".join(line + "\n" for line in lines)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_value(row.get(c)) for c in columns] for row in rows)
        text = buffer.getvalue()
    return text.encode("utf-8", "replace")  # a lone surrogate cannot be written as UTF-8


def export_table(runs: t.Sequence[Run], out: Path, fmt: str) -> TableResult:
    """Write every riddle of ``runs`` as one row of ``out`` (``csv`` or ``jsonl``), atomically
    (``out`` is checked by the caller)."""
    rows = [row for run in runs for row in run_rows(run)]
    columns, judges = _columns(rows)
    data = _encode(rows, columns, fmt)
    atomic_write_bytes(out, data)
    return TableResult(
        runs=[run.name for run in runs],
        path=str(out),
        format=fmt,
        rows=len(rows),
        columns=columns,
        judges=judges,
        bytes=len(data),
    )
