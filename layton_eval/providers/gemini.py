"""Gemini's Batch API on Google AI Studio (file input, long-running operations)."""

from __future__ import annotations

import dataclasses
import json
import typing as t
from collections.abc import Awaitable, Callable, Mapping

from batchling.providers.gemini import GeminiProvider

from layton_eval.errors import UsageError
from layton_eval.neutral import (
    ContentPart,
    GenerationOptions,
    ImagePart,
    ModelOutput,
    NeutralRequest,
    Usage,
)
from layton_eval.providers._http import error_text
from layton_eval.providers._options import check_options, gemini_level
from layton_eval.providers.base import Provider
from layton_eval.providers.batch_types import (
    BatchSnapshot,
    BatchState,
    RawResult,
    RemoteBatch,
    SubmitTrace,
)
from layton_eval.providers.hooks import Fix
from layton_eval.providers.native import as_int, merge_params, parse_time

__all__ = ["Gemini"]

SUCCEEDED = "BATCH_STATE_SUCCEEDED"
#: Finish reasons of a candidate withheld for safety, policy or recitation (FinishReason enum).
_BLOCKED = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
                      "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"})  # fmt: skip

# google.rpc.Code -> HTTP status (per-request errors carry either kind of code).
_GRPC_STATUS = {1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400,
                10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}  # fmt: skip


def _http_status(code: t.Any) -> int:
    number = as_int(code)
    if 400 <= number <= 599:
        return number
    return _GRPC_STATUS.get(number, 500)


def display_name(metadata: Mapping[str, str] | None) -> str:
    """The batch display name: layton's run and intent as compact JSON, read back by listing
    (the requests' sha256 is left out: its length limit is not documented, so the name stays
    as short as it always was)."""
    kept = {k: v for k, v in (metadata or {}).items() if k != "layton_requests"}
    if not kept:
        return "layton"
    return json.dumps(kept, separators=(",", ":"), sort_keys=True)


def _metadata_from(name: t.Any) -> dict[str, str]:
    try:
        value = json.loads(name) if isinstance(name, str) else None
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items()}


def _progress(own: t.Any, *, payload: dict[str, t.Any], requests_count: int) -> tuple[int, float]:
    # batchling defect (docs/providers.md, D5): it reads a top-level `batchStats`, but the real
    # Operation nests it in `metadata`, so progress always read 0.
    stats = (payload.get("metadata") or {}).get("batchStats") or payload.get("batchStats")
    completed = as_int((stats or {}).get("successfulRequestCount"))
    percent = completed / requests_count * 100.0 if requests_count > 0 else 0.0
    return completed, percent


async def _output_file(own: t.Any, *, payload: dict[str, t.Any]) -> str:
    response = payload.get("response") or {}
    output = (payload.get("metadata") or {}).get("output") or {}
    return str(response.get("responsesFile") or output.get("responsesFile") or "")


async def _no_error_file(own: t.Any, *, payload: dict[str, t.Any]) -> str:
    # batchling defect (docs/providers.md, D5): the Operation's `error` is an object, not a
    # file; batchling str()-ed it into the results path of a failed batch.
    return ""


def _named_payload(metadata: Mapping[str, str] | None) -> Fix:
    """The create call with layton's tag as the batch's display name."""

    async def fix(own: Callable[..., Awaitable[dict[str, t.Any]]], **kwargs: t.Any) -> t.Any:
        payload = await own(**kwargs)
        payload["batch"]["display_name"] = display_name(metadata)
        return payload

    return fix


