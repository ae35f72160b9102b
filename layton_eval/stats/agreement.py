"""How far raters agree: judges with each other (Fleiss' kappa, pairwise agreement), and a
rater with humans or another person (accuracy, sensitivity, specificity, Cohen's kappa)."""

from __future__ import annotations

import typing as t

import numpy as np
import numpy.typing as npt

__all__ = ["BinaryScores", "binary_scores", "cohen_kappa", "fleiss_kappa", "pairwise_agreement"]


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


class BinaryScores(t.NamedTuple):
    """A rater's 0/1 verdicts against the truth; ``None`` where a rate is undefined."""

    n: int  # items both rated
    accuracy: float | None
    sensitivity: float | None  # share of true 1s rated 1
    specificity: float | None  # share of true 0s rated 0
    kappa: float | None  # Cohen's kappa


def _pairs(rated: npt.ArrayLike, truth: npt.ArrayLike) -> tuple[npt.NDArray[np.bool_], ...]:
    r = np.asarray(rated, dtype=np.float64)
    g = np.asarray(truth, dtype=np.float64)
    if r.shape != g.shape or r.ndim != 1:
        raise ValueError(f"rated and truth must be 1-D of one shape, got {r.shape} and {g.shape}")
    both = ~np.isnan(r) & ~np.isnan(g)
    if not np.isin(r[both], (0.0, 1.0)).all() or not np.isin(g[both], (0.0, 1.0)).all():
        raise ValueError("ratings must be 0, 1 or NaN")
    return r[both] == 1.0, g[both] == 1.0


def cohen_kappa(rated: npt.ArrayLike, truth: npt.ArrayLike) -> float | None:
    """Cohen's kappa of two 0/1 raters over the items both rated (NaN: not rated).

    ``(p_o - p_e) / (1 - p_e)``, with ``p_o`` the observed agreement and ``p_e`` the agreement
    expected from each rater's share of 1s. ``None`` without items, or when ``p_e`` is 1 (both
    raters constant and equal).
    """
    a, b = _pairs(rated, truth)
    if a.size == 0:
        return None
    observed = float(np.mean(a == b))
    expected = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    return None if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def binary_scores(rated: npt.ArrayLike, truth: npt.ArrayLike) -> BinaryScores:
    """Accuracy, sensitivity, specificity and Cohen's kappa of ``rated`` against ``truth``.

    Parameters
    ----------
    rated, truth : array_like, shape (m,)
        0/1, NaN where there is no rating (or no truth): those items are left out.
    """
    a, b = _pairs(rated, truth)
    if a.size == 0:
        return BinaryScores(0, None, None, None, None)
    positives, negatives = int(b.sum()), int((~b).sum())
    return BinaryScores(
        n=int(a.size),
        accuracy=float(np.mean(a == b)),
        sensitivity=float((a & b).sum() / positives) if positives else None,
        specificity=float((~a & ~b).sum() / negatives) if negatives else None,
        kappa=cohen_kappa(a.astype(float), b.astype(float)),
    )
