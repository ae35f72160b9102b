"""The data folder a run was prepared from, as the scoring commands suggested after it need it."""

from __future__ import annotations

import typing as t
from pathlib import Path

if t.TYPE_CHECKING:
    from layton_eval.runs.manifest import RunManifest

__all__ = ["scoring_data_dir"]


def scoring_data_dir(manifest: RunManifest) -> str | None:
    """The folder the run was prepared from (``--data-dir``, stored absolute), when it holds
    the calibration set and ``LAYTON_DATA_DIR`` names another: ``score``, ``leaderboard`` and
    ``report`` suggested after the run are given it, so that they work typed from any folder."""
    from layton_eval import envvars  # no pydantic-settings unless a .env needs it

    ref = manifest.dataset
    if ref is None or ref.source != "dir" or not ref.location:
        return None
    folder = Path(ref.location)
    if not (folder / f"ppi_{manifest.split}.jsonl").is_file():
        return None
    default = envvars.data_dir()
    return None if default and default.expanduser().absolute() == folder else str(folder)
