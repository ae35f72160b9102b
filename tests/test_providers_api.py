"""Batch calls, bodies and responses checked against the providers' official SDK types.

Request bodies and batch lines are validated with pydantic against the SDKs' request
TypedDicts and models, and responses are built with the SDKs' response classes, so that a
change in an SDK (a field renamed, a value no longer accepted) shows up as a failing test
rather than as a failed batch. The SDKs are development dependencies only.
"""

from __future__ import annotations

import asyncio
import json
import typing as t

import pydantic
import pytest

from layton_eval.answers import ANSWER_SCHEMA
from layton_eval.errors import ConfigError
from layton_eval.neutral import GenerationOptions, ImagePart, NeutralRequest, TextPart
from layton_eval.providers import PROVIDERS
from layton_eval.providers.batch_types import RawResult
from layton_eval.settings import get_settings
from tests.fakes import emulate
from tests.fakes.openai_like import OpenAIEmulator
from tests.test_providers_batch import IDS, round_trip, submit


def test_fix_together_create_call_has_only_fields_together_defines() -> None:
    """D9: batchling sent OpenAI's `metadata`, which Together's create call does not define."""
    from together.types import batch_create_params

    allowed = set(batch_create_params.BatchCreateParams.__annotations__)
    with emulate("together") as fake:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["together"]))
        asyncio.run(submit(PROVIDERS["together"], metadata={"layton_run": "r"}))
    assert snapshot.terminal and set(found) == set(IDS)
    for payload in fake.create_payloads:
        assert set(payload) <= allowed, payload
        assert payload["endpoint"] == "/v1/chat/completions"


def test_fix_mistral_batch_lines_are_custom_id_and_body() -> None:
    """D10: batchling wrote OpenAI's lines (`method`, `url`); Mistral's are {custom_id, body}."""
    from mistralai.client.models import BatchRequest

    with emulate("mistral") as fake:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["mistral"]))
    assert snapshot.terminal and set(found) == set(IDS)
    content = next(iter(fake.files.values()))  # the input file, uploaded first
    lines = [json.loads(line) for line in content.decode().splitlines()]
    assert [line["custom_id"] for line in lines] == list(IDS)
    for line in lines:
        assert set(line) == set(BatchRequest.model_fields), line
        BatchRequest.model_validate(line)
        assert line["body"]["model"] == "model-1"
    [payload] = fake.create_payloads
    assert payload["endpoint"] == "/v1/chat/completions" and payload["model"] == "model-1"


# ---------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize(
    ("name", "variable", "value", "expected"),
    [
        ("openai", "OPENAI_BASE_URL", "https://gateway.test/v1", "https://gateway.test"),
        ("openai", "LAYTON_OPENAI_BASE_URL", "https://gw.test/proxy/v1/", "https://gw.test/proxy"),
        (
            "groq",
            "LAYTON_GROQ_BASE_URL",
            "http://localhost:8080/openai/v1",
            "http://localhost:8080",
        ),
        ("gemini", "LAYTON_GEMINI_BASE_URL", "https://eu.test/v1beta", "https://eu.test"),
        ("anthropic", "LAYTON_ANTHROPIC_BASE_URL", "https://eu.test", "https://eu.test"),
    ],
)
def test_base_url_variables_override_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, name: str, variable: str, value: str, expected: str
) -> None:
    assert PROVIDERS[name].api_base() == PROVIDERS[name].base_url
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    assert PROVIDERS[name].api_base() == expected


def test_layton_variable_wins_over_openai_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://sdk.test/v1")
    monkeypatch.setenv("LAYTON_OPENAI_BASE_URL", "https://layton.test")
    assert PROVIDERS["openai"].api_base() == "https://layton.test"
    assert PROVIDERS["groq"].api_base() == "https://api.groq.com"  # OPENAI_BASE_URL is openai's


@pytest.mark.parametrize("value", ["gateway.test", "ftp://gateway.test", "https://gw.test/?k=1"])
def test_a_bad_base_url_names_its_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LAYTON_MISTRAL_BASE_URL", value)
    with pytest.raises(ConfigError, match="LAYTON_MISTRAL_BASE_URL=.* is not an endpoint"):
        PROVIDERS["mistral"].api_base()


class _GatewayEmulator(OpenAIEmulator):
    host = "gateway.test"


