"""Time `layton prepare` on the real vlm split (317 riddles with pictures) as a whole process.

Usage: .venv/bin/python benchmarks/bench_prepare.py [DATA_DIR]
Prints wall time and peak memory (max RSS of the child process) over a few runs.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "layton-data"
LAYTON = Path(sys.executable).with_name("layton")


def main() -> None:
    if not (DATA / "layton_eval_vlm.jsonl").is_file():
        sys.exit(f"no data at {DATA}")
    walls = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as runs:
            env = os.environ | {"LAYTON_RUNS_DIR": runs}
            start = time.perf_counter()
            subprocess.run(
                [
                    str(LAYTON),
                    "prepare",
                    "--split",
                    "vlm",
                    "--hints",
                    "2",
                    "--data-dir",
                    str(DATA),
                    "--provider",
                    "openai",
                    "--model",
                    "gpt-5.1",
                    "--json",
                ],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            walls.append(time.perf_counter() - start)
            size = sum(p.stat().st_size for p in Path(runs).rglob("*") if p.is_file())
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        "prepare vlm (317 riddles, pictures, hints 2): "
        f"wall median {statistics.median(walls):.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}); peak RSS {peak_mb:.0f} MB; "
        f"run folder {size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
