"""How far raters agree: Fleiss' kappa and pairwise agreement (judges), Cohen's kappa (two
people, or a person and a judge)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["cohen_kappa", "fleiss_kappa", "pairwise_agreement"]


def fleiss_kappa(ratings: npt.ArrayLike) -> float | None:
    """Fleiss' kappa of binary ratings.

    Parameters
    ----------
    ratings : array_like of bool, shape (items, raters)
        Every item rated by every rater.

    Returns
    -------
    float or None
        ``None`` when there is no item, fewer than two raters, or every rating falls in one
        class (chance agreement is then 1 and kappa undefined).
    """
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] < 2:
        return None
    n_raters = data.shape[1]
    yes = data.sum(axis=1)
    counts = np.stack([yes, n_raters - yes], axis=1)
    p_i = ((counts**2).sum(axis=1) - n_raters) / (n_raters * (n_raters - 1))
    p_bar = p_i.mean()
    p_j = counts.sum(axis=0) / counts.sum()
    p_e = (p_j**2).sum()
    if p_e >= 1.0:
        return None
    return float((p_bar - p_e) / (1 - p_e))


def pairwise_agreement(ratings: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Share of items on which each pair of raters agrees.

    Parameters
    ----------
    ratings : array_like of bool, shape (items, raters)

    Returns
    -------
    ndarray of float, shape (raters, raters)
        Symmetric, 1 on the diagonal; NaN everywhere when there is no item.
    """
    data = np.asarray(ratings, dtype=bool)
    if data.ndim != 2:
        raise ValueError(f"ratings must be an (items, raters) matrix, got shape {data.shape}")
    if data.shape[0] == 0:
        return np.full((data.shape[1], data.shape[1]), np.nan)
    same = data[:, :, None] == data[:, None, :]
    return np.asarray(same.mean(axis=0), dtype=np.float64)


def cohen_kappa(a: npt.ArrayLike, b: npt.ArrayLike) -> float | None:
    """Cohen's kappa of two raters' binary ratings of the same items.

    ``(p_o - p_e) / (1 - p_e)``, where ``p_o`` is the share of items both raters put in the same
    class and ``p_e = p_a p_b + (1 - p_a)(1 - p_b)`` the agreement expected by chance from each
    rater's own share of positive ratings (``p_a``, ``p_b``).

    Parameters
    ----------
    a, b : array_like of bool or 0/1, shape (items,)
        The two raters' ratings, item by item.

    Returns
    -------
    float or None
        ``None`` when there is no item, or when both raters put every item in one and the same
        class (chance agreement is then 1 and kappa undefined).

    Raises
    ------
    ValueError
        If the arrays are not 1-D of one length, or hold values other than 0 and 1.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"ratings must be two 1-D arrays of one length, got {x.shape}, {y.shape}")
    if not (np.isin(x, (0.0, 1.0)).all() and np.isin(y, (0.0, 1.0)).all()):
        raise ValueError("ratings must be 0/1 (or booleans)")
    if x.size == 0:
        return None
    p_o = float(np.mean(x == y))
    p_a, p_b = float(x.mean()), float(y.mean())
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1 - p_e)
