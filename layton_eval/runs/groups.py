"""Groups of runs (a sweep over hints and models), and the names that stand for several runs.

A run records the group it belongs to in its ``run.json`` (``group``), so membership travels
with the run and a deleted run leaves its group. A name given to a command is, in this order:
a run's name, a group's name (its members, oldest first), or a glob of run names
(``benchmark_*_hints_[0-2]``); :func:`expand` is the one place that decides.

A command acts on a :class:`Selection`: one run (a selection of one) or the runs of a group.
Each step's domain function takes the selection and returns one result per run; for a group,
:meth:`Selection.each` leaves alone the runs the step has nothing to do for (saying why) and
stops at the first failure, while a run named alone is acted on and its errors are its own.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import typing as t

from layton_eval.errors import LaytonError, RunError, UsageError
from layton_eval.next_step import fixes
from layton_eval.runs import layout

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run, RunStore

__all__ = [
    "Selection",
    "check_group_name",
    "check_not_a_group",
    "expand",
    "groups",
    "is_glob",
    "total_cost",
]


@dataclasses.dataclass(frozen=True)
class Selection:
    """The runs a command acts on.

    Attributes
    ----------
    runs : list of Run
        The run, or every evaluated run of the group (the step decides what is left to do
        for each).
    group : str or None
        The group name or glob given; ``None`` when the name is one run (or none was given).
    """

    runs: list[Run]
    group: str | None = None

    @property
    def name(self) -> str:
        """The name the selection was given by: the group (or glob), else the run."""
        return self.group or self.runs[0].name

    def left_alone(self, why: t.Callable[[Run], str | None]) -> tuple[list[Run], dict[str, str]]:
        """The runs to act on, and why each other one is left alone (a run named alone is
        never left alone: the step's own checks speak for it)."""
        if self.group is None:
            return list(self.runs), {}
        skipped = {run.name: reason for run in self.runs if (reason := why(run))}
        return [run for run in self.runs if run.name not in skipped], skipped

    def each[T](
        self,
        act: t.Callable[[Run, bool], T],
        *,
        dry_run: bool,
        left_alone: t.Callable[[Run], str | None],
        errors: tuple[type[LaytonError], ...] = (RunError,),
        did: str,
        again: str,
        check: t.Callable[[list[T]], None] | None = None,
    ) -> tuple[list[T], dict[str, str]]:
        """``act(run, dry_run)`` on each run, and why each run left alone was.

        A group is planned whole before anything is spent (``act(run, True)``; a run whose
        plan fails with one of ``errors`` is left alone, any other error stops the group),
        then acted on run after run: the first failure stops the group, saying which runs
        were done (``did``: "sent") and that ``again`` does the rest. ``check`` sees the plans
        before the first run is acted on (such as every API key they need, all named at once).
        """
        runs, skipped = self.left_alone(left_alone)
        if self.group is None:
            return [act(run, dry_run) for run in runs], skipped
        planned, plans = [], []
        for run in runs:
            try:
                plans.append(act(run, True))
            except errors as exc:
                skipped[run.name] = str(exc)
            else:
                planned.append(run)
        if dry_run:
            return plans, skipped
        if check is not None:
            check(plans)
        return _in_turn(self.group, planned, lambda run: act(run, False), did, again), skipped


def _in_turn[T](
    group: str, runs: t.Sequence[Run], act: t.Callable[[Run], T], did: str, again: str
) -> list[T]:
    done: list[T] = []
    for run in runs:
        try:
            done.append(act(run))
        except LaytonError as exc:
            names = ", ".join(r.name for r in runs[: len(done)]) or "none"
            raise RunError(
                f"{exc} (group {group}: {len(done)} of {len(runs)} runs {did} before this one: "
                f"{names}; once this is settled, '{again}' sends the rest)",
                run=run.name,
            ) from exc
    return done


def total_cost(costs: t.Iterable[float | None]) -> float | None:
    """The sum of estimated costs; unknown when any one is."""
    known = list(costs)
    return None if None in known else sum(c for c in known if c is not None)


def is_glob(name: str) -> bool:
    """A pattern of run names (``*``, ``?``, ``[...]``), which no run name can be."""
    return any(char in name for char in "*?[")


def groups(store: RunStore) -> dict[str, list[str]]:
    """Group name -> its member runs, oldest first."""
    found: dict[str, list[str]] = {}
    for manifest in store.manifests():
        if manifest.group:
            found.setdefault(manifest.group, []).append(manifest.name)
    return found


def expand(store: RunStore, name: str) -> tuple[list[Run], str | None]:
    """The runs ``name`` stands for, and the group or glob it is (``None``: one run).

    Raises
    ------
    RunError
        When no run, group or run name matches, naming some that exist.
    """
    if not is_glob(name) and (store.path(name) / layout.MANIFEST).is_file():
        return [store.load(name)], None
    manifests = store.manifests()
    members = [m.name for m in manifests if m.group == name]
    if not members and is_glob(name):
        members = [m.name for m in manifests if fnmatch.fnmatchcase(m.name, name)]
    if not members and not is_glob(name):
        try:
            store.load(name)  # the usual message: no run named ..., the latest ones
        except RunError as exc:
            known = sorted(groups(store))
            listed = f"; groups: {', '.join(known)}" if known else ""
            raise RunError(f"{exc}{listed}", run=name) from None
    if not members:
        raise RunError(f"no run name in {store.root} matches {name!r} ({fixes.list_runs()})")
    return [store.load(member) for member in members], name


def check_group_name(store: RunStore, group: str, runs: t.Collection[str]) -> str:
    """``group`` if it can name a group of ``runs`` (to be written): a valid name that no
    run of the runs folder (nor one of ``runs``) has; else a :class:`UsageError`."""
    layout.check_name(group)
    if group in runs or (store.path(group) / layout.MANIFEST).is_file():
        raise UsageError(
            f"group name {group!r} is a run's name: choose another --group (a name stands "
            "for a run or for a group, not both)"
        )
    return group


def check_not_a_group(store: RunStore, name: str) -> None:
    """Refuse a new run named like an existing group (the name would stand for both)."""
    if name in groups(store):
        raise UsageError(
            f"{name!r} is the name of a group of runs: choose another --name for the run"
        )
