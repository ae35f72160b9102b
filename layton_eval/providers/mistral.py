"""Mistral's Batch API (``/v1/batch/jobs``), chat completions with JSON-schema outputs."""

from __future__ import annotations

import dataclasses
import json
import typing as t
from collections.abc import Mapping

from batchling.providers.mistral import MistralProvider

from layton_eval.neutral import ContentPart, ImagePart, NeutralRequest
from layton_eval.providers.batch_types import BatchSnapshot, BatchState, RemoteBatch, SubmitTrace
from layton_eval.providers.hooks import Fix
from layton_eval.providers.native import as_int, parse_time, strict_schema
from layton_eval.providers.openai import OpenAI, schema_name, string_dict

__all__ = ["Mistral"]

_PAGE_SIZE = 100


def _mistral_lines(own: t.Any, *, requests: t.Sequence[t.Any]) -> list[dict[str, t.Any]]:
    # batchling defect (docs/providers.md, D10): it writes OpenAI's line shape, with `method`
    # and `url`; Mistral's batch request is `{custom_id, body}` (the endpoint is given once, in
    # the create-job call).
    return [
        {"custom_id": request.custom_id, "body": json.loads(request.params["body"])}
        for request in requests
    ]


class Mistral(OpenAI):
    """Mistral chat completions through ``/v1/batch/jobs``."""

    name = "mistral"
    base_url = "https://api.mistral.ai"
    adapter_class = MistralProvider
    max_requests_per_batch = 100_000
    max_bytes_per_batch = 200_000_000
    # Sent as `timeout_hours` (the adapter strips the "h").
    completion_windows = ("24h", "48h", "72h", "168h")
    structured_output = True
    max_tokens_field = "max_tokens"
    list_path = "/v1/batch/jobs"
    length_reasons = frozenset({"length", "model_length"})
    states = {
        "QUEUED": BatchState.pending,
        "RUNNING": BatchState.running,
        "CANCELLATION_REQUESTED": BatchState.running,
        "SUCCESS": BatchState.completed,
        "FAILED": BatchState.failed,
        "CANCELLED": BatchState.cancelled,
        "TIMEOUT_EXCEEDED": BatchState.expired,
    }
    # batchling defect (docs/providers.md, D2): its terminal set lacks TIMEOUT_EXCEEDED, so a job
    # that timed out would be polled forever. (CANCELLATION_REQUESTED stays non-terminal: the
    # job moves on to CANCELLED.)
    extra_terminal_statuses = frozenset({"TIMEOUT_EXCEEDED"})

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """OpenAI's tagged create call, and Mistral's line shape."""
        return {
            **super().adapter_fixes(metadata=metadata, trace=trace),
            "build_jsonl_lines": _mistral_lines,
        }

    def _part(self, part: ContentPart) -> dict[str, t.Any]:
        if isinstance(part, ImagePart):
            return {"type": "image_url", "image_url": part.data_url}
        return {"type": "text", "text": part.text}

    def response_format(self, request: NeutralRequest) -> dict[str, t.Any] | None:
        return {
            "type": "json_schema",
            "json_schema": {
                "name": schema_name(request.schema_name),
                "schema": strict_schema(request.json_schema),
                "strict": True,
            },
        }

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        failed = as_int(payload.get("failed_requests"))
        if "succeeded_requests" in payload:
            completed = as_int(payload.get("succeeded_requests"))
        else:  # completed_requests counts failures too
            completed = max(0, snap.progress_completed - failed)
        return dataclasses.replace(
            super().read_poll(payload, snap, total=total, terminal=terminal),
            completed=completed,
            failed=failed,
            total=as_int(payload.get("total_requests")) or total,
        )

    def list_request(self, remaining: int, cursor: str | None) -> tuple[str, dict[str, t.Any]]:
        return self.list_path, {"page": int(cursor or 0), "page_size": _PAGE_SIZE}

    def parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        rows = payload.get("data") or []
        items = [
            RemoteBatch(
                batch_id=str(item["id"]),
                created_at=parse_time(item.get("created_at")),
                request_count=item.get("total_requests"),
                status=str(item.get("status", "")),
                metadata=string_dict(item.get("metadata")),
            )
            for item in rows
        ]
        page = int(cursor or 0)
        if len(rows) < _PAGE_SIZE or (page + 1) * _PAGE_SIZE >= as_int(payload.get("total")):
            return items, None
        return items, str(page + 1)
