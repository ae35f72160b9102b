"""Tolerant extraction of the JSON objects models and judges are asked to return.

Model output is free text that *should* be one JSON object. It often comes wrapped in a code
fence, after a sentence of prose, inside ``<think>`` blocks, or slightly damaged (trailing
commas, single quotes, Python literals, unescaped quotes, a missing closing brace).
:func:`extract_json_object` finds the object (what ``json-repair`` does not do: ``<think>``
blocks, fences, prose around it), then reads it with ``json.loads`` or, when that fails, repairs
it with ``json-repair``; it returns ``None`` otherwise. Callers keep the raw text and mark the
output unreadable: nothing is dropped, nothing raises.

This module is the one place where model and judge outputs are read (:func:`parse_output`,
called once per output at fetch).
"""

from __future__ import annotations

import json
import re
import typing as t

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import from_json

__all__ = [
    "ANSWER_SCHEMA",
    "VERDICT_SCHEMA",
    "Answer",
    "Verdict",
    "extract_json_object",
    "parse_answer",
    "parse_output",
    "parse_verdict",
    "replace_lone_surrogates",
    "strip_think",
]

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_THINK_TAG = re.compile(r"</?think>", re.IGNORECASE)
#: A UTF-16 surrogate on its own: JSON's ``\ud800`` escape decodes to one, UTF-8 cannot hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(text: str) -> tuple[str, int]:
    """``text`` made writable as UTF-8: each lone surrogate (from a ``\\ud800`` escape in a
    model's JSON or a provider's body) replaced by U+FFFD, and how many were replaced.

    The one normalisation of output text before it is written (fetch and import call it).
    """
    if text.isascii():
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


class Answer(BaseModel):
    """What a participant model must return."""

    model_config = ConfigDict(extra="ignore")
    answer: str
    justification: str

    # one validator per field, without ValidationInfo: building it costs more than the check
    @field_validator("answer", mode="before")
    @classmethod
    def _answer_text(cls, value: t.Any) -> t.Any:
        return value if type(value) is str else _as_text(value, none=None)

    @field_validator("justification", mode="before")
    @classmethod
    def _justification_text(cls, value: t.Any) -> t.Any:
        return value if type(value) is str else _as_text(value, none="")

    @field_validator("answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty answer")
        return value


def _as_text(value: t.Any, *, none: str | None) -> t.Any:
    """A number or a JSON structure given for a text field, as text (``None`` as ``none``)."""
    if value is None:
        return none
    if isinstance(value, int | float | bool):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


class Verdict(BaseModel):
    """What a judge must return."""

    model_config = ConfigDict(extra="ignore")
    is_answer_correct: bool
    is_justification_correct: bool

    @property
    def both_correct(self) -> bool:
        return self.is_answer_correct and self.is_justification_correct

    @field_validator("is_answer_correct", "is_justification_correct", mode="before")
    @classmethod
    def _to_bool(cls, value: t.Any) -> t.Any:
        if isinstance(value, str) and value.strip().lower() in {"true", "yes", "correct"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "no", "incorrect"}:
            return False
        return value


def _schema_of(model: type[BaseModel], order: list[str]) -> dict[str, t.Any]:
    props = {name: {"type": "boolean" if model is Verdict else "string"} for name in order}
    return {
        "type": "object",
        "properties": props,
        "required": order,
        "additionalProperties": False,
    }


#: JSON schema sent to participant models (justification first, so it is written first).
ANSWER_SCHEMA: dict[str, t.Any] = _schema_of(Answer, ["justification", "answer"])
#: JSON schema sent to judges.
VERDICT_SCHEMA: dict[str, t.Any] = _schema_of(
    Verdict, ["is_answer_correct", "is_justification_correct"]
)


def _has_think_tag(text: str) -> bool:
    """``<think>`` or ``</think>`` in ``text`` (most texts hold no ``<``: no regex scan)."""
    return "<" in text and _THINK_TAG.search(text) is not None


def strip_think(text: str) -> str:
    """Remove ``<think>...</think>`` blocks (and an unclosed leading one) from a model's text."""
    if not _has_think_tag(text):  # most texts: nothing to remove
        return text.strip()
    text = _THINK.sub("", text)
    lowered = text.lower()
    if "<think>" in lowered:
        text = text[: lowered.index("<think>")]
    elif "</think>" in lowered:  # opening tag swallowed by the chat template
        text = text[lowered.rindex("</think>") + len("</think>") :]
    return text.strip()


def _candidates(text: str) -> t.Iterator[str]:
    """Pieces of ``text`` that may hold the object, most likely first."""
    cleaned = (_THINK.sub("", text) if _has_think_tag(text) else text).strip()
    yield cleaned
    for match in _FENCE.finditer(cleaned):
        yield match.group(1).strip()
    start = cleaned.find("{")
    if start != -1:
        end = cleaned.rfind("}")
        yield cleaned[start : end + 1] if end > start else cleaned[start:]
        # a prose sentence may contain a brace before the real object: try the last object too
        last = cleaned.rfind("{", 0, end if end > start else len(cleaned))
        if last > start:
            yield cleaned[last : end + 1]


def _loads(piece: str, *, repair: bool) -> t.Any:
    """The JSON value of ``piece`` (pydantic-core's fast reader, then ``json.loads`` for what
    it refuses, such as a lone surrogate escape), then (``repair``) ``json-repair`` for damaged
    JSON; raises ``ValueError``."""
    try:
        return from_json(piece)
    except ValueError:
        pass
    try:
        return json.loads(piece)
    except json.JSONDecodeError:
        if not repair:
            raise
    import json_repair  # imported on first need: it costs a few tenths of a second

    return json_repair.loads(piece)


def extract_json_object(text: str | None, *, repair: bool = True) -> dict[str, t.Any] | None:
    """The first JSON object that can be read out of ``text``, or ``None``.

    ``repair=False`` accepts only an object that is valid JSON as written (for an output the
    provider cut at its token limit: repaired remains would not be the model's whole answer).
    """
    if not text or not text.strip():
        return None
    for piece in _candidates(text):
        if not piece.startswith("{"):
            continue
        try:
            value = _loads(piece, repair=repair)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _parse[M: BaseModel](model: type[M], text: str | None, repair: bool) -> M | None:
    whole = text.strip() if text else ""
    if whole[:1] == "{" and whole[-1:] == "}" and not _has_think_tag(whole):
        try:  # the usual case, the text is the object: read and check it in one step
            return model.model_validate_json(whole)
        except ValidationError:
            pass  # damaged, wrapped, or not the object asked for: read it the tolerant way
    obj = extract_json_object(text, repair=repair)
    if obj is None:
        return None
    try:
        return model.model_validate(obj)
    except ValidationError:
        return None


def parse_answer(text: str | None, *, repair: bool = True) -> Answer | None:
    """The participant's ``{answer, justification}``, or ``None`` if it cannot be read."""
    return _parse(Answer, text, repair)


def parse_verdict(text: str | None, *, repair: bool = True) -> Verdict | None:
    """A judge's ``{is_answer_correct, is_justification_correct}``, or ``None``."""
    return _parse(Verdict, text, repair)


def parse_output(kind: str, text: str | None, *, repair: bool = True) -> Answer | Verdict | None:
    """What a run of ``kind`` asked for: a judge's verdict, else a participant's answer.

    ``repair=False`` for an output cut at the token limit (see :func:`extract_json_object`).
    """
    if kind == "judge":
        return parse_verdict(text, repair=repair)
    return parse_answer(text, repair=repair)
