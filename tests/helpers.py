"""Small helpers for CLI tests."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from typer.testing import CliRunner

from layton_eval.cli import app


def invoke(*args: str, input: str | None = None) -> t.Any:
    """Run ``layton ARGS`` in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(app, list(args), input=input)


def invoke_json(*args: str) -> t.Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stderr or result.output
    return json.loads(result.stdout)


def assert_one_line_error(result: t.Any, *, code: int, contains: str = "") -> None:
    """A failure is one ``Error:`` line on stderr, a non-zero exit and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines
    assert "Traceback" not in result.output + result.stderr
    assert contains.lower() in lines[0].lower(), lines[0]


def rows(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def request_ids(run_dir: Path) -> list[str]:
    """Riddle ids of a run's requests, in order."""
    return [row["custom_id"] for row in rows(run_dir / "requests.jsonl")]


def prepare(
    provider: str | None = None,
    model: str | None = None,
    *,
    name: str = "run",
    split: str = "llm",
    hints: int = 0,
    data_dir: Path | None = None,
    extra: t.Sequence[str] = (),
) -> dict:
    """``layton prepare`` on the bundled sample (or ``data_dir``); returns its JSON."""
    source = ["--data-dir", str(data_dir)] if data_dir else ["--dataset", "sample"]
    target = ["--provider", provider, "--model", model] if provider and model else []
    return invoke_json(
        "prepare", "--split", split, "--hints", str(hints), *source, *target, "--name", name, *extra
    )


def write_judge_file(path: Path, records: t.Iterable[t.Any]) -> Path:
    """Write a judge file (one JSON line per record) the way a user's own tool would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [record.model_dump_json() for record in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
