"""Provider-neutral request and response types.

A :class:`NeutralRequest` is what ``prepare`` (and ``jury``) write to ``requests.jsonl``: one
system prompt, one user turn of content parts and the JSON schema of the expected answer. It knows
nothing about providers. :class:`GenerationOptions` carry the model and sampling settings of a
run; a provider module turns the pair into its native body and turns the native response back
into a :class:`ModelOutput`.
"""

from __future__ import annotations

import typing as t

from pydantic import BaseModel, ConfigDict, Field

from layton_eval.choices import ReasoningEffort

__all__ = [
    "ContentPart",
    "GenerationOptions",
    "ImagePart",
    "ModelOutput",
    "NeutralRequest",
    "ReasoningEffort",
    "SamplingOptions",
    "TextPart",
    "TokenCounts",
    "Usage",
]


class TextPart(BaseModel):
    """A text fragment of the user turn."""

    model_config = ConfigDict(frozen=True)
    type: t.Literal["text"] = "text"
    text: str


class ImagePart(BaseModel):
    """An inline picture of the user turn, base64-encoded (no data-URL prefix)."""

    model_config = ConfigDict(frozen=True)
    type: t.Literal["image"] = "image"
    media_type: str = "image/jpeg"
    data: str

    @property
    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{self.data}"


ContentPart = t.Annotated[TextPart | ImagePart, Field(discriminator="type")]


class NeutralRequest(BaseModel):
    """One request of a batch, before any provider is chosen.

    ``custom_id`` is the riddle id; it becomes the batch line's ``custom_id``.
    """

    custom_id: str
    system: str
    parts: list[ContentPart]
    schema_name: str
    json_schema: dict[str, t.Any]

    @property
    def has_image(self) -> bool:
        return any(isinstance(part, ImagePart) for part in self.parts)


class SamplingOptions(BaseModel):
    """Sampling settings shared by every request of a run (everything but the model).

    ``reasoning_effort`` maps to OpenAI-style ``reasoning_effort``, Gemini ``thinkingLevel``;
    ``thinking_budget`` maps to Anthropic ``thinking.budget_tokens`` and Gemini
    ``thinkingBudget``. ``params`` are passed through verbatim into the native body
    (``--param key=value``), last, so they win.
    """

    max_tokens: int | None = None
    temperature: float | None = None
    reasoning_effort: ReasoningEffort | None = None
    thinking_budget: int | None = None
    params: dict[str, t.Any] = Field(default_factory=dict)


class GenerationOptions(SamplingOptions):
    """Sampling settings plus the model they apply to."""

    model: str


class Usage(BaseModel):
    """Token counts reported by the provider for one request."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    #: Input tokens read from the provider's prompt cache, part of ``input_tokens`` (priced at
    #: the cache-read rate); left out of a file when 0, so that records without any read as
    #: they always did.
    cache_read_tokens: int = Field(default=0, exclude_if=lambda count: not count)


class TokenCounts(t.Protocol):
    """What pricing and a fetch's counts read of a request's tokens: a :class:`Usage`, or the
    token counts a fetch keeps of an outcome written to disk (no model built for each)."""

    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...
    @property
    def cache_read_tokens(self) -> int: ...


class ModelOutput(BaseModel):
    """One provider response turned back into neutral form.

    ``text`` is the visible answer text (reasoning / thinking parts skipped). ``error`` is set
    when the request failed at the provider (then ``text`` is usually empty). ``refusal`` is the
    provider's reason when the model (or the provider's filter) declined to answer;
    ``truncated`` says the answer was cut at the output token limit.
    """

    text: str = ""
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    error: str | None = None
    refusal: str | None = None
    truncated: bool = False
