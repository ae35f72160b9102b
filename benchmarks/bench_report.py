"""``layton report`` against ``layton leaderboard`` plus the report's own rendering, in one run.

Issue 24's target: a report costs at most 1.1x what the leaderboard it starts from costs plus
what rendering its page costs. Measured per split (published models, no run), each a fresh
process started from this small one, with compiled modules, alternating, medians:

- ``leaderboard``: whole-process CPU (user + system) of ``layton leaderboard --split S``;
- ``report``: the same of ``layton report --split S --out F --force``;
- ``rendering``: CPU of what the page alone costs, in a child that builds the report's data
  first (untimed) and then times importing the page module, ``render_page`` and writing the
  file;
- ``matrix``: CPU of the comparison matrix alone (every pair of the page's models), the part
  that used to be one paired bootstrap per pair.

Usage: .venv/bin/python benchmarks/bench_report.py [--runs R] [--data DIR] [--split S ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYTON = "from layton_eval.cli import main; main()"


def _cpu_of(command: list[str], env: dict[str, str]) -> float:
    """Whole-process CPU seconds of one child run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _child(split: str, out: Path) -> None:
    """Build the page's data untimed, then print the CPU of rendering it and of its matrix."""
    sys.path.insert(0, str(REPO))
    from layton_eval.choices import Split
    from layton_eval.report.build import build_report
    from layton_eval.score.score import ScoreOptions

    data = build_report(Split(split), [], options=ScoreOptions(data_dir=Path(os.environ["DATA"])))
    start = time.process_time()
    from layton_eval.report.html import render_page
    from layton_eval.runs.atomic import atomic_write_bytes

    atomic_write_bytes(out, render_page(data).encode("utf-8"))
    rendering = time.process_time() - start
    from layton_eval.report.build import _comparison
    from layton_eval.score.calibration import load_calibration

    options = ScoreOptions(data_dir=Path(os.environ["DATA"]))
    calibration = load_calibration(Split(split), data_dir=options.data_dir)
    start = time.process_time()
    _comparison(data.leaderboard, calibration, [], options)
    print(json.dumps({"rendering": rendering, "matrix": time.process_time() - start}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "layton-data"))
    parser.add_argument("--split", nargs="*", default=["llm", "vlm"])
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: time the rendering
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.out)
        return
    from _env import with_bytecode  # beside this script

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = with_bytecode(root / "pycache") | {
            "LAYTON_DATA_DIR": args.data, "LAYTON_RUNS_DIR": str(root / "runs"), "DATA": args.data,
            "PYTHONPATH": str(REPO), "COLUMNS": "80",
        }  # fmt: skip
        print(f"{args.runs} runs each, medians of whole-process CPU seconds")
        print(f"{'split':6} {'leaderboard':>11} {'rendering':>9} {'report':>7} {'matrix':>7} "
              f"{'report / (leaderboard + rendering)':>36}")  # fmt: skip
        for split in args.split:
            out = root / f"{split}.html"
            commands = {
                "leaderboard": [sys.executable, "-c", LAYTON, "leaderboard", "--split", split],
                "report": [sys.executable, "-c", LAYTON, "report", "--split", split,
                           "--out", str(out), "--force"],
            }  # fmt: skip
            child = [sys.executable, __file__, "--child", split, "--out", str(out)]
            cpu: dict[str, list[float]] = {k: [] for k in ("leaderboard", "report", "rendering",
                                                           "matrix")}  # fmt: skip
            for command in commands.values():  # compile the modules once, untimed
                _cpu_of(command, env)
            for _ in range(args.runs):
                for name, command in commands.items():
                    cpu[name].append(_cpu_of(command, env))
                done = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
                parts = json.loads(done.stdout.strip().splitlines()[-1])
                cpu["rendering"].append(parts["rendering"])
                cpu["matrix"].append(parts["matrix"])
            m = {k: statistics.median(v) for k, v in cpu.items()}
            ratio = m["report"] / (m["leaderboard"] + m["rendering"])
            print(f"{split:6} {m['leaderboard']:10.2f}s {m['rendering']:8.2f}s "
                  f"{m['report']:6.2f}s {m['matrix']:6.3f}s {ratio:35.2f}x")  # fmt: skip
    print("target: report / (leaderboard + rendering) <= 1.10x")


if __name__ == "__main__":
    main()
