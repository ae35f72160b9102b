"""Emulator of the Gemini Batch API (resumable file upload, operations, file download)."""

from __future__ import annotations

import json
import time
import typing as t
from datetime import UTC, datetime

import httpx
import respx

from tests.fakes.base import Emulator, FakeBatch, jsonl_lines, tokens

_OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
_BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


class GeminiEmulator(Emulator):
    """``generativelanguage.googleapis.com`` with the real operation shape.

    ``batchStats`` lives only under ``metadata`` (as on the real API), so batchling's
    top-level read sees nothing. ``thoughts=True`` adds a ``thought`` part before the answer.
    """

    name = "gemini"
    host = "generativelanguage.googleapis.com"
    states = {
        "pending": "BATCH_STATE_PENDING",
        "running": "BATCH_STATE_RUNNING",
        "completed": "BATCH_STATE_SUCCEEDED",
        "failed": "BATCH_STATE_FAILED",
        "expired": "BATCH_STATE_EXPIRED",
        "cancelled": "BATCH_STATE_CANCELLED",
    }

    def __init__(self, *, thoughts: bool = False, **options: t.Any) -> None:
        super().__init__(**options)
        self.thoughts = thoughts
        self.sessions: dict[str, str] = {}

    def install(self, router: respx.MockRouter) -> None:
        self.route("POST", r"^/upload/v1beta/files$").mock(side_effect=self.upload)
        self.route("POST", r"^/v1beta/models/(?P<model>[^/:]+):batchGenerateContent$").mock(
            side_effect=self.create
        )
        self.route("GET", r"^/v1beta/batches$").mock(side_effect=self.list_batches)
        self.route("GET", r"^/v1beta/batches/(?P<batch_id>[^/:]+)$").mock(side_effect=self.get)
        self.route("POST", r"^/v1beta/batches/(?P<batch_id>[^/:]+):cancel$").mock(
            side_effect=self.cancel
        )
        self.route("GET", r"^/download/v1beta/(?P<file_name>files/[^/:]+):download$").mock(
            side_effect=self.download
        )

    def authorized(self, request: httpx.Request) -> bool:
        return request.headers.get("x-goog-api-key") == self.key

    def _error(self, code: int, status: str, message: str, **extra: t.Any) -> httpx.Response:
        return httpx.Response(
            code, json={"error": {"code": code, "message": message, "status": status, **extra}}
        )

    def auth_error(self) -> httpx.Response:
        info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
        }
        return self._error(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            details=[info],
        )

    def server_error(self, status: int) -> httpx.Response:
        return self._error(status, "UNAVAILABLE", "The service is currently unavailable.")

    def not_found(self, what: str) -> httpx.Response:
        return self._error(404, "NOT_FOUND", f"Requested entity was not found ({what}).")

    def cannot_cancel(self, batch: FakeBatch) -> httpx.Response:
        return self._error(400, "FAILED_PRECONDITION", f"batches/{batch.id} is already done.")

    def cancel_answer(self, batch: FakeBatch) -> dict[str, t.Any]:
        return {}  # google.protobuf.Empty; the operation says the rest

    # ---------------------------------------------------------------------------- routes

    def upload(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        command = request.headers.get("x-goog-upload-command", "")
        if command == "start":
            if request.headers.get("x-goog-upload-protocol") != "resumable":
                return self._error(400, "INVALID_ARGUMENT", "resumable protocol expected")
            session = self.new_id("upload-")
            self.sessions[session] = json.loads(request.content)["file"]["display_name"]
            url = f"https://{self.host}/upload/v1beta/files?upload_id={session}"
            return httpx.Response(
                200, headers={"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"}
            )
        session = request.url.params.get("upload_id", "")
        if "finalize" not in command or session not in self.sessions:
            return self._error(400, "INVALID_ARGUMENT", "unknown upload session")
        name = f"files/{self.new_id('f')}"
        self.files[name] = request.content
        self.uploaded_bytes += len(request.content)
        file = {
            "name": name,
            "displayName": self.sessions.pop(session),
            "mimeType": "application/json",
            "sizeBytes": str(len(request.content)),
            "createTime": _iso(time.time()),
            "state": "ACTIVE",
            "source": "UPLOADED",
        }
        return httpx.Response(200, json={"file": file})

    def create(self, request: httpx.Request, model: str) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        batch_spec = json.loads(request.content).get("batch") or {}
        file_name = (batch_spec.get("input_config") or {}).get("file_name", "")
        if file_name not in self.files:
            return self.not_found("file")
        requests = [(line["key"], line["request"]) for line in jsonl_lines(self.files[file_name])]
        batch = self.register(self.new_id("b"), requests, model=model)
        batch.extra["display_name"] = batch_spec.get("display_name", "")
        return httpx.Response(200, json=self.batch_object(batch))

    def list_page(self, request: httpx.Request, batches: list[FakeBatch]) -> t.Any:
        """``pageSize`` and ``pageToken`` (an opaque token: here the offset)."""
        start = int(request.url.params.get("pageToken") or 0)
        limit = request.url.params.get("pageSize")
        rows, more = self.page_of(batches, start, limit)
        body: dict[str, t.Any] = {"operations": rows}
        if more:
            body["nextPageToken"] = str(start + len(rows))
        return body

    def download(self, request: httpx.Request, file_name: str) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        if request.url.params.get("alt") != "media" or file_name not in self.files:
            return self.not_found("file")
        return httpx.Response(200, content=self.files[file_name])

    # ------------------------------------------------------------------------- rendering

    def finish(self, batch: FakeBatch) -> None:
        super().finish(batch)
        if batch.final != "completed":
            return
        lines = []
        for custom_id, body in batch.requests:
            outcome = batch.outcomes[custom_id]
            if outcome.kind == "ok":
                line = {"key": custom_id, "response": self.response(batch, outcome.text, body)}
            else:
                status = "INVALID_ARGUMENT" if outcome.status == 400 else "INTERNAL"
                error = {"code": outcome.status, "message": outcome.message, "status": status}
                line = {"key": custom_id, "error": error}
            lines.append((custom_id, line))
        name = f"files/batch-{batch.id}"
        self.files[name] = ("\n".join(self.result_lines(batch, lines)) + "\n").encode()
        batch.extra["responses_file"] = name

    def response(self, batch: FakeBatch, text: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        parts: list[dict[str, t.Any]] = [{"text": text}]
        if self.thoughts:
            parts.insert(0, {"text": "Let me think about the riddle.", "thought": True})
        return {
            "candidates": [
                {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": tokens(body.get("contents", [])),
                "candidatesTokenCount": tokens(text),
                "thoughtsTokenCount": 25 if self.thoughts else 0,
                "totalTokenCount": tokens(body.get("contents", [])) + tokens(text),
            },
            "modelVersion": batch.model,
            "responseId": self.new_id("resp"),
        }

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        state = self.states[batch.final or ("running" if batch.polls else "pending")]
        succeeded, failed = self.progress(batch)
        metadata: dict[str, t.Any] = {
            "@type": _BATCH_TYPE,
            "model": f"models/{batch.model}",
            "displayName": batch.extra.get("display_name", ""),
            "createTime": _iso(batch.created_at),
            "updateTime": _iso(time.time()),
            "batchStats": {
                "requestCount": str(batch.total),
                "successfulRequestCount": str(succeeded),
                "failedRequestCount": str(failed),
                "pendingRequestCount": str(batch.total - succeeded - failed),
            },
            "state": state,
            "name": f"batches/{batch.id}",
        }
        operation: dict[str, t.Any] = {"name": f"batches/{batch.id}", "metadata": metadata}
        if batch.final is not None:
            operation["done"] = True
        if "responses_file" in batch.extra:
            metadata["output"] = {"responsesFile": batch.extra["responses_file"]}
            operation["response"] = {
                "@type": _OUTPUT_TYPE,
                "responsesFile": batch.extra["responses_file"],
            }
        elif batch.final == "failed":
            operation["error"] = {"code": 13, "message": "emulated batch failure"}
        return operation
