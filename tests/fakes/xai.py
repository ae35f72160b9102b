"""Emulator of xAI's batch container API (add requests in calls, paginated JSON results)."""

from __future__ import annotations

import json
import time
import typing as t
from datetime import UTC, datetime

import httpx
import respx

from tests.fakes.base import Emulator, FakeBatch, chat_completion

MAX_CALL_BYTES = 25_000_000


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


class XAIEmulator(Emulator):
    """``api.x.ai``: real ``state`` counters, ``chat_get_completion`` wrapping, pagination.

    ``page_size`` is the number of results per page; ``max_call_bytes`` the largest
    add-requests body accepted (413 above); ``add_calls`` records each call's size.
    ``page_shape``: ``"results"`` (``results[]`` of ``batch_result`` items, the default) or
    ``"succeeded"`` (``succeeded[]`` of ``{batch_request_id, response}`` and ``failed[]`` of
    ``{batch_request_id, error_message}``, the shape of an OpenAPI description of the API);
    anything else is served as ``{"data": [...]}`` (a shape layton does not know).
    """

    name = "xai"
    host = "api.x.ai"

    def __init__(
        self,
        *,
        page_size: int = 100,
        max_call_bytes: int = MAX_CALL_BYTES,
        page_shape: str = "results",
        **options: t.Any,
    ) -> None:
        super().__init__(**options)
        self.page_size = page_size
        self.page_shape = page_shape
        self.max_call_bytes = max_call_bytes
        self.add_calls: list[int] = []
        self.pages_served = 0

    def install(self, router: respx.MockRouter) -> None:
        self.route("POST", r"^/v1/batches$").mock(side_effect=self.create)
        self.route("POST", r"^/v1/batches/(?P<batch_id>[^/]+)/requests$").mock(side_effect=self.add)
        self.route("GET", r"^/v1/batches/(?P<batch_id>[^/:]+)$").mock(side_effect=self.get)
        self.route("POST", r"^/v1/batches/(?P<batch_id>[^/:]+):cancel$").mock(
            side_effect=self.cancel
        )
        self.route("GET", r"^/v1/batches/(?P<batch_id>[^/]+)/results$").mock(
            side_effect=self.results
        )

    def _error(self, status: int, message: str) -> httpx.Response:
        return httpx.Response(
            status, json={"code": "Client specified an invalid argument", "error": message}
        )

    def auth_error(self) -> httpx.Response:
        return self._error(
            400,
            f"Incorrect API key provided: {self.key[:2]}***{self.key[-2:]}. You can obtain an "
            "API key from https://console.x.ai.",
        )

    def server_error(self, status: int) -> httpx.Response:
        return httpx.Response(status, json={"code": "Internal", "error": "emulated failure"})

    def not_found(self, what: str) -> httpx.Response:
        return httpx.Response(404, json={"code": "Not found", "error": f"{what} not found"})

    def cannot_cancel(self, batch: FakeBatch) -> httpx.Response:
        return self._error(400, f"batch {batch.id} has no pending request to cancel")

    # ---------------------------------------------------------------------------- routes

    def create(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        name = json.loads(request.content).get("name")
        if not name:
            return self._error(400, "name is required")
        batch = self.register(self.new_id("batch_"), [])
        batch.extra["name"] = name
        return httpx.Response(200, json=self.batch_object(batch))

    def add(self, request: httpx.Request, batch_id: str) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        if len(request.content) > self.max_call_bytes:
            return self._error(413, "request payload exceeds 25MB")
        batch = self.batches.get(batch_id)
        if batch is None:
            return self.not_found("batch")
        self.add_calls.append(len(request.content))
        self.uploaded_bytes += len(request.content)
        for item in json.loads(request.content).get("batch_requests") or []:
            body = (item.get("batch_request") or {}).get("chat_get_completion")
            if not isinstance(body, dict) or "model" not in body:
                return self._error(400, "batch_request.chat_get_completion.model is required")
            batch.requests.append((item["batch_request_id"], body))
            batch.model = body["model"]
            self.requests_seen.append(item["batch_request_id"])
            self.bodies[item["batch_request_id"]] = body
        return httpx.Response(200, json={})

    def results(self, request: httpx.Request, batch_id: str) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        batch = self.batches.get(batch_id)
        if batch is None:
            return self.not_found("batch")
        items = [self.result_item(batch, cid, body) for cid, body in batch.requests]
        items = [item for item in items if item is not None]
        start = int(request.url.params.get("pagination_token") or 0)
        page = items[start : start + self.page_size]
        end = start + self.page_size
        self.pages_served += 1
        token = str(end) if end < len(items) else None
        return httpx.Response(200, json={**self.page_body(page), "pagination_token": token})

    def page_body(self, items: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """One page of ``items`` (``results`` items) in the scripted ``page_shape``."""
        if self.page_shape == "results":
            return {"results": items}
        if self.page_shape != "succeeded":
            return {"data": items}
        succeeded, failed = [], []
        for item in items:
            custom_id, result = item["batch_request_id"], item["batch_result"] or {}
            if "response" in result:  # the completion itself
                response = result["response"]["chat_get_completion"]
                succeeded.append({"batch_request_id": custom_id, "response": response})
            else:
                message = (result.get("error") or {}).get("message", "failed")
                failed.append({"batch_request_id": custom_id, "error_message": message})
        return {"succeeded": succeeded, "failed": failed}

    # ------------------------------------------------------------------------- rendering

    def result_item(
        self, batch: FakeBatch, custom_id: str, body: dict[str, t.Any]
    ) -> dict[str, t.Any] | None:
        outcome = batch.outcomes.get(custom_id)
        if outcome is None:
            return None
        if custom_id in self.broken_lines:
            return {"batch_request_id": custom_id, "batch_result": None}
        if outcome.kind == "ok":
            completion = chat_completion(batch.model, outcome.text, body)
            result: dict[str, t.Any] = {"response": {"chat_get_completion": completion}}
        else:
            message = outcome.message or f"request {outcome.kind}"
            result = {"error": {"code": outcome.status or 500, "message": message}}
        return {"batch_request_id": custom_id, "batch_result": result}

    def finish(self, batch: FakeBatch) -> None:
        if self.outcome == "failed":  # xAI batches do not fail whole: every request errors
            self.errors = {cid: (500, "emulated failure") for cid, _ in batch.requests}
            saved, self.outcome = self.outcome, "completed"
            try:
                super().finish(batch)
            finally:
                self.outcome = saved
            return
        super().finish(batch)

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        total = batch.total
        if batch.final is None:
            success = total // 2 if batch.polls else 0
            state = {"num_success": success, "num_error": 0, "num_cancelled": 0}
            state["num_pending"] = total - success
        else:
            state = {
                "num_success": batch.count("ok"),
                "num_error": batch.count("error") + batch.count("expired"),
                "num_cancelled": batch.count("cancelled"),
                "num_pending": 0,
            }
        return {
            "batch_id": batch.id,
            "name": batch.extra.get("name", ""),
            "create_time": _iso(batch.created_at),
            "expire_time": _iso(batch.created_at + 86400),
            "create_api_key_id": "key-emulated",
            "cancel_time": (
                _iso(time.time())
                if "cancel_polls" in batch.extra or batch.final == "cancelled"
                else None
            ),
            "cancel_by_xai_message": None,
            "state": {"num_requests": total, **state},
        }
