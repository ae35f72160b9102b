"""The stratified bootstrap of the PPI++ mean, all iterations at once.

Two intervals (see ``docs/methodology.md``):

- the *calibration* interval, the published method: the model's riddles are fixed; each
  iteration draws, per jury-value bin, as many calibration labels as the model has riddles in
  that bin (:func:`stratified_ppi_bootstrap`);
- the *full* interval: each iteration first resamples the model's riddles with replacement,
  then draws the labels as above (``resample_riddles=True``).

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

__all__ = ["ppi_from_bin_sums", "stratified_bootstrap_indices", "stratified_ppi_bootstrap"]


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
    resample_riddles: bool = False,
) -> FloatArray:
    """Bootstrap distribution of the PPI++ mean, all iterations at once.

    Stratification makes the sampled jury values the same multiset as the model's in every
    iteration, so only the human labels vary: per iteration and bin, the sum of the drawn labels
    is all the estimator needs. It is drawn exactly by :func:`~layton_eval.stats.draws.label_sums`
    (one binomial per bin for 0/1 labels), in the same distribution as
    :func:`stratified_bootstrap_indices` would give, without building a (B, N) matrix.

    With ``resample_riddles`` (the *full* interval), each iteration first resamples the model's
    ``N`` riddles with replacement (a multinomial over the bins), then draws as many labels per
    bin as the resample put there; the unlabelled set of the estimator is that resample.

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
    resample_riddles : bool
        Resample the model's riddles too (the full interval); default: the published method.

    Returns
    -------
    ndarray of float, shape (B,)
        One PPI++ estimate per iteration.

    Raises
    ------
    ValueError
        As :func:`stratified_bootstrap_indices`, or on mismatched pool arrays.
    """
    y = as_1d_float("y_pool", y_pool)
    yhat = as_1d_float("yhat_pool", yhat_pool)
    yhat_u = as_1d_float("yhat_unlabeled", yhat_unlabeled)
    if y.shape != yhat.shape or np.isnan(y).any():
        raise ValueError("y_pool must match yhat_pool in shape and be free of NaN")
    strata = _strata(yhat_u, yhat, iterations=iterations, rng=rng)
    labels = [y[s.members] for s in strata]
    values = np.array([yhat[s.members[0]] for s in strata])
    counts = np.array([s.riddles for s in strata])
    if resample_riddles:
        drawn = draws.riddle_counts(counts, iterations=iterations, rng=rng)
        sums = draws.label_sums(labels, drawn, iterations=iterations, rng=rng)
        return ppi_from_bin_sums(sums, drawn, values, yhat_u[[s.first for s in strata]])
    if any(np.ptp(yhat[s.members]) != 0 for s in strata):  # float noise within a bin
        index = stratified_bootstrap_indices(yhat_u, yhat, iterations=iterations, rng=rng)
        return ppi_mean_pointestimates(y[index], yhat[index], yhat_u)
    sums = draws.label_sums(labels, counts, iterations=iterations, rng=rng)
    n, big_n = int(counts.sum()), yhat_u.size
    mean_y = sums.sum(axis=1) / n
    mean_yhat = float(counts @ values) / n
    cov = (2.0 / n) * (sums @ (values - mean_yhat))
    var = np.var(np.concatenate([np.repeat(values, counts), yhat_u]), ddof=1)
    lam = power_tuning(cov, 2.0 * (1.0 + n / big_n) * var)
    estimates: FloatArray = lam * yhat_u.mean() + mean_y - lam * mean_yhat
    return estimates


def ppi_from_bin_sums(
    sums: npt.ArrayLike,
    counts: npt.ArrayLike,
    pool_values: npt.ArrayLike,
    unlabeled_values: npt.ArrayLike,
) -> FloatArray:
    """PPI++ mean of every iteration of a stratified draw, from per-bin counts and label sums.

    In iteration ``b`` the unlabelled set holds ``counts[b, k]`` riddles of jury value
    ``unlabeled_values[k]``, and the labelled sample as many rows of jury value
    ``pool_values[k]`` whose labels sum to ``sums[b, k]``. The result is what
    :func:`ppi_mean_pointestimates` gives on those two sets (``n = N``).

    Parameters
    ----------
    sums : array_like, shape (B, k)
        Sum of the drawn human labels per iteration and bin.
    counts : array_like of int, shape (B, k) or (k,)
        Riddles (and labelled rows) per iteration and bin; every row has the same total ``N``.
    pool_values, unlabeled_values : array_like, shape (k,)
        Jury value of each bin in the calibration rows and in the evaluated model's riddles
        (equal up to float noise).

    Returns
    -------
    ndarray of float, shape (B,)
    """
    s = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    k = np.broadcast_to(np.asarray(counts, dtype=np.float64), s.shape)
    v_pool = as_1d_float("pool_values", pool_values)
    v_u = as_1d_float("unlabeled_values", unlabeled_values)
    if v_pool.shape != v_u.shape or s.shape[1:] != v_pool.shape:
        raise ValueError("sums, counts and the bin values must agree on the number of bins")
    n = k.sum(axis=1)
    if (n < 1).any() or (n != n[0]).any():
        raise ValueError("every iteration must hold the same, positive number of riddles")
    mean_y = s.sum(axis=1) / n
    mean_yhat = (k @ v_pool) / n
    mean_u = (k @ v_u) / n
    cov = (2.0 / n) * (s * (v_pool[None, :] - mean_yhat[:, None])).sum(axis=1)
    mean_all = ((mean_yhat + mean_u) / 2)[:, None]
    squares = (k * ((v_pool[None, :] - mean_all) ** 2 + (v_u[None, :] - mean_all) ** 2)).sum(axis=1)
    var = squares / (2 * n - 1)
    lam = power_tuning(cov, 2.0 * 2.0 * var)  # 2 (1 + n/N) with n = N
    estimates: FloatArray = lam * mean_u + mean_y - lam * mean_yhat
    return estimates
