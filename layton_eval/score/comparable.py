"""Whether a run is strictly comparable with the published models: its prompts.

The published models were prompted, and judged, with the official prompt files of the
layton-eval repository. A run prompted or judged with other files (the built-in ones, or a
folder of your own) is scored the same way but is *not strictly comparable* with them:
``leaderboard --add``, ``compare`` and ``report`` say so.
"""

from __future__ import annotations

import typing as t

from layton_eval.choices import Split

if t.TYPE_CHECKING:
    from layton_eval.runs.manifest import PromptsRef
    from layton_eval.runs.store import Run

__all__ = ["NOT_COMPARABLE", "prompt_notes", "prompt_tag"]

#: The words every card and page uses.
NOT_COMPARABLE = "not strictly comparable with the published models"


def _official(ref: PromptsRef, role: str, split: str) -> bool:
    """Whether the file of ``role`` (benchmark or judge) for ``split`` was the official one."""
    from layton_eval import prompts  # only for a run; the leaderboard alone never needs it

    path = prompts.PROMPT_FILES[role, Split(split)]
    if ref.files:
        return ref.files.get(path) == prompts.OFFICIAL.sha256[path]
    return ref.source == "official"


def prompt_notes(run: Run) -> list[str]:
    """Why ``run`` is not strictly comparable with the published models; empty when it is."""
    manifest = run.manifest
    notes = []
    if not _official(manifest.prompts, "benchmark", manifest.split):
        notes.append(f"model prompts are {manifest.prompts.source}, not the official files")
    judges = [child.manifest for child in run.children()]
    other = sorted({m.prompts.source for m in judges if not _official(m.prompts, "judge", m.split)})
    if other:
        notes.append(f"judge prompts are {', '.join(other)}, not the official files")
    return notes


def prompt_tag(run: Run) -> str:
    """``official`` when model and judge prompts are the official files, else what they were.

    Two subjects with the same tag were prompted alike.
    """
    if not prompt_notes(run):
        return "official"
    refs = [run.manifest.prompts, *(child.manifest.prompts for child in run.children())]
    return " + ".join(dict.fromkeys(f"{ref.source}:{ref.sha256[:12]}" for ref in refs))
