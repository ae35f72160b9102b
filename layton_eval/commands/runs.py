"""The runs a command acts on: found by name (or the latest suitable one), by group or by a
glob of run names, and ready for it."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from layton_eval.next_step import Step
    from layton_eval.runs.groups import Selection
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

__all__ = ["expand_names", "find_run", "find_runs", "run_named"]


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


def find_runs(
    name: str | None,
    *,
    step: Step | None = None,
    accept: t.Callable[[RunManifest], bool] | None = None,
) -> Selection:
    """The runs ``name`` stands for: one run (as :func:`run_named`: refused when ``step``
    cannot act on it), or the evaluated runs of a group or glob of run names (the runs
    folder is read without pydantic-settings: a command that calls a provider asks for the
    settings itself)."""
    from layton_eval.envvars import runs_dir
    from layton_eval.runs.groups import Selection, expand
    from layton_eval.runs.store import RunStore

    found, group = ([], None) if name is None else expand(RunStore(runs_dir()), name)
    if group is None:
        return Selection([run_named(name, step=step, accept=accept)])
    return Selection([run for run in found if run.manifest.kind == "benchmark"], group)


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
