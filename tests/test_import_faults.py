"""``layton import`` under faults (issue 21): an import that fails, is interrupted or is killed
leaves no run and the same command works again; odd text in a file never stops it."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import assert_one_line_error, invoke, invoke_json, prepare, request_ids, rows

REPO = Path(__file__).resolve().parent.parent
NAME = "benchmark_local_m1_llm_hints_0"


def _answer(custom_id: str, *, text: str | None = None) -> dict:
    answer = text if text is not None else f"answer-{custom_id}"
    return {
        "custom_id": custom_id,
        "model": "m1",
        "answer": json.dumps({"justification": "because", "answer": answer}),
    }


def _file(tmp_path: Path, runs_dir: Path, lines: list[str] | None = None) -> tuple[Path, list[str]]:
    """An interchange file answering the sample's riddles (``lines``: its text as given)."""
    prepare(name="probe")
    ids = request_ids(runs_dir / "probe")
    path = tmp_path / f"{NAME}.jsonl"
    text = lines or [json.dumps(_answer(cid)) for cid in ids]
    path.write_text("".join(line + "\n" for line in text), encoding="utf-8")
    return path, ids


def _leftovers(runs_dir: Path) -> list[str]:
    return sorted(p.name for p in runs_dir.iterdir() if p.name not in {"probe"})


def test_a_lone_surrogate_is_replaced_counted_and_written_as_utf8(tmp_path, runs_dir):
    prepare(name="probe")
    ids = request_ids(runs_dir / "probe")
    lines = [json.dumps(_answer(cid)) for cid in ids]
    lines[1] = lines[1].replace("answer-", "an\\ud800swer-")  # the 6 characters \ud800
    path = tmp_path / f"{NAME}.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    made = invoke_json("import", str(path), "--dataset", "sample")
    assert made["replaced"] == 1 and made["fetch"]["ok"] == len(ids)
    run = runs_dir / NAME
    for name in ("outputs.jsonl", "predictions.jsonl", f"{NAME}.jsonl"):
        (run / name).read_bytes().decode("utf-8")  # valid UTF-8 throughout
    predictions = {p["id"]: p for p in rows(run / "predictions.jsonl")}
    assert predictions[ids[1]]["answer"] == f"an\ufffdswer-{ids[1]}"
    card = invoke("import", str(path), "--dataset", "sample", "--force")
    assert card.exit_code == 0, card.stderr
    assert "1 lone surrogate" in card.stdout


def test_the_first_valid_answer_of_a_riddle_wins_within_a_file(tmp_path, runs_dir):
    prepare(name="probe")
    ids = request_ids(runs_dir / "probe")
    cut = {"custom_id": ids[0], "model": "m1", "answer": '{"justification": "because the'}
    lines = [cut, *(_answer(cid) for cid in ids), _answer(ids[1], text="another")]
    path = tmp_path / f"{NAME}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    made = invoke_json("import", str(path), "--dataset", "sample")
    assert made["fetch"]["ok"] == len(ids) and made["fetch"]["invalid"] == 0
    assert made["conflicts"] == [ids[1]]  # two valid answers: the first is kept
    predictions = {p["id"]: p for p in rows(runs_dir / NAME / "predictions.jsonl")}
    assert predictions[ids[0]]["answer"] == f"answer-{ids[0]}"
    assert predictions[ids[1]]["answer"] == f"answer-{ids[1]}"


@pytest.mark.parametrize("where", ["save_outputs", "write_predictions"])
def test_a_failed_write_leaves_no_run_and_the_same_import_works_again(
    tmp_path, runs_dir, monkeypatch, where
):
    import layton_eval.exchange.importing as importing

    path, ids = _file(tmp_path, runs_dir)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(runs_dir / "x" / "y"))

    with monkeypatch.context() as patch:
        patch.setattr(importing, where, full)
        failed = invoke("import", str(path), "--dataset", "sample")
    assert failed.exit_code == 1
    assert _leftovers(runs_dir) == []  # neither the run nor its folder being built
    made = invoke_json("import", str(path), "--dataset", "sample")  # no --force needed
    assert made["created"] and made["fetch"]["ok"] == len(ids)


def test_an_interrupted_group_import_removes_the_runs_it_made(tmp_path, runs_dir, monkeypatch):
    import layton_eval.exchange.importing as importing

    path, _ = _file(tmp_path, runs_dir)
    other = path.with_name("benchmark_local_m2_llm_hints_0.jsonl")
    other.write_text(path.read_text().replace('"m1"', '"m2"'), encoding="utf-8")
    real, calls = importing.save_outputs, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(importing, "save_outputs", interrupted)
        stopped = invoke("import", str(path), str(other), "--dataset", "sample")
    assert stopped.exit_code != 0 and len(calls) == 2
    assert _leftovers(runs_dir) == []
    made = invoke_json("import", str(path), str(other), "--dataset", "sample")
    assert len(made["runs"]) == 2


