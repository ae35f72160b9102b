"""``layton import`` and ``layton export``: answers made elsewhere become runs, as if fetched;
a run's requests go out in the OpenAI Batch format and their answers come back into it."""

from __future__ import annotations

import hashlib
import json
import shlex
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from layton_eval.settings import get_settings
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.fakes import TEST_KEY, emulate
from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows
from tests.test_cli_jury import responder

CALIBRATED = "mistral-large-2512"  # a model of the llm calibration set
JUDGES = ("openai", "gemini", "anthropic")  # the panel of a model that is not theirs


@pytest.fixture
def keys(monkeypatch):
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.setenv(var, TEST_KEY)
    if (SHARED_DATA / "ppi_llm.jsonl").is_file():
        monkeypatch.setenv("LAYTON_DATA_DIR", str(SHARED_DATA))
    get_settings.cache_clear()


def _write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _completion(text: str | None, *, finish: str = "stop", refusal: str | None = None,
                tokens: tuple[int, int] = (100, 20)) -> dict:  # fmt: skip
    """A chat completion as an OpenAI-compatible engine writes it."""
    message = {"role": "assistant", "content": text, "refusal": refusal}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion", "model": "m1",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1],
                  "total_tokens": sum(tokens)},
    }  # fmt: skip


def _ok(custom_id: str, body: dict) -> dict:
    response = {"status_code": 200, "request_id": "r", "body": body}
    return {"id": f"vllm-{custom_id}", "custom_id": custom_id, "response": response, "error": None}


def _answer(custom_id: str) -> str:
    return json.dumps({"justification": "because", "answer": f"answer-{custom_id}"})


