"""A submission's progress: which adapter call is under way, and the ids it left behind.

batchling's ``process_batch`` runs the upload and create calls in one go; layton wraps them on
the adapter instance so that, when the submission fails, it knows whether the paid create
call had started (see :class:`~layton_eval.providers.batch_types.SubmitTrace`).
"""

from __future__ import annotations

import typing as t
from collections.abc import Awaitable, Callable

from layton_eval.providers.batch_types import SubmitTrace

__all__ = ["MetadataPayloadMixin", "trace_calls"]


class MetadataPayloadMixin:
    """Sends layton's metadata instead of batchling's fixed ``{"description": ...}``.

    Mixed into the OpenAI-shaped adapters (openai, groq, doubleword, mistral) whose create-batch
    payload has a ``metadata`` field; ``list_batches`` reads it back. (Together's create call
    has no such field: docs/providers.md, D9.)
    """

    layton_metadata: dict[str, str] | None = None

    async def build_file_based_batch_payload(self, **kwargs: t.Any) -> dict[str, t.Any]:
        payload: dict[str, t.Any] = await super().build_file_based_batch_payload(**kwargs)  # type: ignore[misc]
        if self.layton_metadata:
            payload["metadata"] = dict(self.layton_metadata)
        else:
            payload.pop("metadata", None)
        return payload


#: The adapter calls of a submission, and the stage each one belongs to (see SubmitTrace).
_STAGES = {
    "_upload_batch_file": "upload",
    "_create_batch_container": "upload",  # xAI: an empty container, nothing billed
    "_create_file_based_batch_job": "create",
    "_create_inline_batch_job": "create",
    "_add_requests_to_batch": "create",  # xAI: the requests go into the container
}


def trace_calls(adapter: t.Any, trace: SubmitTrace) -> None:
    """Make ``adapter``'s submission calls record their stage and ids in ``trace``."""
    adapter.layton_trace = trace
    for method, stage in _STAGES.items():
        original = getattr(adapter, method, None)
        if original is not None:
            setattr(adapter, method, _traced(original, method, stage, trace))


def _traced(
    original: Callable[..., Awaitable[t.Any]], method: str, stage: str, trace: SubmitTrace
) -> Callable[..., Awaitable[t.Any]]:
    async def call(**kwargs: t.Any) -> t.Any:
        trace.stage = stage
        value = await original(**kwargs)
        if method == "_upload_batch_file":
            trace.file_id = str(value)
        elif method == "_create_batch_container":
            trace.container_id = str(value)
            if trace.on_container is not None:
                trace.on_container(trace.container_id)
        return value

    return call
