"""verdicts.py: the judge-file naming convention, tolerant reading, atomic writing, JuryTable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from layton_eval.answers import Verdict
from layton_eval.errors import JuryError, UsageError
from layton_eval.interchange import (
    JudgeFileName,
    JudgeRecord,
    judge_file_name,
    parse_judge_file_name,
)
from layton_eval.score.judge_files import JudgeFile, expand_judge_paths, read_judge_file
from layton_eval.score.verdicts import JuryTable
from tests.helpers import write_judge_file

YES = Verdict(is_answer_correct=True, is_justification_correct=True)
HALF = Verdict(is_answer_correct=True, is_justification_correct=False)
NO = Verdict(is_answer_correct=False, is_justification_correct=False)


@pytest.mark.parametrize(
    "fields",
    [
        dict(provider="openai", model="gpt-5.1-2025-11-13-high", split="llm", hints=0,
             judge_provider="gemini", judge_model="gemini-3-pro-preview"),
        dict(provider="anthropic", model="claude-opus-4-5_thinking_32k", split="vlm", hints=4,
             judge_provider="mistral", judge_model="mistral-large-2512"),
        dict(provider="together", model="a_llm_b", split="llm", hints=12,
             judge_provider="openai", judge_model="gpt_5.1"),
    ],
)  # fmt: skip
def test_name_round_trip(fields: dict):
    name = judge_file_name(**fields)
    assert parse_judge_file_name(f"/tmp/my_runs_dir/judge_x/{name}") == JudgeFileName(**fields)


def test_name_parsing_uses_the_file_name_only():
    path = "/data/judge_openai_x_llm_hints_0_by_a_b/results_file.jsonl"
    assert parse_judge_file_name(path) is None
    assert parse_judge_file_name("judge_openai_gpt-5_llm_hints_0_by_gemini.jsonl") is None
    assert parse_judge_file_name("judge_openai_gpt-5_xlm_hints_0_by_a_b.jsonl") is None


def test_name_formatting_sanitises_slashes_and_refuses_bad_parts():
    name = judge_file_name(provider="together", model="moonshotai/Kimi-K2", split="llm",
                           hints=0, judge_provider="openai", judge_model="gpt-5.1")  # fmt: skip
    assert name == "judge_together_moonshotai-Kimi-K2_llm_hints_0_by_openai_gpt-5.1.jsonl"
    with pytest.raises(ValueError):
        judge_file_name(provider="open_ai", model="m", split="llm", hints=0,
                        judge_provider="x", judge_model="y")  # fmt: skip
    with pytest.raises(ValueError):
        judge_file_name(provider="openai", model="m", split="xlm", hints=0,
                        judge_provider="x", judge_model="y")  # fmt: skip


def test_write_is_atomic_and_read_gives_the_verdicts_back(tmp_path: Path):
    path = tmp_path / "out" / "judge_openai_m_llm_hints_0_by_gemini_g.jsonl"
    records = [JudgeRecord.from_verdict(f"r{i}", v, model="g") for i, v in enumerate([YES, NO])]
    assert write_judge_file(path, records) == path
    write_judge_file(path, [*records, JudgeRecord(custom_id="r9", answer="nonsense", model="g")])
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"custom_id": "r0", "answer": json.dumps(
        {"is_answer_correct": True, "is_justification_correct": True}), "model": "g"}  # fmt: skip
    judge = read_judge_file(path)
    assert judge.judge == "gemini/g" and judge.name is not None and judge.name.model == "m"
    assert judge.verdicts == {"r0": YES, "r1": NO, "r9": None}
    assert judge.unparsable == ["r9"]


def test_write_failure_leaves_no_partial_file(tmp_path: Path):
    path = tmp_path / "judge.jsonl"

    def records():
        yield JudgeRecord(custom_id="a", answer="{}", model=None)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_judge_file(path, records())
    assert list(tmp_path.iterdir()) == []


def test_damaged_verdict_text_is_repaired_or_reported(tmp_path: Path):
    lines = [
        {"custom_id": "fenced", "answer": '```json\n{"is_answer_correct": true, '
                                          '"is_justification_correct": false,}\n```', "model": "j"},
        {"custom_id": "dict", "answer": {"is_answer_correct": False,
                                         "is_justification_correct": False}, "model": "j"},
        {"custom_id": "garbage", "answer": "I think it is right", "model": "j"},
        {"custom_id": "null", "answer": None, "model": "j"},
        {"custom_id": "garbage", "answer": '{"is_answer_correct": 1, '
                                           '"is_justification_correct": 1}', "model": "j"},
    ]  # fmt: skip
    path = tmp_path / "my-judge.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    judge = read_judge_file(path)
    assert judge.judge == "j"  # no naming convention: the lines' model
    assert judge.verdicts == {"fenced": HALF, "dict": NO, "garbage": YES, "null": None}
    assert judge.unparsable == ["null"]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{broken", "line 2: not valid JSON"),
        ('"text"', "line 2: not a JSON object"),
        ('{"answer": "{}"}', "line 2, field 'custom_id'"),
        (json.dumps({"custom_id": "a", "answer": json.dumps(NO.model_dump())}), "two different"),
    ],
)
def test_unreadable_lines_are_jury_errors_naming_the_line(tmp_path: Path, line, fragment):
    first = json.dumps({"custom_id": "a", "answer": json.dumps(YES.model_dump())})
    path = tmp_path / "j.jsonl"
    path.write_text(first + "\n" + line + "\n")
    with pytest.raises(JuryError, match=fragment):
        read_judge_file(path)


def test_missing_file_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="not found"):
        read_judge_file(tmp_path / "nope.jsonl")


def _file(judge: str, verdicts: dict) -> JudgeFile:
    return JudgeFile(path=Path(f"{judge}.jsonl"), judge=judge, name=None, verdicts=verdicts)


def test_jury_table_values_and_missing_verdicts():
    table = JuryTable.from_judge_files([
        _file("a", {"r1": YES, "r2": HALF, "r3": NO}),
        _file("b", {"r1": YES, "r2": YES, "r3": None}),
        _file("c", {"r1": HALF, "r2": YES}),
    ])  # fmt: skip
    assert table.riddle_ids == ("r1", "r2", "r3") and table.judges == ("a", "b", "c")
    np.testing.assert_allclose(table.jury_values("is_answer_correct"), [1, 1, 0])
    np.testing.assert_allclose(table.jury_values("both_correct"), [2 / 3, 2 / 3, 0])
    np.testing.assert_allclose(table.jury_values("is_justification_correct"), [2 / 3, 2 / 3, 0])
    assert table.missing() == {"r3": ["b", "c"]}
    with pytest.raises(ValueError):
        table.jury_values("everything")


def test_two_files_of_one_judge_are_refused():
    with pytest.raises(JuryError, match="one file per judge"):
        JuryTable.from_judge_files([_file("a", {"r": YES}), _file("a", {"r": NO})])


def test_expand_globs_and_plain_paths(tmp_path: Path):
    for name in ["judge_1.jsonl", "judge_2.jsonl", "other.jsonl"]:
        (tmp_path / name).write_text("")
    paths = expand_judge_paths(
        [
            str(tmp_path / "judge_*.jsonl"),
            str(tmp_path / "judge_1.jsonl"),
            str(tmp_path / "other.jsonl"),
        ]
    )
    assert [p.name for p in paths] == ["judge_1.jsonl", "judge_2.jsonl", "other.jsonl"]
    with pytest.raises(UsageError, match="no judge file matches"):
        expand_judge_paths([str(tmp_path / "none_*.jsonl")])
    with pytest.raises(UsageError, match="not found"):
        expand_judge_paths([str(tmp_path / "missing.jsonl")])
