"""ppi.py: jury values, the stratified sampler, vectorised PPI++ and the published rounding."""

from __future__ import annotations

import importlib
import itertools
import warnings
from unittest import mock

import numpy as np
import pytest

from layton_eval.stats import bootstrap, draws, intervals, ppi
from tests.conftest import SHARED_DATA, needs_shared_data

DATA = SHARED_DATA  # LAYTON_TEST_DATA, else ../shared/layton-data


def _ppi_py():
    """ppi_py silences every warning when imported: import it here, and undo that."""
    with warnings.catch_warnings():
        return importlib.import_module("ppi_py")


# --- jury values and bins -------------------------------------------------------------------


def test_jury_values_mean_over_present_verdicts():
    verdicts = np.array([[1, 1, 0], [np.nan, 1, 1], [np.nan, np.nan, np.nan], [0, 0, 0]], float)
    values = ppi.jury_values(verdicts)
    assert values[0] == pytest.approx(2 / 3) and values[1] == 1.0 and values[3] == 0.0
    assert np.isnan(values[2])
    assert ppi.jury_values(np.array([[True, False, False]]))[0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("bad", [np.array([1.0, 0.0]), np.array([[0.5, 1.0]])])
def test_jury_values_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        ppi.jury_values(bad)


def test_bins_compare_thirds_robustly():
    keys = ppi.bin_keys([2 / 3, 4 / 6, np.mean([1, 1, 0]), 0.6666666666666667])
    assert len(np.unique(keys)) == 1
    with pytest.raises(ValueError):
        ppi.bin_keys([np.nan])
    with pytest.raises(ValueError):
        ppi.bin_keys([1.5])


def test_uncovered_bins_flag_a_half_before_sampling():
    mask = ppi.uncovered_bins([0.0, 0.5, 1 / 3, 1.0], [0.0, 1 / 3, 2 / 3, 1.0])
    assert mask.tolist() == [False, True, False, False]


# --- the sampler ----------------------------------------------------------------------------


def _pool(rng: np.random.Generator, size: int = 400) -> tuple[np.ndarray, np.ndarray]:
    yhat = rng.choice([0.0, 1 / 3, 2 / 3, 1.0], size=size, p=[0.3, 0.1, 0.1, 0.5])
    y = (rng.random(size) < 0.1 + 0.8 * yhat).astype(float)
    return y, yhat


def test_sampler_keeps_strata_and_shape():
    rng = np.random.default_rng(1)
    _, yhat_pool = _pool(rng)
    yhat_u = rng.choice([0.0, 1 / 3, 2 / 3, 1.0], size=57)
    index = bootstrap.stratified_bootstrap_indices(
        yhat_u, yhat_pool, iterations=200, rng=np.random.default_rng(7)
    )
    assert index.shape == (200, 57)
    sampled = np.sort(ppi.bin_keys(yhat_pool[index].ravel()).reshape(200, 57), axis=1)
    assert (sampled == np.sort(ppi.bin_keys(yhat_u))[None, :]).all()
    again = bootstrap.stratified_bootstrap_indices(
        yhat_u, yhat_pool, iterations=200, rng=np.random.default_rng(7)
    )
    assert (index == again).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iterations": 0}, "iterations"),
        ({"iterations": 2.5}, "iterations"),
        ({"rng": np.random.RandomState(0)}, "Generator"),
        ({"yhat_unlabeled": [0.5]}, "no calibration row"),
        ({"yhat_unlabeled": []}, "empty"),
        ({"yhat_unlabeled": [np.nan]}, "NaN"),
    ],
)
def test_sampler_validates_with_valueerror(kwargs, message):
    args = {
        "yhat_unlabeled": [0.0, 1.0],
        "yhat_pool": [0.0, 1.0, 1 / 3],
        "iterations": 3,
        "rng": np.random.default_rng(0),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        bootstrap.stratified_bootstrap_indices(
            args["yhat_unlabeled"],
            args["yhat_pool"],
            iterations=args["iterations"],
            rng=args["rng"],
        )


# --- PPI++ against ppi_py -------------------------------------------------------------------


def _index_sums(y_pool, yhat_u, index) -> np.ndarray:
    """Per-bin sums of the labels an index draw picked (its columns are grouped by bin)."""
    counts = np.unique(ppi.bin_keys(yhat_u), return_counts=True)[1]
    edges = np.concatenate([[0], np.cumsum(counts)])
    labels = y_pool[index]
    return np.stack([labels[:, a:b].sum(axis=1) for a, b in itertools.pairwise(edges)], axis=1)


def _assert_matches_ppi_py(y_pool, yhat_pool, yhat_u, *, iterations: int, seed: int) -> None:
    """On the resamples of an index draw, every estimate equals ppi_py's to 1e-12."""
    ppi_py = _ppi_py()
    index = bootstrap.stratified_bootstrap_indices(
        yhat_u, yhat_pool, iterations=iterations, rng=np.random.default_rng(seed)
    )
    sums = _index_sums(y_pool, yhat_u, index)
    # the bootstrap's own estimator, fed the label sums of these very resamples
    with mock.patch.object(draws, "label_sums", return_value=sums):
        fast = bootstrap.stratified_ppi_bootstrap(
            y_pool, yhat_pool, yhat_u, iterations=iterations, rng=np.random.default_rng(seed)
        )
    general = ppi.ppi_mean_pointestimates(y_pool[index], yhat_pool[index], yhat_u)
    shared = ppi.ppi_mean_pointestimates(y_pool[index], yhat_pool[index[0]], yhat_u)
    reference = np.array(
        [ppi_py.ppi_mean_pointestimate(y_pool[row], yhat_pool[row], yhat_u)[0] for row in index]
    )
    assert fast.shape == general.shape == (iterations,)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-12)
    np.testing.assert_allclose(general, reference, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shared, reference, rtol=0, atol=1e-12)


