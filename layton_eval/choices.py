"""Fixed vocabularies shared by options and models (kept import-light for the CLI start-up)."""

from __future__ import annotations

import enum
import typing as t

__all__ = ["DatasetSource", "Field", "ReasoningEffort", "Split"]


class Split(enum.StrEnum):
    """The two sub-benchmarks."""

    llm = "llm"
    vlm = "vlm"


class DatasetSource(enum.StrEnum):
    """Where riddles come from when no data folder is given."""

    hub = "hub"
    sample = "sample"


class Field(enum.StrEnum):
    """The verdict field that is scored."""

    both_correct = "both_correct"
    is_answer_correct = "is_answer_correct"
    is_justification_correct = "is_justification_correct"


ReasoningEffort = t.Literal["none", "minimal", "low", "medium", "high"]
