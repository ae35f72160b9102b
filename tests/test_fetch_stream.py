"""Fetch in flat memory (issue 24): the files written line by line from the index are byte for
byte what dumping the merged records writes, and a fetch holds no record in memory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from layton_eval.runs import layout
from layton_eval.runs.outputs import load_outputs, save_outputs
from layton_eval.runs.predictions import write_predictions
from layton_eval.runs.store import Run, RunStore
from tests.fakes import emulate
from tests.helpers import invoke, invoke_json, prepare, request_ids, rows
from tests.test_money import fast_retries, keys  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("keys")


def _dumped(run_dir: Path, tmp_path: Path) -> dict[str, bytes]:
    """The run's outputs, predictions and results file as dumping its records writes them
    (in a copy of the run)."""
    copy = tmp_path / "copy" / run_dir.name
    shutil.copytree(run_dir, copy)
    run = RunStore(copy.parent).load(run_dir.name)
    outputs = load_outputs(run)
    save_outputs(run, outputs)
    write_predictions(run, outputs)
    return _written(run)


def _written(run: Run) -> dict[str, bytes]:
    """The run's outputs, predictions and results file as the fetch wrote them."""
    return {
        "outputs": run.file(layout.OUTPUTS).read_bytes(),
        "predictions": run.file(layout.PREDICTIONS).read_bytes(),
        "interchange": run.file(layout.results_file(run.manifest)).read_bytes(),
    }


def test_files_written_line_by_line_are_the_dumped_records(runs_dir: Path, tmp_path: Path):
    prepare("openai", "gpt-5.1", name="run", hints=1)
    ids = request_ids(runs_dir / "run")
    with emulate(
        "openai",
        polls_until_done=1,
        errors={ids[0]: (500, "server exploded")},
        malformed_output=[ids[1]],
        refused=[ids[2]],
    ) as fake:
        fake.duplicate_lines = {ids[3]: "answer", ids[4]: "error"}
        invoke_json("send", "run")
        first = invoke_json("fetch", "run")["run"]
        fake.errors.clear()
        fake.malformed_output.clear()
        invoke_json("send", "run", "--retry-failed")
        second = invoke_json("fetch", "run")["run"]
    assert first["duplicates"] == [ids[3]] and first["failed"] == 1
    assert second["ok"] == len(ids) - 1 and second["refused"] == 1
    run = RunStore(runs_dir).load("run")
    assert _written(run) == _dumped(runs_dir / "run", tmp_path)
    assert [row["id"] for row in rows(run.file(layout.OUTPUTS))] == ids  # the riddle order
    assert not [p for p in run.path.iterdir() if p.name.endswith(".tmp")]


def test_a_fetch_holds_no_record_in_memory(runs_dir: Path, monkeypatch):
    """Each outcome is written as it is decoded: no more than one record is alive at once."""
    import gc

    from layton_eval.runs.lines import OutputLines
    from layton_eval.runs.outputs import OutputRecord

    prepare("openai", "gpt-5.1", name="run", hints=1)
    alive: list[int] = []
    original = OutputLines.add

    def counting(self, record):  # every decoded record is written through add
        alive.append(sum(isinstance(o, OutputRecord) for o in gc.get_objects()))
        return original(self, record)

    with emulate("openai", polls_until_done=1):
        invoke_json("send", "run")
        monkeypatch.setattr(OutputLines, "add", counting)
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == len(request_ids(runs_dir / "run"))
    assert alive and max(alive) <= 2, alive


@pytest.mark.parametrize("terminal", [True, False])
def test_a_progress_bar_only_in_a_terminal_and_never_with_json(
    runs_dir: Path, monkeypatch, terminal: bool
):
    monkeypatch.setattr("layton_eval.console._stdout_is_terminal", lambda: terminal)
    for name in ("card", "json"):
        prepare("openai", "gpt-5.1", name=name, hints=1)
    with emulate("openai", polls_until_done=1):
        invoke_json("send", "card")
        invoke_json("send", "json")
        card = invoke("fetch", "card")
        document = invoke("fetch", "json", "--json")
    assert card.exit_code == 0 and document.exit_code == 0
    assert document.stderr == ""  # --json: nothing but the document
    json.loads(document.stdout)
    if terminal:
        assert "download batch_" in card.stderr and "decode batch_" in card.stderr
        assert "8/8 lines" in card.stderr and "layton fetch" not in card.stderr
    else:
        assert card.stderr == ""  # piped: nothing extra


def test_a_download_is_written_in_chunks_and_starts_over_when_retried():
    """Each file ends with a newline (added when the provider's lacks one, and its last line
    returned to be checked); a retried download replaces what the failed attempt wrote."""
    import asyncio
    import io

    import httpx

    from layton_eval.providers._results import BodySink

    handle = io.BytesIO(b"before\n")
    handle.seek(0, 2)
    seen: list[tuple[int, int | None]] = []
    sink = BodySink(handle, lambda size, total: seen.append((size, total)))
    asyncio.run(sink(httpx.Response(200, content=b"half a fi")))  # the attempt that failed
    asyncio.run(sink(httpx.Response(200, content=b'{"a": 1}\n{"b": 2}')))
    assert sink.end() == b'{"b": 2}'
    assert handle.getvalue() == b'before\n{"a": 1}\n{"b": 2}\n'
    assert seen[-2:] == [(0, 17), (17, 17)]


def test_lines_arriving_out_of_riddle_order_are_written_in_it(runs_dir: Path, tmp_path: Path):
    """The lines that follow each other in the temporary file are copied as one piece: lines
    in another order (in runs of several, and alone) still come out in the riddle order."""
    prepare("openai", "gpt-5.1", name="run", hints=1)
    ids = request_ids(runs_dir / "run")
    with emulate("openai", polls_until_done=1) as fake:
        serialize = fake.result_lines

        def shuffled(batch, lines):  # two runs swapped, the first line last
            out = serialize(batch, lines)
            return out[4:-1] + out[1:4] + out[-1:] + out[:1]

        fake.result_lines = shuffled
        invoke_json("send", "run")
        fetched = invoke_json("fetch", "run")["run"]
    assert fetched["ok"] == len(ids) == 8
    run = RunStore(runs_dir).load("run")
    assert _written(run) == _dumped(runs_dir / "run", tmp_path)
    for rows_of in (layout.OUTPUTS, layout.PREDICTIONS):
        assert [row["id"] for row in rows(run.file(rows_of))] == ids
    assert [row["custom_id"] for row in rows(run.file(layout.results_file(run.manifest)))] == ids
