"""From bootstrap estimates to the published numbers: interval, rounding, ranks.

Plain numpy functions (see ``docs/methodology.md``): :func:`percentile_interval` gives the 95%
percentile interval of the bootstrap estimates, :func:`round_score` and :func:`round_ci` the
published ``score`` and ``95% CI (±)``, :func:`competition_ranks` and :func:`rank_spread` the
leaderboard's rank and ``best <--> worst``.
"""

from __future__ import annotations

import math
import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.stats._arrays import IntArray, as_1d_float

__all__ = [
    "competition_ranks",
    "percentile_interval",
    "rank_spread",
    "round_ci",
    "round_score",
    "wilson_interval",
]


def percentile_interval(estimates: npt.ArrayLike, *, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval: the (1-level)/2 and (1+level)/2 quantiles.

    Parameters
    ----------
    estimates : array_like, shape (B,)
        Bootstrap estimates.
    level : float
        Coverage in (0, 1); 0.95 gives the 2.5th and 97.5th percentiles (linear interpolation,
        numpy's default, as in the reference).

    Returns
    -------
    tuple of float
        ``(lo, hi)``.
    """
    array = as_1d_float("estimates", estimates)
    if array.size == 0 or np.isnan(array).any():
        raise ValueError("estimates must be non-empty and free of NaN")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    # rounded so that level=0.95 asks for exactly the 2.5th and 97.5th percentiles
    quantiles = np.round([50.0 * (1.0 - level), 50.0 * (1.0 + level)], 10)
    lo, hi = np.percentile(array, quantiles)
    return float(lo), float(hi)


def round_score(lo: float, hi: float) -> float:
    """Published score: the interval's midpoint in percentage points, rounded to 0.1.

    Computed as ``round(((lo + hi) / 2) * 100, 1)`` with numpy's rounding, in the reference's
    order of operations so that ties round the same way.
    """
    _check_interval(lo, hi)
    return float(np.round(((hi + lo) / 2) * 100, 1))


def round_ci(lo: float, hi: float) -> float:
    """Published ``95% CI (±)``: the half-width in percentage points, always rounded *up* to 0.1.

    ``(floor(1000 * (hi - lo) / 2) + 1) / 10``: a half-width of exactly 1.2 points gives 1.3,
    and a zero-width interval gives 0.1.
    """
    _check_interval(lo, hi)
    spread = (hi - lo) / 2
    return float((math.floor(spread * 100 * 10) + 1) / 10)


def _check_interval(lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise ValueError(f"not an interval: [{lo}, {hi}]")


def competition_ranks(scores: npt.ArrayLike) -> IntArray:
    """Rank by score, highest first; tied scores share the best rank ("1224" ranking).

    Parameters
    ----------
    scores : array_like, shape (m,)
        Published (rounded) scores.

    Returns
    -------
    ndarray of int, shape (m,)
        1 for the best score.
    """
    tenths = _tenths("scores", scores)
    ranks: IntArray = 1 + (tenths[None, :] > tenths[:, None]).sum(axis=1)
    return ranks


def rank_spread(scores: npt.ArrayLike, ci95: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """Best and worst possible rank of each model given its interval ``[s - w, s + w]``.

    best = 1 + number of other models whose lower bound is above this model's upper bound;
    worst = number of models (itself included) whose upper bound is at or above this model's
    lower bound. Scores and half-widths are the published numbers (multiples of 0.1); they are
    compared as integer tenths so that float noise never flips a tie.

    Parameters
    ----------
    scores : array_like, shape (m,)
        Published scores.
    ci95 : array_like, shape (m,)
        Published half-widths, same order.

    Returns
    -------
    tuple of ndarray of int
        ``(best, worst)``, each of shape (m,).
    """
    s = _tenths("scores", scores)
    w = _tenths("ci95", ci95)
    if s.shape != w.shape:
        raise ValueError(f"scores and ci95 differ in shape: {s.shape} vs {w.shape}")
    if (w < 0).any():
        raise ValueError("ci95 must not be negative")
    lower, upper = s - w, s + w
    best = 1 + (lower[None, :] > upper[:, None]).sum(axis=1)
    worst = (upper[None, :] >= lower[:, None]).sum(axis=1)
    return best, worst


def _tenths(name: str, values: npt.ArrayLike) -> t.Any:
    array = as_1d_float(name, values)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite")
    return np.rint(array * 10).astype(np.int64)


def wilson_interval(successes: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n`` (Wilson, 1927).

    Better behaved than the normal approximation near 0 and 1 and for small ``n``.

    Raises
    ------
    ValueError
        If ``n < 1``, ``successes`` is outside ``[0, n]`` or ``level`` outside (0, 1).
    """
    if n < 1 or not 0 <= successes <= n or not 0.0 < level < 1.0:
        raise ValueError(f"need 0 <= successes <= n, n >= 1: got {successes} of {n}")
    import statistics

    z = statistics.NormalDist().inv_cdf((1 + level) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lower = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper
