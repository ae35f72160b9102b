"""The run a command acts on: found by name (or the latest suitable one), and ready for it."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from layton_eval.next_step import Step
    from layton_eval.runs.manifest import RunManifest
    from layton_eval.runs.store import Run
    from layton_eval.settings import Settings

__all__ = ["find_run"]


def find_run(
    name: str | None,
    *,
    step: Step | None = None,
    accept: t.Callable[[RunManifest], bool] | None = None,
) -> tuple[Run, Settings]:
    """The run called ``name`` (else the latest one ``accept`` admits, else the latest one),
    refused with the command that fixes it when ``step`` cannot act on it yet."""
    from layton_eval.errors import RunError
    from layton_eval.next_step import ensure_ready, first_command
    from layton_eval.runs.store import RunStore
    from layton_eval.settings import get_settings

    settings = get_settings()
    store = RunStore(settings.runs_dir)
    if name is None and not store.manifests():
        raise RunError(f"no runs yet in {store.root}; start with: {first_command()}")
    run = store.resolve(name, accept=accept)
    if step is not None:
        ensure_ready(step, run)
    return run, settings
