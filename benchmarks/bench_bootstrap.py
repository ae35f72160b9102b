"""Bootstrap time and peak memory at 186, 1,860 and 18,600 riddles: count draws vs index draws.

One model of the real llm calibration set (its 186 jury values, replicated x1, x10, x100), its
calibration pool, 10,000 iterations. For each size, in the same run:

- *index*: the draw ``layton`` used up to commit f9fc651: for every bin, a (iterations x riddles)
  matrix of 16-bit row positions, then a gather and count of the labels;
- *counts*: today's draws: one binomial per bin and iteration
  (``stats.bootstrap.stratified_ppi_bootstrap``, the published interval; and
  ``stats.bootstrap.calibrated_bootstrap``, the labels interval), plus one multinomial per
  iteration over the bins (``--ci full``).

Time is the median of a few calls; peak memory is the highest traced allocation during one call
(``tracemalloc``, which sees numpy's buffers).

Then the compute (data loaded) of ``layton compare`` for two subjects and ``layton leaderboard``
on the llm split, 10,000 iterations, under both intervals.

Usage: .venv/bin/python benchmarks/bench_bootstrap.py [DATA_DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
import tracemalloc
import typing as t
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ITERATIONS = 10_000
SIZES = (1, 10, 100)


def index_draw(y: np.ndarray, yhat: np.ndarray, yhat_u: np.ndarray, rng: np.random.Generator):
    """The per-riddle index draw of commit f9fc651 (label sums by gather), same estimator."""
    from layton_eval.stats import ppi

    target, pool = ppi.bin_keys(yhat_u), ppi.bin_keys(yhat)
    values, counts = np.unique(target, return_counts=True)
    sums = np.empty((ITERATIONS, values.size))
    for b, value in enumerate(values):
        labels = y[pool == value].astype(bool)
        dtype = np.int16 if labels.size <= np.iinfo(np.int16).max else np.int64
        positions = rng.integers(0, labels.size, size=(ITERATIONS, int(counts[b])), dtype=dtype)
        sums[:, b] = np.count_nonzero(labels.take(positions), axis=1)
    return sums.sum(axis=1) / counts.sum()


def measure(call: t.Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median seconds, peak MB of one call)."""
    call()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path,
                        default=REPO.parent / "shared" / "layton-data")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not (args.data_dir / "ppi_llm.jsonl").is_file():
        sys.exit(f"no ppi_llm.jsonl in {args.data_dir}")

    from layton_eval.score.calibration import read_calibration_file
    from layton_eval.stats import bootstrap

    calibration = read_calibration_file(args.data_dir / "ppi_llm.jsonl", "llm")
    provider, model = calibration.model_keys()[0]
    yhat_u = calibration.model_rows(provider, model, "both_correct").yhat
    pool = calibration.pool("both_correct", exclude_provider=provider)
    print(f"{provider}/{model}, llm both_correct, {ITERATIONS:,} iterations\n")
    print(f"{'riddles':>8} | {'draw':<22} | {'time':>10} | {'peak memory':>11} | vs index")
    for factor in SIZES:
        values = np.tile(yhat_u, factor)

        def run(resample: bool | None, values: np.ndarray = values) -> object:
            rng = np.random.default_rng(0)
            if resample is None:
                return bootstrap.stratified_ppi_bootstrap(
                    pool.y, pool.yhat, values, iterations=ITERATIONS, rng=rng
                )
            return bootstrap.calibrated_bootstrap(
                pool.y, pool.yhat, values, iterations=ITERATIONS, rng=rng,
                resample_riddles=resample,
            )  # fmt: skip

        old_time, old_peak = measure(
            lambda values=values: index_draw(pool.y, pool.yhat, values, np.random.default_rng(0)),
            args.repeat,
        )
        rows = [("index (f9fc651)", old_time, old_peak)]
        draws = (("counts: published", None), ("counts: labels", False), ("counts: full", True))
        for label, resample in draws:
            rows.append((label, *measure(lambda resample=resample: run(resample), args.repeat)))
        for label, seconds, peak in rows:
            ratio = "" if label.startswith("index") else f"{old_time / seconds:6.0f}x faster"
            print(f"{values.size:>8,} | {label:<22} | {seconds * 1e3:7.2f} ms | {peak:8.2f} MB | "
                  f"{ratio}")  # fmt: skip
    bench_compare_and_leaderboard(args.data_dir, args.repeat)


def bench_compare_and_leaderboard(data_dir: Path, repeat: int) -> None:
    """Compute time of compare (two subjects, then all nine) and of the leaderboard, llm."""
    from layton_eval.choices import CiMethod, Split
    from layton_eval.score.calibration import read_calibration_file
    from layton_eval.score.compare import compare_subjects
    from layton_eval.score.leaderboard import build_leaderboard
    from layton_eval.score.score import ScoreOptions
    from layton_eval.score.subjects import Subject

    calibration = read_calibration_file(data_dir / "ppi_llm.jsonl", "llm")
    subjects = []
    for provider, model in calibration.model_keys():
        rows = calibration.model_rows(provider, model, "both_correct")
        subjects.append(Subject(model, "model", provider, rows.riddle_ids, rows.yhat))
    print(f"\nllm split, {ITERATIONS:,} iterations, data loaded (compute only)")
    for ci in CiMethod:
        options = ScoreOptions(iterations=ITERATIONS, ci=ci)
        common = {"calibration": calibration, "options": options}
        jobs: dict[str, t.Callable[[], object]] = {
            f"leaderboard, {len(subjects)} models": functools.partial(
                build_leaderboard, Split.llm, **common
            ),
        }
        if ci is not CiMethod.published:  # compare does not offer the published draw
            for count in (2, len(subjects)):
                jobs[f"compare, {count} subjects"] = functools.partial(
                    compare_subjects, subjects[:count], categories={}, **common
                )
        for label, job in jobs.items():
            seconds, peak = measure(job, repeat)
            print(f"  --ci {ci.value:<11} {label:<24} {seconds * 1e3:8.1f} ms  {peak:6.1f} MB")


if __name__ == "__main__":
    main()
