"""Fixed vocabularies shared by options and models (kept import-light for the CLI start-up)."""

from __future__ import annotations

import enum
import typing as t

__all__ = [
    "CiMethod",
    "DEFAULT_ITERATIONS",
    "DEFAULT_SEED",
    "MAX_HINTS",
    "PROVIDER_CLASSES",
    "DatasetSource",
    "PromptsChoice",
    "ReasoningEffort",
    "RunKind",
    "Split",
    "VerdictField",
    "key_var",
]

#: Provider name -> its class in ``layton_eval.providers.<name>``, in display order: the one list
#: of providers (the registry, ``layton_eval.providers``, imports them; settings, shell completion,
#: the report's colours and the tests derive theirs from it). Kept here, below settings and the
#: providers, so that neither has to import the other's package to know the names.
PROVIDER_CLASSES: dict[str, str] = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "Gemini",
    "mistral": "Mistral",
    "together": "Together",
    "groq": "Groq",
    "xai": "XAI",
    "doubleword": "Doubleword",
}


def key_var(provider: str) -> str:
    """The environment variable holding ``provider``'s API key (``OPENAI_API_KEY``...)."""
    return f"{provider.upper()}_API_KEY"


#: Highest hint level: 1-3 reveal the first three hints, 4 adds the special hint.
MAX_HINTS = 4
#: Bootstrap iterations of the published leaderboard.
DEFAULT_ITERATIONS = 10_000
#: Fixed default seed, so that a score is reproducible (it is reported with the score).
DEFAULT_SEED = 20251126


class Split(enum.StrEnum):
    """The two sub-benchmarks."""

    llm = "llm"
    vlm = "vlm"


class DatasetSource(enum.StrEnum):
    """Where riddles come from when no data folder is given."""

    hub = "hub"
    sample = "sample"


class PromptsChoice(enum.StrEnum):
    """Which prompt files ``--prompts`` picks (a folder of your own: ``--prompts-dir``)."""

    official = "official"
    builtin = "builtin"


class CiMethod(enum.StrEnum):
    """What a 95% interval covers (``docs/methodology.md``, "What each interval covers")."""

    #: The published method, kept so that the published tables stay reproducible: per jury bin,
    #: as many labels redrawn as the model has riddles there. Not a measure of how well the
    #: labels or the riddles pin the score down. ``calibration`` is its former name.
    published = "published"
    #: Riddles fixed, each bin's labelled rows resampled at their own size: what more labels
    #: would shrink.
    labels = "labels"
    #: Riddles and labelled rows both resampled: what another sample of riddles like these
    #: could give.
    full = "full"

    @classmethod
    def _missing_(cls, value: object) -> CiMethod | None:
        return cls.published if value == "calibration" else None


class VerdictField(enum.StrEnum):
    """The verdict field that is scored (``both_correct`` is the published one)."""

    both_correct = "both_correct"
    is_answer_correct = "is_answer_correct"
    is_justification_correct = "is_justification_correct"


#: What a run evaluates: a model on the riddles, or a judge on a model's answers.
RunKind = t.Literal["benchmark", "judge"]

ReasoningEffort = t.Literal["none", "minimal", "low", "medium", "high"]
