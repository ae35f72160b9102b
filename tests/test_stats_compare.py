"""stats/compare.py: the joint (paired) bootstrap, McNemar, Holm and the detectable difference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from layton_eval.stats import bootstrap, compare

VALUES = np.array([0.0, 1 / 3, 2 / 3, 1.0])


def _pool(rng: np.random.Generator, size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    yhat = rng.choice(VALUES, size=size, p=[0.3, 0.15, 0.15, 0.4])
    y = (rng.random(size) < 0.05 + 0.9 * yhat).astype(float)
    return y, yhat


def _pair(rng: np.random.Generator, n: int, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Jury values of two models on the same riddles; B solves a riddle less often by ``gap``."""
    difficulty = rng.random(n)
    a_solves = rng.random(n) < 0.9 - 0.6 * difficulty
    b_solves = a_solves & (rng.random(n) > gap) | (~a_solves & (rng.random(n) < 0.05))

    def jury(solved: np.ndarray) -> np.ndarray:
        votes = (rng.random((n, 3)) < np.where(solved, 0.92, 0.06)[:, None]).sum(axis=1)
        return votes / 3

    return jury(a_solves), jury(b_solves)


def _paired(yhat_a, yhat_b, pool_a, pool_b, *, shared_pool, resample_riddles, iterations, rng):
    """Two subjects drawn together: one pool for both when ``shared_pool``."""
    pools = [pool_a] if shared_pool else [pool_a, pool_b]
    theta = compare.joint_bootstrap(
        [yhat_a, yhat_b], pools, [0, 0] if shared_pool else [0, 1],
        resample_riddles=resample_riddles, iterations=iterations, riddle_rng=rng,
        pool_rngs=rng.spawn(len(pools)),
    )  # fmt: skip
    return theta[0], theta[1]


@pytest.mark.parametrize("resample", [False, True])
def test_a_subject_against_itself_differs_by_exactly_zero(resample: bool):
    rng = np.random.default_rng(0)
    pool = _pool(rng)
    yhat = rng.choice(VALUES, size=120)
    theta_a, theta_b = _paired(
        yhat, yhat.copy(), pool, pool, shared_pool=True, resample_riddles=resample,
        iterations=3000, rng=np.random.default_rng(1),
    )  # fmt: skip
    assert (theta_a == theta_b).all() and theta_a.std() > 0
    assert compare.p_better(theta_a - theta_b) == 0.5
    assert compare.bootstrap_p_value(theta_a - theta_b) == 1.0


@pytest.mark.parametrize("resample", [False, True])
def test_each_side_has_the_distribution_of_its_own_score(resample: bool):
    rng = np.random.default_rng(2)
    pool_a, pool_b = _pool(rng), _pool(rng)
    yhat_a, yhat_b = _pair(rng, 150, gap=0.2)
    theta_a, theta_b = _paired(
        yhat_a, yhat_b, pool_a, pool_b, shared_pool=False, resample_riddles=resample,
        iterations=60_000, rng=np.random.default_rng(3),
    )  # fmt: skip
    for theta, yhat, pool in ((theta_a, yhat_a, pool_a), (theta_b, yhat_b, pool_b)):
        alone = bootstrap.calibrated_bootstrap(
            pool[0], pool[1], yhat, iterations=60_000, rng=np.random.default_rng(4),
            resample_riddles=resample,
        )  # fmt: skip
        assert theta.mean() == pytest.approx(alone.mean(), abs=6e-4)
        assert theta.std() == pytest.approx(alone.std(), rel=0.02)
        assert theta.mean() == pytest.approx(compare.post_stratified(yhat, pool).mean(), abs=6e-4)


def test_pairing_removes_the_riddle_variance_both_share():
    rng = np.random.default_rng(5)
    pool = _pool(rng)
    yhat_a, yhat_b = _pair(rng, 186, gap=0.1)
    theta_a, theta_b = _paired(
        yhat_a, yhat_b, pool, pool, shared_pool=True, resample_riddles=True,
        iterations=20_000, rng=np.random.default_rng(6),
    )  # fmt: skip
    unpaired = np.sqrt(theta_a.var() + theta_b.var())
    assert (theta_a - theta_b).std() < 0.75 * unpaired


def test_a_clearly_weaker_model_is_found_weaker():
    rng = np.random.default_rng(7)
    pool = _pool(rng)
    yhat_a, yhat_b = _pair(rng, 186, gap=0.3)
    theta_a, theta_b = _paired(
        yhat_a, yhat_b, pool, pool, shared_pool=True, resample_riddles=True,
        iterations=10_000, rng=np.random.default_rng(8),
    )  # fmt: skip
    diff = theta_a - theta_b
    assert np.percentile(diff, 2.5) > 0 and compare.p_better(diff) > 0.99
    assert compare.bootstrap_p_value(diff) < 0.01


