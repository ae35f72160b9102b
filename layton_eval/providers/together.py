"""Together AI's Batch API (OpenAI-shaped lines, upper-case statuses, percent progress)."""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Awaitable, Callable, Mapping

from batchling.providers.together import TogetherProvider

from layton_eval.providers.batch_types import BatchSnapshot, BatchState, RemoteBatch, SubmitTrace
from layton_eval.providers.hooks import Fix
from layton_eval.providers.native import parse_time
from layton_eval.providers.openai import OpenAI

__all__ = ["Together"]


#: The fields of Together's create-batch call (its API reference and SDK's BatchCreateParams).
CREATE_FIELDS = frozenset(
    {"endpoint", "input_file_id", "completion_window", "model_id", "priority"}
)


async def _defined_fields(
    own: Callable[..., Awaitable[dict[str, t.Any]]], **kwargs: t.Any
) -> t.Any:
    # batchling defect (docs/providers.md, D9): it sends OpenAI's `metadata` field, which
    # Together's create call does not define. Send only the fields Together defines.
    payload = await own(**kwargs)
    return {key: value for key, value in payload.items() if key in CREATE_FIELDS}


class Together(OpenAI):
    """Together chat completions through ``/v1/batches``."""

    name = "together"
    base_url = "https://api.together.xyz"
    adapter_class = TogetherProvider
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

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """A create call with only the fields Together defines (it keeps no batch metadata)."""
        return {"build_file_based_batch_payload": _defined_fields}

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        # Together reports only a percentage; batchling turns it into a request count.
        return dataclasses.replace(
            super().read_poll(payload, snap, total=total, terminal=terminal),
            completed=snap.progress_completed,
            failed=0,
            total=total,
        )

    def list_request(self, remaining: int, cursor: str | None) -> tuple[str, dict[str, t.Any]]:
        return "/v1/batches", {}

    def parse_list(
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