_KILLED_IMPORT = """
import os, sys, time
import layton_eval.exchange.importing as importing

def stop(*args, **kwargs):  # the test stands here: the run is half written
    print("writing", flush=True)
    time.sleep(60)

importing.save_outputs = stop
from layton_eval.cli import main
sys.argv = ["layton", "import", sys.argv[1], "--dataset", "sample"]
main()
"""


def test_a_killed_import_leaves_nothing_and_the_same_command_works(tmp_path, runs_dir):
    path, ids = _file(tmp_path, runs_dir)
    env = {**os.environ, "LAYTON_RUNS_DIR": str(runs_dir), "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_IMPORT, str(path)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
        staged = [p for p in runs_dir.iterdir() if p.name.startswith(f".{NAME}.")]
        assert staged  # the run being built, under a hidden name
        assert not (runs_dir / NAME).exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert invoke("status", NAME).exit_code != 0  # no run to see
    made = invoke_json("import", str(path), "--dataset", "sample")  # no --force needed
    assert made["created"] and made["fetch"]["ok"] == len(ids)
    assert _leftovers(runs_dir) == [NAME]  # what the killed process left is gone


def test_a_run_being_built_by_a_live_process_is_left_alone(tmp_path, runs_dir):
    from layton_eval.runs.locks import clear_stale, file_lock

    target = runs_dir / NAME
    runs_dir.mkdir()
    live, dead = runs_dir / f".{NAME}.staging-live", runs_dir / f".{NAME}.staging-dead"
    for folder in (live, dead):
        folder.mkdir()
        (folder / "run.json").write_text("{}")
    (runs_dir / f"{dead.name}.guard").write_text("")
    with file_lock(runs_dir / f"{live.name}.guard"):
        assert clear_stale(target) == [dead]
    assert live.is_dir() and not dead.exists()
    assert not (runs_dir / f"{dead.name}.guard").exists()


def test_a_refused_import_says_so_in_one_line(tmp_path, runs_dir):
    path, _ = _file(tmp_path, runs_dir)
    invoke_json("import", str(path), "--dataset", "sample")
    assert_one_line_error(
        invoke("import", str(path), "--dataset", "sample"), code=1, contains="already exists"
    )


OSC_52 = "\x1b]52;c;aGVsbG8=\x07"  # set the clipboard, on permissive terminals
HOSTILE = f"{OSC_52}\x1b[31m\x07x"


def _raw_terminal_codes(text: str) -> list[str]:
    return [c for c in text if c in "\x1b\x07\x9b"]


def test_a_hostile_riddle_id_of_a_refused_import_reaches_the_terminal_cleaned(tmp_path, runs_dir):
    path = tmp_path / f"{NAME}.jsonl"
    path.write_text(json.dumps(_answer(f"{HOSTILE}[bold]S1")) + "\n", encoding="utf-8")
    result = invoke("import", str(path), "--dataset", "sample")
    assert_one_line_error(result, code=1, contains="riddle id(s) are not in")
    assert _raw_terminal_codes(result.stderr) == []
    assert "\ufffd]52;c;aGVsbG8=" in result.stderr and "[bold]S1" in result.stderr


def test_a_hostile_model_name_on_the_import_card_is_shown_cleaned_and_literal(tmp_path, runs_dir):
    prepare(name="probe")
    ids = request_ids(runs_dir / "probe")
    model = f"{HOSTILE}[link=https://evil.example]m1[/link]"
    lines = [{**_answer(cid), "model": model} for cid in ids]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    args = ["import", str(path), "--dataset", "sample", "--provider", "local", "--split", "llm"]
    result = invoke(*args, "--hints", "0", "--name", "hostile")
    assert result.exit_code == 0, result.stderr
    # the model is in the results file's name on the card: cleaned, its markup shown as is
    # (read as markup, [link=...] would have become a terminal hyperlink escape)
    assert _raw_terminal_codes(result.stdout) == []
    flat = re.sub(r"[\s│]", "", result.stdout)  # the path folds across lines
    assert "\ufffd]52;c;aGVsbG8=\ufffd\ufffd[31m\ufffdx[link=https:" in flat
    manifest = json.loads((runs_dir / "hostile" / "run.json").read_text(encoding="utf-8"))
    assert manifest["model"] == model  # on disk as the file gave it


def test_a_real_full_disk_during_an_import_leaves_no_run(tmp_path, monkeypatch):
    from layton_eval.settings import get_settings
    from tests.test_locks import _fill, _small_disk

    with _small_disk(tmp_path / "disk") as disk:
        runs = disk / "runs"
        monkeypatch.setenv("LAYTON_RUNS_DIR", str(runs))
        get_settings.cache_clear()
        path, ids = _file(tmp_path, runs)
        _fill(disk)
        filler = disk / "filler"
        os.truncate(filler, filler.stat().st_size - 32 * 1024)  # room for the requests only
        failed = invoke("import", str(path), "--dataset", "sample")
        assert_one_line_error(failed, code=1, contains="no space left on device")
        assert "cannot write" in failed.stderr
        assert _leftovers(runs) == []
        filler.unlink()
        made = invoke_json("import", str(path), "--dataset", "sample")
        assert made["created"] and made["fetch"]["ok"] == len(ids)
