"""Jury values, their bins and the PPI++ mean as plain numpy functions: arrays in, numbers out.

No files, no providers, no printing. Names follow the maths of PPI++ (Angelopoulos, Duchi and
Zrnic, 2023): ``Y`` are human labels, ``Yhat`` the jury values of the labelled rows, ``Yhat_u``
the jury values of the evaluated model's riddles; ``n`` is the labelled sample size, ``N`` the
unlabelled one. Every function works on all bootstrap iterations at once (axis 0 is the
iteration axis).

The procedure (see ``docs/methodology.md``):

1. :func:`jury_values` turns a (riddles x judges) verdict matrix into one value per riddle, and
   :func:`bin_keys` into the strata (:func:`uncovered_bins` finds the riddles whose bin has no
   calibration row, before any drawing);
2. :mod:`layton_eval.stats.bootstrap` draws, for every iteration, as many calibration labels per
   jury-value bin as the model has riddles in that bin, and applies
3. :func:`ppi_mean_pointestimates`, the power-tuned PPI++ mean of every iteration;
4. :mod:`layton_eval.stats.intervals` turns the estimates into the published numbers.

A property worth knowing: stratification makes ``mean(Yhat)`` equal ``mean(Yhat_u)`` in every
iteration, so the PPI++ correction ``lambda * (mean(Yhat_u) - mean(Yhat))`` vanishes and each
estimate is the mean of the drawn human labels (exactly, where the two jury means are equal in
floating point: see the order of operations of :func:`ppi_mean_pointestimates`). The power
tuning is still computed, as the reference does, so that every estimate matches ``ppi_py`` to
1e-12.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from layton_eval.stats._arrays import FloatArray, as_1d_float

__all__ = [
    "BIN_DECIMALS",
    "bin_keys",
    "jury_values",
    "power_tuning",
    "ppi_mean_pointestimates",
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

    Call it before drawing (:mod:`layton_eval.stats.bootstrap`) to tell the user which riddles
    cannot be calibrated (for example 0.5, from a riddle that got two verdicts instead of three).

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
    - ``theta = mean(Y) + lambda * (mean(Yhat_u) - mean(Yhat))``, ``ppi_py``'s
      ``lambda * mean(Yhat_u) + mean(Y - lambda * Yhat)`` rearranged so that where the two
      jury means are equal the estimate is exactly ``mean(Y)``, whatever ``lambda`` (two
      subjects with the same labels then tie exactly, not by +-1e-16)

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
        lam = power_tuning(cov, np.full_like(cov, 2.0 * (1.0 + n / big_n) * var))
        estimates: FloatArray = mean_y + lam * (mean_u - mean_yhat)
        return estimates
    means_yhat = yhat.mean(axis=1)
    cov = (2.0 / n) * ((y - mean_y[:, None]) * (yhat - means_yhat[:, None])).sum(axis=1)
    # sample variance (ddof=1) of [Yhat_b, Yhat_u] for every b, without concatenating
    mean_all = (yhat.sum(axis=1) + yhat_u.sum()) / total
    squares = ((yhat - mean_all[:, None]) ** 2).sum(axis=1)
    squares += ((yhat_u[None, :] - mean_all[:, None]) ** 2).sum(axis=1)
    var = squares / (total - 1)
    lam = power_tuning(cov, 2.0 * (1.0 + n / big_n) * var)
    out: FloatArray = mean_y + lam * (mean_u - means_yhat)
    return out


def power_tuning(cov: npt.ArrayLike, denom: npt.ArrayLike) -> FloatArray:
    """``clip(cov / denom, 0, 1)``, and 0 where ``denom`` is 0 (no variance to exploit)."""
    c = np.asarray(cov, dtype=np.float64)
    d = np.broadcast_to(np.asarray(denom, dtype=np.float64), c.shape)
    lam = np.zeros_like(c)
    np.divide(c, d, out=lam, where=d > 0)
    clipped: FloatArray = np.clip(lam, 0.0, 1.0)
    return clipped
