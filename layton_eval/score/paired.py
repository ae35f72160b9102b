"""The pairs of a comparison and their paired bootstrap differences, drawn in one pass.

:func:`plan_pairs` finds each pair's common riddles that both subjects' pools can calibrate
(in sorted id order: the order they are resampled in, whichever subject comes first);
:func:`drawn_differences` draws every subject of the pairs that share their common riddles at
once (:func:`~layton_eval.stats.compare.joint_bootstrap`) and hands out each pair's differences.
Under one ``--seed`` the riddle resample comes from the seed alone and each calibration pool's
label resample from the seed and a hash of the pool's rows, so a pair's numbers are those of
comparing the two alone, whatever else is compared with them.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import typing as t

import numpy as np
import numpy.typing as npt

from layton_eval.choices import CiMethod
from layton_eval.errors import ScoreError
from layton_eval.score.calibration import CalibrationPool, CalibrationSet
from layton_eval.score.coverage import covered_riddles
from layton_eval.stats import compare

if t.TYPE_CHECKING:
    from layton_eval.score.score import ScoreOptions
    from layton_eval.score.subjects import Subject

__all__ = ["Memo", "Plan", "drawn_differences", "plan_pairs"]


def plan_pairs(
    subjects: t.Sequence[Subject], calibration: CalibrationSet, options: ScoreOptions
) -> tuple[list[Plan], Memo]:
    """Every pair (A before B, in the order given) on its common, calibrated riddles, and what
    was computed once per subject on the way.

    Raises
    ------
    ScoreError
        If two subjects share no riddle, or (without ``options.skip_uncalibrated``) a common
        riddle has a jury value that no calibration row of the subject's pool has.
    """
    pool_of = functools.cache(
        lambda provider: calibration.pool(options.field, exclude_provider=provider)
    )
    memo = Memo(skip=options.skip_uncalibrated)
    plans = [
        _plan(a, b, pool_of(a.provider), pool_of(b.provider), memo)
        for i, a in enumerate(subjects)
        for b in subjects[i + 1 :]
    ]
    return plans, memo


@dataclasses.dataclass(frozen=True)
class Plan:
    """One pair on the common riddles both can be calibrated on, in sorted id order (the order
    the riddles are resampled in, so that it does not depend on which subject comes first)."""

    a: Subject
    b: Subject
    ids: tuple[str, ...]
    ya: npt.NDArray[np.float64]
    yb: npt.NDArray[np.float64]
    pool_a: CalibrationPool
    pool_b: CalibrationPool
    excluded: list[str]

    @property
    def swapped(self) -> bool:
        """The pair is drawn in name order, B first here: its differences are B minus A."""
        return self.a.name > self.b.name


def _common(
    a: Subject, b: Subject
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Riddles both subjects have a jury value for, in id order, and both values."""
    index_a = {rid: i for i, rid in enumerate(a.riddle_ids)}
    index_b = {rid: i for i, rid in enumerate(b.riddle_ids)}
    common = sorted(index_a.keys() & index_b.keys())
    ya = a.yhat[np.array([index_a[rid] for rid in common], dtype=np.intp)]
    yb = b.yhat[np.array([index_b[rid] for rid in common], dtype=np.intp)]
    both = ~np.isnan(ya) & ~np.isnan(yb)
    if not both.any():
        raise ScoreError(f"{a.name} and {b.name} have no riddle with verdicts in common")
    ids = [rid for rid, ok in zip(common, both.tolist(), strict=True) if ok]
    ya, yb = ya[both], yb[both]
    return ids, ya, yb


class Memo:
    """What depends on one subject and a set of riddles only (its coverage, its riddles'
    calibrated values), computed once for all the pairs it is in."""

    def __init__(self, *, skip: bool) -> None:
        self.skip = skip
        self._covered: dict[tuple[int, tuple[str, ...]], npt.NDArray[np.bool_]] = {}
        self._calibrated: dict[tuple[int, tuple[str, ...]], npt.NDArray[np.float64]] = {}

    def covered(
        self, who: Subject, ids: t.Sequence[str], y: npt.NDArray[np.float64], pool: CalibrationPool
    ) -> npt.NDArray[np.bool_]:
        key = (id(who), tuple(ids))
        if key not in self._covered:
            self._covered[key] = covered_riddles(who.name, ids, y, pool, skip=self.skip)[0]
        return self._covered[key]

    def calibrated(
        self, who: Subject, ids: tuple[str, ...], y: npt.NDArray[np.float64], pool: CalibrationPool
    ) -> npt.NDArray[np.float64]:
        key = (id(who), ids)
        if key not in self._calibrated:
            self._calibrated[key] = compare.post_stratified(y, (pool.y, pool.yhat))
        return self._calibrated[key]


