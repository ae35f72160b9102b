"""Emulators of the OpenAI-shaped file batch APIs: openai, groq, doubleword, together.

They differ in path prefix (groq ``/openai``), upload path and purpose (together
``/v1/files/upload``, ``batch-api``), create response wrapping (together ``{"job": ...}``),
status words (together upper case) and progress (together a percentage).
"""

from __future__ import annotations

import json
import time
import typing as t
from datetime import UTC, datetime

import httpx
import respx

from tests.fakes.base import Emulator, FakeBatch, chat_completion, masked, multipart_fields


class OpenAIEmulator(Emulator):
    """``api.openai.com``: files + batches, output and error files."""

    name = "openai"
    host = "api.openai.com"
    prefix = ""
    upload_path = "/v1/files"
    purpose = "batch"
    statuses = {
        "pending": "validating",
        "running": "in_progress",
        "completed": "completed",
        "failed": "failed",
        "expired": "expired",
        "cancelled": "cancelled",
        "cancelling": "cancelling",
    }
    #: Put the model's reasoning in a ``reasoning`` field ("field") or <think> tags ("tags").
    reasoning_style: str | None = None

    def __init__(self, **options: t.Any) -> None:
        super().__init__(**options)
        self.file_bytes: dict[str, int] = {}
        self.create_payloads: list[dict[str, t.Any]] = []  # every create-batch call, as sent

    # ---------------------------------------------------------------------------- routes

    def install(self, router: respx.MockRouter) -> None:
        p = self.prefix
        self.route("POST", rf"^{p}{self.upload_path}$").mock(side_effect=self.upload)
        self.route("POST", rf"^{p}/v1/batches$").mock(side_effect=self.create)
        self.route("GET", rf"^{p}/v1/batches$").mock(side_effect=self.list_batches)
        self.route("GET", rf"^{p}/v1/batches/(?P<batch_id>[^/]+)$").mock(side_effect=self.get)
        self.route("POST", rf"^{p}/v1/batches/(?P<batch_id>[^/]+)/cancel$").mock(
            side_effect=self.cancel
        )
        self.route("GET", rf"^{p}/v1/files/(?P<file_id>[^/]+)/content$").mock(
            side_effect=self.content
        )

    def auth_error(self) -> httpx.Response:
        message = (
            f"Incorrect API key provided: {masked(self.key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )
        return httpx.Response(
            401,
            json={
                "error": {
                    "message": message,
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
        )

    def upload(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        fields = multipart_fields(request)
        if (problem := self.upload_problem(fields)) is not None:
            return httpx.Response(400, json={"error": {"message": problem}})
        file_id = self.new_id("file-")
        self.files[file_id] = fields["file"]
        self.uploaded_bytes += len(fields["file"])
        return httpx.Response(200, json=self.file_object(file_id, len(fields["file"])))

    def upload_problem(self, fields: dict[str, bytes]) -> str | None:
        if fields.get("purpose", b"").decode() != self.purpose or "file" not in fields:
            return f"expected a file part and purpose={self.purpose}"
        return None

    def file_object(self, file_id: str, size: int) -> dict[str, t.Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": "batch.jsonl",
            "purpose": self.purpose,
        }

    def create(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        payload = json.loads(request.content)
        self.create_payloads.append(payload)
        if (problem := self.create_problem(payload)) is not None:
            return httpx.Response(400, json={"error": {"message": problem}})
        content = self.files.get(payload.get("input_file_id", ""))
        if content is None:
            return self.not_found("file")
        if payload.get("endpoint") != "/v1/chat/completions":
            return httpx.Response(400, json={"error": {"message": "unsupported endpoint"}})
        requests = []
        for line in content.decode().splitlines():
            item = json.loads(line)
            if item.get("url") != "/v1/chat/completions" or "model" not in item["body"]:
                return httpx.Response(400, json={"error": {"message": f"bad line: {line[:80]}"}})
            requests.append((item["custom_id"], item["body"]))
        batch = self.register(
            self.new_id("batch_"),
            requests,
            metadata=payload.get("metadata"),
            model=requests[0][1]["model"],
        )
        batch.extra["input_file_id"] = payload["input_file_id"]
        batch.extra["completion_window"] = payload.get("completion_window")
        return httpx.Response(200, json=self.wrap_created(self.batch_object(batch)))

    def wrap_created(self, obj: dict[str, t.Any]) -> dict[str, t.Any]:
        return obj

    def create_problem(self, payload: dict[str, t.Any]) -> str | None:
        """Why the create-batch call is refused (``None``: accepted)."""
        return None

    def list_page(self, request: httpx.Request, batches: list[FakeBatch]) -> t.Any:
        """``limit`` and ``after`` (the last id of the previous page), newest first."""
        after = request.url.params.get("after")
        ids = [batch.id for batch in batches]
        start = ids.index(after) + 1 if after in ids else 0
        rows, more = self.page_of(batches, start, request.url.params.get("limit"))
        return self.list_body(rows, more=more)

    def list_body(self, rows: list[dict[str, t.Any]], *, more: bool = False) -> t.Any:
        return {
            "object": "list",
            "data": rows,
            "first_id": rows[0]["id"] if rows else None,
            "last_id": rows[-1]["id"] if rows else None,
            "has_more": more,
        }

    def content(self, request: httpx.Request, file_id: str) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        if file_id not in self.files:
            return self.not_found("file")
        return httpx.Response(
            200, content=self.files[file_id], headers={"content-type": "application/jsonl"}
        )

    # ------------------------------------------------------------------------- rendering

    def finish(self, batch: FakeBatch) -> None:
        super().finish(batch)
        output, errors = [], []
        for custom_id, body in batch.requests:
            outcome = batch.outcomes.get(custom_id)
            if outcome is None:
                continue
            line = {"id": self.new_id("batch_req_"), "custom_id": custom_id}
            if outcome.kind in ("ok", "refused"):
                completion = self.completion(batch.model, outcome.text, body)
                if outcome.kind == "refused":
                    completion["choices"][0]["message"].update(
                        content=None, refusal=outcome.message
                    )
                line["response"] = {
                    "status_code": 200,
                    "request_id": self.new_id("req_"),
                    "body": completion,
                }
                line["error"] = None
                output.append((custom_id, line))
                output += self.duplicate(batch, custom_id, body)
            elif outcome.kind == "error":
                line["response"] = {
                    "status_code": outcome.status,
                    "request_id": self.new_id("req_"),
                    "body": self.error_body(outcome.message),
                }
                line["error"] = None
                errors.append((custom_id, line))
            else:
                line["response"] = None
                line["error"] = {
                    "code": f"batch_{outcome.kind}",
                    "message": f"This request was not executed: the batch {outcome.kind}.",
                }
                errors.append((custom_id, line))
        for key, lines in (("output_file_id", output), ("error_file_id", errors)):
            if lines:
                file_id = self.new_id("file-")
                self.files[file_id] = "\n".join(self.result_lines(batch, lines)).encode()
                batch.extra[key] = file_id

    def duplicate(
        self, batch: FakeBatch, custom_id: str, body: dict[str, t.Any]
    ) -> list[tuple[str, dict[str, t.Any]]]:
        """The second result line scripted by ``duplicate_lines`` for ``custom_id``, if any."""
        kind = self.duplicate_lines.get(custom_id)
        if kind is None:
            return []
        line: dict[str, t.Any] = {"id": self.new_id("batch_req_"), "custom_id": custom_id}
        if kind == "error":
            status, response = 500, self.error_body("emulated duplicate error")
        else:
            text = json.dumps({"answer": "second-answer", "justification": "a second line"})
            status, response = 200, self.completion(batch.model, text, body)
        line["response"] = {
            "status_code": status,
            "request_id": self.new_id("req_"),
            "body": response,
        }
        line["error"] = None
        return [(custom_id, line)]

    def error_body(self, message: str) -> dict[str, t.Any]:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
        return {"error": error}

    def completion(self, model: str, text: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        if self.reasoning_style == "tags":
            return chat_completion(model, f"<think>Let me think.</think>\n{text}", body)
        if self.reasoning_style == "field":
            return chat_completion(model, text, body, reasoning="Let me think.")
        return chat_completion(model, text, body)

    def native_status(self, batch: FakeBatch) -> str:
        if batch.final is not None:
            return self.statuses[batch.final]
        if self.cancelling(batch):
            return self.statuses["cancelling"]
        return self.statuses["running" if batch.polls else "pending"]

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        succeeded, failed = self.progress(batch)
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": (
                {
                    "object": "list",
                    "data": [{"code": "invalid_request", "message": "emulated failure"}],
                }
                if batch.final == "failed"
                else None
            ),
            "input_file_id": batch.extra.get("input_file_id"),
            "completion_window": batch.extra.get("completion_window", "24h"),
            "status": self.native_status(batch),
            "output_file_id": batch.extra.get("output_file_id"),
            "error_file_id": batch.extra.get("error_file_id"),
            "created_at": batch.created_at,
            "in_progress_at": batch.created_at if batch.polls else None,
            "expires_at": batch.created_at + 86400,
            "completed_at": int(time.time()) if batch.final == "completed" else None,
            "request_counts": {"total": batch.total, "completed": succeeded, "failed": failed},
            "metadata": batch.metadata or None,
        }


class GroqEmulator(OpenAIEmulator):
    """``api.groq.com``: OpenAI's shapes under ``/openai/v1``."""

    name = "groq"
    host = "api.groq.com"
    prefix = "/openai"
    reasoning_style = "field"

    def auth_error(self) -> httpx.Response:
        return httpx.Response(
            401,
            json={
                "error": {
                    "message": "Invalid API Key",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
        )


class DoublewordEmulator(OpenAIEmulator):
    """``api.doubleword.ai``: OpenAI's shapes; open models that think in <think> tags."""

    name = "doubleword"
    host = "api.doubleword.ai"
    reasoning_style = "tags"

    def auth_error(self) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Invalid or missing API key"}})


class TogetherEmulator(OpenAIEmulator):
    """``api.together.xyz``: ``/v1/files/upload``, ``{"job": ...}``, upper-case statuses."""

    name = "together"
    host = "api.together.xyz"
    upload_path = "/v1/files/upload"
    purpose = "batch-api"
    statuses = {
        "pending": "VALIDATING",
        "running": "IN_PROGRESS",
        "completed": "COMPLETED",
        "failed": "FAILED",
        "expired": "EXPIRED",
        "cancelled": "CANCELLED",
    }
    reasoning_style = "tags"
    cancels_at_once = True  # its batch statuses have no CANCELLING (its API reference)

    def cancel_answer(self, batch: FakeBatch) -> dict[str, t.Any]:
        return self.batch_object(batch)  # the job itself, unwrapped (unlike create's)

    def auth_error(self) -> httpx.Response:
        return httpx.Response(
            401,
            json={
                "error": {
                    "message": "Invalid API key provided. You can find your API key at "
                    "https://api.together.xyz/settings/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
        )

    def upload_problem(self, fields: dict[str, bytes]) -> str | None:
        if fields.get("file_name", b"").decode() != "batch.jsonl":
            return "file_name is required"
        return super().upload_problem(fields)

    def file_object(self, file_id: str, size: int) -> dict[str, t.Any]:
        return {
            **super().file_object(file_id, size),
            "Processed": True,
            "FileType": "jsonl",
            "LineCount": 0,
        }

    def wrap_created(self, obj: dict[str, t.Any]) -> dict[str, t.Any]:
        return {"job": obj, "warning": ""}

    def list_page(self, request: httpx.Request, batches: list[FakeBatch]) -> t.Any:
        return [self.batch_object(batch) for batch in batches]  # one bare JSON array, no pages

    #: The fields of Together's create-batch call (its API reference).
    create_fields = frozenset({"endpoint", "input_file_id", "completion_window", "model_id",
                               "priority"})  # fmt: skip

    def create_problem(self, payload: dict[str, t.Any]) -> str | None:
        unknown = sorted(set(payload) - self.create_fields)
        return f"unknown field(s): {', '.join(unknown)}" if unknown else None

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        succeeded, failed = self.progress(batch)
        done = succeeded + failed
        return {
            "id": batch.id,
            "user_id": "user-emulated",
            "input_file_id": batch.extra.get("input_file_id"),
            "file_size_bytes": 0,
            "status": self.native_status(batch),
            "job_deadline": None,
            "created_at": datetime.fromtimestamp(batch.created_at, tz=UTC).isoformat(),
            "endpoint": "/v1/chat/completions",
            "progress": 100.0 * done / batch.total if batch.total else 0.0,
            "model_id": batch.model,
            "output_file_id": batch.extra.get("output_file_id"),
            "error_file_id": batch.extra.get("error_file_id"),
            "error": "emulated failure" if batch.final == "failed" else None,
            "completed_at": None,
        }
