"""The data and runs folders read from the environment, without pydantic-settings when it can be.

pydantic-settings (which also reads a ``.env`` file) costs about a tenth of a second and 5 MB to
import. Commands that need only a folder read its variable here: set in the environment, its
value is the answer, as :class:`~layton_eval.settings.Settings` would read it (names match
whatever their case, an empty value counts as unset); absent, with no ``.env`` in the working
directory, the default is; otherwise ``Settings`` decides, as it always did.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "environment_value", "runs_dir"]


def environment_value(var: str) -> str | None:
    """``var`` as set in the environment (any case), or ``None`` when unset or empty."""
    wanted = var.lower()
    return next((v for k, v in os.environ.items() if k.lower() == wanted and v), None)


def data_dir() -> Path | None:
    """The data folder of ``LAYTON_DATA_DIR`` (``None``: none set)."""
    value = environment_value("LAYTON_DATA_DIR")
    if value is not None:
        return Path(value)
    if not Path(".env").exists():
        return None
    from layton_eval.settings import get_settings

    return get_settings().data_dir


def runs_dir() -> Path:
    """The runs folder of ``LAYTON_RUNS_DIR`` (default ``runs``)."""
    value = environment_value("LAYTON_RUNS_DIR")
    if value is not None:
        return Path(value)
    if not Path(".env").exists():
        return Path("runs")
    from layton_eval.settings import get_settings

    return get_settings().runs_dir