class Gemini(Provider):
    """Gemini ``generateContent`` through ``models/{model}:batchGenerateContent``."""

    name = "gemini"
    base_url = "https://generativelanguage.googleapis.com"
    adapter_class = GeminiProvider
    endpoint_path = "/v1beta/models/{model}:generateContent"
    model_prefix = "models/"
    auth_header = ("x-goog-api-key", "{key}")
    # Google answers a bad key with 400 INVALID_ARGUMENT / reason API_KEY_INVALID.
    auth_error_words = ("API_KEY_INVALID", "API key not valid")
    max_requests_per_batch = 100_000
    max_bytes_per_batch = 2_000_000_000
    supports_listing = True
    lists_newest_first = False  # not documented: read the whole list
    list_path = "/v1beta/batches"
    list_params = ("pageSize", "pageToken")
    structured_output = True
    api_prefix = "/v1beta"
    states = {
        "BATCH_STATE_UNSPECIFIED": BatchState.pending,
        "BATCH_STATE_PENDING": BatchState.pending,
        "BATCH_STATE_RUNNING": BatchState.running,
        SUCCEEDED: BatchState.completed,
        "BATCH_STATE_FAILED": BatchState.failed,
        "BATCH_STATE_CANCELLED": BatchState.cancelled,
        "BATCH_STATE_EXPIRED": BatchState.expired,
    }

    result_id_field = "key"

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """Progress, output and error files read where the Operation has them; the tag as the
        display name."""
        return {
            "get_progress_from_poll": _progress,
            "get_output_file_id_from_poll_response": _output_file,
            "get_error_file_id_from_poll_response": _no_error_file,
            "build_file_based_batch_payload": _named_payload(metadata),
        }

    def result_of(self, item: dict[str, t.Any]) -> RawResult:
        """The whole ``response`` of a succeeded request; a failed one with its status.

        batchling defect (docs/providers.md, D5): per-request errors were always 500 because
        Google puts the code in ``code`` (gRPC or HTTP), not ``status_code``.
        """
        response = item.get("response")
        error = item.get("error")
        if not response and isinstance(error, dict):
            return RawResult(_http_status(error.get("code")), error)
        if response:
            return RawResult(int(response.get("status_code", 200)), response)
        return RawResult(
            int((error or {}).get("status_code", 500)), error or {"error": "Missing response"}
        )

    # ------------------------------------------------------------------------------ rendering

    def build_body(self, request: NeutralRequest, options: GenerationOptions) -> dict[str, t.Any]:
        check_options(self.name, options, options.model)
        config: dict[str, t.Any] = {
            "responseMimeType": "application/json",
            "responseJsonSchema": request.json_schema,
        }
        if options.max_tokens is not None:
            config["maxOutputTokens"] = options.max_tokens
        if options.temperature is not None:
            config["temperature"] = options.temperature
        if options.thinking_budget is not None:
            config["thinkingConfig"] = {"thinkingBudget": options.thinking_budget}
        elif options.reasoning_effort is not None:
            if not self.queue_model(options.model).startswith("gemini-3"):
                raise UsageError(
                    f"gemini {options.model} takes a thinking budget, not a reasoning effort"
                )
            # Gemini 3's level, in the API's casing; `none` is MINIMAL where the model has it
            config["thinkingConfig"] = {"thinkingLevel": gemini_level(options.reasoning_effort)}
        body: dict[str, t.Any] = {
            "contents": [{"role": "user", "parts": [self._part(p) for p in request.parts]}],
            "generationConfig": config,
        }
        if request.system.strip():
            body["systemInstruction"] = {"parts": [{"text": request.system}]}
        return merge_params(body, options.params)

    def _part(self, part: ContentPart) -> dict[str, t.Any]:
        if isinstance(part, ImagePart):
            return {"inline_data": {"mime_type": part.media_type, "data": part.data}}
        return {"text": part.text}

    # -------------------------------------------------------------------------------- parsing

    def parse_response(self, result: RawResult) -> ModelOutput:
        body = result.body
        if result.status_code >= 400 or not isinstance(body, dict):
            return ModelOutput(error=error_text(body))
        if "error" in body and "candidates" not in body:
            return ModelOutput(error=error_text(body))
        usage = _usage(body.get("usageMetadata"))
        candidates = body.get("candidates") or []
        if not candidates:
            reason = (body.get("promptFeedback") or {}).get("blockReason")
            if reason:
                return ModelOutput(
                    usage=usage, refusal=f"prompt blocked: {reason}", finish_reason=reason
                )
            return ModelOutput(usage=usage, error="the response has no candidates")
        candidate = candidates[0] or {}
        parts = (candidate.get("content") or {}).get("parts") or []
        text = "".join(
            part.get("text", "")
            for part in parts
            if isinstance(part, dict) and not part.get("thought")
        )
        finish = candidate.get("finishReason")
        blocked = finish in _BLOCKED and not text.strip()
        return ModelOutput(
            text=text.strip(),
            usage=usage,
            finish_reason=finish,
            refusal=f"finishReason {finish}: the answer was withheld" if blocked else None,
            truncated=finish == "MAX_TOKENS",
        )

    # -------------------------------------------------------------------------------- polling

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        stats = (payload.get("metadata") or {}).get("batchStats") or {}
        return dataclasses.replace(
            super().read_poll(payload, snap, total=total, terminal=terminal),
            failed=as_int(stats.get("failedRequestCount")),
            total=as_int(stats.get("requestCount")) or total,
        )

    def result_locators(self, batch_id: str, snapshot: BatchSnapshot) -> list[str]:
        # batchling defect (docs/providers.md, D5): a failed or cancelled batch gave a bogus
        # locator (`None` or an error dict) and a garbage download path. Download only the
        # responses file of a succeeded batch.
        locator = snapshot.output_file_id or ""
        if snapshot.status == SUCCEEDED and locator.startswith("files/"):
            return [locator]
        return []

    # -------------------------------------------------------------------------------- listing

    def parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        rows = payload.get("operations") or payload.get("batches") or []
        items = []
        for item in rows:
            meta = item.get("metadata") or item
            stats = meta.get("batchStats") or {}
            items.append(
                RemoteBatch(
                    batch_id=str(item.get("name") or meta["name"]).split("/")[-1],
                    created_at=parse_time(meta.get("createTime")),
                    request_count=as_int(stats.get("requestCount")) or None,
                    status=str(meta.get("state", "")),
                    metadata=_metadata_from(meta.get("displayName")),
                )
            )
        return items, payload.get("nextPageToken") or None


def _usage(metadata: t.Any) -> Usage:
    """Gemini usage; output tokens include the thinking tokens (billed as output), input
    tokens the cached ones."""
    if not isinstance(metadata, dict):
        return Usage()
    thoughts = as_int(metadata.get("thoughtsTokenCount"))
    return Usage(
        input_tokens=as_int(metadata.get("promptTokenCount")),
        output_tokens=as_int(metadata.get("candidatesTokenCount")) + thoughts,
        reasoning_tokens=thoughts,
        cache_read_tokens=as_int(metadata.get("cachedContentTokenCount")),
    )
