"""The commands that errors and notes name: what to type to fix or follow a run.

A refused step names its fix through :func:`~layton_eval.next_step.refusals.refusal`; the
other errors (a run interrupted while submitting, a stale requests file, a batch still out...)
and a few notes name theirs through these functions, so that every ``layton ...`` a user is
told to type is spelled in this package.
"""

from __future__ import annotations

import shlex

__all__ = [
    "command",
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
]


def command(*words: str) -> str:
    """``layton`` and ``words``, each quoted for a shell when it needs to be: the one spelling
    of a command to type (this module imports nothing of the package, so that ``runs`` can
    name fixes without a circle)."""
    return " ".join(["layton", *(shlex.quote(word) for word in words)])


def follow(run: str) -> str:
    """Where the batches of ``run`` (and its judges) stand."""
    return command("status", run)


def reconcile(run: str) -> str:
    """Find out what an interrupted submission of ``run`` created."""
    return command("status", run, "--reconcile")


def fetch(run: str = "RUN") -> str:
    return command("fetch", run)


def jury(run: str) -> str:
    return command("jury", run)


def rejudge(run: str) -> str:
    """Write and send a run's judges again (their requests are rebuilt)."""
    return command("jury", run, "--force")


def retry_failed(run: str) -> str:
    return command("send", run, "--retry-failed")


def list_runs() -> str:
    return command("status", "--all")


def prepare() -> str:
    return command("prepare")


def prepare_again() -> str:
    """Prepare a run again over the one there (options as first given)."""
    return f"{command('prepare')} ... --force"


def official_prompts() -> str:
    return command("prepare", "--prompts", "official")


def compare_usage() -> str:
    """How ``compare`` is called: two subjects or more."""
    return f"{command('compare', 'A', 'B')} [C ...]"


def compare_runs() -> str:
    """Two runs compared (two hint levels of a model, say)."""
    return command("compare", "RUN", "RUN")


def annotate_again() -> str:
    return command("annotate")
