"""Anthropic's Message Batches API (inline requests, results as JSONL)."""

from __future__ import annotations

import dataclasses
import json
import typing as t
from collections.abc import Mapping

from batchling.providers.anthropic import AnthropicProvider

from layton_eval.neutral import (
    ContentPart,
    GenerationOptions,
    ImagePart,
    ModelOutput,
    NeutralRequest,
    Usage,
)
from layton_eval.providers._http import error_text
from layton_eval.providers._options import check_options
from layton_eval.providers.base import Provider
from layton_eval.providers.batch_types import (
    BatchSnapshot,
    BatchState,
    RawResult,
    RemoteBatch,
    SubmitTrace,
)
from layton_eval.providers.hooks import Fix
from layton_eval.providers.native import as_int, merge_params, parse_time, with_json_instruction

__all__ = ["Anthropic"]

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 8192

# Error type of an `errored` result -> the HTTP status the same error has on the live API.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def _whole_bodies(own: t.Any, *, requests: t.Sequence[t.Any]) -> list[dict[str, t.Any]]:
    # batchling defect (docs/providers.md, D4): it copies only model, max_tokens and messages
    # into `params`, silently dropping system, thinking, temperature, stop sequences...
    # Keep the whole body.
    return [
        {
            "custom_id": request.custom_id,
            "params": json.loads(request.params["body"].decode("utf-8")),
        }
        for request in requests
    ]


class Anthropic(Provider):
    """Claude messages through ``/v1/messages/batches``.

    Structured output is not available through batches here, so the schema goes into the
    system prompt and the answer is parsed tolerantly downstream.
    """

    name = "anthropic"
    base_url = "https://api.anthropic.com"
    adapter_class = AnthropicProvider
    endpoint_path = "/v1/messages"
    auth_header = ("x-api-key", "{key}")
    fixed_headers = {"anthropic-version": ANTHROPIC_VERSION}
    max_requests_per_batch = 100_000
    max_bytes_per_batch = 256_000_000
    list_path = "/v1/messages/batches"
    list_params = ("limit", "after_id")
    supports_listing = True
    keeps_tags = False  # message batches carry no metadata
    structured_output = False
    states = {
        "in_progress": BatchState.running,
        "canceling": BatchState.running,
        "ended": BatchState.completed,
    }

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """The whole request body kept (message batches carry no metadata)."""
        return {"build_jsonl_lines": _whole_bodies}

    def result_of(self, item: dict[str, t.Any]) -> RawResult:
        """``result.message`` of a succeeded request; a failed one with its real status.

        batchling answers 500 for every failure and ``{"error": "Missing response"}`` for
        canceled or expired requests; here the error keeps its type and says what happened.
        """
        result = item.get("result") or {}
        kind = result.get("type")
        if kind in ("canceled", "expired"):
            error = {"type": kind, "message": f"the request was {kind} before it was processed"}
            return RawResult(500, {"type": "error", "error": error})
        if kind == "errored":
            error = result.get("error") or {}
            nested = error.get("error")
            inner: dict[str, t.Any] = nested if isinstance(nested, dict) else error
            return RawResult(
                _ERROR_STATUS.get(str(inner.get("type")), 500), error or {"error": "errored"}
            )
        message = result.get("message")
        if message:
            return RawResult(200, message)
        return RawResult(500, result.get("error") or {"error": "Missing response"})

    # ------------------------------------------------------------------------------ rendering

    def build_body(self, request: NeutralRequest, options: GenerationOptions) -> dict[str, t.Any]:
        check_options(self.name, options, options.model)
        body: dict[str, t.Any] = {
            "model": options.model,
            "max_tokens": options.max_tokens or DEFAULT_MAX_TOKENS,
            "system": with_json_instruction(request.system, request.json_schema),
            "messages": [{"role": "user", "content": [self._part(part) for part in request.parts]}],
        }
        budget = options.thinking_budget
        if budget is not None:  # checked: at least 1024, below max tokens, no temperature
            body["max_tokens"] = options.max_tokens or budget + DEFAULT_MAX_TOKENS
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        elif options.temperature is not None:
            body["temperature"] = options.temperature
        return merge_params(body, options.params)

    def _part(self, part: ContentPart) -> dict[str, t.Any]:
        if isinstance(part, ImagePart):
            return {
                "type": "image",
                "source": {"type": "base64", "media_type": part.media_type, "data": part.data},
            }
        return {"type": "text", "text": part.text}

    # -------------------------------------------------------------------------------- parsing

    def parse_response(self, result: RawResult) -> ModelOutput:
        body = result.body
        if result.status_code >= 400 or not isinstance(body, dict) or body.get("type") == "error":
            return ModelOutput(error=error_text(body))
        blocks = body.get("content") or []
        text = "".join(
            block.get("text", "")
            for block in blocks
            if isinstance(block, dict) and block.get("type") == "text"  # skips (redacted_)thinking
        )
        usage = body.get("usage") or {}
        stop = body.get("stop_reason")
        return ModelOutput(
            text=text.strip(),
            usage=Usage(
                input_tokens=as_int(usage.get("input_tokens"))
                + as_int(usage.get("cache_creation_input_tokens"))
                + as_int(usage.get("cache_read_input_tokens")),
                output_tokens=as_int(usage.get("output_tokens")),
                cache_read_tokens=as_int(usage.get("cache_read_input_tokens")),
            ),
            finish_reason=stop,
            # Claude's safety classifiers stopped the answer (any text so far is kept as text)
            refusal="stop_reason refusal: Claude declined to answer" if stop == "refusal" else None,
            truncated=stop == "max_tokens",
        )

    # -------------------------------------------------------------------------------- polling

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        reading = super().read_poll(payload, snap, total=total, terminal=terminal)
        counts = payload.get("request_counts") or {}
        failed = sum(as_int(counts.get(key)) for key in ("errored", "canceled", "expired"))
        count = sum(as_int(value) for value in counts.values())
        return dataclasses.replace(
            reading,
            state=_ended_state(payload) if snap.status == "ended" else reading.state,
            completed=as_int(counts.get("succeeded")),
            failed=failed,
            total=count or total,
            output_file_id=None,  # results are fetched by batch id
            error_file_id=None,
        )

    def result_locators(self, batch_id: str, snapshot: BatchSnapshot) -> list[str]:
        return [batch_id] if snapshot.terminal else []

    # -------------------------------------------------------------------------------- listing

    def parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        items = [
            RemoteBatch(
                batch_id=str(item["id"]),
                created_at=parse_time(item.get("created_at")),
                request_count=sum(
                    as_int(value) for value in (item.get("request_counts") or {}).values()
                ),
                status=str(item.get("processing_status", "")),
                metadata={},
            )
            for item in payload.get("data") or []
        ]
        return items, payload.get("last_id") if payload.get("has_more") else None


def _ended_state(payload: dict[str, t.Any]) -> BatchState:
    """An ended message batch: cancelled, expired (nothing answered), or completed."""
    counts = payload.get("request_counts") or {}
    if payload.get("cancel_initiated_at"):
        return BatchState.cancelled
    if as_int(counts.get("succeeded")) + as_int(counts.get("errored")) == 0 and as_int(
        counts.get("expired")
    ):
        return BatchState.expired
    return BatchState.completed
