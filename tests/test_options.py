"""Options each provider and model family accepts, checked at prepare (before anything is paid)
and again when a body is built; a refusal is one line listing what is accepted."""

from __future__ import annotations

import typing as t

import pytest

from layton_eval.errors import UsageError
from layton_eval.neutral import GenerationOptions, NeutralRequest, SamplingOptions, TextPart
from layton_eval.providers import get_provider
from layton_eval.providers._options import check_options
from tests.helpers import assert_one_line_error, invoke

ACCEPTED: list[tuple[str, str, dict[str, t.Any]]] = [
    ("openai", "gpt-5.1-2025-11-13", {"reasoning_effort": "high"}),
    ("openai", "gpt-5.1", {"reasoning_effort": "none", "temperature": 0.2}),
    ("openai", "gpt-5-mini", {"reasoning_effort": "minimal"}),
    ("openai", "gpt-4.1-nano", {"temperature": 1.5}),
    ("openai", "o4-mini", {"reasoning_effort": "low"}),
    ("groq", "openai/gpt-oss-120b", {"reasoning_effort": "low"}),
    ("groq", "qwen/qwen3-32b", {"reasoning_effort": "none"}),
    ("together", "deepseek-ai/DeepSeek-R1", {"reasoning_effort": "high", "temperature": 0.6}),
    ("xai", "grok-3-mini", {"reasoning_effort": "high"}),
    ("xai", "grok-4-1-fast-reasoning", {"temperature": 0.7}),
    ("anthropic", "claude-opus-4-5-20251101", {"thinking_budget": 32_000, "max_tokens": 64_000}),
    ("anthropic", "claude-sonnet-4-5", {"temperature": 1.0}),
    ("gemini", "gemini-3.1-pro-preview", {"reasoning_effort": "medium"}),
    ("gemini", "gemini-3-flash-preview", {"reasoning_effort": "none"}),
    ("gemini", "gemini-2.5-flash", {"thinking_budget": 0}),
    ("gemini", "gemini-2.5-pro", {"thinking_budget": 128, "max_tokens": 4000}),
    ("mistral", "mistral-large-2512", {"temperature": 0.3}),
]

REFUSED: list[tuple[str, str, dict[str, t.Any], str]] = [
    ("groq", "openai/gpt-oss-120b", {"reasoning_effort": "minimal"}, "accepted: low, medium, high"),
    ("groq", "llama-3.3-70b", {"reasoning_effort": "minimal"}, "accepted: none, low, medium, high"),
    ("together", "any/model", {"reasoning_effort": "none"}, "accepted: low, medium, high"),
    ("together", "any/model", {"temperature": 1.5}, "temperature of 0-1"),
    ("gemini", "gemini-3-pro-preview", {"reasoning_effort": "none"},
     "cannot turn thinking off); accepted: low, high"),
    ("gemini", "gemini-3-pro-preview", {"reasoning_effort": "medium"}, "accepted: low, high"),
    ("gemini", "gemini-2.5-pro", {"reasoning_effort": "low"}, "use --thinking-budget"),
    ("gemini", "gemini-2.5-pro", {"thinking_budget": 0}, "thinking budget of 128-32768"),
    ("gemini", "gemini-2.5-flash", {"thinking_budget": 4000, "max_tokens": 4000},
     "--max-tokens (4000) must be above --thinking-budget (4000)"),
    ("gemini", "gemini-2.5-flash", {"temperature": 2.5}, "temperature of 0-2"),
    ("xai", "grok-4", {"reasoning_effort": "low"}, "accepts no --reasoning-effort"),
    ("xai", "grok-4-1-fast-reasoning", {"reasoning_effort": "high"}, "accepts no"),
    ("xai", "grok-3-mini", {"reasoning_effort": "medium"}, "accepted: low, high"),
    ("anthropic", "claude-opus-4-7", {"temperature": 0.5}, "after the 4.6 line reject"),
    ("anthropic", "claude-sonnet-4-5", {"temperature": 1.5}, "temperature of 0-1"),
    ("anthropic", "claude-sonnet-4-5", {"thinking_budget": 2000, "temperature": 0.5},
     "temperature together with thinking"),
    ("anthropic", "claude-sonnet-4-5", {"thinking_budget": 500}, "at least 1024"),
    ("anthropic", "claude-sonnet-4-5", {"reasoning_effort": "high"}, "takes --thinking-budget"),
    ("openai", "gpt-5.1", {"reasoning_effort": "minimal"}, "accepted: none, low, medium, high"),
    ("openai", "gpt-5", {"reasoning_effort": "none"}, "accepted: minimal, low, medium, high"),
    ("openai", "gpt-5-pro", {"reasoning_effort": "medium"}, "accepted: high"),
    ("openai", "gpt-5-mini", {"temperature": 0.2}, "only the default temperature"),
    ("openai", "gpt-5.1", {"reasoning_effort": "high", "temperature": 0.2},
     "only with reasoning effort none"),
    ("openai", "gpt-4.1", {"reasoning_effort": "low"}, "accepts no --reasoning-effort"),
    ("openai", "gpt-4.1", {"thinking_budget": 1024}, "not --thinking-budget"),
    ("mistral", "mistral-large-2512", {"reasoning_effort": "high"}, "--param"),
]  # fmt: skip

