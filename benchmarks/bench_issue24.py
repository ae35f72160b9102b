"""Issue 24's figures in one run: the fetch against a plain JSON round trip, and every command
against the release before the issue.

(a) Fetch at 5,000, 20,000 and 50,000 result lines (``bench_fetch.py``'s measurement: median
time of ``--repeat`` fresh children each, the time ratio (fetch - 1-riddle fetch) / (round
trip - 1-line round trip), each child's own peak resident memory, VmHWM), then a 500,000-line
fetch, extrapolated from the 20,000 -> 50,000 slope of time and of peak (a line, not a
measurement). (b) Every command's whole-process CPU time and peak memory, this checkout against
``--base`` (``bench_commands.py``'s table; default the issue's "before", commit 11a67a0, when
this checkout's history has it, else where this branch left ``main``). (c) The report against
the leaderboard plus the report's own page (``bench_report.py``: the report with its comparison
matrix left out), per split.

About 4 minutes on 2 cores with the defaults (fetch ~1.5, commands ~1, report ~1);
``--measure-big`` also measures the 500,000-line fetch (about 2 more minutes, 3.5 GB of memory
and 2 GB of disk while the file is built).

Usage: .venv/bin/python benchmarks/bench_issue24.py [--base REV] [--repeat R] [--runs N]
       [--data DIR] [--skip-fetch] [--skip-commands] [--skip-report] [--measure-big]
"""

from __future__ import annotations

import argparse
import subprocess

from bench_commands import REPO, _base_commit, command_table
from bench_fetch import _child, _measure, fetch_rows, print_fetch
from bench_report import report_table

#: The commit the issue measured against ("before"), when this checkout's history has it.
ISSUE_BASE = "11a67a0"
#: The batch size whose cost is extrapolated.
BIG = 500_000


def _default_base() -> tuple[str, str]:
    """The base commit and why it was chosen."""
    found = subprocess.run(
        ["git", "-C", str(REPO), "merge-base", "--is-ancestor", ISSUE_BASE, "HEAD"],
        capture_output=True,
        check=False,
    )
    if found.returncode == 0:
        return _base_commit(ISSUE_BASE), f"the issue's 'before' ({ISSUE_BASE})"
    return _base_commit(None), f"{ISSUE_BASE} is not in this history: where this branch left main"


def extrapolated(rows: list[dict[str, float]], lines: int = BIG) -> dict[str, float]:
    """Time and peak of a fetch of ``lines`` lines, on the line through the two largest sizes
    measured (each value plus its slope per line times the lines beyond the largest)."""
    small, large = sorted(rows, key=lambda row: row["lines"])[-2:]
    more = lines - large["lines"]
    step = large["lines"] - small["lines"]
    return {
        key: large[key] + (large[key] - small[key]) / step * more
        for key in ("fetch_s", "fetch_hwm_mb", "file_mb")
    }


def measured_big(lines: int = BIG) -> dict[str, float]:
    """One fetch of ``lines`` lines and one plain round trip, measured (several minutes and
    about 3.5 GB of memory to build the file, and as much disk as the file again)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"results-{lines}.jsonl"
        file_mb = _child("make", lines, path)["file_mb"]
        got = _measure(lines, path, 1)
    return {"file_mb": file_mb, "fetch_s": got["layton"]["seconds"],
            "fetch_hwm_mb": got["layton"]["hwm_mb"], "plain_s": got["plain"]["seconds"],
            "plain_hwm_mb": got["plain"]["hwm_mb"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", help=f"commit to compare commands with (default {ISSUE_BASE})")
    parser.add_argument("--repeat", type=int, default=3, help="fetch children per size and kind")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command and side")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "layton-data"))
    parser.add_argument("--skip-fetch", action="store_true")
    parser.add_argument("--skip-commands", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    big_help = f"also measure a {BIG:,}-line fetch (a few minutes, ~3.5 GB)"
    parser.add_argument("--measure-big", action="store_true", help=big_help)
    args = parser.parse_args()
    if not args.skip_fetch:
        print("(a) fetch vs a plain JSON round trip of the same results file")
        one, rows = fetch_rows([5_000, 20_000, 50_000], args.repeat)
        print_fetch(one, rows)
        big = extrapolated(rows)
        print(
            f"extrapolation, not a measurement: a {BIG:,}-line fetch (~{big['file_mb']:.0f} MB "
            f"of results) on the 20,000 -> 50,000 line: ~{big['fetch_s']:.0f} s, peak (VmHWM) "
            f"~{big['fetch_hwm_mb']:.0f} MB (a lower bound for the time: the system time of "
            "writing grows faster; --measure-big measures it)"
        )
        if args.measure_big:
            big = measured_big()
            print(
                f"measured: a {BIG:,}-line fetch ({big['file_mb']:.0f} MB of results): "
                f"{big['fetch_s']:.1f} s, peak (VmHWM) {big['fetch_hwm_mb']:.0f} MB (target "
                f"{100 + big['file_mb']:.0f} MB); the plain round trip {big['plain_s']:.1f} s, "
                f"{big['plain_hwm_mb']:.0f} MB"
            )
    if not args.skip_commands:
        base, why = (_base_commit(args.base), "--base") if args.base else _default_base()
        print(f"\n(b) every command, whole process: before = {why}")
        command_table(base, args.runs, args.data)
    if not args.skip_report:
        print("\n(c) the report against the leaderboard plus its own page (bench_report.py)")
        report_table(["llm", "vlm"], args.runs, args.data)


if __name__ == "__main__":
    main()
