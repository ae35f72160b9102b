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
    for resample in (None, False, True):
        tracemalloc.start()
        if resample is None:
            bootstrap.stratified_ppi_bootstrap(y, yhat, yhat_u, iterations=2000, rng=rng)
        else:
            bootstrap.calibrated_bootstrap(y, yhat, yhat_u, iterations=2000, rng=rng,
                                           resample_riddles=resample)  # fmt: skip
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4_000_000, (resample, peak)


# --- the full interval ----------------------------------------------------------------------


def _ppi_py():
    with warnings.catch_warnings():  # ppi_py silences every warning when imported
        return importlib.import_module("ppi_py")


@pytest.mark.parametrize("resample", [False, True])
def test_labels_and_full_intervals_equal_the_index_draw(resample: bool):
    """Resample riddle indices (full) and each bin's labelled rows by index at their own size,
    take the post-stratified mean: the count draw has the same distribution."""
    rng = np.random.default_rng(8)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=60, p=[0.4, 0.1, 0.2, 0.3])
    keys, pool_keys = ppi.bin_keys(yhat_u), ppi.bin_keys(yhat)
    bins, inverse = np.unique(keys, return_inverse=True)
    draws_ = 20_000
    riddles = inverse[rng.integers(0, keys.size, size=(draws_, keys.size))] if resample else inverse
    members = [y[pool_keys == v] for v in bins]
    rates = np.stack(
        [
            rows[rng.integers(0, rows.size, size=(draws_, rows.size))].mean(axis=1)
            for rows in members
        ],
        axis=1,
    )
    reference = np.take_along_axis(rates, np.broadcast_to(riddles, (draws_, keys.size)), axis=1)
    reference = reference.mean(axis=1)
    ours = bootstrap.calibrated_bootstrap(
        y, yhat, yhat_u, iterations=draws_, rng=np.random.default_rng(1), resample_riddles=resample
    )
    error = 4 * reference.std() * math.sqrt(2 / draws_)  # 4 standard errors of the difference
    assert ours.mean() == pytest.approx(reference.mean(), abs=error)
    assert ours.std() == pytest.approx(reference.std(), rel=0.03)


def test_labels_interval_shrinks_as_labels_are_added_and_not_with_riddles():
    rng = np.random.default_rng(11)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=100)

    def width(pool_y: np.ndarray, pool_yhat: np.ndarray, values: np.ndarray) -> float:
        return _half_width(bootstrap.calibrated_bootstrap(
            pool_y, pool_yhat, values, iterations=40_000, rng=np.random.default_rng(0),
            resample_riddles=False,
        ))  # fmt: skip

    base = width(y, yhat, yhat_u)
    assert width(np.tile(y, 4), np.tile(yhat, 4), yhat_u) / base == pytest.approx(0.5, abs=0.03)
    assert width(y, yhat, np.tile(yhat_u, 4)) == pytest.approx(base, rel=0.03)

    def published(pool_y: np.ndarray, pool_yhat: np.ndarray, values: np.ndarray) -> float:
        return _half_width(bootstrap.stratified_ppi_bootstrap(
            pool_y, pool_yhat, values, iterations=40_000, rng=np.random.default_rng(0),
        ))  # fmt: skip

    # the published width follows the model's riddle count, not the labels
    alone = published(y, yhat, yhat_u)
    assert published(y, yhat, np.tile(yhat_u, 4)) / alone == pytest.approx(0.5, abs=0.03)
    assert published(np.tile(y, 4), np.tile(yhat, 4), yhat_u) == pytest.approx(alone, rel=0.03)


def test_full_interval_shrinks_like_one_over_root_n_of_riddles_and_labels():
    rng = np.random.default_rng(9)
    yhat = rng.choice(VALUES, size=600)
    y = (rng.random(yhat.size) < 0.03 + 0.94 * (yhat > 0.5)).astype(float)  # a sharp jury
    yhat_u = rng.choice(VALUES, size=100, p=[0.3, 0.2, 0.2, 0.3])

    def width(values: np.ndarray, resample: bool, times: int = 1) -> float:
        estimates = bootstrap.calibrated_bootstrap(
            np.tile(y, times), np.tile(yhat, times), np.tile(values, times), iterations=40_000,
            rng=np.random.default_rng(0), resample_riddles=resample,
        )  # fmt: skip
        return _half_width(estimates)

    full, labels = width(yhat_u, True), width(yhat_u, False)
    assert full > 2 * labels  # the riddles' own variance dominates
    assert width(yhat_u, True, 4) / full == pytest.approx(0.5, abs=0.03)
    assert width(yhat_u, True, 16) / full == pytest.approx(0.25, abs=0.02)


def test_full_interval_draws_riddles_then_labels_from_the_same_generator():
    rng = np.random.default_rng(10)
    y, yhat = _pool(rng)
    yhat_u = rng.choice(VALUES, size=40)
    run = [
        bootstrap.calibrated_bootstrap(y, yhat, yhat_u, iterations=500,
                                       rng=np.random.default_rng(1), resample_riddles=True)
        for _ in range(2)
    ]  # fmt: skip
    assert (run[0] == run[1]).all()
    with mock.patch.object(draws, "riddle_counts", wraps=draws.riddle_counts) as counted:
        bootstrap.calibrated_bootstrap(
            y, yhat, yhat_u, iterations=5, rng=np.random.default_rng(1), resample_riddles=True
        )
    assert counted.call_count == 1  # one multinomial for all iterations