def test_a_whole_batch_goes_through_the_overridden_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://gateway.test/v1")
    with _GatewayEmulator() as gateway:
        _, snapshot, found = asyncio.run(round_trip(PROVIDERS["openai"]))
    assert snapshot.terminal and set(found) == set(IDS)
    assert gateway.calls[:2] == ["POST /v1/files", "POST /v1/batches"]


def test_env_example_documents_every_endpoint_variable() -> None:
    from layton_eval.settings import BASE_URL_VARS
    from tests.conftest import REPO

    text = (REPO / ".env.example").read_text()
    for variables in BASE_URL_VARS.values():
        for var in variables:
            assert f"\n{var}=" in text, var


# ------------------------------------------------------------ request bodies vs SDK types

_TEXT = [TextPart(text="Riddle question: what has keys but no locks?")]
_PICTURE = [TextPart(text="Riddle question: how many squares?"), ImagePart(data="aGVsbG8=")]
#: (provider, model, options) rendered for both splits (text only, and with a picture).
_RENDERED: list[tuple[str, str, dict[str, t.Any]]] = [
    ("openai", "gpt-5.1-2025-11-13", {"reasoning_effort": "high"}),
    ("openai", "gpt-5.1", {"reasoning_effort": "none", "temperature": 0.2, "max_tokens": 900}),
    ("openai", "gpt-5-mini", {"reasoning_effort": "minimal"}),
    ("openai", "gpt-4.1-nano", {"temperature": 0.0}),
    ("doubleword", "Qwen/Qwen3-VL-235B-A22B-Instruct-FP8", {"max_tokens": 2000}),
    ("xai", "grok-4-1-fast-reasoning", {"max_tokens": 4000, "temperature": 0.5}),
    ("xai", "grok-3-mini", {"reasoning_effort": "low"}),
    ("groq", "openai/gpt-oss-120b", {"reasoning_effort": "medium", "max_tokens": 800}),
    ("groq", "qwen/qwen3-32b", {"reasoning_effort": "none"}),
    ("together", "deepseek-ai/DeepSeek-R1", {"reasoning_effort": "low", "temperature": 0.6}),
    ("mistral", "mistral-large-2512", {"temperature": 0.3, "max_tokens": 1000}),
    ("anthropic", "claude-opus-4-5-20251101", {"thinking_budget": 32_000, "max_tokens": 64_000}),
    ("anthropic", "claude-sonnet-4-5", {"temperature": 0.4}),
    ("anthropic", "claude-opus-4-7", {}),
    ("gemini", "gemini-3.1-pro-preview", {"reasoning_effort": "high"}),
    ("gemini", "gemini-3-flash-preview", {"reasoning_effort": "none", "temperature": 1.0}),
    ("gemini", "gemini-2.5-flash", {"thinking_budget": 0, "max_tokens": 3000}),
]


def _body(provider: str, model: str, options: dict[str, t.Any], parts: list) -> dict:
    request = NeutralRequest(
        custom_id="005-3", system="You solve riddles.", parts=parts, schema_name="answer",
        json_schema=ANSWER_SCHEMA,
    )  # fmt: skip
    return PROVIDERS[provider].build_body(request, GenerationOptions(model=model, **options))


def _typed_dict(params: t.Any, body: dict[str, t.Any]) -> None:
    """``body`` validates against the SDK's TypedDict, and names no key the SDK does not know."""
    pydantic.TypeAdapter(params).validate_python(body)
    unknown = set(body) - set(t.get_type_hints(params))
    assert not unknown, unknown


def _check_openai_shaped(provider: str, body: dict[str, t.Any]) -> None:
    if provider == "groq":
        from groq.types.chat import completion_create_params as groq_params

        _typed_dict(groq_params.CompletionCreateParams, body)
    elif provider == "together":
        from together.types.chat import completion_create_params as together_params

        _typed_dict(together_params.CompletionCreateParamsNonStreaming, body)
    elif provider == "mistral":
        from mistralai.client.models import ChatCompletionRequest

        ChatCompletionRequest.model_validate(body)
        known = {f.alias or name for name, f in ChatCompletionRequest.model_fields.items()}
        assert set(body) <= known, set(body) - known
    else:  # openai, and the servers that speak its API (xai, doubleword)
        from openai.types.chat import completion_create_params as openai_params

        _typed_dict(openai_params.CompletionCreateParamsNonStreaming, body)


