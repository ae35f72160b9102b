"""Every name inside a run folder, and the rules for run names.

A run is ``<runs dir>/<name>/``::

    run.json                         the manifest (RunManifest)
    requests.jsonl                   one neutral request per riddle
    batches/<batch id>.download.jsonl each batch's results as the provider sent them
                                     (xAI: one page a line)
    batches/<batch id>.partial.jsonl a download being checked (kept under one of the other names)
    batches/<batch id>.damaged.jsonl the last download that failed its check (never read)
    batches/<batch id>.results.jsonl decoded results, one line per request: an imported
                                     file's (import-<sha256>), or a fetch of an earlier version
    outputs.jsonl                    merged outcome per request
    predictions.jsonl                parsed answer per riddle (benchmark runs)
    benchmark_..._hints_<n>.jsonl    the original scripts' results file
    jury/<judge key>/                one child run per judge (same layout)
    jury/judge_..._by_....jsonl      the original scripts' judge files
    jury.jsonl                       per riddle: verdicts, jury values, agreement
    score.json                       the last score of the run
    .lock, .lock.holder              the run's lock, and who holds it for what

No other module spells these names; they ask this one. Cheap to import (shell completion
reads it): the original scripts' naming rules are imported when a name needs them.
"""

from __future__ import annotations

import re
import typing as t

from layton_eval.errors import UsageError

if t.TYPE_CHECKING:
    from layton_eval.runs.manifest import JudgeRef, RunManifest

__all__ = [
    "JUDGE_FILES_GLOB",
    "JURY_DIR",
    "JURY_FILE",
    "LOCK",
    "LOCK_HOLDER",
    "MANIFEST",
    "OUTPUTS",
    "PREDICTIONS",
    "REQUESTS",
    "SCORE",
    "batch_damaged",
    "batch_download",
    "batch_partial",
    "batch_results",
    "check_name",
    "judge_child",
    "judge_file",
    "results_file",
    "sanitize_name",
]

MANIFEST = "run.json"
REQUESTS = "requests.jsonl"
OUTPUTS = "outputs.jsonl"
PREDICTIONS = "predictions.jsonl"
SCORE = "score.json"
JURY_DIR = "jury"
JURY_FILE = "jury.jsonl"
LOCK = ".lock"
#: Who holds the lock and what for (``sending\n<pid>``), while it is held.
LOCK_HOLDER = ".lock.holder"
JUDGE_FILES_GLOB = "judge_*.jsonl"

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def batch_download(batch_id: str) -> str:
    """The results of one batch as the provider sent them (JSONL; xAI: one page a line)."""
    return f"batches/{batch_id}.download.jsonl"


def batch_partial(batch_id: str) -> str:
    """A batch's results just downloaded, while they are checked (then renamed)."""
    return f"batches/{batch_id}.partial.jsonl"


def batch_damaged(batch_id: str) -> str:
    """The last download of a batch that failed its check, kept aside for inspection only."""
    return f"batches/{batch_id}.damaged.jsonl"


def batch_results(batch_id: str) -> str:
    """The decoded results of one batch, one ``{custom_id, status_code, body}`` line per
    request: those of an imported file, or of a fetch made by an earlier version."""
    return f"batches/{batch_id}.results.jsonl"


def results_file(manifest: RunManifest) -> str:
    """The original scripts' results file of a benchmark run."""
    from layton_eval.interchange import results_file_name

    return results_file_name(
        provider=manifest.provider, model=manifest.model, split=manifest.split, hints=manifest.hints
    )


def judge_child(key: str) -> str:
    """The child run folder of the judge ``key``."""
    return f"{JURY_DIR}/{key}"


def judge_file(manifest: RunManifest, judge: JudgeRef) -> str:
    """The original scripts' judge file of ``judge`` on the benchmark run ``manifest``."""
    from layton_eval.interchange import judge_file_name

    name = judge_file_name(
        provider=manifest.provider or "unknown",
        model=manifest.model or "unknown",
        split=str(manifest.split),
        hints=manifest.hints,
        judge_provider=judge.provider,
        judge_model=judge.model,
    )
    return f"{JURY_DIR}/{name}"


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