REQUEST = NeutralRequest(
    custom_id="005-3",
    system="Solve.",
    parts=[TextPart(text="Riddle?")],
    schema_name="answer",
    json_schema={"type": "object", "properties": {"answer": {"type": "string"}}},
)


@pytest.mark.parametrize(("provider", "model", "options"), ACCEPTED)
def test_accepted_options_pass_and_render(provider: str, model: str, options: dict) -> None:
    check_options(provider, SamplingOptions(**options), model)
    get_provider(provider).build_body(REQUEST, GenerationOptions(model=model, **options))


@pytest.mark.parametrize(("provider", "model", "options", "match"), REFUSED)
def test_refused_options_say_what_is_accepted(
    provider: str, model: str, options: dict, match: str
) -> None:
    with pytest.raises(UsageError, match=match.replace("(", r"\(").replace(")", r"\)")):
        check_options(provider, SamplingOptions(**options), model)
    with pytest.raises(UsageError):  # the body is never built either
        get_provider(provider).build_body(REQUEST, GenerationOptions(model=model, **options))


def test_gemini_levels_are_sent_in_the_apis_casing_and_none_as_minimal() -> None:
    gemini = get_provider("gemini")
    body = gemini.build_body(
        REQUEST, GenerationOptions(model="gemini-3-flash-preview", reasoning_effort="none")
    )
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "MINIMAL"}
    body = gemini.build_body(
        REQUEST, GenerationOptions(model="gemini-3.1-pro-preview", reasoning_effort="high")
    )
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "HIGH"}


def test_prepare_refuses_before_writing_anything(runs_dir) -> None:
    result = invoke("prepare", "--split", "llm", "--hints", "0", "--dataset", "sample",
                    "--provider", "groq", "--model", "openai/gpt-oss-120b",
                    "--reasoning-effort", "minimal")  # fmt: skip
    assert_one_line_error(result, code=2, contains="accepted: low, medium, high")
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_without_a_model_only_what_the_provider_accepts_at_all_is_checked() -> None:
    check_options("anthropic", SamplingOptions(temperature=0.5), None)  # some Claude models do
    check_options("gemini", SamplingOptions(reasoning_effort="medium"), None)
    with pytest.raises(UsageError, match="temperature of 0-1"):
        check_options("anthropic", SamplingOptions(temperature=1.5), None)
    with pytest.raises(UsageError, match="accepted: low, medium, high"):
        check_options("together", SamplingOptions(reasoning_effort="minimal"), None)