def test_vectorised_estimate_equals_ppi_py_on_identical_resamples():
    rng = np.random.default_rng(11)
    y_pool, yhat_pool = _pool(rng)
    yhat_u = rng.choice([0.0, 1 / 3, 2 / 3, 1.0], size=150, p=[0.2, 0.15, 0.15, 0.5])
    _assert_matches_ppi_py(y_pool, yhat_pool, yhat_u, iterations=1000, seed=3)


def test_general_path_equals_ppi_py_when_predictions_vary_per_iteration():
    ppi_py = _ppi_py()
    rng = np.random.default_rng(5)
    y = (rng.random((300, 40)) < 0.6).astype(float)
    yhat = rng.random((300, 40))  # lambda spans 0..1, clipped on both sides
    yhat[:100] = 1.0 - yhat[:100]  # negative covariance: lambda clipped to 0
    yhat_u = rng.random(25)
    ours = ppi.ppi_mean_pointestimates(y, yhat, yhat_u)
    reference = np.array(
        [ppi_py.ppi_mean_pointestimate(y[b], yhat[b], yhat_u)[0] for b in range(300)]
    )
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-12)


@needs_shared_data
@pytest.mark.parametrize("split", ["llm", "vlm"])
def test_equals_ppi_py_on_the_real_calibration_set(split):
    from layton_eval.score.calibration import read_calibration_file

    calibration = read_calibration_file(DATA / f"ppi_{split}.jsonl", split)
    provider, model = calibration.model_keys()[-1]
    rows = calibration.model_rows(provider, model, "both_correct")
    pool = calibration.pool("both_correct", exclude_provider=provider)
    _assert_matches_ppi_py(pool.y, pool.yhat, rows.yhat, iterations=300, seed=0)


def test_zero_variance_takes_lambda_zero():
    estimates = ppi.ppi_mean_pointestimates(np.ones((4, 3)), np.ones(3), np.ones(5))
    assert (estimates == 1.0).all()


def test_equal_jury_means_give_exactly_the_mean_label_whatever_lambda():
    """Issue 20: in the order lambda * mean_u + mean_y - lambda * mean_yhat, the last bit of the
    estimate depended on lambda, so two subjects with the same labels differed by +-1e-16."""
    rng = np.random.default_rng(4)
    yhat = rng.choice([0.0, 1 / 3, 2 / 3, 1.0], size=(500, 40))
    y = (rng.random(yhat.shape) < yhat).astype(float)
    for b in range(yhat.shape[0]):  # one Yhat shared by every iteration (the fast path)
        estimates = ppi.ppi_mean_pointestimates(y, yhat[b], yhat[b])
        np.testing.assert_array_equal(estimates, y.mean(axis=1))
    # one Yhat per iteration (the general path), each its own unlabelled set
    for b in range(yhat.shape[0]):
        assert ppi.ppi_mean_pointestimates(y[b], yhat[b], yhat[b])[0] == y[b].mean()


@pytest.mark.parametrize(
    ("y", "yhat", "yhat_u"),
    [
        (np.ones((2, 3)), np.ones((2, 4)), np.ones(3)),
        (np.ones((2, 3)), np.ones(3), np.ones(0)),
        (np.ones((2, 3)), np.ones(3), np.array([np.nan])),
    ],
)
def test_estimator_validates_with_valueerror(y, yhat, yhat_u):
    with pytest.raises(ValueError):
        ppi.ppi_mean_pointestimates(y, yhat, yhat_u)


