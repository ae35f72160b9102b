"""The environment the benchmarks run layton in: as a user's Python runs it."""

from __future__ import annotations

import os
from pathlib import Path


def with_bytecode(cache: Path) -> dict[str, str]:
    """This process's environment, with compiled modules kept in ``cache``.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (these machines set it), every process compiles
    layton's sources again (an editable install has no ``.pyc``), which a user pays once: a
    timing would count compilation, and a baseline of one small file would not.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(cache)}
