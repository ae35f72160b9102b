"""``layton report`` against ``layton leaderboard`` plus the report's own page, in one run.

Issue 24's target: a report costs at most 1.1x what the leaderboard it starts from costs plus
what building its own page costs; the comparison matrix (every pair of the page's models) is
what must become nearly free. Per split (published models, no run), each measurement a fresh
process started from this small one, with compiled modules, alternating, medians of
whole-process CPU (user + system):

- ``leaderboard``: ``layton leaderboard --split S``;
- ``page``: ``layton report --split S`` with the comparison matrix left out (the page's own
  work beyond the leaderboard: its riddles' categories, the HTML, the modules they import);
- ``report``: the same command as a user runs it, matrix included;
- ``matrix``: the matrix alone, timed inside a process that built everything else.

The ratio printed is ``report / page``, that is report / (leaderboard + the page's own work).

Usage: .venv/bin/python benchmarks/bench_report.py [--runs R] [--data DIR] [--split S ...]
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYTON = "from layton_eval.cli import main; main()"
#: The report command with its comparison matrix left out (numpy's BLAS threads set as
#: layton's entry point sets them, before the report's modules import numpy).
PAGE = (
    "from layton_eval.cli import one_blas_thread; one_blas_thread(); "
    "import layton_eval.report.build as b; b._comparison = lambda *a: None; " + LAYTON
)


def _cpu_of(command: list[str], env: dict[str, str]) -> float:
    """Whole-process CPU seconds of one child run."""
    from _env import timed_run  # beside this script

    return timed_run(command, env=env, check=True)[1]


def _matrix(split: str) -> None:
    """Print the CPU seconds of the comparison matrix alone, as `layton report` runs it."""
    from layton_eval.cli import one_blas_thread

    one_blas_thread()  # as layton's entry point does, before numpy is imported
    from layton_eval.choices import Split
    from layton_eval.report.build import _comparison, build_report
    from layton_eval.score.calibration import load_calibration
    from layton_eval.score.score import ScoreOptions

    options = ScoreOptions(data_dir=Path(os.environ["LAYTON_DATA_DIR"]))
    data = build_report(Split(split), [], options=options)
    calibration = load_calibration(Split(split), data_dir=options.data_dir)
    start = time.process_time()
    _comparison(data.leaderboard, calibration, [], options)
    print(json.dumps({"matrix": time.process_time() - start}))


def report_table(splits: list[str], runs: int, data: str) -> None:
    """Print one line per split: leaderboard, page, report and matrix CPU, and the ratio."""
    from _env import with_bytecode  # beside this script

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = with_bytecode(root / "pycache") | {
            "LAYTON_DATA_DIR": data, "LAYTON_RUNS_DIR": str(root / "runs"),
            "PYTHONPATH": str(REPO), "COLUMNS": "80",
        }  # fmt: skip
        print(f"{runs} runs each, medians of whole-process CPU seconds")
        print(f"{'split':6} {'leaderboard':>11} {'page':>6} {'report':>7} {'matrix':>7} "
              f"{'report / page':>14}")  # fmt: skip
        for split in splits:
            out = ["--out", str(root / f"{split}.html"), "--force"]
            commands = {
                "leaderboard": [sys.executable, "-c", LAYTON, "leaderboard", "--split", split],
                "page": [sys.executable, "-c", PAGE, "report", "--split", split, *out],
                "report": [sys.executable, "-c", LAYTON, "report", "--split", split, *out],
            }
            matrix = [sys.executable, __file__, "--matrix", split]
            cpu: dict[str, list[float]] = {name: [] for name in [*commands, "matrix"]}
            for command in commands.values():  # compile the modules once, untimed
                _cpu_of(command, env)
            for _ in range(runs):
                for name, command in commands.items():
                    cpu[name].append(_cpu_of(command, env))
                done = subprocess.run(matrix, env=env, check=True, capture_output=True, text=True)
                cpu["matrix"].append(json.loads(done.stdout.strip().splitlines()[-1])["matrix"])
            m = {name: statistics.median(values) for name, values in cpu.items()}
            print(f"{split:6} {m['leaderboard']:10.2f}s {m['page']:5.2f}s {m['report']:6.2f}s "
                  f"{m['matrix']:6.3f}s {m['report'] / m['page']:13.2f}x")  # fmt: skip
    print("target: report / page = report / (leaderboard + its own page) <= 1.10x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "layton-data"))
    parser.add_argument("--split", nargs="*", default=["llm", "vlm"])
    parser.add_argument("--matrix", help=argparse.SUPPRESS)  # internal: time the matrix alone
    args = parser.parse_args()
    if args.matrix:
        sys.path.insert(0, str(REPO))
        _matrix(args.matrix)
        return
    report_table(args.split, args.runs, args.data)


if __name__ == "__main__":
    main()
