"""Do several groups share one success rate? Exact and chi-square tests in plain Python.

Used on the calibration set: in each jury bin, is the humans' pass rate the same for the answers
of every evaluated provider (the assumption that lets one provider's bin rate calibrate
another's score)? :func:`homogeneity_test` uses the exact test (:func:`exact_homogeneity`:
Fisher's for two groups, its Freeman-Halton extension for more) whenever the tables to
enumerate are few, which they are in a jury bin (nearly every answer passed, or nearly every
one failed), and Pearson's chi-square test otherwise (:func:`chi_square_homogeneity`, with
:func:`chi_square_sf` for its p-value). scipy gives the same numbers (``fisher_exact`` on two
groups, ``chi2_contingency`` without continuity correction); it is a test oracle only, not a
dependency.
"""

from __future__ import annotations

import math
import typing as t

__all__ = [
    "EXACT_LIMIT",
    "Homogeneity",
    "chi_square_homogeneity",
    "chi_square_sf",
    "exact_homogeneity",
    "homogeneity_test",
    "table_count",
]


class Homogeneity(t.NamedTuple):
    """A test's name, statistic (None for the exact test) and two-sided p-value."""

    test: t.Literal["exact", "chi-square"]
    statistic: float | None
    p_value: float


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


#: Most tables :func:`homogeneity_test` enumerates for the exact test.
EXACT_LIMIT = 200_000


def exact_homogeneity(successes: t.Sequence[int], totals: t.Sequence[int]) -> Homogeneity:
    """Exact test that every group has the same success rate (Fisher's for two groups, the
    Freeman-Halton extension for more).

    With both margins fixed, a table with ``x_i`` successes in group ``i`` has probability
    ``prod_i C(n_i, x_i) / C(N, S)``; the p-value sums the probabilities of every table no more
    likely than the observed one (``scipy.stats.fisher_exact``'s two-sided rule, with its
    relative tolerance). Enumerates every table: see :func:`table_count`.
    """
    _check(successes, totals)
    grand, passed = sum(totals), sum(successes)
    flip = passed > grand - passed  # enumerate the rarer outcome: fewer tables
    observed = [n - s for s, n in zip(successes, totals, strict=True)] if flip else list(successes)
    column = sum(observed)
    target = math.prod(math.comb(n, x) for n, x in zip(totals, observed, strict=True))
    tail = sum(w for w in _weights(list(totals), column) if w <= target * (1 + 1e-7))
    return Homogeneity("exact", None, min(1.0, tail / math.comb(grand, column)))


def _weights(totals: list[int], column: int) -> t.Iterator[int]:
    """``prod_i C(n_i, x_i)`` of every ``x`` with ``0 <= x_i <= n_i`` and ``sum x = column``."""
    if len(totals) == 1:
        if column <= totals[0]:
            yield math.comb(totals[0], column)
        return
    first, rest = totals[0], totals[1:]
    room = sum(rest)
    for x in range(max(0, column - room), min(first, column) + 1):
        head = math.comb(first, x)
        yield from (head * w for w in _weights(rest, column - x))


def table_count(totals: t.Sequence[int], column: int) -> int:
    """Number of tables with these group sizes and ``column`` successes in all (a count of
    bounded compositions, by dynamic programming)."""
    ways = [1] + [0] * column
    for n in totals:
        ways = [sum(ways[j - x] for x in range(min(n, j) + 1)) for j in range(column + 1)]
    return ways[column]


def homogeneity_test(successes: t.Sequence[int], totals: t.Sequence[int]) -> Homogeneity:
    """The exact test when it has at most :data:`EXACT_LIMIT` tables to enumerate, else the
    chi-square test (groups of size 0 are left out by the caller). ValueError with fewer than
    two groups."""
    _check(successes, totals)
    rarer = min(sum(successes), sum(totals) - sum(successes))
    if table_count(totals, rarer) <= EXACT_LIMIT:
        return exact_homogeneity(successes, totals)
    return chi_square_homogeneity(successes, totals)


def _check(successes: t.Sequence[int], totals: t.Sequence[int]) -> None:
    if len(successes) != len(totals) or len(totals) < 2:
        raise ValueError("need the successes and totals of at least two groups")
    if any(n < 1 or not 0 <= s <= n for s, n in zip(successes, totals, strict=True)):
        raise ValueError("every group needs 1 <= total and 0 <= successes <= total")
