"""OpenAI's Batch API, and the chat-completions body the compatible providers share.

groq, doubleword, together, xai and mistral subclass :class:`OpenAI` and change only what
differs (paths, status words, token field, structured output, image part shape).
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from collections.abc import Mapping

from batchling.providers.openai import OpenAIProvider

from layton_eval.answers import strip_think
from layton_eval.neutral import (
    ContentPart,
    GenerationOptions,
    ImagePart,
    ModelOutput,
    NeutralRequest,
    TextPart,
    Usage,
)
from layton_eval.providers._http import error_text
from layton_eval.providers._options import check_options
from layton_eval.providers._submit import tagged_payload
from layton_eval.providers.base import Provider
from layton_eval.providers.batch_types import (
    BatchSnapshot,
    BatchState,
    RawResult,
    RemoteBatch,
    SubmitTrace,
)
from layton_eval.providers.hooks import Fix
from layton_eval.providers.native import (
    as_int,
    merge_params,
    parse_time,
    strict_schema,
    with_json_instruction,
)

__all__ = ["OpenAI", "chat_usage"]


class OpenAI(Provider):
    """OpenAI chat completions through ``/v1/batches``."""

    name = "openai"
    base_url = "https://api.openai.com"
    adapter_class = OpenAIProvider
    max_requests_per_batch = 50_000
    max_bytes_per_batch = 200_000_000
    supports_listing = True
    structured_output = True
    states = {
        "validating": BatchState.pending,
        "in_progress": BatchState.running,
        "finalizing": BatchState.running,
        "cancelling": BatchState.running,
        "completed": BatchState.completed,
        "failed": BatchState.failed,
        "cancelled": BatchState.cancelled,
        "expired": BatchState.expired,
    }
    #: Body field of the output token limit.
    max_tokens_field: t.ClassVar[str] = "max_completion_tokens"

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """The create call carries layton's tag as the batch's ``metadata``."""
        return {"build_file_based_batch_payload": tagged_payload(metadata)}

    # ------------------------------------------------------------------------------ rendering

    def build_body(self, request: NeutralRequest, options: GenerationOptions) -> dict[str, t.Any]:
        check_options(self.name, options, options.model)
        system = request.system
        if not self.structured_output:
            system = with_json_instruction(system, request.json_schema)
        body: dict[str, t.Any] = {
            "model": options.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": self._user_content(request.parts)},
            ],
        }
        if options.max_tokens is not None:
            body[self.max_tokens_field] = options.max_tokens
        if options.temperature is not None:
            body["temperature"] = options.temperature
        if options.reasoning_effort is not None:
            body["reasoning_effort"] = options.reasoning_effort
        response_format = self.response_format(request)
        if response_format is not None:
            body["response_format"] = response_format
        return merge_params(body, options.params)

    def _user_content(self, parts: list[ContentPart]) -> str | list[dict[str, t.Any]]:
        # One text part goes as a plain string: every compatible server accepts that.
        if len(parts) == 1 and isinstance(parts[0], TextPart):
            return parts[0].text
        return [self._part(part) for part in parts]

    def _part(self, part: ContentPart) -> dict[str, t.Any]:
        if isinstance(part, ImagePart):
            return {"type": "image_url", "image_url": {"url": part.data_url}}
        return {"type": "text", "text": part.text}

    def response_format(self, request: NeutralRequest) -> dict[str, t.Any] | None:
        """The ``response_format`` enforcing the answer schema."""
        return {
            "type": "json_schema",
            "json_schema": {
                "name": schema_name(request.schema_name),
                "strict": True,
                "schema": strict_schema(request.json_schema),
            },
        }

    # -------------------------------------------------------------------------------- parsing

    #: Finish reasons of an answer cut at the output token limit.
    length_reasons: t.ClassVar[frozenset[str]] = frozenset({"length"})

    def parse_response(self, result: RawResult) -> ModelOutput:
        body = result.body
        if result.status_code >= 400 or not isinstance(body, dict):
            return ModelOutput(error=error_text(body))
        choices = body.get("choices")
        if not choices or not isinstance(choices, list):
            return ModelOutput(
                error=error_text(body) if "error" in body else "the response has no choices",
                usage=self.usage(body.get("usage")),
            )
        choice = choices[0] or {}
        message = choice.get("message") or {}
        finish = choice.get("finish_reason")
        # `reasoning` / `reasoning_content` fields are never read: only the visible content.
        text = strip_think(self._content_text(message.get("content")))
        return ModelOutput(
            text=text,
            usage=self.usage(body.get("usage")),
            finish_reason=finish,
            refusal=_refusal(message.get("refusal"), finish),
            truncated=finish in self.length_reasons,
        )

    def usage(self, usage: t.Any) -> Usage:
        """Token counts of a response's ``usage`` (see :func:`chat_usage`)."""
        return chat_usage(usage)

    def _content_text(self, content: t.Any) -> str:
        if isinstance(content, str):
            return content
        if isinstance(content, list):  # content chunks: keep text, skip thinking/reasoning
            return "".join(
                chunk.get("text", "")
                for chunk in content
                if isinstance(chunk, dict) and chunk.get("type", "text") == "text"
            )
        return ""

    # -------------------------------------------------------------------------------- polling

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        counts = payload.get("request_counts") or {}
        return dataclasses.replace(
            super().read_poll(payload, snap, total=total, terminal=terminal),
            completed=as_int(counts.get("completed")),
            failed=as_int(counts.get("failed")),
            total=as_int(counts.get("total")) or total,
        )

    def parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        items = [
            RemoteBatch(
                batch_id=str(item["id"]),
                created_at=parse_time(item.get("created_at")),
                request_count=(item.get("request_counts") or {}).get("total"),
                status=str(item.get("status", "")),
                metadata=string_dict(item.get("metadata")),
            )
            for item in payload.get("data") or []
        ]
        cursor = payload.get("last_id") if payload.get("has_more") else None
        return items, cursor


def _refusal(refusal: t.Any, finish_reason: t.Any) -> str | None:
    """The reason of a refused answer: the model's ``message.refusal``, or the content filter."""
    if isinstance(refusal, str) and refusal.strip():
        return refusal.strip()
    if finish_reason == "content_filter":
        return "finish_reason content_filter: the provider's content filter withheld the answer"
    return None


def chat_usage(usage: t.Any) -> Usage:
    """Chat-completions usage; output tokens include reasoning tokens, input tokens the
    cached ones (``prompt_tokens_details.cached_tokens``)."""
    if not isinstance(usage, dict):
        return Usage()
    details = usage.get("completion_tokens_details") or {}
    prompt = usage.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=as_int(usage.get("prompt_tokens")),
        output_tokens=as_int(usage.get("completion_tokens")),
        reasoning_tokens=as_int(details.get("reasoning_tokens")),
        cache_read_tokens=as_int(prompt.get("cached_tokens")),
    )


def schema_name(name: str) -> str:
    """A ``json_schema.name`` the APIs accept (``^[A-Za-z0-9_-]{1,64}$``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "answer"


def string_dict(value: t.Any) -> dict[str, str]:
    """Batch metadata as ``dict[str, str]`` (empty when absent)."""
    if not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items()}