def _check_anthropic(model: str, body: dict[str, t.Any]) -> None:
    from anthropic.types import message_create_params

    # anthropic's 2.x SDK has no `temperature` any more (models after the 4.6 line reject it);
    # layton sends it only to the models of the 4.6 line and before, which still accept it
    if "temperature" in body:
        assert model == "claude-sonnet-4-5"
        body = {key: value for key, value in body.items() if key != "temperature"}
    _typed_dict(message_create_params.MessageCreateParamsNonStreaming, body)


def _check_gemini(body: dict[str, t.Any]) -> None:
    from google.genai import types

    for content in body["contents"]:
        types.Content.model_validate(content)
    types.Content.model_validate(body["systemInstruction"])
    config = types.GenerationConfig.model_validate(body["generationConfig"])  # extra: forbid
    level = body["generationConfig"].get("thinkingConfig", {}).get("thinkingLevel")
    if level is not None:  # the enum is case-insensitive: check the documented casing
        assert config.thinking_config is not None
        assert level == config.thinking_config.thinking_level.value


@pytest.mark.parametrize("parts", [_TEXT, _PICTURE], ids=["llm", "vlm"])
@pytest.mark.parametrize(("provider", "model", "options"), _RENDERED)
def test_rendered_bodies_validate_against_the_official_sdk_types(
    provider: str, model: str, options: dict[str, t.Any], parts: list
) -> None:
    body = _body(provider, model, options, parts)
    if provider == "anthropic":
        _check_anthropic(model, body)
    elif provider == "gemini":
        _check_gemini(body)
    else:
        _check_openai_shaped(provider, body)


# ------------------------------------------------------- responses built with SDK classes

_ANSWER = '{"justification": "a piano has keys", "answer": "a piano"}'


def _openai_completion(provider: str, message: dict, finish: str, usage: dict) -> dict:
    """A chat.completion built with the SDK's class (openai's; groq's and together's for them)."""
    if provider == "groq":
        from groq.types.chat import ChatCompletion
    elif provider == "together":
        from together.types.chat import ChatCompletion  # type: ignore[assignment]
    else:
        from openai.types.chat import ChatCompletion  # type: ignore[assignment]
    raw = {"id": "c-1", "object": "chat.completion", "created": 0, "model": "m",
           "choices": [{"index": 0, "finish_reason": finish,
                        "message": {"role": "assistant", **message}}],
           "usage": usage}  # fmt: skip
    if provider == "together":
        raw["prompt"] = []
    return ChatCompletion.model_validate(raw).model_dump(mode="json", exclude_unset=True)


_USAGE = {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160,
          "completion_tokens_details": {"reasoning_tokens": 25}}  # fmt: skip


@pytest.mark.parametrize("provider", ["openai", "groq", "together"])
def test_openai_shaped_responses_from_sdk_classes(provider: str) -> None:
    parse = PROVIDERS[provider].parse_response
    ok = parse(RawResult(200, _openai_completion(provider, {"content": _ANSWER}, "stop", _USAGE)))
    assert ok.text == _ANSWER and ok.refusal is None and not ok.truncated
    assert (ok.usage.input_tokens, ok.usage.output_tokens) == (120, 40)
    cut = parse(RawResult(200, _openai_completion(provider, {"content": '{"justif'}, "length",
                                                  _USAGE)))  # fmt: skip
    assert cut.truncated and cut.refusal is None


def test_openai_refusals_from_sdk_classes() -> None:
    parse = PROVIDERS["openai"].parse_response
    said = {"content": None, "refusal": "I can't help with that."}
    refused = parse(RawResult(200, _openai_completion("openai", said, "stop", _USAGE)))
    assert refused.refusal == "I can't help with that." and refused.error is None
    filtered = parse(RawResult(200, _openai_completion("openai", {"content": None},
                                                       "content_filter", _USAGE)))  # fmt: skip
    assert filtered.refusal is not None and "content_filter" in filtered.refusal


