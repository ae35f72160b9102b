"""Prompt templates and the neutral requests built from a riddle.

Four system-prompt files, named as in the layton-eval repository so that ``--prompts-dir`` can
point at its ``prompts/`` folder for exact parity: ``benchmark/{text,visual}_riddle.txt`` for the
evaluated model and ``benchmark_judge/{text,visual}_riddle.txt`` for the judges. The user turn is
a list of content parts with fixed labels (``Riddle question: ...``, the picture, ``First hint:
...``), as in the reference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from layton_eval.answers import ANSWER_SCHEMA, VERDICT_SCHEMA, Answer
from layton_eval.choices import MAX_HINTS, Split
from layton_eval.dataset import Riddle
from layton_eval.errors import UsageError
from layton_eval.neutral import ContentPart, ImagePart, NeutralRequest, TextPart

__all__ = [
    "PROMPT_FILES",
    "PromptSet",
    "benchmark_request",
    "judge_request",
    "load_prompts",
]

#: (role, split) -> file path relative to the prompts folder.
PROMPT_FILES: dict[tuple[str, Split], str] = {
    ("benchmark", Split.llm): "benchmark/text_riddle.txt",
    ("benchmark", Split.vlm): "benchmark/visual_riddle.txt",
    ("judge", Split.llm): "benchmark_judge/text_riddle.txt",
    ("judge", Split.vlm): "benchmark_judge/visual_riddle.txt",
}


@dataclass(frozen=True)
class PromptSet:
    """The four system prompts, where they came from and a hash of their text."""

    texts: dict[tuple[str, Split], str]
    source: str  # "builtin" or the folder given with --prompts-dir

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for key in sorted(PROMPT_FILES, key=lambda k: PROMPT_FILES[k]):
            digest.update(PROMPT_FILES[key].encode() + b"\0" + self.texts[key].encode() + b"\0")
        return digest.hexdigest()

    def system(self, role: str, split: Split) -> str:
        return self.texts[(role, split)]


def load_prompts(prompts_dir: Path | None = None) -> PromptSet:
    """The built-in prompts, or the same four files read from ``prompts_dir``."""
    if prompts_dir is None:
        root = resources.files("layton_eval") / "templates"
        texts = {key: (root / rel).read_text(encoding="utf-8") for key, rel in PROMPT_FILES.items()}
        return PromptSet(texts=texts, source="builtin")
    folder = Path(prompts_dir).expanduser()
    if not folder.is_dir():
        raise UsageError(f"prompts folder {folder} does not exist")
    missing = [rel for rel in PROMPT_FILES.values() if not (folder / rel).is_file()]
    if missing:
        raise UsageError(f"prompts folder {folder} lacks {', '.join(missing)}")
    texts = {key: (folder / rel).read_text(encoding="utf-8") for key, rel in PROMPT_FILES.items()}
    empty = [PROMPT_FILES[key] for key, text in texts.items() if not text.strip()]
    if empty:
        raise UsageError(f"prompt file(s) {', '.join(empty)} in {folder} are empty")
    return PromptSet(texts=texts, source=str(folder.resolve()))


def _riddle_parts(riddle: Riddle, hint_level: int) -> list[ContentPart]:
    parts: list[ContentPart] = [TextPart(text=f"Riddle question: {riddle.description}")]
    if riddle.split is Split.vlm and riddle.img:
        parts.append(ImagePart(data=riddle.img))
    parts.extend(TextPart(text=f"{label}: {text}") for label, text in riddle.hints(hint_level))
    return parts


def benchmark_request(riddle: Riddle, hints: int, prompts: PromptSet) -> NeutralRequest:
    """The request asking the evaluated model to solve ``riddle`` with ``hints`` hints.

    This is where a hint level is checked (0 to :data:`~layton_eval.choices.MAX_HINTS`); the
    CLI's ``--hints`` option says the same range.
    """
    if not 0 <= hints <= MAX_HINTS:
        raise UsageError(f"--hints must be between 0 and {MAX_HINTS}, not {hints}")
    return NeutralRequest(
        custom_id=riddle.id,
        system=prompts.system("benchmark", riddle.split),
        parts=_riddle_parts(riddle, hints),
        schema_name="riddle_answer",
        json_schema=ANSWER_SCHEMA,
    )


def judge_request(riddle: Riddle, answer: Answer, prompts: PromptSet) -> NeutralRequest:
    """The request asking a judge to grade ``answer`` to ``riddle``.

    The judge sees every hint, then the reference material that exists (a riddle without a gold
    answer is judged with its solution text alone), then the participant's answer.
    """
    parts = _riddle_parts(riddle, MAX_HINTS)
    reference = (
        ("Riddle answer", riddle.answer),
        ("Riddle solution", riddle.solution),
        ("Suggested justification", riddle.justification),
    )
    parts.extend(TextPart(text=f"{label}: {text}") for label, text in reference if text)
    parts.append(TextPart(text=f"Participant answer: {answer.answer}"))
    parts.append(TextPart(text=f"Participant justification: {answer.justification}"))
    return NeutralRequest(
        custom_id=riddle.id,
        system=prompts.system("judge", riddle.split),
        parts=parts,
        schema_name="jury_verdict",
        json_schema=VERDICT_SCHEMA,
    )