# --- properties -----------------------------------------------------------------------------


def test_all_correct_everywhere_gives_100():
    estimates = bootstrap.stratified_ppi_bootstrap(
        np.ones(50), np.ones(50), np.ones(30), iterations=500, rng=np.random.default_rng(0)
    )
    lo, hi = intervals.percentile_interval(estimates)
    assert intervals.round_score(lo, hi) == 100.0
    assert intervals.round_ci(lo, hi) == 0.1


@pytest.mark.parametrize("seed", range(5))
def test_estimates_stay_in_unit_interval(seed):
    rng = np.random.default_rng(seed)
    y_pool, yhat_pool = _pool(rng, size=int(rng.integers(20, 300)))
    yhat_u = rng.choice(np.unique(yhat_pool), size=int(rng.integers(1, 200)))
    estimates = bootstrap.stratified_ppi_bootstrap(
        y_pool, yhat_pool, yhat_u, iterations=2000, rng=np.random.default_rng(seed)
    )
    assert ((estimates >= 0.0) & (estimates <= 1.0)).all()


def test_same_seed_same_estimates_other_seed_other_estimates():
    rng = np.random.default_rng(2)
    y_pool, yhat_pool = _pool(rng)
    yhat_u = rng.choice([0.0, 1 / 3, 2 / 3, 1.0], size=100)

    def run(seed: int) -> np.ndarray:
        return bootstrap.stratified_ppi_bootstrap(
            y_pool, yhat_pool, yhat_u, iterations=300, rng=np.random.default_rng(seed)
        )

    assert (run(4) == run(4)).all()
    assert not (run(4) == run(5)).all()


# --- interval, rounding, ranks --------------------------------------------------------------


def test_percentile_interval_is_numpy_linear_percentiles():
    values = np.random.default_rng(0).random(1001)
    assert intervals.percentile_interval(values) == tuple(np.percentile(values, [2.5, 97.5]))
    with pytest.raises(ValueError):
        intervals.percentile_interval([])


@pytest.mark.parametrize(
    ("lo", "hi", "score", "ci"),
    [
        (0.25, 0.75, 50.0, 25.1),  # a half-width of exactly 25.0 points still rounds up
        (0.5, 0.5, 50.0, 0.1),
        (0.125, 0.375, 25.0, 12.6),
        (0.832, 0.834, 83.3, 0.2),  # a half-width of 0.1 point shows as 0.2
        (0.5, 0.53, 51.5, 1.6),
        (0.1, 0.2, 15.0, 5.1),
    ],
)
def test_published_rounding(lo, hi, score, ci):
    assert intervals.round_score(lo, hi) == score
    assert intervals.round_ci(lo, hi) == ci


def test_rounding_is_the_reference_formula_bit_for_bit():
    rng = np.random.default_rng(0)
    for lo, hi in np.sort(rng.random((2000, 2)), axis=1):
        assert intervals.round_ci(lo, hi) == (np.floor(((hi - lo) / 2) * 100 * 10) + 1) / 10
        assert intervals.round_score(lo, hi) == np.round(((hi + lo) / 2) * 100, 1)


def test_rounding_rejects_a_reversed_interval():
    with pytest.raises(ValueError):
        intervals.round_ci(0.6, 0.5)


def test_rank_spread_reproduces_the_published_llm_table():
    scores = [85.2, 83.9, 83.3, 80.4, 79.6, 73.4, 70.2, 66.7, 48.7]
    widths = [1.4, 1.1, 0.1, 0.3, 0.6, 1.4, 0.9, 1.7, 1.4]
    best, worst = intervals.rank_spread(scores, widths)
    spreads = [f"{b} <--> {w}" for b, w in zip(best, worst, strict=True)]
    assert spreads == [
        "1 <--> 2", "1 <--> 3", "2 <--> 3", "4 <--> 5", "4 <--> 5",
        "6 <--> 6", "7 <--> 7", "8 <--> 8", "9 <--> 9",
    ]  # fmt: skip


def test_rank_spread_counts_touching_bounds_as_overlap():
    # 80.0 + 0.3 == 80.6 - 0.3: float noise must not break the tie
    best, worst = intervals.rank_spread([80.6, 80.0], [0.3, 0.3])
    assert best.tolist() == [1, 1] and worst.tolist() == [2, 2]


def test_competition_ranks_share_ties():
    assert intervals.competition_ranks([70.0, 80.0, 70.0, 60.0]).tolist() == [2, 1, 2, 4]
