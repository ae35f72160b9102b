"""Fetch of a large batch vs a plain JSON round trip of the same results file, in one run.

Builds a run of N requests (default 50,000) whose single OpenAI batch has finished on the
in-process emulator, with answers of realistic length, then measures ``layton fetch`` (the family
fetch: download, decode, merge into ``outputs.jsonl``, predictions, results file) against the
plain Python baseline: read the same results file, ``json.loads`` every line, ``json.dumps`` it
back and write it out. Each measurement runs in a fresh process: time without tracemalloc, then
the peak of traced memory in another process.

Usage: .venv/bin/python benchmarks/bench_fetch.py [N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ANSWER = json.dumps(
    {
        "justification": "Counting the matchsticks row by row gives three, then five, then seven; "
        "moving the top one to the right closes the last square, so the figure shows four "
        "squares as the riddle asks. " * 3,
        "answer": "4",
    }
)


def _answer(custom_id: str, body: dict) -> str:
    """The same answer with a justification of a length of its own (0 to 130 more words)."""
    words = int(custom_id[1:]) * 7919 % 131
    return ANSWER.replace("asks. ", "asks. " + "so " * words, 1)


def _setup(root: Path, n: int):  # noqa: ANN202 (returns emulator objects of the tests)
    """A run of ``n`` requests with one finished batch on the emulator."""
    from layton_eval.runs.manifest import (
        BatchPhase,
        BatchRecord,
        DatasetRef,
        PromptsRef,
        RunManifest,
        now,
    )
    from layton_eval.runs.store import RunStore
    from tests.fakes import TEST_KEY, emulate

    os.environ["OPENAI_API_KEY"] = TEST_KEY
    os.environ["LAYTON_RUNS_DIR"] = str(root / "runs")
    ids = [f"r{i:06d}" for i in range(n)]
    manifest = RunManifest(
        name="bench",
        split="llm",
        hints=0,
        provider="openai",
        model="gpt-5-mini",
        dataset=DatasetRef(source="dir", location=".", sha256="0" * 64, riddles=n, with_images=0),
        prompts=PromptsRef(source="builtin", sha256="0" * 64),
        ids=ids,
    )
    run = RunStore(root / "runs").create(manifest, [])
    # answers and riddles of varied lengths, so that token counts (and prices) differ
    emulator = emulate("openai", polls_until_done=1, responder=_answer)
    fake = emulator.__enter__()
    bodies = [
        {
            "model": "gpt-5-mini",
            "messages": [{"role": "user", "content": "riddle " * (40 + i % 97)}],
        }
        for i in range(n)
    ]
    batch = fake.register("batch_bench", list(zip(ids, bodies, strict=True)), model="gpt-5-mini")
    fake.advance(batch)  # finished: the results file exists
    with run.lock():
        run.manifest.batches.append(
            BatchRecord(
                phase=BatchPhase.submitted,
                provider="openai",
                model="gpt-5-mini",
                endpoint="/v1/chat/completions",
                custom_ids=ids,
                request_count=n,
                bytes=0,
                batch_id="batch_bench",
                submitted_at=now(),
            )
        )
        run.save()
    content = fake.files[batch.extra["output_file_id"]]
    return run, emulator, content


def _layton(n: int, traced: bool) -> dict[str, float]:
    from layton_eval.family import fetch_family
    from layton_eval.settings import get_settings

    with tempfile.TemporaryDirectory() as tmp:
        run, emulator, content = _setup(Path(tmp), n)
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        fetched = fetch_family(run, settings=get_settings())
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        emulator.__exit__(None, None, None)
        assert fetched.run is not None and fetched.run.ok == n, fetched.run
        return {"seconds": seconds, "peak_mb": peak / 1e6, "file_mb": len(content) / 1e6}


def _plain(n: int, traced: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        run, emulator, content = _setup(Path(tmp), n)
        emulator.__exit__(None, None, None)
        source, target = Path(tmp) / "results.jsonl", Path(tmp) / "copy.jsonl"
        source.write_bytes(content)
        del content, run, emulator
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
        with target.open("w") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        return {"seconds": seconds, "peak_mb": peak / 1e6, "file_mb": source.stat().st_size / 1e6}


def _child(kind: str, n: int, traced: bool) -> dict[str, float]:
    from _env import with_bytecode  # beside this script

    # else the modules a fetch imports would be compiled in the timed part
    env = with_bytecode(Path(tempfile.gettempdir()) / "layton-bench-pycache")
    out = subprocess.run(
        [sys.executable, __file__, str(n), "--child", kind, *(["--traced"] if traced else [])],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["layton", "plain"])
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        measure = _layton if args.child == "layton" else _plain
        print(json.dumps(measure(args.n, args.traced)))
        return
    times = {kind: [_child(kind, args.n, False) for _ in range(args.repeat)] for kind in
             ("plain", "layton")}  # fmt: skip
    peaks = {kind: _child(kind, args.n, True) for kind in ("plain", "layton")}
    plain = statistics.median(r["seconds"] for r in times["plain"])
    layton = statistics.median(r["seconds"] for r in times["layton"])
    file_mb = peaks["layton"]["file_mb"]
    print(f"results file: {args.n:,} lines, {file_mb:.1f} MB")
    for label, kind, seconds in (
        ("plain JSON load+dump+write", "plain", plain),
        ("layton fetch (family)     ", "layton", layton),
    ):
        print(f"{label}: median {seconds:.2f} s, peak traced {peaks[kind]['peak_mb']:.0f} MB")
    print(f"ratio fetch / plain: {layton / plain:.2f}x (target <= 1.5x); "
          f"peak {peaks['layton']['peak_mb']:.0f} MB vs target <= {2 * file_mb + 100:.0f} MB "
          f"(2x the file + 100 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
