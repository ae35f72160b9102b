"""Paired comparison of two subjects on the same riddles, as plain numpy functions.

- :func:`paired_bootstrap`: both subjects' PPI++ estimates in every iteration, drawn together:
  the same riddle resample for both (a multinomial over the joint jury bins of the riddles), and
  the same label draw for the riddles that fall in the same jury bin of the same calibration
  pool (common random numbers), so that a subject compared with itself differs by exactly 0;
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

from layton_eval.stats import draws
from layton_eval.stats._arrays import FloatArray, as_1d_float
from layton_eval.stats.bootstrap import ppi_from_bin_sums
from layton_eval.stats.ppi import bin_keys

__all__ = [
    "bootstrap_p_value",
    "holm",
    "mcnemar_exact",
    "minimum_detectable_difference",
    "p_better",
    "paired_bootstrap",
    "post_stratified",
]

Pool = tuple[npt.ArrayLike, npt.ArrayLike]  # (human labels y, jury values yhat) of the rows


class _Side(t.NamedTuple):
    bins: FloatArray  # bin keys present among the riddles, increasing
    inverse: npt.NDArray[np.intp]  # bin of each riddle
    labels: list[FloatArray]  # human labels of the pool rows of each bin
    pool_values: FloatArray  # jury value of each bin in the pool
    riddle_values: FloatArray  # jury value of each bin among the riddles


def _side(name: str, yhat: npt.ArrayLike, pool: Pool) -> _Side:
    values = as_1d_float(f"yhat_{name}", yhat)
    y = as_1d_float(f"y_pool_{name}", pool[0])
    pool_yhat = as_1d_float(f"yhat_pool_{name}", pool[1])
    if y.shape != pool_yhat.shape or np.isnan(y).any():
        raise ValueError(f"pool {name}: labels must match jury values and be free of NaN")
    keys, pool_keys = bin_keys(values), bin_keys(pool_yhat)
    bins, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    members = [np.flatnonzero(pool_keys == b) for b in bins]
    if any(m.size == 0 for m in members):
        missing = [f"{b:g}" for b, m in zip(bins, members, strict=True) if m.size == 0]
        raise ValueError(f"no calibration row of pool {name} has jury value {', '.join(missing)}")
    return _Side(
        bins=bins,
        inverse=inverse,
        labels=[y[m] for m in members],
        pool_values=np.array([pool_yhat[m[0]] for m in members]),
        riddle_values=values[first],
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
    """Both subjects' stratified-bootstrap PPI++ estimates, iteration by iteration.

    Riddle ``i`` has jury value ``yhat_a[i]`` for subject A and ``yhat_b[i]`` for B; it belongs
    to the cell (A's bin, B's bin). Each iteration:

    1. with ``resample_riddles`` (the full interval), the riddles are resampled with replacement
       for both subjects at once: a multinomial over the cells; otherwise every cell keeps its
       count (the calibration interval);
    2. each subject draws, per cell, as many human labels of its bin as the cell holds riddles
       (a binomial per cell), from its own pool; where ``shared_pool`` and both bins are the same,
       B reuses A's draw (common random numbers);
    3. each subject's PPI++ mean follows from its per-bin counts and label sums.

    Per subject, this is exactly the distribution of
    :func:`~layton_eval.stats.bootstrap.stratified_ppi_bootstrap`; the pairing only couples
    the two.

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
    in_a, in_b = cells[:, 0], cells[:, 1]
    counts: npt.NDArray[np.int64] = (
        draws.riddle_counts(cell_counts, iterations=iterations, rng=rng)
        if resample_riddles
        else cell_counts
    )
    per_cell = np.broadcast_to(counts, (int(iterations), cells.shape[0]))
    sums_a = draws.label_sums([a.labels[i] for i in in_a], counts, iterations=iterations, rng=rng)
    shared = shared_pool & (a.bins[in_a] == b.bins[in_b])
    sums_b = sums_a.copy()
    if not shared.all():
        own = ~shared
        sums_b[:, own] = draws.label_sums(
            [b.labels[i] for i in in_b[own]],
            counts[..., own],
            iterations=iterations,
            rng=rng,
        )
    to_a, to_b = np.eye(a.bins.size)[in_a], np.eye(b.bins.size)[in_b]
    theta_a = ppi_from_bin_sums(sums_a @ to_a, per_cell @ to_a, a.pool_values, a.riddle_values)
    theta_b = ppi_from_bin_sums(sums_b @ to_b, per_cell @ to_b, b.pool_values, b.riddle_values)
    return theta_a, theta_b


def post_stratified(yhat: npt.ArrayLike, pool: Pool) -> FloatArray:
    """Each riddle's calibrated value: the share of human 1s among the pool rows of its bin.

    Their mean is the post-stratified estimate the stratified bootstrap is centred on.
    """
    side = _side("", yhat, pool)
    rates = np.array([labels.mean() for labels in side.labels])
    values: FloatArray = rates[side.inverse]
    return values


def p_better(differences: npt.ArrayLike) -> float:
    """Share of iterations where A's estimate is above B's (ties count one half)."""
    d = as_1d_float("differences", differences)
    if d.size == 0:
        raise ValueError("differences is empty")
    return float(np.mean(d > 0) + 0.5 * np.mean(d == 0))


def bootstrap_p_value(differences: npt.ArrayLike) -> float:
    """Two-sided bootstrap p-value of "no difference": twice the smaller tail at 0, at most 1."""
    d = as_1d_float("differences", differences)
    if d.size == 0:
        raise ValueError("differences is empty")
    return float(min(1.0, 2.0 * min(np.mean(d <= 0), np.mean(d >= 0))))


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
