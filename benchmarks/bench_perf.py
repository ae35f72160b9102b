"""The figures of issue 15 in one run: fetch of a large batch against a plain JSON round trip of
the same results file (time ratio, traced peak memory), the bootstrap's time and peak memory at
186, 1,860 and 18,600 riddles (index draw against count draws), then start-up (``--help`` and
TAB completion against a minimal Typer app with the same commands, whole-process
``leaderboard --split llm``).

Usage: .venv/bin/python benchmarks/bench_perf.py [--lines N] [--repeat R] [--runs N]
       [--src DIR]   (start-up of another checkout's layton_eval, e.g. the main branch's)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50_000, help="result lines of the batch")
    parser.add_argument("--repeat", type=int, default=3, help="timed fetches of each kind")
    parser.add_argument("--runs", type=int, default=15, help="processes per start-up figure")
    parser.add_argument("--src", help="checkout whose start-up is timed (default: this one)")
    args = parser.parse_args()
    print("== fetch: layton vs a plain JSON load+dump+write of the same file", flush=True)
    subprocess.run(
        [sys.executable, str(HERE / "bench_fetch.py"), str(args.lines), "--repeat",
         str(args.repeat)], check=True,
    )  # fmt: skip
    print("== bootstrap: index draw vs count draws", flush=True)
    subprocess.run([sys.executable, str(HERE / "bench_bootstrap.py")], check=True)
    print("== start-up", flush=True)
    src = ["--src", args.src] if args.src else []
    subprocess.run(
        [sys.executable, str(HERE / "bench_startup.py"), "--runs", str(args.runs), *src],
        check=True,
    )


if __name__ == "__main__":
    main()