def test_anthropic_responses_from_sdk_classes() -> None:
    from anthropic.types import Message

    def message(stop: str, content: list[dict]) -> RawResult:
        raw = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
               "content": content, "stop_reason": stop, "stop_sequence": None,
               "usage": {"input_tokens": 50, "output_tokens": 70}}  # fmt: skip
        return RawResult(200, Message.model_validate(raw).model_dump(mode="json"))

    parse = PROVIDERS["anthropic"].parse_response
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    ok = parse(message("end_turn", [thinking, {"type": "text", "text": _ANSWER}]))
    assert ok.text == _ANSWER and ok.refusal is None and ok.usage.output_tokens == 70
    refused = parse(message("refusal", []))
    assert refused.refusal is not None and "refusal" in refused.refusal and refused.error is None
    assert parse(message("max_tokens", [{"type": "text", "text": '{"ju'}])).truncated


def test_gemini_responses_from_sdk_classes() -> None:
    from google.genai import types

    def response(**fields: t.Any) -> RawResult:
        built = types.GenerateContentResponse(
            usage_metadata=types.GenerateContentResponseUsageMetadata(
                prompt_token_count=30, candidates_token_count=10, thoughts_token_count=90
            ),
            **fields,
        )
        return RawResult(200, built.model_dump(mode="json", by_alias=True, exclude_none=True))

    parse = PROVIDERS["gemini"].parse_response
    parts = [types.Part(text="musing", thought=True), types.Part(text=_ANSWER)]
    ok = parse(
        response(
            candidates=[
                types.Candidate(
                    content=types.Content(role="model", parts=parts),
                    finish_reason=types.FinishReason.STOP,
                )
            ]
        )
    )
    assert ok.text == _ANSWER and ok.usage.output_tokens == 100 and ok.refusal is None
    unsafe = parse(response(candidates=[types.Candidate(finish_reason=types.FinishReason.SAFETY)]))
    assert unsafe.refusal is not None and "SAFETY" in unsafe.refusal and unsafe.error is None
    feedback = types.GenerateContentResponsePromptFeedback(block_reason=types.BlockedReason.SAFETY)
    blocked = parse(response(prompt_feedback=feedback))
    assert blocked.refusal == "prompt blocked: SAFETY"
    cut = parse(
        response(
            candidates=[
                types.Candidate(
                    content=types.Content(role="model", parts=[types.Part(text='{"j')]),
                    finish_reason=types.FinishReason.MAX_TOKENS,
                )
            ]
        )
    )
    assert cut.truncated and cut.refusal is None  # fmt: skip


def test_mistral_response_with_thinking_chunks_from_sdk_classes() -> None:
    from mistralai.client.models import ChatCompletionResponse

    content = [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
               {"type": "text", "text": _ANSWER}]  # fmt: skip
    raw = {"id": "m-1", "object": "chat.completion", "model": "magistral-medium-2509",
           "created": 0, "usage": {"prompt_tokens": 10, "completion_tokens": 20,
                                   "total_tokens": 30},
           "choices": [{"index": 0, "finish_reason": "model_length",
                        "message": {"role": "assistant", "content": content}}]}  # fmt: skip
    body = ChatCompletionResponse.model_validate(raw).model_dump(mode="json", by_alias=True)
    output = PROVIDERS["mistral"].parse_response(RawResult(200, body))
    assert output.text == _ANSWER and output.truncated  # model_length: cut at the model's limit


@pytest.mark.parametrize(
    ("usage", "output", "reasoning"),
    [
        # xAI's documented accounting: reasoning tokens outside completion_tokens
        ({"prompt_tokens": 663, "completion_tokens": 50, "total_tokens": 837,
          "completion_tokens_details": {"reasoning_tokens": 124}}, 174, 124),
        # a gateway that folds them into completion_tokens: not counted twice
        ({"prompt_tokens": 163, "completion_tokens": 241, "total_tokens": 404,
          "completion_tokens_details": {"reasoning_tokens": 204}}, 241, 204),
    ],
)  # fmt: skip
def test_xai_reasoning_tokens_are_counted_in_output_either_way(
    usage: dict, output: int, reasoning: int
) -> None:
    body = _openai_completion("openai", {"content": _ANSWER}, "stop", usage)
    parsed = PROVIDERS["xai"].parse_response(RawResult(200, body))
    assert (parsed.usage.output_tokens, parsed.usage.reasoning_tokens) == (output, reasoning)
