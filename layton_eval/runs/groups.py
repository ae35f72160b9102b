"""Groups of runs (a sweep over hints and models), and the names that stand for several runs.

A run records the group it belongs to in its ``run.json`` (``group``), so membership travels
with the run and a deleted run leaves its group. A name given to a command is, in this order:
a run's name, a group's name (its members, oldest first), or a glob of run names
(``benchmark_*_hints_[0-2]``); :func:`expand` is the one place that decides.
"""

from __future__ import annotations

import fnmatch
import typing as t

from layton_eval.errors import RunError, UsageError
from layton_eval.runs import layout

if t.TYPE_CHECKING:
    from layton_eval.runs.store import Run, RunStore

__all__ = ["check_group_name", "check_not_a_group", "expand", "groups", "is_glob"]


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
        raise RunError(f"no run name in {store.root} matches {name!r} (layton status --all)")
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