@needs_shared_data
def test_import_of_real_calibration_rows_then_jury_score_compare_report(keys, tmp_path: Path):
    calibration = [json.loads(line) for line in (SHARED_DATA / "ppi_llm.jsonl").open()]
    mine = [row for row in calibration if row["model"] == CALIBRATED]
    lines = [
        {"custom_id": row["riddle_id"], "model": CALIBRATED,
         "answer": json.dumps({"answer": row["answer"], "justification": row["justification"]})}
        for row in mine[3:]  # the first three riddles are not answered: failed
    ]  # fmt: skip
    lines[0]["answer"] = "I would say seven, but I am not sure"  # no JSON object: unreadable
    name = f"benchmark_mistral_{CALIBRATED}_llm_hints_0"
    path = _write(tmp_path / f"{name}.jsonl", lines)
    made = invoke_json("import", str(path))
    assert made["run"] == name and made["created"]
    assert made["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert made["source"]["format"] == "interchange" and made["source"]["lines"] == 183
    counts = made["fetch"]
    assert (counts["total"], counts["ok"], counts["invalid"], counts["failed"]) == (186, 182, 1, 3)
    assert counts["cost_usd"] is None and not counts["tokens_counted"]
    run = tmp_path / "runs" / name
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["state"] == "fetched" and manifest["provider"] == "mistral"
    [batch] = manifest["batches"]
    assert batch["purpose"] == "import" and batch["source"]["sha256"] == made["source"]["sha256"]
    predictions = {p["id"]: p for p in rows(run / "predictions.jsonl")}
    assert predictions[mine[5]["riddle_id"]]["answer"] == mine[5]["answer"]
    assert predictions[mine[0]["riddle_id"]]["error"].endswith(f"in {path.name}")
    assert made["next_command"] == f"layton jury {name}"
    # the same file again: the run exists (and --force replaces it)
    assert_one_line_error(invoke("import", str(path)), code=1, contains="already exists")
    card = invoke("import", str(path), "--force").stdout
    assert "unknown: an imported interchange file holds no token counts" in card
    assert "0 in / 0 out" not in card

    with ExitStack() as stack:
        fakes = {n: stack.enter_context(emulate(n, responder=responder, polls_until_done=1))
                 for n in JUDGES}  # fmt: skip
        invoke_json("jury", name)
        assert all(fake.batches_created == 1 for fake in fakes.values())
        assert len(fakes["openai"].requests_seen) == 182  # the valid answers only
        fetched = invoke_json("fetch", name)
    assert fetched["jury"]["next_command"] == f"layton score {name}"
    scored = invoke_json("score", name, "--iterations", "300")
    assert scored["n"] == 186 and scored["provider"] == "mistral"
    assert scored["foreign_ids"] is False  # the benchmark's own riddles
    compared = invoke_json("compare", name, CALIBRATED, "--iterations", "200")
    assert compared["pairs"][0]["n"] == 186
    report = invoke("report", name, "--split", "llm", "--iterations", "200", "--out", "r.html")
    assert report.exit_code == 0, report.stderr
    assert name in (tmp_path / "r.html").read_text()


def test_import_of_an_openai_batch_output_with_errors_and_refusals(runs_dir: Path, tmp_path):
    prepare(name="probe")  # the sample riddles' ids
    ids = request_ids(runs_dir / "probe")
    lines = [
        _ok(ids[0], _completion(_answer(ids[0]), tokens=(120, 30))),
        _ok(ids[1], _completion(None, refusal="I can't help with that.", tokens=(110, 5))),
        _ok(ids[2], _completion('{"justification": "because the', finish="length")),
        {
            "id": "x",
            "custom_id": ids[3],
            "response": None,  # OpenAI's error file
            "error": {"code": "batch_expired", "message": "This request was not executed."},
        },
        {
            "id": "x",
            "custom_id": ids[4],
            "error": "model overloaded",  # vLLM's failed request
            "response": {"status_code": 400, "request_id": "r", "body": None},
        },
        _ok(ids[5], _completion("", finish="content_filter")),
        _ok(ids[6], _completion(_answer(ids[6]), tokens=(130, 40))),
        _ok(ids[6], _completion(json.dumps({"answer": "other", "justification": "x"}))),
    ]  # ids[7] is not in the file
    path = _write(tmp_path / "results.jsonl", lines)
    made = invoke_json(
        "import", str(path), "--provider", "openai", "--model", "gpt-5-mini", "--split", "llm",
        "--hints", "0", "--dataset", "sample", "--name", "answered",
    )  # fmt: skip
    counts = made["fetch"]
    assert (counts["ok"], counts["refused"], counts["truncated"], counts["failed"]) == (2, 2, 1, 3)
    assert counts["refusals"][ids[1]] == "I can't help with that."
    assert "content_filter" in counts["refusals"][ids[5]]
    assert made["conflicts"] == [ids[6]]  # answered twice: the first answer is kept
    assert (counts["input_tokens"], counts["output_tokens"]) == (120 + 110 + 100 + 100 + 130,
                                                                30 + 5 + 20 + 20 + 40)  # fmt: skip
    # gpt-5-mini: $0.25 in / $2.00 out per M tokens, half price in a batch
    expected = (560 * 0.25 + 115 * 2.0) / 1e6
    assert counts["cost_usd"] == pytest.approx(expected / 2)
    assert counts["standard_cost_usd"] == pytest.approx(expected)
    predictions = {p["id"]: p for p in rows(runs_dir / "answered" / "predictions.jsonl")}
    assert predictions[ids[3]]["error"] == "batch_expired: This request was not executed."
    assert predictions[ids[4]]["error"] == "model overloaded"
    assert "no answer for this riddle" in predictions[ids[7]]["error"]
    assert predictions[ids[6]]["answer"] == f"answer-{ids[6]}"
    status = invoke_json("status", "answered")
    assert status[0]["state"] == "fetched" and status[0]["next_command"] == "layton jury answered"


@pytest.mark.parametrize(
    ("text", "contains"),
    [
        ('{"custom_id": "S01-1", "answer": "{}"}\n{"custom_id": "S01-2", "answer"\n',
         ":2: not valid JSON (Expecting ':' delimiter column 32)"),  # the position, not cut
        ('{"custom_id": "S01-1", "answer": "abc\n', "(Unterminated string starting at column 34)"),
        ('{"custom_id": "S01-1", "answer": "{}"}\n[1, 2]\n', ":2: expected a JSON object"),
        ('{"custom_id": "S01-1", "answer": 3}\n', ":1: 'answer' must be the model's text"),
        ('{"answer": "{}"}\n', ":1: no 'custom_id'"),
        ('{"custom_id": "S01-1", "answer": "{}"}\n{"custom_id": "S01-2", "response": null, '
         '"error": "x"}\n', ":2: an openai-batch line in an interchange file"),
        ('{"custom_id": "S01-1", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n',
         ":1: an OpenAI Batch *input* line"),
        ('{"custom_id": "S01-1", "response": {"status_code": "200", "body": {}}}\n',
         ":1: 'response.status_code' must be a number"),
        ('{"custom_id": "S01-1", "answer": "{}"}\n{"custom_id": "NOPE-1", "answer": "{}"}\n'
         '{"custom_id": "NOPE-2", "answer": "{}"}\n', "2 riddle id(s) are not in the llm riddles: "
         "NOPE-1, NOPE-2"),
        ("", "no answers in the file"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_with_its_line(tmp_path, runs_dir, text, contains):
    path = tmp_path / "benchmark_local_m1_llm_hints_0.jsonl"
    path.write_text(text, encoding="utf-8")
    result = invoke("import", str(path), "--dataset", "sample")
    assert_one_line_error(result, code=1, contains=contains)
    assert not runs_dir.exists() or not any(runs_dir.iterdir())  # nothing created


def test_what_the_file_name_does_not_say_is_asked_for(tmp_path, runs_dir):
    path = _write(tmp_path / "answers.jsonl", [{"custom_id": "S01-1", "answer": "{}"}])
    result = invoke("import", str(path), "--dataset", "sample", "--provider", "local")
    assert_one_line_error(result, code=2, contains="pass --split --hints --model")
    bad = invoke("import", str(path), "--dataset", "sample", "--provider", "my_lab",
                 "--model", "m", "--split", "llm", "--hints", "0")  # fmt: skip
    assert_one_line_error(bad, code=2, contains="without '_'")
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def _stand_in_engine(requests: Path, results: Path, *, fail: str) -> None:
    """What an OpenAI-compatible engine (vLLM run-batch) writes for ``requests``: an answer
    per line, ``fail`` failing the way vLLM writes a failed request."""
    out = []
    for line in rows(requests):
        if line["custom_id"] == fail:
            out.append(
                {
                    "id": "vllm-x",
                    "custom_id": fail,
                    "error": "CUDA out of memory",
                    "response": {"status_code": 400, "request_id": "r", "body": None},
                }
            )
            continue
        body = _completion(_answer(line["custom_id"]))
        body["model"] = line["body"]["model"]
        out.append(_ok(line["custom_id"], body))
    _write(results, out)


@needs_shared_data
def test_export_answer_elsewhere_import_into_the_run_then_jury_and_score(
    keys, runs_dir, tmp_path, monkeypatch
):
    prepare(name="mine")  # no provider or model: answered on one's own GPU
    ids = request_ids(runs_dir / "mine")
    assert_one_line_error(invoke("export", "mine"), code=2, contains="pass --model")
    exported = invoke_json("export", "mine", "--model", "my-org/m1", "--out", "mine.requests.jsonl")
    results = str(tmp_path / "mine.results.jsonl")  # paths are made absolute: from anywhere
    assert exported["requests"] == 8 and exported["results_path"] == results
    assert exported["next_command"] == f"layton import {results} --into mine --provider local"
    assert exported["engine_command"].startswith(f"vllm run-batch -i {tmp_path}/mine.requests")
    sent = rows(tmp_path / "mine.requests.jsonl")
    assert [line["custom_id"] for line in sent] == ids
    first = sent[0]
    assert (first["method"], first["url"]) == ("POST", "/v1/chat/completions")
    assert first["body"]["model"] == "my-org/m1"
    assert first["body"]["response_format"]["type"] == "json_schema"
    assert [m["role"] for m in first["body"]["messages"]] == ["system", "user"]
    assert json.loads((runs_dir / "mine" / "run.json").read_text())["batches"] == []

    _stand_in_engine(tmp_path / "mine.requests.jsonl", tmp_path / "mine.results.jsonl",
                     fail=ids[4])  # fmt: skip
    assert_one_line_error(invoke("import", results, "--into", "mine"), code=2,
                          contains="names no provider yet: pass --provider")  # fmt: skip
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the Next: line, typed from another folder
    brought = invoke_json(*shlex.split(exported["next_command"])[1:])
    assert not brought["created"] and brought["run"] == "mine"
    assert (brought["fetch"]["ok"], brought["fetch"]["failed"]) == (7, 1)
    manifest = json.loads((runs_dir / "mine" / "run.json").read_text())
    assert (manifest["provider"], manifest["model"]) == ("local", "my-org/m1")
    assert_one_line_error(invoke("import", results, "--into", "mine"), code=1,
                          contains="already imported")  # fmt: skip
    # only what is left goes out again, and comes back
    monkeypatch.chdir(tmp_path)
    again = invoke_json("export", "mine", "--missing", "--out", "left.jsonl")
    assert again["requests"] == 1 and rows(tmp_path / "left.jsonl")[0]["custom_id"] == ids[4]
    _stand_in_engine(tmp_path / "left.jsonl", tmp_path / "left.results.jsonl", fail="none")
    fixed = invoke_json("import", str(tmp_path / "left.results.jsonl"), "--into", "mine")
    assert (fixed["fetch"]["ok"], fixed["fetch"]["failed"]) == (8, 0)

    with ExitStack() as stack:
        fakes = {n: stack.enter_context(emulate(n, responder=responder, polls_until_done=1))
                 for n in JUDGES}  # fmt: skip
        jury = invoke_json("jury", "mine")
        assert [j["provider"] for j in jury["panel"]] == list(JUDGES)
        fetched = invoke_json("fetch", "mine")
    assert all(len(fake.requests_seen) == 8 for fake in fakes.values())
    assert fetched["jury"]["next_command"] == "layton score mine"
    scored = invoke_json("score", "mine", "--iterations", "300")
    assert scored["n"] == 8 and scored["provider"] == "local"
    assert scored["model"] == "my-org/m1"  # as the run names it (its judge files spell my-org-m1)


def test_import_into_refuses_a_run_with_batches_out_or_another_model(keys, runs_dir, tmp_path):
    with emulate("openai", polls_until_done=5):
        prepare("openai", "gpt-5-mini", name="sent")
        invoke_json("send", "sent")
        ids = request_ids(runs_dir / "sent")
        path = _write(tmp_path / "a.jsonl", [_ok(ids[0], _completion(_answer(ids[0])))])
        out = invoke("import", str(path), "--into", "sent")
        assert_one_line_error(out, code=1, contains="has batches still running")
    prepare("openai", "gpt-5-nano", name="other")
    refused = invoke("import", str(path), "--into", "other")
    assert_one_line_error(refused, code=1, contains="holds answers of m1, but run other is")
    assert json.loads((runs_dir / "other" / "run.json").read_text())["batches"] == []
