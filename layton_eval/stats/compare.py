"""Paired comparison of two subjects on the same riddles, as plain numpy functions.

- :func:`joint_bootstrap`: every subject's calibrated score in every iteration, drawn together:
  one riddle resample for all, and one resample of each calibration pool's rows shared by the
  subjects it calibrates (so a subject compared with itself differs by exactly 0); every pair's
  paired differences come from one call;
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

from layton_eval.stats import bootstrap
from layton_eval.stats._arrays import FloatArray, as_1d_float
from layton_eval.stats.ppi import bin_keys

__all__ = [
    "bootstrap_p_value",
    "holm",
    "mcnemar_exact",
    "minimum_detectable_difference",
    "TIE_TOLERANCE",
    "p_better",
    "joint_bootstrap",
    "post_stratified",
]

Pool = tuple[npt.ArrayLike, npt.ArrayLike]  # (human labels y, jury values yhat) of the rows


#: Iterations whose riddle resamples are drawn at once (an (iterations x riddles) block of
#: indices): bounds memory at any ``--iterations``; part of the random stream, so fixed.
CHUNK = 512


def _subject_bins(
    name: str, yhat: npt.ArrayLike, pool_bins: FloatArray, pool: str
) -> npt.NDArray[np.intp]:
    """Position in its pool's bins of each riddle's jury value (the pool must have it)."""
    keys = bin_keys(as_1d_float(name, yhat))
    where = np.minimum(np.searchsorted(pool_bins, keys), pool_bins.size - 1)
    missing = np.unique(keys[pool_bins[where] != keys])
    if missing.size:
        values = ", ".join(f"{v:g}" for v in missing)
        raise ValueError(f"no calibration row of pool {pool} has jury value {values}")
    return where


def _pool_bins(pool: Pool) -> tuple[FloatArray, list[FloatArray]]:
    """A pool's bins (increasing) and the human labels of each bin's rows."""
    y, yhat = as_1d_float("pool labels", pool[0]), as_1d_float("pool jury values", pool[1])
    if y.shape != yhat.shape or y.size == 0 or np.isnan(y).any():
        raise ValueError("a pool needs labels matching its jury values, free of NaN")
    keys = bin_keys(yhat)
    bins = np.unique(keys)
    return bins, [y[keys == b] for b in bins]


def _pool_rates(
    pool: Pool, *, iterations: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """A pool's bins (increasing) and, per iteration, each bin's resampled human rate."""
    bins, labels = _pool_bins(pool)
    return bins, bootstrap.bin_rates(labels, iterations=iterations, rng=rng)


def _resampled_counts(
    indicators: FloatArray, *, iterations: int, rng: np.random.Generator
) -> t.Iterator[tuple[slice, FloatArray]]:
    """Riddles per column (a subject's bin) in every resample of the riddles, the same
    resample for every column, ``CHUNK`` iterations at a time: each a row of ``n`` uniform
    indices turned into how often each riddle was drawn, then multiplied by the riddles' 0/1
    ``indicators`` of shape (n, columns) (integers, so exact in float64)."""
    n = indicators.shape[0]
    for start in range(0, int(iterations), CHUNK):
        rows = min(CHUNK, int(iterations) - start)
        picks = rng.integers(0, n, size=(rows, n), dtype=np.int64)  # bincount's own type
        picks += (n * np.arange(rows, dtype=np.int64))[:, None]  # row r counts in [r n, r n + n)
        drawn = np.bincount(picks.ravel(), minlength=rows * n).reshape(rows, n)
        yield slice(start, start + rows), drawn.astype(np.float64) @ indicators


def joint_bootstrap(
    yhats: t.Sequence[npt.ArrayLike],
    pools: t.Sequence[Pool],
    pool_of: t.Sequence[int],
    *,
    resample_riddles: bool,
    iterations: int,
    riddle_rng: np.random.Generator,
    pool_rngs: t.Sequence[np.random.Generator],
) -> FloatArray:
    """Every subject's calibrated score in every iteration, all drawn together.

    Subject ``s`` has jury value ``yhats[s][i]`` on riddle ``i`` (the same riddles for all)
    and is calibrated by ``pools[pool_of[s]]``. Each iteration:

    1. with ``resample_riddles`` (the full interval), the riddles are resampled with
       replacement, once for every subject (``n`` uniform indices, from ``riddle_rng``);
       otherwise (the labels interval) every riddle counts once;
    2. each pool's labelled rows are resampled at their own size in every bin
       (:func:`~layton_eval.stats.bootstrap.bin_rates`, from that pool's own ``pool_rngs``
       entry): subjects calibrated by the same pool share that one resample (a subject
       compared with itself differs by exactly 0), different pools are drawn independently;
    3. each subject's score is ``sum_k N_k p_k / N`` over its pool's bins, summed in one order
       for every subject (as :func:`~layton_eval.stats.bootstrap.stratified_means` sums).

    No human verdict of a subject's own answer is ever drawn, so two answers that share a jury
    bin are not given the same verdict. Per subject this is exactly the distribution of
    :func:`~layton_eval.stats.bootstrap.calibrated_bootstrap`; for any two subjects, exactly
    that of a paired index bootstrap. A subject's draws depend only on its own values, its
    pool's rows and the generators: never on which other subjects are drawn with it.

    Parameters
    ----------
    yhats : sequence of array_like, each of shape (n,)
        Jury values of the same riddles, one array per subject.
    pools : sequence of tuple of array_like
        ``(y, yhat)`` of each distinct calibration pool's rows.
    pool_of : sequence of int
        Index in ``pools`` of each subject's pool.
    resample_riddles : bool
        Resample the riddles (the full interval).
    iterations : int
        Number of iterations ``B``.
    riddle_rng : numpy.random.Generator
        The riddle resamples.
    pool_rngs : sequence of numpy.random.Generator
        One per pool: its label resamples.

    Returns
    -------
    ndarray of shape (S, B)
        Each subject's estimates.

    Raises
    ------
    ValueError
        On mismatched or empty inputs, or a jury value without a calibration row.
    """
    sizes = {np.size(yhat) for yhat in yhats}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError("every subject needs jury values on the same, non-zero number of riddles")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    if len(pool_rngs) != len(pools) or len(pool_of) != len(yhats):
        raise ValueError("give one generator per pool and one pool per subject")
    drawn = [
        _pool_rates(pool, iterations=iterations, rng=rng)
        for pool, rng in zip(pools, pool_rngs, strict=True)
    ]
    where = [
        _subject_bins(f"yhats[{s}]", yhat, drawn[p][0], str(p))
        for s, (yhat, p) in enumerate(zip(yhats, pool_of, strict=True))
    ]
    offsets = np.cumsum([0, *(drawn[p][0].size for p in pool_of)])
    indicators = np.zeros((where[0].size, int(offsets[-1])))  # riddle i in column (s, bin)
    for s, w in enumerate(where):
        indicators[np.arange(w.size), offsets[s] + w] = 1.0
    theta = np.empty((len(yhats), int(iterations)))
    observed = indicators.sum(axis=0)  # every riddle once: the labels interval's counts
    chunks = (
        _resampled_counts(indicators, iterations=iterations, rng=riddle_rng)
        if resample_riddles
        else ((slice(start, start + CHUNK), observed) for start in range(0, int(iterations), CHUNK))
    )
    for span, counts in chunks:  # sum_k N_k p_k / N, each row on its own: chunks change no bit
        rates = np.concatenate([drawn[p][1][span] for p in pool_of], axis=1)
        weighted = np.add.reduceat(counts * rates, offsets[:-1], axis=1)
        theta[:, span] = (weighted / where[0].size).T
    return theta


def post_stratified(yhat: npt.ArrayLike, pool: Pool) -> FloatArray:
    """Each riddle's calibrated value: the share of human 1s among the pool rows of its bin.

    Their mean is the post-stratified estimate the stratified bootstrap is centred on.
    """
    bins, labels = _pool_bins(pool)
    rates = np.array([rows.mean() for rows in labels])
    values: FloatArray = rates[_subject_bins("yhat", yhat, bins, "given")]
    return values


#: Differences this close to 0 are ties. The estimates are computed so that an exact tie is 0
#: to the last bit (:func:`joint_bootstrap`); the tolerance only guards against float noise, far
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
