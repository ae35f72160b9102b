"""The runs a command acts on: found by name (or the latest suitable one), by group or by a
glob of run names, and ready for it."""

from __future__ import annotations

import dataclasses
import typing as t

if t.TYPE_CHECKING:
    from layton_eval.next_step import Step
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

__all__ = ["Selection", "expand_names", "find_run", "find_runs", "run_named"]


def find_run(
    name: str | None,
    *,
    step: Step | None = None,
    accept: t.Callable[[RunManifest], bool] | None = None,
) -> tuple[Run, Settings]:
    """The run called ``name`` (else the latest one ``accept`` admits, else the latest one),
    refused with the command that fixes it when ``step`` cannot act on it yet; and the
    settings."""
    from layton_eval.settings import get_settings

    return run_named(name, step=step, accept=accept), get_settings()


def run_named(
    name: str | None,
    *,
    step: Step | None = None,
    accept: t.Callable[[RunManifest], bool] | None = None,
) -> Run:
    """:func:`find_run` without the settings, for a command that needs none (the runs folder
    is read without pydantic-settings, see :mod:`layton_eval.envvars`)."""
    from layton_eval.envvars import runs_dir
    from layton_eval.errors import RunError
    from layton_eval.next_step import ensure_ready, first_command
    from layton_eval.runs.store import RunStore

    store = RunStore(runs_dir())
    if name is None and not store.manifests():
        raise RunError(f"no runs yet in {store.root}; start with: {first_command()}")
    run = store.resolve(name, accept=accept)
    if step is not None:
        ensure_ready(step, run)
    return run


@dataclasses.dataclass(frozen=True)
class Selection:
    """The runs a name stands for.

    Attributes
    ----------
    runs : list of Run
        The run, or every evaluated run of the group (the group's domain function decides
        what is left to do for each).
    group : str or None
        The group name or glob given; ``None`` when the name is one run (or none was given).
    settings : Settings
    """

    runs: list[Run]
    group: str | None
    settings: Settings


def find_runs(
    name: str | None,
    *,
    step: Step | None = None,
    accept: t.Callable[[RunManifest], bool] | None = None,
) -> Selection:
    """The runs ``name`` stands for: one run (as :func:`find_run`: refused when ``step``
    cannot act on it), or the evaluated runs of a group or glob of run names."""
    from layton_eval.runs.groups import expand
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings

    settings = get_settings()
    found, group = ([], None) if name is None else expand(RunStore(settings.runs_dir), name)
    if group is None:
        run, settings = find_run(name, step=step, accept=accept)
        return Selection([run], None, settings)
    runs = [run for run in found if run.manifest.kind == "benchmark"]
    return Selection(runs, group, settings)


def expand_names(names: t.Iterable[str]) -> list[str]:
    """``names`` with each group or glob of run names replaced by its runs (order kept); any
    other name is kept as given (a run, or for ``compare`` a model), repeats included."""
    names = list(names)
    if not names:  # nothing to look up: no settings needed (the leaderboard alone)
        return []
    from layton_eval.envvars import runs_dir
    from layton_eval.runs.groups import expand, groups, is_glob
    from layton_eval.runs.store import RunStore

    store = RunStore(runs_dir())
    known = groups(store)
    out: list[str] = []
    for name in names:
        if name in known or is_glob(name):
            out += [run.name for run in expand(store, name)[0]]
        else:
            out.append(name)
    return out