def _plan(
    a: Subject, b: Subject, pool_a: CalibrationPool, pool_b: CalibrationPool, memo: Memo
) -> Plan:
    ids, ya, yb = _common(a, b)
    keep = memo.covered(a, ids, ya, pool_a) & memo.covered(b, ids, yb, pool_b)
    if not keep.any():
        raise ScoreError(f"{a.name} and {b.name}: no common riddle can be calibrated for both")
    return Plan(
        a, b, tuple(rid for rid, k in zip(ids, keep, strict=True) if k), ya[keep], yb[keep],
        pool_a, pool_b, excluded=[rid for rid, k in zip(ids, keep, strict=True) if not k],
    )  # fmt: skip


#: Entropy tags of the two kinds of draw under one ``--seed``.
_RIDDLES, _LABELS = 0, 1


def _digest(pool: CalibrationPool) -> bytes:
    """What tells a pool's rows apart: a hash of its labels and jury values."""
    return hashlib.blake2b(pool.y.tobytes() + pool.yhat.tobytes(), digest_size=16).digest()


def _pool_rng(seed: int, digest: bytes) -> np.random.Generator:
    """The generator of a pool's label resamples: from the seed and the pool's rows, so that
    the same rows are resampled the same way in every comparison (one resample shared by the
    subjects they calibrate) and different rows independently."""
    words = np.frombuffer(digest, dtype=np.uint32).tolist()
    return np.random.default_rng(np.random.SeedSequence([seed, _LABELS, *words]))


def _joint(members: list[Plan], options: ScoreOptions) -> dict[int, npt.NDArray[np.float64]]:
    """The bootstrap estimates of every subject of pairs that share their common riddles."""
    sides: dict[int, tuple[npt.NDArray[np.float64], CalibrationPool]] = {}
    for plan in members:
        sides.setdefault(id(plan.a), (plan.ya, plan.pool_a))
        sides.setdefault(id(plan.b), (plan.yb, plan.pool_b))
    digest_of = {key: _digest(pool) for key, (_, pool) in sides.items()}
    pools = {digest: sides[key][1] for key, digest in digest_of.items()}
    digests = list(pools)
    drawn = compare.joint_bootstrap(
        [y for y, _ in sides.values()], [(pool.y, pool.yhat) for pool in pools.values()],
        [digests.index(digest_of[key]) for key in sides],
        resample_riddles=options.ci is CiMethod.full, iterations=options.iterations,
        riddle_rng=np.random.default_rng(np.random.SeedSequence([options.seed, _RIDDLES])),
        pool_rngs=[_pool_rng(options.seed, digest) for digest in digests],
    )  # fmt: skip
    return dict(zip(sides, drawn, strict=True))


def drawn_differences(
    plans: list[Plan], options: ScoreOptions
) -> t.Iterator[npt.NDArray[np.float64]]:
    """Each pair's paired bootstrap differences, first minus second subject in name order (B
    first when A's name sorts after B's), so that swapping A and B negates every number
    exactly; one pair's at a time. One joint draw per set of common riddles: its riddle
    resample from the seed alone, each pool's label resample from the seed and the pool's
    rows."""
    groups: dict[tuple[str, ...], list[Plan]] = {}
    for plan in plans:
        groups.setdefault(plan.ids, []).append(plan)
    theta = {ids: _joint(members, options) for ids, members in groups.items()}
    for plan in plans:
        first, second = (plan.b, plan.a) if plan.swapped else (plan.a, plan.b)
        yield theta[plan.ids][id(first)] - theta[plan.ids][id(second)]
