"""Together AI's Batch API (OpenAI-shaped lines, upper-case statuses, percent progress)."""

from __future__ import annotations

import typing as t

from batchling.providers.together import TogetherProvider

from layton_eval.providers.base import MetadataPayloadMixin
from layton_eval.providers.batch_types import BatchState, RemoteBatch
from layton_eval.providers.native import parse_time
from layton_eval.providers.openai import OpenAI

__all__ = ["Together"]


class _TogetherAdapter(MetadataPayloadMixin, TogetherProvider):
    """batchling's Together adapter, sending layton's batch metadata."""


class Together(OpenAI):
    """Together chat completions through ``/v1/batches``."""

    name = "together"
    base_url = "https://api.together.xyz"
    max_requests_per_batch = 50_000
    max_bytes_per_batch = 100_000_000
    structured_output = True
    keeps_tags = False  # its create call defines no metadata; its list returns none
    max_tokens_field = "max_tokens"
    states = {
        "VALIDATING": BatchState.pending,
        "QUEUED": BatchState.pending,
        "IN_PROGRESS": BatchState.running,
        "CANCELLING": BatchState.running,
        "COMPLETED": BatchState.completed,
        "FAILED": BatchState.failed,
        "CANCELLED": BatchState.cancelled,
        "EXPIRED": BatchState.expired,
    }

    def _new_adapter(self) -> t.Any:
        return _TogetherAdapter()

    def _progress(self, payload: dict[str, t.Any], snap: t.Any, total: int) -> tuple[int, int, int]:
        # Together reports only a percentage; batchling turns it into a request count.
        return snap.progress_completed, 0, total

    def _list_request(self, remaining: int, cursor: str | None) -> tuple[str, dict[str, t.Any]]:
        return "/v1/batches", {}

    def _parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        rows = payload if isinstance(payload, list) else payload.get("data") or []
        items = [
            RemoteBatch(
                batch_id=str(item["id"]),
                created_at=parse_time(item.get("created_at")),
                request_count=None,
                status=str(item.get("status", "")),
                metadata={},
            )
            for item in rows
        ]
        return items, None
