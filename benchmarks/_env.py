"""The environment the benchmarks run layton in: as a user's Python runs it."""

from __future__ import annotations

import os
import resource
import subprocess
import typing as t
from pathlib import Path


def with_bytecode(cache: Path) -> dict[str, str]:
    """This process's environment, with compiled modules kept in ``cache``.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (these machines set it), every process compiles
    layton's sources again (an editable install has no ``.pyc``), which a user pays once: a
    timing would count compilation, and a baseline of one small file would not.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(cache)}


def timed_run(
    command: list[str], **options: t.Any
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``command`` (``subprocess.run`` options, output captured as text); its result and
    the CPU seconds, user + system, that it and its children used, in microseconds (time(1)
    prints 10 ms steps)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, **options)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
