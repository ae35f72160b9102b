"""Emulator of Mistral's batch jobs API (``/v1/files`` + ``/v1/batch/jobs``)."""

from __future__ import annotations

import json
import typing as t
import uuid

import httpx
import respx

from tests.fakes.base import FakeBatch, chat_completion
from tests.fakes.openai_like import OpenAIEmulator


class MistralEmulator(OpenAIEmulator):
    """``api.mistral.ai``: jobs with ``output_file``/``error_file``, upper-case statuses.

    ``thinking_chunks=True`` answers with content chunks (a ``thinking`` chunk, then text),
    as Magistral models do.
    """

    name = "mistral"
    host = "api.mistral.ai"
    statuses = {
        "pending": "QUEUED",
        "running": "RUNNING",
        "completed": "SUCCESS",
        "failed": "FAILED",
        "expired": "TIMEOUT_EXCEEDED",
        "cancelled": "CANCELLED",
        "cancelling": "CANCELLATION_REQUESTED",
    }

    def __init__(self, *, thinking_chunks: bool = False, **options: t.Any) -> None:
        super().__init__(**options)
        self.thinking_chunks = thinking_chunks

    def new_id(self, prefix: str) -> str:
        return str(uuid.uuid4())

    def install(self, router: respx.MockRouter) -> None:
        self.route("POST", r"^/v1/files$").mock(side_effect=self.upload)
        self.route("POST", r"^/v1/batch/jobs$").mock(side_effect=self.create)
        self.route("GET", r"^/v1/batch/jobs$").mock(side_effect=self.list_batches)
        self.route("GET", r"^/v1/batch/jobs/(?P<batch_id>[^/]+)$").mock(side_effect=self.get)
        self.route("POST", r"^/v1/batch/jobs/(?P<batch_id>[^/]+)/cancel$").mock(
            side_effect=self.cancel
        )
        self.route("GET", r"^/v1/files/(?P<file_id>[^/]+)/content$").mock(side_effect=self.content)

    def auth_error(self) -> httpx.Response:
        return httpx.Response(401, json={"message": "Unauthorized", "request_id": "emulated"})

    def not_found(self, what: str) -> httpx.Response:
        return httpx.Response(404, json={"object": "error", "message": f"{what} not found"})

    def create(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        payload = json.loads(request.content)
        self.create_payloads.append(payload)
        files = payload.get("input_files") or []
        if not files or any(file_id not in self.files for file_id in files):
            return self.not_found("file")
        if not isinstance(payload.get("timeout_hours"), int) or not payload.get("model"):
            return httpx.Response(422, json={"object": "error", "message": "invalid job"})
        requests = []
        for file_id in files:
            for line in self.files[file_id].decode().splitlines():
                item = json.loads(line)
                if set(item) - {"custom_id", "body"}:  # Mistral's BatchRequest
                    return httpx.Response(
                        422, json={"object": "error", "message": f"bad line: {line[:80]}"}
                    )
                requests.append((item["custom_id"], item["body"]))
        batch = self.register(
            self.new_id(""), requests, metadata=payload.get("metadata"), model=payload["model"]
        )
        batch.extra["input_files"] = files
        return httpx.Response(200, json=self.batch_object(batch))

    def list_page(self, request: httpx.Request, batches: list[FakeBatch]) -> t.Any:
        """``page`` (from 0) and ``page_size``, newest first, with the ``total``."""
        size = min(int(request.url.params.get("page_size") or 100), self.page_size)
        start = int(request.url.params.get("page") or 0) * size
        rows, _ = self.page_of(batches, start, str(size))
        return {"data": rows, "object": "list", "total": len(batches)}

    def error_body(self, message: str) -> dict[str, t.Any]:
        return {"object": "error", "message": message, "type": "invalid_request_error"}

    def completion(self, model: str, text: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        completion = chat_completion(model, text, body)
        message = completion["choices"][0]["message"]
        message.pop("refusal")
        message.update({"tool_calls": None, "prefix": False})
        if self.thinking_chunks:
            message["content"] = [
                {"type": "thinking", "thinking": [{"type": "text", "text": "Let me think."}]},
                {"type": "text", "text": text},
            ]
        completion["usage"].pop("completion_tokens_details")
        return completion

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        succeeded, failed = self.progress(batch)
        return {
            "id": batch.id,
            "object": "batch",
            "input_files": batch.extra.get("input_files", []),
            "metadata": batch.metadata or None,
            "endpoint": "/v1/chat/completions",
            "model": batch.model,
            "output_file": batch.extra.get("output_file_id"),
            "error_file": batch.extra.get("error_file_id"),
            "errors": [{"message": "emulated failure"}] if batch.final == "failed" else [],
            "status": self.native_status(batch),
            "created_at": batch.created_at,
            "total_requests": batch.total,
            "completed_requests": succeeded + failed,
            "succeeded_requests": succeeded,
            "failed_requests": failed,
            "started_at": batch.created_at if batch.polls else None,
            "completed_at": None,
        }
