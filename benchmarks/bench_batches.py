"""Time send + fetch of the real vlm split (317 requests with pictures) through the emulator.

Usage: .venv/bin/python benchmarks/bench_batches.py [DATA_DIR]
Runs in-process (the emulator is an httpx mock), so the figures cover layton + batchling +
provider rendering/parsing, not the network. Prints wall time, peak memory (tracemalloc and
max RSS) and bytes uploaded vs the sum of the native request sizes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "layton-data"


def main() -> None:
    from layton_eval.batches.fetch import fetch_run
    from layton_eval.batches.plan import plan_send
    from layton_eval.batches.send import send_run
    from layton_eval.choices import Split
    from layton_eval.prepare import PrepareOptions, prepare_run
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import Settings
    from tests.fakes import TEST_KEY, emulate

    with tempfile.TemporaryDirectory() as runs:
        os.environ["OPENAI_API_KEY"] = TEST_KEY
        settings = Settings(LAYTON_RUNS_DIR=runs)
        options = PrepareOptions(
            split=Split.vlm, hints=2, provider="openai", model="gpt-5.1", data_dir=DATA,
            name="bench",
        )  # fmt: skip
        prepare_run(options, settings=settings)
        run = RunStore(Path(runs)).load("bench")
        plan, _ = plan_send(run, provider="openai", model="gpt-5.1")
        with emulate("openai", polls_until_done=1) as fake:
            tracemalloc.start()
            start = time.perf_counter()
            send_run(run, settings=settings)
            sent = time.perf_counter()
            result = fetch_run(run, settings=settings).result
            done = time.perf_counter()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert result.ok == 317, result
        rows = len((Path(runs) / "bench" / "outputs.jsonl").read_text().splitlines())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "requests": plan.requests,
                "send_s": round(sent - start, 3),
                "fetch_s": round(done - sent, 3),
                "total_s": round(done - start, 3),
                "peak_traced_mb": round(peak / 1e6, 1),
                "max_rss_mb": round(rss, 1),
                "uploaded_bytes": fake.uploaded_bytes,
                "sum_request_bytes": plan.bytes,
                "upload_over_requests": round(fake.uploaded_bytes / plan.bytes, 4),
                "output_rows": rows,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
