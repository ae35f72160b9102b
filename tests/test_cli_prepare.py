from __future__ import annotations

import json
from pathlib import Path

import pytest

from layton_eval.prompts import PROMPT_FILES
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, rows


def _requests(runs_dir: Path, name: str) -> list[dict]:
    lines = (runs_dir / name / "requests.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _texts(request: dict) -> list[str]:
    return [p["text"] for p in request["parts"] if p["type"] == "text"]


def test_quickstart_prepare_on_the_sample(runs_dir: Path):
    result = invoke("prepare", "--split", "llm", "--hints", "2", "--dataset", "sample")
    assert result.exit_code == 0, result.output
    assert "benchmark_llm_hints_2" in result.stdout and "layton send" in result.stdout
    manifest = json.loads((runs_dir / "benchmark_llm_hints_2" / "run.json").read_text())
    assert manifest["state"] == "prepared" and manifest["dataset"]["source"] == "sample"
    assert len(_requests(runs_dir, "benchmark_llm_hints_2")) == manifest["dataset"]["riddles"]


def test_prepare_json_and_default_name(runs_dir: Path):
    doc = invoke_json(
        "prepare",
        "--split",
        "vlm",
        "--hints",
        "1",
        "--dataset",
        "sample",
        "--provider",
        "openai",
        "--model",
        "gpt-5.1",
    )
    assert doc["run"] == "benchmark_openai_gpt-5.1_vlm_hints_1"
    assert doc["with_images"] == doc["riddles"] and doc["estimated_cost_usd"] > 0
    assert doc["next_command"] == "layton send benchmark_openai_gpt-5.1_vlm_hints_1"


def test_subset_options_and_generation_options(runs_dir: Path):
    options = ["--limit", "2", "--max-tokens", "900", "--reasoning-effort", "high"]
    params = ["--param", "seed=7", "--param", "top_p=0.5"]
    doc = prepare(name="trial", extra=[*options, *params])
    assert doc["riddles"] == 2
    manifest = json.loads((runs_dir / "trial" / "run.json").read_text())
    assert manifest["sampling"] == {
        "max_tokens": 900,
        "temperature": None,
        "reasoning_effort": "high",
        "thinking_budget": None,
        "params": {"seed": 7, "top_p": 0.5},
    }
    first = _requests(runs_dir, "trial")[0]["custom_id"]
    doc = prepare(name="one", extra=["--ids", first])
    assert doc["riddles"] == 1


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--split", "xlm", "--hints", "1"], 2, "--split"),
        (["--split", "llm", "--hints", "5"], 2, "--hints"),
        (["--split", "llm", "--hints", "-1"], 2, "--hints"),
        (["--split", "llm", "--hints", "1", "--data-dir", "/does/not/exist"], 1, "does not exist"),
        (
            ["--split", "llm", "--hints", "1", "--dataset", "sample", "--name", "../evil"],
            2,
            "invalid run name",
        ),
        (
            ["--split", "llm", "--hints", "1", "--dataset", "sample", "--provider", "acme"],
            2,
            "unknown provider",
        ),
        (
            ["--split", "llm", "--hints", "1", "--dataset", "sample", "--reasoning-effort", "max"],
            2,
            "reasoning-effort",
        ),
        (
            ["--split", "llm", "--hints", "1", "--dataset", "sample", "--param", "novalue"],
            2,
            "key=value",
        ),
        (["--split", "llm", "--hints", "1"], 1, "--dataset sample"),  # Hub unreachable here
    ],
)
def test_bad_input_is_one_line(args, code, fragment):
    assert_one_line_error(invoke("prepare", *args), code=code, contains=fragment)


def test_existing_run_is_kept_without_force(runs_dir: Path):
    args = ["prepare", "--split", "llm", "--hints", "2", "--dataset", "sample"]
    assert invoke(*args).exit_code == 0
    path = runs_dir / "benchmark_llm_hints_2" / "run.json"
    before = path.read_bytes()
    assert_one_line_error(invoke(*args), code=1, contains="already exists")
    assert path.read_bytes() == before
    assert invoke(*args, "--force").exit_code == 0


def test_malformed_dataset_line_is_reported(tmp_path: Path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "layton_eval_llm.jsonl").write_text('{"id": "A", "split": "llm"}\n')
    result = invoke("prepare", "--split", "llm", "--hints", "0", "--data-dir", str(tmp_path / "d"))
    assert_one_line_error(result, code=1, contains="layton_eval_llm.jsonl:1: field 'description'")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_prompts_dir_is_recorded(tmp_path: Path, runs_dir: Path):
    for rel in PROMPT_FILES.values():
        (tmp_path / "p" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "p" / rel).write_text("Official prompt.\n")
    doc = invoke_json(
        "prepare",
        "--split",
        "llm",
        "--hints",
        "0",
        "--dataset",
        "sample",
        "--prompts-dir",
        str(tmp_path / "p"),
    )
    assert doc["prompts"]["source"] == "custom"
    assert doc["prompts"]["location"] == str((tmp_path / "p").resolve())
    assert _requests(runs_dir, doc["run"])[0]["system"] == "Official prompt.\n"


def test_version_and_help():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("layton ")
    assert "prepare" in invoke("--help").stdout


def test_run_name_completion(runs_dir: Path):
    from layton_eval.commands.options import complete_run

    invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", "--name", "alpha")
    invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample", "--name", "beta")
    assert complete_run("al") == ["alpha"]
    assert complete_run("") == ["alpha", "beta"]


def test_real_vlm_split_has_pictures_and_two_hints(shared_data: Path, runs_dir: Path):
    doc = invoke_json(
        "prepare",
        "--split",
        "vlm",
        "--hints",
        "2",
        "--data-dir",
        str(shared_data),
        "--provider",
        "openai",
        "--model",
        "gpt-5.1",
    )
    assert doc["riddles"] == 317 and doc["with_images"] == 317
    requests = _requests(runs_dir, doc["run"])
    assert len(requests) == 317
    for request in requests:
        labels = [t.split(":")[0] for t in _texts(request)]
        assert labels[0] == "Riddle question"
        assert set(labels[1:]) <= {"First hint", "Second hint"}
        assert sum(p["type"] == "image" for p in request["parts"]) == 1


def test_real_llm_split_text_only_and_special_hints(shared_data: Path, runs_dir: Path):
    doc = invoke_json("prepare", "--split", "llm", "--hints", "4", "--data-dir", str(shared_data))
    assert doc["riddles"] == 186 and doc["with_images"] == 0
    by_id = {row["id"]: row for row in rows(shared_data / "layton_eval_llm.jsonl")}
    for request in _requests(runs_dir, doc["run"]):
        specials = [t for t in _texts(request) if t.startswith("Special hint: ")]
        assert len(specials) == (1 if by_id[request["custom_id"]]["special_hint"] else 0)
