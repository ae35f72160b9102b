"""The commands that errors and notes name: what to type to fix or follow a run.

A refused step names its fix through :func:`~layton_eval.next_step.refusals.refusal`; the
other errors (a run interrupted while submitting, a stale requests file, a batch still out...)
and a few notes name theirs through these functions, so that every ``layton ...`` a user is
told to type is spelled in this package.
"""

from __future__ import annotations

from layton_eval.next_step.rules import _command

__all__ = [
    "annotate_again",
    "compare_runs",
    "compare_usage",
    "fetch",
    "follow",
    "jury",
    "list_runs",
    "official_prompts",
    "prepare",
    "prepare_again",
    "rejudge",
    "reconcile",
    "retry_failed",
    "set_aside",
]


def follow(run: str) -> str:
    """Where the batches of ``run`` (and its judges) stand."""
    return _command("status", run)


def reconcile(run: str) -> str:
    """Find out what an interrupted submission of ``run`` created."""
    return _command("status", run, "--reconcile")


def set_aside(run: str, batch_id: str) -> str:
    """Set aside a batch the provider lost, or that expired."""
    return _command("status", run, "--set-aside", batch_id)


def fetch(run: str = "RUN") -> str:
    return _command("fetch", run)


def jury(run: str) -> str:
    return _command("jury", run)


def rejudge(run: str) -> str:
    """Write and send a run's judges again (their requests are rebuilt)."""
    return _command("jury", run, "--force")


def retry_failed(run: str) -> str:
    return _command("send", run, "--retry-failed")


def list_runs() -> str:
    return _command("status", "--all")


def prepare() -> str:
    return _command("prepare")


def prepare_again() -> str:
    """Prepare a run again over the one there (options as first given)."""
    return f"{_command('prepare')} ... --force"


def official_prompts() -> str:
    return _command("prepare", "--prompts", "official")


def compare_usage() -> str:
    """How ``compare`` is called: two subjects or more."""
    return f"{_command('compare', 'A', 'B')} [C ...]"


def compare_runs() -> str:
    """Two runs compared (two hint levels of a model, say)."""
    return _command("compare", "RUN", "RUN")


def annotate_again() -> str:
    return _command("annotate")
