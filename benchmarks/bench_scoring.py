"""Time the vectorised scorer against a straightforward per-iteration ppi_py loop.

(a) ``layton leaderboard --split llm`` at 10,000 iterations on the real calibration set, as a
    whole process (start-up, loading, 9 models x 10,000 iterations, rendering): wall time over a
    few runs and peak memory (max RSS of the child processes).
(a') the same leaderboard computed in-process (data already loaded): the scoring work alone.
(b) the straightforward way: for each iteration, filter the calibration pool per jury-value bin,
    sample it with replacement, and call ``ppi_py.ppi_mean_pointestimate``; timed over a few
    hundred iterations of one model and extrapolated to 9 models x 10,000 iterations.
(c) if pandas is installed, the reference scripts' way (a dataframe filter and sample per bin and
    iteration, then ppi_py), timed over fewer iterations and extrapolated the same way.

Usage: .venv/bin/python benchmarks/bench_scoring.py [DATA_DIR] [--loop-iterations N] [--runs N]
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ITERATIONS = 10_000
MODELS = 9


def _layton_command() -> list[str]:
    script = Path(sys.executable).with_name("layton")
    if script.is_file():
        return [str(script)]
    found = shutil.which("layton")
    if found:
        return [found]
    return [sys.executable, "-c", "from layton_eval.cli import app; app()"]


def time_whole_leaderboard(data: Path, runs: int) -> tuple[list[float], float]:
    command = [*_layton_command(), "leaderboard", "--split", "llm", "--iterations",
               str(ITERATIONS), "--data-dir", str(data), "--json"]  # fmt: skip
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL, env=os.environ)
        walls.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return walls, peak_mb


def time_in_process(data: Path, runs: int) -> float:
    """Median seconds of build_leaderboard alone (llm, 10,000 iterations), data loaded."""
    from layton_eval.choices import Split
    from layton_eval.score.calibration import read_calibration_file
    from layton_eval.score.leaderboard import build_leaderboard
    from layton_eval.score.score import ScoreOptions

    calibration = read_calibration_file(data / "ppi_llm.jsonl", "llm")
    options = ScoreOptions(iterations=ITERATIONS, seed=0)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build_leaderboard(Split.llm, options=options, calibration=calibration)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _ppi_py():
    with warnings.catch_warnings():  # ppi_py silences all warnings on import
        return importlib.import_module("ppi_py")


def _one_model(data: Path):
    from layton_eval.score.calibration import read_calibration_file

    calibration = read_calibration_file(data / "ppi_llm.jsonl", "llm")
    provider, model = calibration.model_keys()[-1]
    yhat_u = calibration.model_rows(provider, model, "both_correct").yhat
    return yhat_u, calibration.pool("both_correct", exclude_provider=provider)


def time_per_iteration_loop(data: Path, iterations: int) -> float:
    """Seconds per iteration of the straightforward loop, for the llm split's last model."""
    import numpy as np

    ppi_py = _ppi_py()
    yhat_u, pool = _one_model(data)
    rng = np.random.default_rng(0)
    values, counts = np.unique(yhat_u, return_counts=True)
    ppi_py.ppi_mean_pointestimate(pool.y[:5], pool.yhat[:5], yhat_u)  # warm-up
    start = time.perf_counter()
    for _ in range(iterations):
        ys, yhats = [], []
        for value, count in zip(values, counts, strict=True):
            members = np.flatnonzero(pool.yhat == value)
            picked = rng.choice(members, size=count, replace=True)
            ys.append(pool.y[picked])
            yhats.append(pool.yhat[picked])
        ppi_py.ppi_mean_pointestimate(np.concatenate(ys), np.concatenate(yhats), yhat_u)
    return (time.perf_counter() - start) / iterations


def time_dataframe_loop(data: Path, iterations: int) -> float | None:
    """Seconds per iteration of the reference scripts' dataframe loop (None without pandas)."""
    try:
        import pandas as pd
    except ImportError:
        return None
    import numpy as np

    ppi_py = _ppi_py()
    yhat_u, pool = _one_model(data)
    frame = pd.DataFrame({"y": pool.y, "yhat": pool.yhat})
    distribution = pd.Series(yhat_u).value_counts()
    start = time.perf_counter()
    for _ in range(iterations):
        parts = [
            frame[frame["yhat"] == value].sample(int(count), replace=True)
            for value, count in distribution.items()
        ]
        sample = pd.concat(parts)
        ppi_py.ppi_mean_pointestimate(
            sample["y"].to_numpy(float), sample["yhat"].to_numpy(float), np.asarray(yhat_u)
        )
    return (time.perf_counter() - start) / iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path,
                        default=REPO.parent / "shared" / "layton-data")  # fmt: skip
    parser.add_argument("--loop-iterations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (args.data_dir / "ppi_llm.jsonl").is_file():
        sys.exit(f"no ppi_llm.jsonl in {args.data_dir}")

    walls, peak_mb = time_whole_leaderboard(args.data_dir, args.runs)
    wall = statistics.median(walls)
    print(
        f"(a) layton leaderboard --split llm, {MODELS} models x {ITERATIONS:,} iterations, whole "
        f"process: wall median {wall:.2f} s (min {min(walls):.2f}, max {max(walls):.2f}, "
        f"{args.runs} runs); peak RSS {peak_mb:.0f} MB"
    )
    compute = time_in_process(args.data_dir, args.runs)
    print(f"(a') the same {MODELS} x {ITERATIONS:,} in-process, data loaded: {compute:.3f} s")
    per_iteration = time_per_iteration_loop(args.data_dir, args.loop_iterations)
    loop_total = per_iteration * MODELS * ITERATIONS
    print(
        f"(b) per-iteration numpy + ppi_py loop: {per_iteration * 1e3:.3f} ms/iteration over "
        f"{args.loop_iterations} iterations -> {loop_total:.1f} s extrapolated to {MODELS} "
        f"models x {ITERATIONS:,} iterations (compute only, no start-up)"
    )
    print(
        f"    ratio (b)/(a) whole process: {loop_total / wall:.0f}x; "
        f"(b)/(a') compute only: {loop_total / compute:.0f}x (target >= 100x)"
    )
    frame_iterations = max(20, args.loop_iterations // 6)
    per_frame = time_dataframe_loop(args.data_dir, frame_iterations)
    if per_frame is not None:
        frame_total = per_frame * MODELS * ITERATIONS
        print(
            f"(c) reference-style dataframe loop (pandas): {per_frame * 1e3:.2f} ms/iteration "
            f"over {frame_iterations} iterations -> {frame_total:.0f} s for the same work; "
            f"ratio (c)/(a) whole process: {frame_total / wall:.0f}x"
        )


if __name__ == "__main__":
    main()
