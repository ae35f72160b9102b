"""Fetch of a large batch vs a plain JSON round trip of the same results file, in one run.

For each size (default 5,000, 20,000 and 50,000 lines) builds a run whose single OpenAI batch has
finished on the in-process emulator, with answers of realistic length, then measures ``layton
fetch`` (the family fetch: download, decode, merge into ``outputs.jsonl``, predictions, results
file) against the plain Python baseline: read the same results file, ``json.loads`` every line,
``json.dumps`` it back and write it out. The time ratio is the fair one: (fetch - 1-riddle
fetch) / (round trip - 1-line round trip), what each adds per line.

The emulator's results file is made once per size by a child of its own and kept on disk; each
measurement then runs in a fresh process started from this small one, where the emulator knows
the finished batch without building its answers and streams the file from disk, so that what is
measured is the fetch: its time (median of ``--repeat``) and the process's own peak resident
memory (``VmHWM``: interpreter and imports included), then the peak of traced Python memory
(tracemalloc) in another process.

Usage: .venv/bin/python benchmarks/bench_fetch.py [N ...] [--repeat R]
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


def _ids(n: int) -> list[str]:
    return [f"r{i:06d}" for i in range(n)]


def _make(n: int, path: Path) -> dict[str, float]:
    """Write the emulator's results file of a finished batch of ``n`` requests to ``path``."""
    from tests.fakes import emulate

    with emulate("openai", polls_until_done=1, responder=_answer) as fake:
        # riddles of varied lengths too, so that token counts (and prices) differ
        prompts = ["riddle " * (40 + i % 97) for i in range(n)]
        bodies = [{"messages": [{"role": "user", "content": text}]} for text in prompts]
        batch = fake.register("batch_bench", list(zip(_ids(n), bodies, strict=True)))
        fake.advance(batch)
        path.write_bytes(fake.files[batch.extra["output_file_id"]])
    return {"file_mb": path.stat().st_size / 1e6}


async def _chunks(path: Path):  # noqa: ANN202
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def _streamed_content(self, request, file_id: str):  # noqa: ANN001, ANN202
    """The emulator's file download, streamed from the file on disk."""
    import httpx

    if (denied := self.gate(request)) is not None:
        return denied
    path = self.files[file_id]
    size = str(path.stat().st_size)
    return httpx.Response(200, content=_chunks(path), headers={"content-length": size})


def _setup(root: Path, n: int, results: Path):  # noqa: ANN202 (returns an emulator of the tests)
    """A run of ``n`` requests with one finished batch on the emulator, whose results are the
    file ``results`` (streamed from disk; the emulator keeps no answer of its own)."""
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
    from tests.fakes.base import Outcome
    from tests.fakes.openai_like import OpenAIEmulator

    OpenAIEmulator.content = _streamed_content  # type: ignore[method-assign]
    os.environ["OPENAI_API_KEY"] = TEST_KEY
    os.environ["LAYTON_RUNS_DIR"] = str(root / "runs")
    ids = _ids(n)
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
    emulator = emulate("openai", polls_until_done=1)
    fake = emulator.__enter__()
    batch = fake.register("batch_bench", [(cid, {}) for cid in ids], model="gpt-5-mini")
    batch.final = "completed"  # finished, its answers in the file
    batch.outcomes = {cid: Outcome("ok") for cid in ids}
    batch.extra["output_file_id"] = "file-bench"
    fake.files["file-bench"] = results  # type: ignore[assignment]
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
    return run, emulator


