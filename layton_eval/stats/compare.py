"""Paired comparison of two subjects on the same riddles, as plain numpy functions.

- :func:`paired_bootstrap`: both subjects' calibrated scores in every iteration, drawn together:
  the same riddle resample for both (a multinomial over the joint jury bins of the riddles),
  and, when both are calibrated by the same rows, the same resample of those rows, so that a
  subject compared with itself differs by exactly 0;
- :func:`post_stratified`: each riddle's calibrated value (the human rate of its jury bin);
- :func:`p_better`, :func:`bootstrap_p_value`: what the bootstrap differences say;
- :func:`mcnemar_exact`: McNemar's exact test on discordant verdict counts;
- :func:`minimum_detectable_difference`: the difference a test at this noise level finds with
  the given power;
- :func:`holm`: Holm's step-down adjustment of several p-values.

Randomness only from the :class:`numpy.random.Generator` passed in.
"""

from __future__ import annotations

import math
import statistics
import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.stats import bootstrap, draws
from layton_eval.stats._arrays import FloatArray, as_1d_float
from layton_eval.stats.ppi import bin_keys

__all__ = [
    "bootstrap_p_value",
    "holm",
    "mcnemar_exact",
    "minimum_detectable_difference",
    "TIE_TOLERANCE",
    "p_better",
    "paired_bootstrap",
    "post_stratified",
]

Pool = tuple[npt.ArrayLike, npt.ArrayLike]  # (human labels y, jury values yhat) of the rows


class _Side(t.NamedTuple):
    bins: FloatArray  # bin keys present among the riddles, increasing
    inverse: npt.NDArray[np.intp]  # bin of each riddle
    labels: list[FloatArray]  # human labels of the pool rows of each bin


def _side(name: str, yhat: npt.ArrayLike, pool: Pool) -> _Side:
    values = as_1d_float(f"yhat_{name}", yhat)
    y = as_1d_float(f"y_pool_{name}", pool[0])
    pool_yhat = as_1d_float(f"yhat_pool_{name}", pool[1])
    if y.shape != pool_yhat.shape or np.isnan(y).any():
        raise ValueError(f"pool {name}: labels must match jury values and be free of NaN")
    keys, pool_keys = bin_keys(values), bin_keys(pool_yhat)
    bins, inverse = np.unique(keys, return_inverse=True)
    members = [np.flatnonzero(pool_keys == b) for b in bins]
    if any(m.size == 0 for m in members):
        missing = [f"{b:g}" for b, m in zip(bins, members, strict=True) if m.size == 0]
        raise ValueError(f"no calibration row of pool {name} has jury value {', '.join(missing)}")
    return _Side(
        bins=bins,
        inverse=inverse,
        labels=[y[m] for m in members],
    )


