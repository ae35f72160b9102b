"""draws.py and bootstrap.py: count draws match the index draws in distribution; full interval."""

from __future__ import annotations

import importlib
import math
import tracemalloc
import warnings
from unittest import mock

import numpy as np
import pytest

from layton_eval.stats import bootstrap, draws, intervals, ppi

VALUES = [0.0, 1 / 3, 2 / 3, 1.0]


def _pool(rng: np.random.Generator, size: int = 400) -> tuple[np.ndarray, np.ndarray]:
    yhat = rng.choice(VALUES, size=size, p=[0.3, 0.1, 0.1, 0.5])
    y = (rng.random(size) < 0.1 + 0.8 * yhat).astype(float)
    return y, yhat


def _half_width(estimates: np.ndarray) -> float:
    lo, hi = intervals.percentile_interval(estimates)
    return (hi - lo) / 2


# --- the draws ------------------------------------------------------------------------------


def test_binary_label_sum_is_the_binomial_of_the_index_draw():
    labels = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0])  # p = 0.3
    k, iterations = 5, 200_000
    sums = draws.label_sums([labels], [k], iterations=iterations, rng=np.random.default_rng(0))
    assert sums.shape == (iterations, 1)
    frequency = np.bincount(sums[:, 0].astype(int), minlength=k + 1) / iterations
    pmf = [math.comb(k, j) * 0.3**j * 0.7 ** (k - j) for j in range(k + 1)]
    np.testing.assert_allclose(frequency, pmf, atol=0.004)
    index = np.random.default_rng(1).integers(0, labels.size, size=(iterations, k))
    by_index = np.bincount(labels[index].sum(axis=1).astype(int), minlength=k + 1) / iterations
    np.testing.assert_allclose(frequency, by_index, atol=0.006)


def test_other_labels_take_the_exact_multinomial_draw():
    labels = np.array([0.0, 0.5, 0.5, 1.0, 0.25])
    k, iterations = 7, 200_000
    sums = draws.label_sums([labels], [k], iterations=iterations, rng=np.random.default_rng(2))
    assert sums[:, 0].mean() == pytest.approx(k * labels.mean(), rel=0.01)
    assert sums[:, 0].var() == pytest.approx(k * labels.var(), rel=0.02)
    assert set(np.unique(sums * 4)) <= set(range(4 * k + 1))  # sums of the labels' own values


def test_counts_per_iteration_and_validation():
    counts = draws.riddle_counts([3, 0, 5], iterations=1000, rng=np.random.default_rng(0))
    assert counts.shape == (1000, 3) and (counts.sum(axis=1) == 8).all()
    assert (counts[:, 1] == 0).all() and counts[:, 0].mean() == pytest.approx(3, rel=0.1)
    sums = draws.label_sums([[1.0], [0.0], [1.0, 0.0]], counts, iterations=1000,
                            rng=np.random.default_rng(0))  # fmt: skip
    assert (sums[:, 0] == counts[:, 0]).all() and (sums[:, 1] == 0).all()
    assert (sums[:, 2] <= counts[:, 2]).all()
    with pytest.raises(ValueError):
        draws.riddle_counts([0, 0], iterations=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        draws.label_sums([[1.0]], [1, 2], iterations=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        draws.label_sums([[]], [1], iterations=3, rng=np.random.default_rng(0))


# --- the calibration interval ---------------------------------------------------------------


def test_count_draw_and_index_draw_give_the_same_interval():
    rng = np.random.default_rng(3)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=150)
    fast = bootstrap.stratified_ppi_bootstrap(y, yhat, yhat_u, iterations=100_000,
                                              rng=np.random.default_rng(4))  # fmt: skip
    index = bootstrap.stratified_bootstrap_indices(yhat_u, yhat, iterations=100_000,
                                                   rng=np.random.default_rng(5))  # fmt: skip
    slow = ppi.ppi_mean_pointestimates(y[index], yhat[index[0]], yhat_u)
    assert fast.mean() == pytest.approx(slow.mean(), abs=2e-4)
    assert fast.std() == pytest.approx(slow.std(), rel=0.01)
    np.testing.assert_allclose(np.percentile(fast, [2.5, 50, 97.5]),
                               np.percentile(slow, [2.5, 50, 97.5]), atol=0.004)  # fmt: skip


def test_non_binary_labels_still_work():
    rng = np.random.default_rng(6)
    _, yhat = _pool(rng)
    y = rng.choice([0.0, 0.5, 1.0], size=yhat.size)
    yhat_u = rng.choice(VALUES, size=80)
    fast = bootstrap.stratified_ppi_bootstrap(y, yhat, yhat_u, iterations=50_000,
                                              rng=np.random.default_rng(0))  # fmt: skip
    index = bootstrap.stratified_bootstrap_indices(yhat_u, yhat, iterations=50_000,
                                                   rng=np.random.default_rng(1))  # fmt: skip
    slow = ppi.ppi_mean_pointestimates(y[index], yhat[index[0]], yhat_u)
    assert fast.mean() == pytest.approx(slow.mean(), abs=5e-4)
    assert fast.std() == pytest.approx(slow.std(), rel=0.02)


def test_memory_does_not_grow_with_riddles():
    rng = np.random.default_rng(7)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=50_000)  # an index draw would hold 2,000 x 50,000 ints
    for resample in (False, True):
        tracemalloc.start()
        bootstrap.stratified_ppi_bootstrap(y, yhat, yhat_u, iterations=2000, rng=rng,
                                           resample_riddles=resample)  # fmt: skip
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4_000_000, (resample, peak)


