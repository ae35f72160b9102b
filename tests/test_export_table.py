"""``layton export --format csv|jsonl``: a run's results, one row per riddle (issue 23)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows
from tests.test_cli_jury import _fetched_run, all_providers, keys  # noqa: F401 - fixture

JUDGED = ("gpt-5.1", "gemini-3.1-pro-preview", "claude-opus-4-5-20251101")


def _judged_run(runs_dir: Path) -> None:
    """A mistral run of the sample riddles, one failed, judged by the default panel."""
    with all_providers(polls_until_done=1) as fakes:
        first_id = "S01-1"
        _fetched_run("mistral", fakes, errors={first_id: 500})
        invoke_json("jury", "run")
        invoke_json("fetch", "run")


def test_csv_and_jsonl_hold_one_row_per_riddle_with_verdicts_jury_tokens_and_cost(
    keys,  # noqa: F811 - fixture
    runs_dir: Path,
    tmp_path: Path,
):
    _judged_run(runs_dir)
    made = invoke_json("export", "run", "--format", "csv", "--out", "run.csv")
    assert made["rows"] == 8 and made["format"] == "csv" and "next_command" in made
    with (tmp_path / "run.csv").open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0])[:8] == ["run", "riddle_id", "category", "hints", "provider", "model",
                                  "outcome", "answer"]  # fmt: skip
    assert [r["riddle_id"] for r in table] == request_ids(runs_dir / "run")
    jury = {row["id"]: row for row in rows(runs_dir / "run" / "jury.jsonl")}
    judges = [c.removeprefix("is_answer_correct_") for c in table[0]
              if c.startswith("is_answer_correct_")]  # fmt: skip
    assert len(judges) == 3 and made["judges"] == judges
    for row in table:
        assert row["run"] == "run" and row["hints"] == "0" and row["provider"] == "mistral"
        assert row["category"]  # the sample's categories
        judged = jury[row["riddle_id"]]
        if row["outcome"] == "valid":
            assert row["answer"] == f"answer-{row['riddle_id']}"
            assert float(row["cost_usd"]) > 0 and int(row["input_tokens"]) > 0
            votes = [row[f"both_correct_{judge}"] == "true" for judge in judges]
            assert float(row["jury_both_correct"]) == sum(votes) / 3
            assert float(row["jury_both_correct"]) == judged["jury"]["both_correct"]
        else:
            assert row["outcome"] == "failed" and row["error"] and row["answer"] == ""
            assert row[f"is_answer_correct_{judges[0]}"] == ""  # not judged: counted incorrect
            assert float(row["jury_both_correct"]) == judged["jury"]["both_correct"] == 0
    assert sum(r["outcome"] == "valid" for r in table) == 7
    lines = rows(tmp_path / invoke_json("export", "run", "--format", "jsonl")["path"])
    assert [line["riddle_id"] for line in lines] == [r["riddle_id"] for r in table]
    valid = next(line for line in lines if line["outcome"] == "valid")
    assert isinstance(valid[f"is_answer_correct_{judges[0]}"], bool)
    assert isinstance(valid["input_tokens"], int) and valid["hints"] == 0
    again = invoke("export", "run", "--format", "csv", "--out", "run.csv")
    assert_one_line_error(again, code=2, contains="already exists")  # --force replaces it


def _interchange(path: Path, ids: list[str], model: str) -> Path:
    answer = {"justification": "j", "answer": "a"}
    lines = [{"custom_id": cid, "model": model, "answer": json.dumps(answer)} for cid in ids]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_group_is_one_file_with_a_run_column(runs_dir: Path, tmp_path: Path):
    prepare(name="probe")
    ids = request_ids(runs_dir / "probe")
    files = [
        _interchange(tmp_path / f"benchmark_local_{m}_llm_hints_0.jsonl", ids[:5], m)
        for m in ("m1", "m2")
    ]
    made = invoke_json("import", *map(str, files), "--dataset", "sample", "--group", "mine")
    runs = [r["run"] for r in made["runs"]]
    result = invoke("export", "mine", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "layton export" in result.stdout and "none yet" in result.stdout
    with (tmp_path / "mine.csv").open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [r["run"] for r in table] == [runs[0]] * 8 + [runs[1]] * 8
    assert [r["outcome"] for r in table].count("valid") == 10  # 3 riddles of each not answered
    assert {r["input_tokens"] for r in table} == {""}  # an interchange file counts no tokens
    assert all(r["cost_usd"] == "" for r in table)


def test_requests_options_do_not_go_with_a_table(runs_dir: Path):
    prepare(name="probe")
    result = invoke("export", "probe", "--format", "csv", "--missing")
    assert_one_line_error(result, code=2, contains="--format openai-batch")
    result = invoke("export", "probe", "--format", "xlsx")
    assert_one_line_error(result, code=2, contains="openai-batch, csv or jsonl")