def paired_bootstrap(
    yhat_a: npt.ArrayLike,
    yhat_b: npt.ArrayLike,
    pool_a: Pool,
    pool_b: Pool,
    *,
    shared_pool: bool,
    resample_riddles: bool,
    iterations: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Both subjects' calibrated scores in every iteration, drawn together.

    Riddle ``i`` has jury value ``yhat_a[i]`` for subject A and ``yhat_b[i]`` for B; it belongs
    to the cell (A's bin, B's bin). Each iteration:

    1. with ``resample_riddles`` (the full interval), the riddles are resampled with replacement
       for both subjects at once: a multinomial over the cells; otherwise (the labels interval)
       every cell keeps its count;
    2. every bin's labelled rows are resampled at their own size
       (:func:`~layton_eval.stats.bootstrap.bin_rates`); where ``shared_pool``, both subjects
       are calibrated by the very same rows, so one resample serves both (they share that
       uncertainty, and a subject compared with itself differs by exactly 0); otherwise each
       subject's pool is resampled on its own;
    3. each subject's score is ``sum_k N_k p_k / N`` over its bins
       (:func:`~layton_eval.stats.bootstrap.stratified_means`).

    No human verdict of a subject's own answer is ever drawn, so two answers that share a jury
    bin are not given the same verdict. Per subject, this is exactly the distribution of
    :func:`~layton_eval.stats.bootstrap.calibrated_bootstrap`.

    Parameters
    ----------
    yhat_a, yhat_b : array_like, shape (n,)
        Jury values of the same riddles, for A and for B.
    pool_a, pool_b : tuple of array_like
        ``(y, yhat)`` of the calibration rows that calibrate A and B (each without its own
        provider's rows).
    shared_pool : bool
        The two pools are the same rows (same provider left out, or neither in the set).
    resample_riddles : bool
        Resample the riddles (the full interval).
    iterations : int
        Number of iterations ``B``.
    rng : numpy.random.Generator

    Returns
    -------
    tuple of ndarray, each of shape (B,)
        A's and B's estimates.

    Raises
    ------
    ValueError
        On mismatched or empty inputs, or a jury value without a calibration row.
    """
    a, b = _side("a", yhat_a, pool_a), _side("b", yhat_b, pool_b)
    if a.inverse.size != b.inverse.size or a.inverse.size == 0:
        raise ValueError("yhat_a and yhat_b must hold the same, non-zero number of riddles")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    cells, cell_counts = np.unique(
        np.stack([a.inverse, b.inverse], axis=1), axis=0, return_counts=True
    )
    counts = (
        draws.riddle_counts(cell_counts, iterations=iterations, rng=rng)
        if resample_riddles
        else cell_counts
    )
    per_cell = np.broadcast_to(counts, (int(iterations), cells.shape[0]))
    if shared_pool:  # one resample of the common rows, over the bins of either subject
        bins = np.union1d(a.bins, b.bins)
        pool_y, pool_keys = as_1d_float("y", pool_a[0]), bin_keys(pool_a[1])
        rates = bootstrap.bin_rates(
            [pool_y[pool_keys == k] for k in bins], iterations=iterations, rng=rng
        )
        where_a, where_b = np.searchsorted(bins, a.bins), np.searchsorted(bins, b.bins)
        to_a, to_b = (
            np.eye(bins.size)[where_a[cells[:, 0]]],
            np.eye(bins.size)[where_b[cells[:, 1]]],
        )
        return (
            bootstrap.stratified_means(per_cell @ to_a, rates),
            bootstrap.stratified_means(per_cell @ to_b, rates),
        )
    rates_a = bootstrap.bin_rates(a.labels, iterations=iterations, rng=rng)
    rates_b = bootstrap.bin_rates(b.labels, iterations=iterations, rng=rng)
    to_a, to_b = np.eye(a.bins.size)[cells[:, 0]], np.eye(b.bins.size)[cells[:, 1]]
    return (
        bootstrap.stratified_means(per_cell @ to_a, rates_a),
        bootstrap.stratified_means(per_cell @ to_b, rates_b),
    )


def post_stratified(yhat: npt.ArrayLike, pool: Pool) -> FloatArray:
    """Each riddle's calibrated value: the share of human 1s among the pool rows of its bin.

    Their mean is the post-stratified estimate the stratified bootstrap is centred on.
    """
    side = _side("", yhat, pool)
    rates = np.array([labels.mean() for labels in side.labels])
    values: FloatArray = rates[side.inverse]
    return values


#: Differences this close to 0 are ties. The estimates are computed so that an exact tie is 0
#: to the last bit (:func:`paired_bootstrap`); the tolerance only guards against float noise, far
#: below any real difference (at least 1 / (N x the labelled rows' sizes), about 1e-10).
TIE_TOLERANCE = 1e-12


def _signs(differences: npt.ArrayLike) -> tuple[float, float, float]:
    """Shares of iterations with A ahead, tied, and B ahead."""
    d = as_1d_float("differences", differences)
    if d.size == 0:
        raise ValueError("differences is empty")
    tie = np.abs(d) <= TIE_TOLERANCE
    return float(np.mean(~tie & (d > 0))), float(np.mean(tie)), float(np.mean(~tie & (d < 0)))


def p_better(differences: npt.ArrayLike) -> float:
    """Share of the resamples in which A is ahead of B, ties counting one half.

    A bootstrap share, not the probability that A is the better model.
    """
    ahead, tied, _ = _signs(differences)
    return ahead + 0.5 * tied


def bootstrap_p_value(differences: npt.ArrayLike) -> float:
    """Two-sided bootstrap p-value of "no difference": twice the smaller tail at 0, at most 1.

    Each tail counts the ties at 0 one half (the mid-p convention that :func:`p_better` uses),
    so a difference that is 0 in every resample gives 1.
    """
    ahead, tied, behind = _signs(differences)
    return float(min(1.0, 2.0 * (min(ahead, behind) + 0.5 * tied)))


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """McNemar's exact two-sided p-value on the discordant pairs.

    Under the null each discordant riddle favours A or B with probability 1/2: the p-value is
    ``min(1, 2 * P(X <= min(a_only, b_only)))`` for ``X ~ Binomial(a_only + b_only, 1/2)``,
    computed with exact integers (``scipy.stats.binomtest`` gives the same).
    """
    if a_only < 0 or b_only < 0 or int(a_only) != a_only or int(b_only) != b_only:
        raise ValueError("discordant counts must be non-negative integers")
    n, k = int(a_only) + int(b_only), min(int(a_only), int(b_only))
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / (1 << n))


def minimum_detectable_difference(sd: float, *, level: float = 0.95, power: float = 0.8) -> float:
    """Smallest true difference a two-sided test at ``level`` finds with ``power``.

    ``(z_{(1+level)/2} + z_power) * sd``, ``sd`` being the standard error of the difference
    (2.80 x sd at 95% and 80% power).
    """
    if not (0 < level < 1 and 0 < power < 1) or sd < 0 or not math.isfinite(sd):
        raise ValueError("level and power must be in (0, 1) and sd a finite non-negative number")
    normal = statistics.NormalDist()
    return (normal.inv_cdf((1 + level) / 2) + normal.inv_cdf(power)) * sd


def holm(p_values: npt.ArrayLike) -> FloatArray:
    """Holm's step-down adjusted p-values (same order as given).

    The ``i``-th smallest p-value is multiplied by ``m - i`` (``i`` from 0), capped at 1, and made
    non-decreasing in that order.
    """
    p = as_1d_float("p_values", p_values)
    if ((p < 0) | (p > 1) | np.isnan(p)).any():
        raise ValueError("p-values must lie in [0, 1]")
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (p.size - np.arange(p.size)) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted
