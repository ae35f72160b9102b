from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from layton_eval.errors import RunError, UsageError
from layton_eval.neutral import NeutralRequest, TextPart
from layton_eval.runs.layout import check_name, sanitize_name
from layton_eval.runs.manifest import BatchRecord, DatasetRef, PromptsRef, RunManifest, RunState
from layton_eval.runs.store import RunStore, atomic_write_bytes


def _manifest(name: str, **kw) -> RunManifest:
    fields = dict(
        name=name,
        split="llm",
        hints=0,
        dataset=DatasetRef(
            source="sample", location="package", sha256="0" * 64, riddles=1, with_images=0
        ),
        prompts=PromptsRef(source="builtin", sha256="1" * 64),
        ids=["A-1"],
    )
    return RunManifest(**(fields | kw))


def _requests() -> list[NeutralRequest]:
    return [
        NeutralRequest(
            custom_id="A-1", system="s", parts=[TextPart(text="q")], schema_name="x", json_schema={}
        )
    ]


def test_create_load_list_latest(tmp_path: Path):
    store = RunStore(tmp_path)
    store.create(_manifest("first"), _requests())
    store.create(_manifest("second"), _requests())
    assert store.names() == ["first", "second"]
    assert store.resolve(None).name == "second"
    run = store.load("first")
    assert run.manifest.state is RunState.prepared
    assert [r.custom_id for r in run.requests()] == ["A-1"]
    with pytest.raises(RunError, match="no run named 'nope'"):
        store.load("nope")


def test_existing_run_is_not_replaced_without_force(tmp_path: Path):
    store = RunStore(tmp_path)
    store.create(_manifest("r"), _requests())
    before = (tmp_path / "r" / "run.json").read_bytes()
    with pytest.raises(RunError, match="--force"):
        store.create(_manifest("r", hints=3), _requests())
    assert (tmp_path / "r" / "run.json").read_bytes() == before
    store.create(_manifest("r", hints=3), _requests(), force=True)
    assert store.load("r").manifest.hints == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_force_never_orphans_batches_in_flight(tmp_path: Path):
    store = RunStore(tmp_path)
    run = store.create(_manifest("r"), _requests())
    with run.lock():
        run.manifest.batches.append(
            BatchRecord(
                provider="openai",
                model="m",
                endpoint="/e",
                custom_ids=["A-1"],
                request_count=1,
                bytes=10,
            )
        )
        run.save()
    assert store.load("r").manifest.state is RunState.submitting
    with pytest.raises(RunError, match="not finished and fetched"):
        store.create(_manifest("r"), _requests(), force=True)


@pytest.mark.parametrize("bad", ["../x", "a/b", ".hidden", "", "a..b", "x" * 200])
def test_unsafe_names_are_refused(bad):
    with pytest.raises(UsageError):
        check_name(bad)


def test_sanitize_name_makes_safe_names():
    assert sanitize_name("benchmark_together_meta-llama/Llama 3_llm_hints_0") == (
        "benchmark_together_meta-llama-Llama-3_llm_hints_0"
    )
    assert check_name(sanitize_name("../../etc/passwd")) == "etc-passwd"


_HOLD_LOCK = """
import sys
from pathlib import Path
from layton_eval.runs.store import RunStore
with RunStore(Path(sys.argv[1])).load("r").lock():
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_lock_excludes_a_second_process(tmp_path: Path):
    store = RunStore(tmp_path)
    store.create(_manifest("r"), _requests())
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunError, match="another layton process"), store.load("r").lock():
            pass
    finally:
        holder.communicate("\n", timeout=10)
    with store.load("r").lock():  # free again
        pass


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path: Path, monkeypatch):
    target = tmp_path / "f.json"
    target.write_bytes(b"old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(RunError, match=f"cannot write {target}: disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_a_line_separator_in_an_output_does_not_damage_outputs_jsonl(tmp_path: Path):
    """pydantic writes U+2028 and U+0085 unescaped: the reader splits lines at newlines only."""
    from layton_eval.answers import Answer
    from layton_eval.runs.outputs import OutputRecord, load_outputs

    run = RunStore(tmp_path).create(_manifest("r"), _requests())
    answer = Answer(answer="four\u2028squares", justification="see\x85above")
    record = OutputRecord(id="A-1", text=answer.model_dump_json(), valid=True, parsed=answer)
    with run.lock():
        run.write_jsonl("outputs.jsonl", [record])
    assert load_outputs(run)["A-1"].parsed == answer


def test_jsonl_writes_stream_and_requests_keep_their_sha256(tmp_path: Path):
    import hashlib

    from layton_eval.runs.atomic import atomic_write_jsonl

    run = RunStore(tmp_path).create(_manifest("r"), _requests())
    data = (run.path / "requests.jsonl").read_bytes()
    assert run.manifest.requests_sha256 == hashlib.sha256(data).hexdigest()
    run.check_requests()

    def rows():
        yield {"a": "é"}
        # written as the rows come, to a temporary file; nothing in place before the end
        assert list(tmp_path.glob(".f.jsonl.*.tmp")) and not (tmp_path / "f.jsonl").exists()
        yield {"b": 2}

    assert atomic_write_jsonl(tmp_path / "f.jsonl", rows()) == 2
    assert (tmp_path / "f.jsonl").read_bytes() == '{"a": "é"}\n{"b": 2}\n'.encode()
    assert atomic_write_jsonl(tmp_path / "empty.jsonl", []) == 0
    assert (tmp_path / "empty.jsonl").read_bytes() == b""


def test_a_fetch_builds_its_records_with_the_collector_paused(tmp_path: Path, monkeypatch):
    """Collections walk every live object: building a large batch's outputs spent more time
    in them than in the work (benchmarks/bench_fetch.py). The collector is back afterwards,
    also when the fetch fails."""
    import gc

    from layton_eval import family
    from layton_eval.settings import Settings

    run = RunStore(tmp_path).create(_manifest("r"), _requests())
    seen = []

    def fetch_run(*args, **kwargs):
        seen.append(gc.isenabled())
        raise RunError("stop here")

    monkeypatch.setattr(family, "fetch_run", fetch_run)
    assert gc.isenabled()
    with pytest.raises(RunError, match="stop here"):
        family.fetch_family(run, settings=Settings(runs_dir=tmp_path))
    assert seen == [False] and gc.isenabled()


def test_an_error_reading_another_file_while_writing_names_that_file(tmp_path: Path):
    """Rows read from another file as they are written: its error is not a write error."""
    from layton_eval.runs.atomic import atomic_write_jsonl

    def rows():
        yield {"a": 1}
        (tmp_path / "elsewhere" / "missing.jsonl").read_text()

    with pytest.raises(FileNotFoundError) as raised:
        atomic_write_jsonl(tmp_path / "out" / "f.jsonl", rows())
    assert raised.value.filename.endswith("missing.jsonl")
    assert not (tmp_path / "out" / "f.jsonl").exists()
    assert list((tmp_path / "out").iterdir()) == []  # the temporary file is gone
    # a folder in the way of the file itself is still a write error naming it
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(RunError, match=r"cannot write .*blocked/f\.jsonl"):
        atomic_write_jsonl(tmp_path / "blocked" / "f.jsonl", [{"a": 1}])
