"""Stratified-bootstrap PPI++ scoring as plain numpy functions: arrays in, numbers out.

No files, no providers, no printing. Names follow the maths of PPI++ (Angelopoulos, Duchi and
Zrnic, 2023): ``Y`` are human labels, ``Yhat`` the jury values of the labelled rows, ``Yhat_u``
the jury values of the evaluated model's riddles; ``n`` is the labelled sample size, ``N`` the
unlabelled one. Randomness comes only from an explicit :class:`numpy.random.Generator`, and every
function works on all bootstrap iterations at once (axis 0 is the iteration axis).

The procedure (see ``docs/methodology.md``):

1. :func:`jury_values` turns a (riddles x judges) verdict matrix into one value per riddle;
2. :func:`stratified_bootstrap_indices` draws, for every iteration, as many calibration rows per
   jury-value bin as the model has riddles in that bin (:func:`uncovered_bins` finds the bins
   that have no calibration row, before any drawing);
3. :func:`ppi_mean_pointestimates` computes the power-tuned PPI++ mean of every iteration
   (:func:`stratified_ppi_bootstrap` chains 2 and 3);
4. :mod:`layton_eval.stats.intervals` turns the estimates into the published numbers.

A property worth knowing: stratification makes ``mean(Yhat)`` equal ``mean(Yhat_u)`` in every
iteration, so the PPI++ correction ``lambda * (mean(Yhat_u) - mean(Yhat))`` vanishes and each
estimate is the mean of the drawn human labels (to ~1e-16). The power tuning is still computed,
as the reference does, so that every estimate matches ``ppi_py`` to 1e-12.
"""

from __future__ import annotations

import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.stats._arrays import FloatArray, IntArray, as_1d_float

__all__ = [
    "BIN_DECIMALS",
    "bin_keys",
    "jury_values",
    "ppi_mean_pointestimates",
    "stratified_bootstrap_indices",
    "stratified_ppi_bootstrap",
    "uncovered_bins",
]

#: Jury values are compared after rounding to this many decimals, so that 2/3 computed as
#: ``mean([1, 1, 0])`` and as ``4 / 6`` fall in the same bin.
BIN_DECIMALS = 6


def jury_values(verdicts: npt.ArrayLike) -> FloatArray:
    """Mean verdict of each riddle over the judges that gave one.

    Parameters
    ----------
    verdicts : array_like, shape (riddles, judges)
        ``True``/``False`` (or 1.0/0.0) per judge; ``NaN`` (or ``None``) where a judge gave no
        usable verdict.

    Returns
    -------
    ndarray of float, shape (riddles,)
        The share of judges that said correct, over the judges that answered: 0, 1/3, 2/3 or 1
        for a full panel of three. ``NaN`` for a riddle without any verdict.

    Raises
    ------
    ValueError
        If ``verdicts`` is not 2-D or holds values other than 0, 1 and NaN.
    """
    matrix = np.asarray(verdicts, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"verdicts must be a (riddles, judges) matrix, got shape {matrix.shape}")
    present = ~np.isnan(matrix)
    if not np.isin(matrix[present], (0.0, 1.0)).all():
        raise ValueError("verdicts must be booleans (0/1) or NaN")
    counts = present.sum(axis=1)
    totals = np.where(present, matrix, 0.0).sum(axis=1)
    out = np.full(matrix.shape[0], np.nan)
    np.divide(totals, counts, out=out, where=counts > 0)
    return out


def bin_keys(values: npt.ArrayLike) -> FloatArray:
    """Jury values rounded to :data:`BIN_DECIMALS`, the keys that define the strata.

    Parameters
    ----------
    values : array_like, shape (m,)
        Jury values in [0, 1]; no NaN.

    Returns
    -------
    ndarray of float, shape (m,)

    Raises
    ------
    ValueError
        If a value is NaN or outside [0, 1].
    """
    array = as_1d_float("values", values)
    if np.isnan(array).any():
        raise ValueError("jury values must not be NaN (a riddle without any verdict?)")
    if ((array < 0.0) | (array > 1.0)).any():
        raise ValueError("jury values must lie in [0, 1]")
    return np.round(array, BIN_DECIMALS)


