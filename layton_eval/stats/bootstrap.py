"""The stratified bootstrap of the calibrated score, all iterations at once.

Three intervals (see ``docs/methodology.md``, "What each interval covers"):

- *published*, the published method (:func:`stratified_ppi_bootstrap`): the model's riddles are
  fixed; each iteration draws, per jury-value bin, as many calibration labels as the model has
  riddles in that bin, and computes the PPI++ mean. Kept so that the published tables stay
  reproducible; its width depends on the model's bin counts, not on how many labelled rows
  each bin has, so it measures neither the labels' uncertainty nor the riddles';
- *labels* (:func:`calibrated_bootstrap`): riddles fixed, each bin's labelled rows resampled at
  their own size: the uncertainty that more human labels would shrink;
- *full* (:func:`calibrated_bootstrap` with ``resample_riddles``): the riddles resampled too.

The labels are drawn as per-bin sums (:mod:`layton_eval.stats.draws`: one binomial per bin and
iteration for 0/1 labels), so memory is O(bins x iterations) whatever the number of riddles.
:func:`stratified_bootstrap_indices` is the per-riddle index draw the sums replace, kept as the
reference (same distribution) and for bins whose rows differ by float noise.
"""

from __future__ import annotations

import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.stats import draws
from layton_eval.stats._arrays import FloatArray, IntArray, as_1d_float
from layton_eval.stats.ppi import bin_keys, power_tuning, ppi_mean_pointestimates

__all__ = [
    "bin_rates",
    "calibrated_bootstrap",
    "stratified_bootstrap_indices",
    "stratified_means",
    "stratified_ppi_bootstrap",
]


def stratified_bootstrap_indices(
    yhat_unlabeled: npt.ArrayLike,
    yhat_pool: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
) -> IntArray:
    """Draw every bootstrap iteration's labelled sample at once, stratified by jury value.

    For each jury-value bin present in ``yhat_unlabeled`` with ``k`` riddles, each iteration
    draws ``k`` rows, with replacement, among the calibration rows of the same bin: one
    ``rng.integers`` call per bin covers all iterations. The labelled sample of an iteration
    therefore has size ``n = N`` and the same jury-value distribution as the model.

    Parameters
    ----------
    yhat_unlabeled : array_like, shape (N,)
        Jury values of the evaluated model's riddles.
    yhat_pool : array_like, shape (m,)
        Jury values of the calibration rows (the rows to draw from).
    iterations : int
        Number of bootstrap iterations ``B`` (at least 1).
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray of int, shape (B, N)
        Row indices into ``yhat_pool``. Columns are grouped by bin, in increasing jury value.

    Raises
    ------
    ValueError
        If ``iterations < 1``, ``yhat_unlabeled`` is empty, a value is NaN or outside [0, 1],
        or a bin of ``yhat_unlabeled`` has no calibration row (see
        :func:`~layton_eval.stats.ppi.uncovered_bins`).
    """
    strata = _strata(yhat_unlabeled, yhat_pool, iterations=iterations, rng=rng)
    out = np.empty((int(iterations), sum(s.riddles for s in strata)), dtype=np.intp)
    start = 0
    for stratum in strata:
        size = stratum.members.size
        dtype = np.int16 if size <= np.iinfo(np.int16).max else np.int64  # faster gathers
        drawn = rng.integers(0, size, size=(int(iterations), stratum.riddles), dtype=dtype)
        out[:, start : start + stratum.riddles] = stratum.members[drawn]
        start += stratum.riddles
    return out


class _Stratum(t.NamedTuple):
    members: IntArray  # calibration rows of the bin
    riddles: int  # riddles of the model in the bin
    first: int  # one of those riddles