def _hwm_mb() -> float:
    """This process's own peak resident memory (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def _layton(n: int, results: Path, traced: bool) -> dict[str, float]:
    from layton_eval.family import fetch_family
    from layton_eval.settings import get_settings

    with tempfile.TemporaryDirectory() as tmp:
        run, emulator = _setup(Path(tmp), n, results)
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        fetched = fetch_family(run, settings=get_settings())
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        emulator.__exit__(None, None, None)
        assert fetched.run is not None and fetched.run.ok == n, fetched.run
        return {"seconds": seconds, "peak_mb": peak / 1e6, "hwm_mb": _hwm_mb()}


def _plain(n: int, results: Path, traced: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "copy.jsonl"
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
        with target.open("w") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        return {"seconds": seconds, "peak_mb": peak / 1e6, "hwm_mb": _hwm_mb()}


def _child(kind: str, n: int, results: Path, traced: bool = False) -> dict[str, float]:
    from _env import with_bytecode  # beside this script

    # else the modules a fetch imports would be compiled in the timed part
    env = with_bytecode(Path(tempfile.gettempdir()) / "layton-bench-pycache")
    command = [sys.executable, __file__, str(n), "--child", kind, "--results", str(results)]
    out = subprocess.run(
        [*command, *(["--traced"] if traced else [])],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure(n: int, results: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Median time and VmHWM of ``repeat`` children of each kind."""
    found = {}
    for kind in ("plain", "layton"):
        runs = [_child(kind, n, results) for _ in range(repeat)]
        found[kind] = {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "hwm_mb": max(r["hwm_mb"] for r in runs),
        }
    return found


def fetch_rows(sizes: list[int], repeat: int) -> tuple[dict[str, float], list[dict[str, float]]]:
    """The 1-riddle fetch, then one row per size: the file's size, the median times, the time
    ratio (the fair one), each kind's peak (VmHWM) and the fetch's traced peak."""
    with tempfile.TemporaryDirectory() as tmp:
        files = {n: Path(tmp) / f"results-{n}.jsonl" for n in [1, *sizes]}
        file_mb = {n: _child("make", n, path)["file_mb"] for n, path in files.items()}
        _child("layton", 1, files[1])  # compiles the modules once, outside any measurement
        one = _measure(1, files[1], repeat)
        rows = []
        for n in sizes:
            got = _measure(n, files[n], repeat)
            fetch = got["layton"]["seconds"] - one["layton"]["seconds"]
            plain = got["plain"]["seconds"] - one["plain"]["seconds"]
            rows.append({
                "lines": n, "file_mb": file_mb[n], "plain_s": got["plain"]["seconds"],
                "fetch_s": got["layton"]["seconds"], "ratio": fetch / plain,
                "plain_hwm_mb": got["plain"]["hwm_mb"], "fetch_hwm_mb": got["layton"]["hwm_mb"],
                "traced_mb": _child("layton", n, files[n], traced=True)["peak_mb"],
            })  # fmt: skip
    flat = {f"{kind}_{key}": value for kind, found in one.items() for key, value in found.items()}
    return flat, rows


def print_fetch(one: dict[str, float], rows: list[dict[str, float]]) -> None:
    """The table of :func:`fetch_rows`, with how the ratio is measured and the targets."""
    print("lines    file MB  plain s  fetch s  ratio  fetch VmHWM  traced peak  target")
    for row in rows:
        print(
            f"{row['lines']:>7,}  {row['file_mb']:7.1f}  {row['plain_s']:7.2f}  "
            f"{row['fetch_s']:7.2f}  {row['ratio']:5.2f}x  {row['fetch_hwm_mb']:8.0f} MB  "
            f"{row['traced_mb']:8.0f} MB  {100 + row['file_mb']:4.0f} MB"
        )
    print(
        "ratio: (fetch - 1-riddle fetch) / (round trip - 1-line round trip), target <= 1.5x; "
        f"1 riddle: fetch {one['layton_seconds']:.2f} s (VmHWM {one['layton_hwm_mb']:.0f} MB), "
        f"round trip {one['plain_seconds']:.3f} s; "
        "memory target: fetch VmHWM <= 100 MB + 1x the results file"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="*", default=[5_000, 20_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["layton", "plain", "make"])
    parser.add_argument("--results", type=Path)
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        n, results = args.sizes[0], args.results
        if args.child == "make":
            print(json.dumps(_make(n, results)))
        else:
            measure = _layton if args.child == "layton" else _plain
            print(json.dumps(measure(n, results, args.traced)))
        return
    print_fetch(*fetch_rows(args.sizes, args.repeat))


if __name__ == "__main__":
    main()
