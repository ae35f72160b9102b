"""Exact bootstrap draws by counts: no per-riddle index, memory O(bins x iterations).

The stratified bootstrap only ever needs, per iteration and jury-value bin, *how many* riddles
fall in the bin and the *sum* of the human labels drawn for them. Both have exact closed-form
distributions, so they are drawn directly:

- resampling ``N`` riddles with replacement puts ``Multinomial(N, q)`` riddles in the bins, ``q``
  being the bins' shares of the riddles (:func:`riddle_counts`);
- the sum of ``k`` labels drawn with replacement from a bin whose labels are 0/1 with a share
  ``p`` of 1s is ``Binomial(k, p)``; for other labels it is ``sum_v v * M_v`` with
  ``M ~ Multinomial(k, shares of each distinct label value)`` (:func:`label_sums`).

The draws have exactly the distribution of the index draws they replace; the random stream
differs (one binomial per bin instead of ``k`` integers). Randomness only from the
:class:`numpy.random.Generator` passed in.
"""

from __future__ import annotations

import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.stats._arrays import FloatArray, IntArray

__all__ = ["label_sums", "riddle_counts"]


def riddle_counts(counts: npt.ArrayLike, *, iterations: int, rng: np.random.Generator) -> IntArray:
    """Bin counts of ``iterations`` resamples (with replacement) of the riddles.

    Parameters
    ----------
    counts : array_like of int, shape (k,)
        Riddles per bin (or per cell) in the observed sample; their sum ``N`` is the resample
        size.
    iterations : int
        Number of resamples ``B``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (B, k)
        Each row sums to ``N``: one ``Multinomial(N, counts / N)`` draw per iteration, exactly
        the bin counts of ``N`` riddle indices drawn uniformly with replacement.
    """
    observed = np.asarray(counts, dtype=np.int64)
    if observed.ndim != 1 or observed.size == 0 or (observed < 0).any() or observed.sum() == 0:
        raise ValueError("counts must be a non-empty 1-D array of non-negative integers")
    total = int(observed.sum())
    drawn: IntArray = rng.multinomial(total, observed / total, size=int(iterations))
    return drawn


def label_sums(
    labels: t.Sequence[npt.ArrayLike],
    counts: npt.ArrayLike,
    *,
    iterations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Sum of the labels drawn with replacement in each bin, for every iteration at once.

    One draw per bin (in the order given): ``rng.binomial`` for 0/1 labels, else
    ``rng.multinomial`` over the bin's distinct label values.

    Parameters
    ----------
    labels : sequence of array_like, length k
        The human labels of each bin's calibration rows (non-empty, no NaN).
    counts : array_like of int, shape (k,) or (B, k)
        How many labels to draw per bin: the same in every iteration, or one count per
        iteration (after :func:`riddle_counts`).
    iterations : int
        Number of iterations ``B``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float, shape (B, k)
        Per iteration and bin, the sum of the drawn labels.
    """
    sizes = np.asarray(counts, dtype=np.int64)
    per_iteration = sizes.ndim == 2
    if sizes.shape[-1] != len(labels) or (per_iteration and sizes.shape[0] != iterations):
        raise ValueError(f"counts of shape {sizes.shape} do not match {len(labels)} bins")
    out = np.empty((int(iterations), len(labels)))
    for b, pool in enumerate(labels):
        values = np.asarray(pool, dtype=np.float64)
        if values.size == 0 or np.isnan(values).any():
            raise ValueError("every bin needs at least one label, and no NaN")
        n = sizes[:, b] if per_iteration else int(sizes[b])
        size = None if per_iteration else int(iterations)
        if np.isin(values, (0.0, 1.0)).all():
            out[:, b] = rng.binomial(n, np.count_nonzero(values) / values.size, size=size)
        else:
            distinct, frequency = np.unique(values, return_counts=True)
            out[:, b] = rng.multinomial(n, frequency / values.size, size=size) @ distinct
    return out
