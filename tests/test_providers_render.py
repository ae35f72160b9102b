"""Provider registry, native request rendering and response parsing (no HTTP)."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from layton_eval.answers import strip_think
from layton_eval.errors import BatchError, UsageError
from layton_eval.neutral import GenerationOptions, ImagePart, NeutralRequest, TextPart
from layton_eval.providers import NAMES, PROVIDERS, get_provider, names
from layton_eval.providers._http import error_text, redact
from layton_eval.providers.batch_types import RawResult
from layton_eval.providers.native import merge_params, parse_time, strict_schema
from layton_eval.settings import API_KEY_VARS

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "justification": {"type": "string"}},
}
IMAGE = "aGVsbG8="  # base64 of b"hello"


def request(*parts: t.Any) -> NeutralRequest:
    return NeutralRequest(
        custom_id="W07-108",
        system="You solve riddles.",
        parts=list(parts) or [TextPart(text="What walks on four legs?"), ImagePart(data=IMAGE)],
        schema_name="riddle answer",
        json_schema=SCHEMA,
    )


def options(**kwargs: t.Any) -> GenerationOptions:
    return GenerationOptions(**{"model": "model-1", **kwargs})


def ok(body: dict[str, t.Any]) -> RawResult:
    return RawResult(status_code=200, body=body)


def chat(content: t.Any, **message: t.Any) -> dict[str, t.Any]:
    return {
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content, **message},
             "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 40,
                  "completion_tokens_details": {"reasoning_tokens": 25}},
    }  # fmt: skip


# ---------------------------------------------------------------------------------- registry


def test_registry_lists_every_provider_with_its_key_variable() -> None:
    assert names() == NAMES
    assert set(NAMES) == set(API_KEY_VARS)
    for name, provider in PROVIDERS.items():
        assert provider.name == name
        assert provider.api_key_var == API_KEY_VARS[name]
        assert get_provider(name) is provider


@pytest.mark.parametrize("name", NAMES)
def test_provider_declares_sane_limits(name: str) -> None:
    provider = get_provider(name)
    parts = urlsplit(provider.base_url)
    assert parts.scheme == "https" and parts.hostname and parts.path == ""
    assert provider.max_requests_per_batch > 0 and provider.max_bytes_per_batch > 1_000_000
    assert provider.completion_windows and "24h" in provider.completion_windows
    assert isinstance(provider.structured_output, bool)
    assert provider.endpoint("m").startswith("/")


def test_unknown_provider_is_a_usage_error_naming_known_ones() -> None:
    with pytest.raises(UsageError, match="known providers: openai, anthropic"):
        get_provider("nope")


def test_importing_the_registry_does_not_import_batchling_or_httpx() -> None:
    code = (
        "import sys, layton_eval.providers as p; p.names(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('batchling', 'httpx')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("custom_id", ["005-3", "W07-108", "A12-7", "a_b", "x" * 64])
def test_valid_custom_ids_pass(custom_id: str) -> None:
    get_provider("openai").validate_custom_id(custom_id)


@pytest.mark.parametrize("custom_id", ["", "a/b", "a b", "é", "x" * 65, "a.b"])
def test_invalid_custom_ids_are_batch_errors(custom_id: str) -> None:
    with pytest.raises(BatchError, match="request id"):
        get_provider("anthropic").validate_custom_id(custom_id)


def test_unknown_completion_window_lists_the_allowed_values() -> None:
    get_provider("doubleword").validate_completion_window("1h")
    with pytest.raises(UsageError, match="use one of: 24h$"):
        get_provider("openai").validate_completion_window("1h")


def test_request_size_bounds_the_serialized_body() -> None:
    provider = get_provider("openai")
    body = provider.build_body(request(), options())
    assert provider.request_size(body) >= len(json.dumps(body).encode())


# ------------------------------------------------------------------------ openai rendering


def test_openai_body_has_schema_image_and_token_fields() -> None:
    body = get_provider("openai").build_body(
        request(), options(max_tokens=900, reasoning_effort="low")
    )
    assert body["model"] == "model-1"
    assert body["messages"][0] == {"role": "system", "content": "You solve riddles."}
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "What walks on four legs?"},
        {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{IMAGE}"}},
    ]
    assert body["max_completion_tokens"] == 900
    assert body["reasoning_effort"] == "low"
    assert "temperature" not in body
    spec = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert spec["name"] == "riddle_answer" and spec["strict"] is True
    assert spec["schema"]["additionalProperties"] is False
    assert spec["schema"]["required"] == ["answer", "justification"]


def test_single_text_part_is_sent_as_a_plain_string() -> None:
    body = get_provider("openai").build_body(request(TextPart(text="Riddle?")), options())
    assert body["messages"][1]["content"] == "Riddle?"


def test_params_override_last_merge_nested_and_none_removes() -> None:
    body = get_provider("openai").build_body(
        request(),
        options(
            temperature=0.2,
            params={"temperature": 0.7, "response_format": None, "seed": 3},
        ),
    )
    assert body["temperature"] == 0.7 and body["seed"] == 3
    assert "response_format" not in body
    gemini = get_provider("gemini").build_body(
        request(), options(model="gemini-2.5-flash", params={"generationConfig": {"topK": 4}})
    )
    assert gemini["generationConfig"]["topK"] == 4
    assert gemini["generationConfig"]["responseMimeType"] == "application/json"


def test_openai_family_refuses_a_thinking_budget() -> None:
    with pytest.raises(UsageError, match="not --thinking-budget"):
        get_provider("openai").build_body(request(), options(thinking_budget=2048))


@pytest.mark.parametrize(
    ("name", "token_field", "instruction", "format_type"),
    [
        ("groq", "max_tokens", True, "json_object"),
        ("doubleword", "max_tokens", True, "json_schema"),
        ("together", "max_tokens", False, "json_schema"),
        ("xai", "max_tokens", False, "json_schema"),
        ("mistral", "max_tokens", False, "json_schema"),
    ],
)
def test_compatible_providers_bodies(
    name: str, token_field: str, instruction: bool, format_type: str
) -> None:
    provider = get_provider(name)
    body = provider.build_body(request(), options(max_tokens=512, temperature=0.0))
    system = body["messages"][0]["content"]
    assert body[token_field] == 512 and body["temperature"] == 0.0
    assert "max_completion_tokens" not in body
    assert ('"justification"' in system) is instruction is (not provider.structured_output)
    assert body["response_format"]["type"] == format_type


def test_groq_endpoint_is_under_openai_prefix() -> None:
    assert get_provider("groq").endpoint("llama") == "/openai/v1/chat/completions"


def test_mistral_image_part_is_a_data_url_string_and_reasoning_is_refused() -> None:
    provider = get_provider("mistral")
    body = provider.build_body(request(), options())
    assert body["messages"][1]["content"][1] == {
        "type": "image_url",
        "image_url": f"data:image/jpeg;base64,{IMAGE}",
    }
    assert body["response_format"]["json_schema"]["strict"] is True
    with pytest.raises(UsageError, match="mistral"):
        provider.build_body(request(), options(reasoning_effort="high"))


# ---------------------------------------------------------------------- anthropic rendering


def test_anthropic_body_system_image_and_default_max_tokens() -> None:
    body = get_provider("anthropic").build_body(
        request(), options(model="claude-sonnet-4-5", temperature=0.3)
    )
    assert body["max_tokens"] == 8192 and body["temperature"] == 0.3
    assert body["system"].startswith("You solve riddles.")
    assert '"justification"' in body["system"]  # no native structured output in batches
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What walks on four legs?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": IMAGE},
                },
            ],
        }
    ]
    assert "thinking" not in body


def test_anthropic_thinking_budget_raises_max_tokens_above_it() -> None:
    body = get_provider("anthropic").build_body(request(), options(thinking_budget=4000))
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 4000}
    assert body["max_tokens"] == 4000 + 8192
    assert "temperature" not in body


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"thinking_budget": 500}, "at least 1024"),
        ({"thinking_budget": 2000, "temperature": 0.5}, "temperature"),
        ({"thinking_budget": 2000, "max_tokens": 2000}, "above --thinking-budget"),
        ({"reasoning_effort": "high"}, "takes --thinking-budget"),
    ],
)
def test_anthropic_refuses_invalid_thinking_settings(kwargs: dict[str, t.Any], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        get_provider("anthropic").build_body(request(), options(**kwargs))


# ------------------------------------------------------------------------- gemini rendering


def test_gemini_body_and_endpoint() -> None:
    provider = get_provider("gemini")
    body = provider.build_body(
        request(), options(model="gemini-2.5-flash", max_tokens=700, temperature=0.1)
    )
    assert provider.endpoint("models/gemini-2.5-flash") == (
        "/v1beta/models/gemini-2.5-flash:generateContent"
    )
    assert body["systemInstruction"] == {"parts": [{"text": "You solve riddles."}]}
    assert body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "What walks on four legs?"},
                {"inline_data": {"mime_type": "image/jpeg", "data": IMAGE}},
            ],
        }
    ]
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": SCHEMA,
        "maxOutputTokens": 700,
        "temperature": 0.1,
    }
    assert "model" not in body


def test_gemini_thinking_level_for_gemini_3_and_budget_otherwise() -> None:
    provider = get_provider("gemini")
    level = provider.build_body(request(), options(model="gemini-3-pro", reasoning_effort="low"))
    assert level["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "LOW"}
    budget = provider.build_body(request(), options(model="gemini-2.5-pro", thinking_budget=256))
    assert budget["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 256}
    with pytest.raises(UsageError, match="use --thinking-budget"):
        provider.build_body(request(), options(model="gemini-2.5-pro", reasoning_effort="low"))


# --------------------------------------------------------------------------------- parsing


def test_openai_parse_text_usage_and_finish_reason() -> None:
    output = get_provider("openai").parse_response(ok(chat('{"answer": "a"}')))
    assert output.text == '{"answer": "a"}'
    assert output.finish_reason == "stop" and output.error is None
    assert (output.usage.input_tokens, output.usage.output_tokens) == (120, 40)
    assert output.usage.reasoning_tokens == 25


@pytest.mark.parametrize("name", ["groq", "together", "doubleword", "xai"])
def test_compatible_parse_drops_reasoning_fields_and_think_blocks(name: str) -> None:
    body = chat("<think>secret musing</think>\n{\"answer\": \"a\"}", reasoning="more musing",
                reasoning_content="even more")  # fmt: skip
    output = get_provider(name).parse_response(ok(body))
    assert output.text == '{"answer": "a"}'


def test_parse_refusal_and_error_bodies() -> None:
    provider = get_provider("openai")
    refusal = provider.parse_response(ok(chat(None, refusal="I can't help with that.")))
    assert refusal.refusal == "I can't help with that." and refusal.text == ""
    assert refusal.error is None
    error_body = {"error": {"message": "context too long", "type": "invalid_request_error"}}
    failed = provider.parse_response(RawResult(400, error_body))
    assert failed.error == "invalid_request_error: context too long"
    batch_error = provider.parse_response(
        RawResult(500, {"code": "batch_expired", "message": "not executed"})
    )
    assert batch_error.error == "batch_expired: not executed"


def test_mistral_parse_skips_thinking_chunks() -> None:
    content = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
        {"type": "text", "text": '{"answer": '},
        {"type": "text", "text": '"a"}'},
    ]
    output = get_provider("mistral").parse_response(ok(chat(content)))
    assert output.text == '{"answer": "a"}'


def test_anthropic_parse_skips_thinking_blocks() -> None:
    body = {
        "type": "message",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "x"},
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "text", "text": '{"answer": "a"}'},
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 50, "output_tokens": 70, "cache_read_input_tokens": 5},
    }
    output = get_provider("anthropic").parse_response(ok(body))
    assert output.text == '{"answer": "a"}' and output.finish_reason == "end_turn"
    assert (output.usage.input_tokens, output.usage.output_tokens) == (55, 70)
    error = {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}
    assert get_provider("anthropic").parse_response(RawResult(400, error)).error == (
        "invalid_request_error: bad"
    )


def test_gemini_parse_skips_thought_parts_and_reports_usage() -> None:
    body = {
        "candidates": [
            {
                "content": {
                    "parts": [{"text": "musing", "thought": True}, {"text": '{"answer": "a"}'}]
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 30,
            "candidatesTokenCount": 10,
            "thoughtsTokenCount": 90,
        },
    }
    output = get_provider("gemini").parse_response(ok(body))
    assert output.text == '{"answer": "a"}' and output.finish_reason == "STOP"
    assert output.usage.model_dump() == {
        "input_tokens": 30,
        "output_tokens": 100,
        "reasoning_tokens": 90,
    }


def test_gemini_blocked_prompt_is_refused_and_error_is_an_error() -> None:
    provider = get_provider("gemini")
    blocked = provider.parse_response(ok({"promptFeedback": {"blockReason": "SAFETY"}}))
    assert blocked.refusal == "prompt blocked: SAFETY" and blocked.error is None
    error = {"code": 400, "message": "Invalid image", "status": "INVALID_ARGUMENT"}
    assert provider.parse_response(RawResult(400, error)).error == "INVALID_ARGUMENT: Invalid image"


# ---------------------------------------------------------------------------------- helpers


def test_strict_schema_recurses_and_does_not_mutate() -> None:
    schema = {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": {"type": "object", "properties": {"s": {}}}},
        },
    }
    fixed = strict_schema(schema)
    item = fixed["properties"]["steps"]["items"]
    assert item["additionalProperties"] is False and item["required"] == ["s"]
    assert "additionalProperties" not in schema


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>a</think>answer", "answer"),
        ("<THINK>a\nb</THINK>\n answer ", "answer"),
        ("answer <think>cut off", "answer"),
        ("template ate the tag</think>answer", "answer"),
        ("plain", "plain"),
    ],
)
def test_strip_think(text: str, expected: str) -> None:
    assert strip_think(text) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"message": "m", "type": "invalid_request_error"}}, "invalid_request_error: m"),
        ({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
         "overloaded_error: busy"),
        ({"error": {"code": 404, "message": "gone", "status": "NOT_FOUND"}}, "NOT_FOUND: gone"),
        ({"code": "Client specified an invalid argument", "error": "Incorrect key"},
         "Client specified an invalid argument: Incorrect key"),
        ({"message": "Unauthorized", "request_id": "r"}, "Unauthorized"),
        ("plain text", "plain text"),
    ],
)  # fmt: skip
def test_error_text_reads_every_provider_shape(body: t.Any, expected: str) -> None:
    assert error_text(body) == expected


def test_merge_params_and_parse_time_and_redact() -> None:
    assert merge_params({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"c": 3}, "d": None}) == {
        "a": {"b": 1, "c": 3}
    }
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_time("2025-07-10T12:00:00.123456789Z") == datetime(
        2025, 7, 10, 12, 0, 0, 123456, tzinfo=UTC
    )
    assert parse_time("garbage") is None and parse_time(None) is None
    assert redact("key sk-abcdef is wrong, sk-ab****ef too", "sk-abcdef") == (
        "key [redacted] is wrong, [redacted] too"
    )
