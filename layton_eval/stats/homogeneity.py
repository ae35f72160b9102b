"""Do several groups share one success rate? Exact and chi-square tests in plain Python.

Used on the calibration set: in each jury bin, is the humans' pass rate the same for the answers
of every evaluated provider (the assumption that lets one provider's bin rate calibrate
another's score)? :func:`homogeneity_test` picks Fisher's exact test for two groups
(:func:`fisher_exact`) and Pearson's chi-square test of homogeneity for more
(:func:`chi_square_homogeneity`, with :func:`chi_square_sf` for its p-value). scipy gives the
same numbers (``scipy.stats.fisher_exact``, ``scipy.stats.chi2_contingency`` without
continuity correction); it is a test oracle only, not a dependency.
"""

from __future__ import annotations

import math
import typing as t

__all__ = [
    "Homogeneity",
    "chi_square_homogeneity",
    "chi_square_sf",
    "fisher_exact",
    "homogeneity_test",
]


class Homogeneity(t.NamedTuple):
    """A test's name, statistic (None for the exact test) and two-sided p-value."""

    test: t.Literal["fisher", "chi-square"]
    statistic: float | None
    p_value: float


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on the 2x2 table ``[[a, b], [c, d]]``.

    Rows are the groups (successes, failures). With the margins fixed, the count ``a`` is
    hypergeometric; the p-value sums the probabilities of every table no more likely than the
    observed one (``scipy.stats.fisher_exact``'s two-sided rule, same relative tolerance).
    """
    if min(a, b, c, d) < 0:
        raise ValueError("counts must be non-negative")
    row, column, total = a + b, a + c, a + b + c + d
    low, high = max(0, column - (total - row)), min(row, column)
    weights = {
        x: math.comb(row, x) * math.comb(total - row, column - x) for x in range(low, high + 1)
    }
    observed = weights[a]
    tail = sum(w for w in weights.values() if w <= observed * (1 + 1e-7))
    return min(1.0, tail / math.comb(total, column))


def chi_square_sf(statistic: float, df: int) -> float:
    """``P(X >= statistic)`` for ``X`` chi-square with ``df`` (a positive integer) degrees of
    freedom, in closed form: a Poisson sum for even ``df``, ``erfc`` plus a finite series for odd
    ``df``."""
    if df < 1 or int(df) != df:
        raise ValueError("df must be a positive integer")
    if statistic <= 0:
        return 1.0
    half = statistic / 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= half / k
            total += term
        return min(1.0, math.exp(-half) * total)
    total = math.erfc(math.sqrt(half))
    term = math.sqrt(half) / math.gamma(1.5)  # (x/2)^(k - 1/2) / Gamma(k + 1/2), k = 1
    for k in range(1, (df + 1) // 2):
        total += math.exp(-half) * term
        term *= half / (k + 0.5)
    return min(1.0, total)


def chi_square_homogeneity(successes: t.Sequence[int], totals: t.Sequence[int]) -> Homogeneity:
    """Pearson's chi-square test that every group has the same success rate.

    ``sum (observed - expected)^2 / expected`` over the groups x {success, failure} table, with
    ``groups - 1`` degrees of freedom (no continuity correction). Approximate when expected
    counts are small; p = 1 when every answer succeeded or every answer failed.
    """
    _check(successes, totals)
    grand, passed = sum(totals), sum(successes)
    if passed in (0, grand):
        return Homogeneity("chi-square", 0.0, 1.0)
    statistic = 0.0
    for s, n in zip(successes, totals, strict=True):
        for observed, share in ((s, passed / grand), (n - s, 1 - passed / grand)):
            expected = n * share
            statistic += (observed - expected) ** 2 / expected
    return Homogeneity("chi-square", statistic, chi_square_sf(statistic, len(totals) - 1))


def homogeneity_test(successes: t.Sequence[int], totals: t.Sequence[int]) -> Homogeneity:
    """Fisher's exact test for two groups, the chi-square test for more (groups of size 0 are
    left out by the caller). ValueError with fewer than two groups."""
    _check(successes, totals)
    if len(totals) == 2:
        (s1, s2), (n1, n2) = successes, totals
        return Homogeneity("fisher", None, fisher_exact(s1, n1 - s1, s2, n2 - s2))
    return chi_square_homogeneity(successes, totals)


def _check(successes: t.Sequence[int], totals: t.Sequence[int]) -> None:
    if len(successes) != len(totals) or len(totals) < 2:
        raise ValueError("need the successes and totals of at least two groups")
    if any(n < 1 or not 0 <= s <= n for s, n in zip(successes, totals, strict=True)):
        raise ValueError("every group needs 1 <= total and 0 <= successes <= total")