def uncovered_bins(
    yhat_unlabeled: npt.ArrayLike, yhat_pool: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """Which unlabelled values have no calibration row with the same jury value.

    Call it before :func:`stratified_bootstrap_indices` to tell the user which riddles cannot be
    calibrated (for example 0.5, from a riddle that got two verdicts instead of three).

    Parameters
    ----------
    yhat_unlabeled : array_like, shape (N,)
        Jury values of the evaluated model's riddles.
    yhat_pool : array_like, shape (m,)
        Jury values of the calibration rows.

    Returns
    -------
    ndarray of bool, shape (N,)
        ``True`` where the riddle's jury value has no calibration row.
    """
    return ~np.isin(bin_keys(yhat_unlabeled), bin_keys(yhat_pool))


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
        or a bin of ``yhat_unlabeled`` has no calibration row (see :func:`uncovered_bins`).
    """
    strata = _strata(yhat_unlabeled, yhat_pool, iterations=iterations, rng=rng)
    out = np.empty((int(iterations), sum(c for _, c in strata)), dtype=np.intp)
    start = 0
    for (members, count), draws in zip(strata, _draws(strata, iterations, rng), strict=True):
        out[:, start : start + count] = members[draws]
        start += count
    return out


def _strata(
    yhat_unlabeled: npt.ArrayLike,
    yhat_pool: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
) -> list[tuple[IntArray, int]]:
    """Validated (pool rows of the bin, riddles in the bin) per bin, by increasing jury value."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    target = bin_keys(yhat_unlabeled)
    pool = bin_keys(yhat_pool)
    if target.size == 0:
        raise ValueError("yhat_unlabeled is empty")
    strata = []
    for value, count in zip(*np.unique(target, return_counts=True), strict=True):
        members = np.flatnonzero(pool == value)
        if members.size == 0:
            raise ValueError(f"no calibration row has jury value {value:g}")
        strata.append((members, int(count)))
    return strata


def _draws(
    strata: list[tuple[IntArray, int]], iterations: int, rng: np.random.Generator
) -> t.Iterator[IntArray]:
    """Positions within each bin's rows, shape (B, count): the only random draws of a score.

    16-bit draws when the bin is small enough: the gathers that follow are much faster.
    """
    for members, count in strata:
        dtype = np.int16 if members.size <= np.iinfo(np.int16).max else np.int64
        yield rng.integers(0, members.size, size=(int(iterations), count), dtype=dtype)


def stratified_ppi_bootstrap(
    y_pool: npt.ArrayLike,
    yhat_pool: npt.ArrayLike,
    yhat_unlabeled: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Bootstrap distribution of the PPI++ mean, all iterations at once.

    Draws exactly the resamples of :func:`stratified_bootstrap_indices` (same generator state,
    same indices) and returns what :func:`ppi_mean_pointestimates` gives on them. Stratification
    makes the sampled jury values the same multiset in every iteration (each bin contributes
    its count of copies of its value), so only the human labels vary: per iteration and bin,
    the sum of the drawn labels is all the estimator needs, and no (B, N) matrix is built.

    Parameters
    ----------
    y_pool : array_like, shape (m,)
        Human labels (0/1) of the calibration rows.
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
    y = as_1d_float("y_pool", y_pool)
    yhat = as_1d_float("yhat_pool", yhat_pool)
    yhat_u = as_1d_float("yhat_unlabeled", yhat_unlabeled)
    if y.shape != yhat.shape or np.isnan(y).any():
        raise ValueError("y_pool must match yhat_pool in shape and be free of NaN")
    strata = _strata(yhat_u, yhat, iterations=iterations, rng=rng)
    if any(np.ptp(yhat[members]) != 0 for members, _ in strata):  # float noise within a bin
        index = stratified_bootstrap_indices(yhat_u, yhat, iterations=iterations, rng=rng)
        return ppi_mean_pointestimates(y[index], yhat[index], yhat_u)
    sums = np.empty((int(iterations), len(strata)))
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    for b, draws in enumerate(_draws(strata, iterations, rng)):
        labels = y[strata[b][0]]
        if binary:  # counting a boolean gather is twice as fast as summing floats
            sums[:, b] = np.count_nonzero(labels.astype(bool).take(draws), axis=1)
        else:
            sums[:, b] = labels.take(draws).sum(axis=1)
    values = np.array([yhat[members[0]] for members, _ in strata])
    counts = np.array([count for _, count in strata])
    n, big_n = int(counts.sum()), yhat_u.size
    mean_y = sums.sum(axis=1) / n
    mean_yhat = float(counts @ values) / n
    cov = (2.0 / n) * (sums @ (values - mean_yhat))
    var = np.var(np.concatenate([np.repeat(values, counts), yhat_u]), ddof=1)
    lam = _power_tuning(cov, np.full_like(cov, 2.0 * (1.0 + n / big_n) * var))
    return lam * yhat_u.mean() + mean_y - lam * mean_yhat


def ppi_mean_pointestimates(
    Y: npt.ArrayLike,  # noqa: N803 (the maths' names)
    Yhat: npt.ArrayLike,  # noqa: N803
    Yhat_u: npt.ArrayLike,  # noqa: N803
) -> FloatArray:
    """PPI++ power-tuned mean estimate of every bootstrap iteration at once.

    Row ``b`` gives the same number as ``ppi_py.ppi_mean_pointestimate(Y[b], Yhat[b], Yhat_u)``
    with default arguments, except that ``lambda = 0`` (the classical mean of ``Y[b]``) when the
    predictions have no variance, where ``ppi_py`` returns NaN:

    - ``c = (2/n) * sum((Y - mean Y) * (Yhat - mean Yhat))``
    - ``v = var(concat(Yhat, Yhat_u), ddof=1)``
    - ``lambda = clip(c / (2 * (1 + n/N) * v), 0, 1)``
    - ``theta = lambda * mean(Yhat_u) + mean(Y - lambda * Yhat)``

    Parameters
    ----------
    Y : array_like, shape (B, n) or (n,)
        Human labels of each iteration's labelled sample.
    Yhat : array_like, shape (B, n) or (n,)
        Jury values of the same rows; a 1-D ``Yhat`` is shared by every iteration (the
        stratified bootstrap's case), which is much cheaper.
    Yhat_u : array_like, shape (N,)
        Jury values of the evaluated model's riddles (the same for every iteration).

    Returns
    -------
    ndarray of float, shape (B,)
        One estimate per iteration (shape (1,) for a 1-D ``Y``).

    Raises
    ------
    ValueError
        On mismatched shapes, empty inputs or NaN.
    """
    y = np.atleast_2d(np.asarray(Y, dtype=np.float64))
    yhat = np.asarray(Yhat, dtype=np.float64)
    yhat_u = as_1d_float("Yhat_u", Yhat_u)
    if y.ndim != 2 or yhat.shape not in (y.shape, y.shape[1:]):
        raise ValueError(
            f"Yhat must have Y's shape (B, n) or (n,); got Y {y.shape}, Yhat {yhat.shape}"
        )
    n, big_n = y.shape[1], yhat_u.size
    if n < 1 or big_n < 1 or y.shape[0] < 1:
        raise ValueError("Y, Yhat and Yhat_u must not be empty")
    if np.isnan(y).any() or np.isnan(yhat).any() or np.isnan(yhat_u).any():
        raise ValueError("Y, Yhat and Yhat_u must not contain NaN")

    mean_y = y.mean(axis=1)
    mean_u = yhat_u.mean()
    total = n + big_n
    if yhat.ndim == 1:  # shared predictions: one variance, one matrix-vector product
        mean_yhat = yhat.mean()
        cov = (2.0 / n) * (y @ (yhat - mean_yhat))
        var = np.var(np.concatenate([yhat, yhat_u]), ddof=1)
        lam = _power_tuning(cov, np.full_like(cov, 2.0 * (1.0 + n / big_n) * var))
        return lam * mean_u + mean_y - lam * mean_yhat
    means_yhat = yhat.mean(axis=1)
    cov = (2.0 / n) * ((y - mean_y[:, None]) * (yhat - means_yhat[:, None])).sum(axis=1)
    # sample variance (ddof=1) of [Yhat_b, Yhat_u] for every b, without concatenating
    mean_all = (yhat.sum(axis=1) + yhat_u.sum()) / total
    squares = ((yhat - mean_all[:, None]) ** 2).sum(axis=1)
    squares += ((yhat_u[None, :] - mean_all[:, None]) ** 2).sum(axis=1)
    var = squares / (total - 1)
    lam = _power_tuning(cov, 2.0 * (1.0 + n / big_n) * var)
    return lam * mean_u + (y - lam[:, None] * yhat).mean(axis=1)


def _power_tuning(cov: FloatArray, denom: FloatArray) -> FloatArray:
    """``clip(cov / denom, 0, 1)``, and 0 where ``denom`` is 0 (no variance to exploit)."""
    lam = np.zeros_like(cov)
    np.divide(cov, denom, out=lam, where=denom > 0)
    return np.clip(lam, 0.0, 1.0)