def test_joint_bootstrap_validates_with_valueerror():
    pool = (np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="same, non-zero number of riddles"):
        _paired([1.0], [1.0, 0.0], pool, pool, shared_pool=True,
                resample_riddles=False, iterations=3, rng=np.random.default_rng(0))  # fmt: skip
    with pytest.raises(ValueError, match="no calibration row of pool 0 has jury value 0.5"):
        _paired([1.0], [0.5], pool, pool, shared_pool=True,
                resample_riddles=False, iterations=3, rng=np.random.default_rng(0))  # fmt: skip
    with pytest.raises(ValueError, match="one generator per pool"):
        compare.joint_bootstrap([[1.0]], [pool], [0], resample_riddles=True, iterations=3,
                                riddle_rng=np.random.default_rng(0), pool_rngs=[])  # fmt: skip


def _generators(seed: int, pools: int) -> dict:
    return {
        "riddle_rng": np.random.default_rng([seed, 0]),
        "pool_rngs": [np.random.default_rng([seed, 1, p]) for p in range(pools)],
    }


@pytest.mark.parametrize("resample", [False, True])
def test_a_subjects_draws_do_not_depend_on_the_others_drawn_with_it(resample: bool):
    """The report draws every model at once; `compare A B` draws two: same numbers for A and B
    (the generators being the same), in any order and with any company."""
    rng = np.random.default_rng(9)
    pools = [_pool(rng), _pool(rng)]
    a, b = _pair(rng, 150, gap=0.2)
    c = rng.choice(VALUES, size=150)
    common = {"resample_riddles": resample, "iterations": 5000}
    alone = compare.joint_bootstrap([a, b], pools, [0, 1], **common, **_generators(3, 2))
    crowd = compare.joint_bootstrap(
        [c, b, a, c], pools, [1, 1, 0, 0], **common, **_generators(3, 2)
    )
    assert (crowd[2] == alone[0]).all() and (crowd[1] == alone[1]).all()


def test_iterations_beyond_one_chunk_continue_the_riddle_resample():
    """Riddle resamples are drawn CHUNK iterations at a time: the rows after the first chunk are
    fresh draws with the same distribution, not a repeat of it."""
    rng = np.random.default_rng(10)
    pool, yhat = _pool(rng), rng.choice(VALUES, size=186)
    iterations = 2 * compare.CHUNK + 17
    theta = compare.joint_bootstrap([yhat], [pool], [0], resample_riddles=True,
                                    iterations=iterations, **_generators(4, 1))[0]  # fmt: skip
    first, later = theta[: compare.CHUNK], theta[compare.CHUNK :]
    assert theta.shape == (iterations,) and not np.array_equal(first, later[: compare.CHUNK])
    assert later.std() == pytest.approx(first.std(), rel=0.1)
    fixed = compare.joint_bootstrap([yhat], [pool], [0], resample_riddles=False,
                                    iterations=iterations, **_generators(4, 1))[0]  # fmt: skip
    assert theta.std() > fixed.std()


@pytest.mark.parametrize(
    ("a_only", "b_only"),
    [(0, 0), (0, 1), (1, 0), (3, 3), (2, 9), (15, 4), (40, 61), (0, 25), (200, 260), (1000, 1100)],
)
def test_mcnemar_exact_matches_scipy_binomtest(a_only: int, b_only: int):
    ours = compare.mcnemar_exact(a_only, b_only)
    if a_only + b_only == 0:
        assert ours == 1.0
        return
    reference = scipy_stats.binomtest(a_only, a_only + b_only, 0.5).pvalue
    assert ours == pytest.approx(reference, rel=1e-9, abs=1e-300)


def test_holm_by_hand():
    adjusted = compare.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    assert compare.holm([0.5]).tolist() == [0.5]
    assert compare.holm([0.6, 0.7]).tolist() == [1.0, 1.0]


def test_minimum_detectable_difference_is_2_8_standard_errors():
    assert compare.minimum_detectable_difference(1.0) == pytest.approx(1.95996 + 0.84162, abs=1e-4)
    assert compare.minimum_detectable_difference(2.5) == pytest.approx(2.5 * 2.80158, abs=1e-4)
    with pytest.raises(ValueError):
        compare.minimum_detectable_difference(1.0, power=1.0)