def _strata(
    yhat_unlabeled: npt.ArrayLike,
    yhat_pool: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
) -> list[_Stratum]:
    """The validated bins of the model's riddles, by increasing jury value."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    target = bin_keys(yhat_unlabeled)
    pool = bin_keys(yhat_pool)
    if target.size == 0:
        raise ValueError("yhat_unlabeled is empty")
    strata = []
    values, first, counts = np.unique(target, return_index=True, return_counts=True)
    for value, index, count in zip(values, first, counts, strict=True):
        members = np.flatnonzero(pool == value)
        if members.size == 0:
            raise ValueError(f"no calibration row has jury value {value:g}")
        strata.append(_Stratum(members, int(count), int(index)))
    return strata


def stratified_ppi_bootstrap(
    y_pool: npt.ArrayLike,
    yhat_pool: npt.ArrayLike,
    yhat_unlabeled: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """The published interval's bootstrap distribution of the PPI++ mean, all iterations at once.

    Stratification makes the sampled jury values the same multiset as the model's in every
    iteration, so only the human labels vary: per iteration and bin, the sum of the drawn labels
    is all the estimator needs. It is drawn exactly by :func:`~layton_eval.stats.draws.label_sums`
    (one binomial per bin for 0/1 labels), in the same distribution as
    :func:`stratified_bootstrap_indices` would give, without building a (B, N) matrix.

    Parameters
    ----------
    y_pool : array_like, shape (m,)
        Human labels of the calibration rows (0/1; other values take the exact general draw).
    yhat_pool : array_like, shape (m,)
        Jury values of the same rows.
    yhat_unlabeled : array_like, shape (N,)
        The evaluated model's jury values.
    iterations : int
        Number of bootstrap iterations ``B``.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray of float, shape (B,)
        One PPI++ estimate per iteration.

    Raises
    ------
    ValueError
        As :func:`stratified_bootstrap_indices`, or on mismatched pool arrays.
    """
    y, yhat, yhat_u = _pool_arrays(y_pool, yhat_pool, yhat_unlabeled)
    strata = _strata(yhat_u, yhat, iterations=iterations, rng=rng)
    if any(np.ptp(yhat[s.members]) != 0 for s in strata):  # float noise within a bin
        index = stratified_bootstrap_indices(yhat_u, yhat, iterations=iterations, rng=rng)
        return ppi_mean_pointestimates(y[index], yhat[index], yhat_u)
    labels = [y[s.members] for s in strata]
    values = np.array([yhat[s.members[0]] for s in strata])
    counts = np.array([s.riddles for s in strata])
    sums = draws.label_sums(labels, counts, iterations=iterations, rng=rng)
    n, big_n = int(counts.sum()), yhat_u.size
    mean_y = sums.sum(axis=1) / n
    mean_yhat = float(counts @ values) / n
    cov = (2.0 / n) * (sums @ (values - mean_yhat))
    var = np.var(np.concatenate([np.repeat(values, counts), yhat_u]), ddof=1)
    lam = power_tuning(cov, 2.0 * (1.0 + n / big_n) * var)
    estimates: FloatArray = mean_y + lam * (yhat_u.mean() - mean_yhat)
    return estimates


def _pool_arrays(
    y_pool: npt.ArrayLike, yhat_pool: npt.ArrayLike, yhat_unlabeled: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    y = as_1d_float("y_pool", y_pool)
    yhat = as_1d_float("yhat_pool", yhat_pool)
    if y.shape != yhat.shape or np.isnan(y).any():
        raise ValueError("y_pool must match yhat_pool in shape and be free of NaN")
    return y, yhat, as_1d_float("yhat_unlabeled", yhat_unlabeled)


def calibrated_bootstrap(
    y_pool: npt.ArrayLike,
    yhat_pool: npt.ArrayLike,
    yhat_unlabeled: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
    resample_riddles: bool,
) -> FloatArray:
    """Bootstrap distribution of the post-stratified score for the *labels* and *full* intervals.

    The score is ``sum_k N_k p_k / N``: the model's ``N_k`` riddles of jury bin ``k`` weighted by
    the share ``p_k`` of human 1s among the bin's ``m_k`` labelled rows (what the PPI++ mean is
    under stratification). Each iteration resamples every bin's labelled rows with replacement
    at their own size ``m_k`` (:func:`bin_rates`): the uncertainty that more labels would
    shrink. With ``resample_riddles`` (the full interval) it first resamples the model's ``N``
    riddles (a multinomial over the bins), so that the interval also covers what another sample
    of riddles like these could give.

    Parameters and errors as :func:`stratified_ppi_bootstrap`; ``resample_riddles``: the full
    interval (else the labels interval, riddles fixed).

    Returns
    -------
    ndarray of float, shape (B,)
    """
    y, yhat, yhat_u = _pool_arrays(y_pool, yhat_pool, yhat_unlabeled)
    strata = _strata(yhat_u, yhat, iterations=iterations, rng=rng)
    counts = np.array([s.riddles for s in strata])
    drawn = (
        draws.riddle_counts(counts, iterations=iterations, rng=rng) if resample_riddles else counts
    )
    rates = bin_rates([y[s.members] for s in strata], iterations=iterations, rng=rng)
    return stratified_means(drawn, rates)


def bin_rates(
    labels: t.Sequence[npt.ArrayLike], *, iterations: int, rng: np.random.Generator
) -> FloatArray:
    """Per iteration and bin, the mean of the bin's labels resampled at their own size.

    Parameters
    ----------
    labels : sequence of array_like, length k
        The human labels of each bin's calibration rows (non-empty, no NaN).
    iterations : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float, shape (B, k)
        ``S / m_k``, ``S`` the sum of ``m_k`` labels drawn with replacement among the bin's
        ``m_k`` rows (one binomial per bin for 0/1 labels).
    """
    sizes = np.array([np.size(pool) for pool in labels])
    rates: FloatArray = draws.label_sums(labels, sizes, iterations=iterations, rng=rng) / sizes
    return rates


def stratified_means(counts: npt.ArrayLike, rates: npt.ArrayLike) -> FloatArray:
    """``sum_k counts[b, k] * rates[b, k] / N`` for every iteration ``b``.

    ``counts`` (shape (k,) or (B, k), integers, every row summing to the same ``N``) are the
    riddles per bin, ``rates`` (shape (B, k)) each bin's human rate. The sum runs over the bins
    in the order given, so two subjects with the same counts and rates get the same number to
    the last bit.
    """
    r = np.atleast_2d(np.asarray(rates, dtype=np.float64))
    k = np.broadcast_to(np.asarray(counts, dtype=np.float64), r.shape)
    n = k.sum(axis=1)
    if (n < 1).any():
        raise ValueError("every iteration needs at least one riddle")
    means: FloatArray = (k * r).sum(axis=1) / n
    return means