# --- the full interval ----------------------------------------------------------------------


def _ppi_py():
    with warnings.catch_warnings():  # ppi_py silences every warning when imported
        return importlib.import_module("ppi_py")


def test_full_interval_estimates_equal_ppi_py_on_identical_resamples():
    """Resample riddles and rows by index; fed their counts and sums, ppi_from_bin_sums agrees."""
    ppi_py = _ppi_py()
    rng = np.random.default_rng(8)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=60, p=[0.4, 0.1, 0.2, 0.3])
    values = np.unique(ppi.bin_keys(yhat_u))
    pool_values = np.array([yhat[ppi.bin_keys(yhat) == v][0] for v in values])
    unlabeled_values = np.array([yhat_u[ppi.bin_keys(yhat_u) == v][0] for v in values])
    counts, sums, reference = [], [], []
    for _ in range(200):
        resample = yhat_u[rng.integers(0, yhat_u.size, size=yhat_u.size)]
        rows = bootstrap.stratified_bootstrap_indices(resample, yhat, iterations=1, rng=rng)[0]
        reference.append(ppi_py.ppi_mean_pointestimate(y[rows], yhat[rows], resample)[0])
        keys = ppi.bin_keys(yhat[rows])
        counts.append([(keys == v).sum() for v in values])
        sums.append([y[rows][keys == v].sum() for v in values])
    ours = bootstrap.ppi_from_bin_sums(sums, counts, pool_values, unlabeled_values)
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-12)


def test_full_interval_shrinks_like_one_over_root_n():
    rng = np.random.default_rng(9)
    yhat = rng.choice(VALUES, size=600)
    y = (rng.random(yhat.size) < 0.03 + 0.94 * (yhat > 0.5)).astype(float)  # a sharp jury
    yhat_u = rng.choice(VALUES, size=100, p=[0.3, 0.2, 0.2, 0.3])

    def width(values: np.ndarray, resample: bool) -> float:
        estimates = bootstrap.stratified_ppi_bootstrap(
            y, yhat, values, iterations=40_000, rng=np.random.default_rng(0),
            resample_riddles=resample,
        )  # fmt: skip
        return _half_width(estimates)

    full, calibration = width(yhat_u, True), width(yhat_u, False)
    assert full > 2 * calibration  # the riddles' own variance dominates
    assert width(np.tile(yhat_u, 4), True) / full == pytest.approx(0.5, abs=0.03)
    assert width(np.tile(yhat_u, 16), True) / full == pytest.approx(0.25, abs=0.02)


def test_full_interval_draws_riddles_then_labels_from_the_same_generator():
    rng = np.random.default_rng(10)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=40)
    run = [
        bootstrap.stratified_ppi_bootstrap(y, yhat, yhat_u, iterations=500,
                                           rng=np.random.default_rng(1), resample_riddles=True)
        for _ in range(2)
    ]  # fmt: skip
    assert (run[0] == run[1]).all()
    with mock.patch.object(draws, "riddle_counts", wraps=draws.riddle_counts) as counted:
        bootstrap.stratified_ppi_bootstrap(
            y, yhat, yhat_u, iterations=5, rng=np.random.default_rng(1), resample_riddles=True
        )
    assert counted.call_count == 1  # one multinomial for all iterations
