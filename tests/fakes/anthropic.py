"""Emulator of Anthropic's Message Batches API (inline requests, JSONL results)."""

from __future__ import annotations

import json
import re
import time
import typing as t
from datetime import UTC, datetime

import httpx
import respx

from tests.fakes.base import Emulator, FakeBatch, Outcome, tokens

_CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


class AnthropicEmulator(Emulator):
    """``api.anthropic.com``: checks ``x-api-key``, ``anthropic-version`` and custom ids.

    Requests with a thinking budget get a ``thinking`` block before the text; a budget that is
    not below ``max_tokens`` gives an ``errored`` result, as the real API does.
    """

    name = "anthropic"
    host = "api.anthropic.com"
    version = "2023-06-01"

    def install(self, router: respx.MockRouter) -> None:
        base = r"^/v1/messages/batches"
        self.route("POST", base + "$").mock(side_effect=self.create)
        self.route("GET", base + "$").mock(side_effect=self.list_batches)
        self.route("GET", base + r"/(?P<batch_id>[^/]+)$").mock(side_effect=self.get)
        self.route("POST", base + r"/(?P<batch_id>[^/]+)/cancel$").mock(side_effect=self.cancel)
        self.route("GET", base + r"/(?P<batch_id>[^/]+)/results$").mock(side_effect=self.results)

    def authorized(self, request: httpx.Request) -> bool:
        return request.headers.get("x-api-key") == self.key

    def _error(self, status: int, kind: str, message: str) -> httpx.Response:
        return httpx.Response(
            status, json={"type": "error", "error": {"type": kind, "message": message}}
        )

    def auth_error(self) -> httpx.Response:
        return self._error(401, "authentication_error", "invalid x-api-key")

    def server_error(self, status: int) -> httpx.Response:
        return self._error(status, "overloaded_error" if status == 529 else "api_error", "busy")

    def not_found(self, what: str) -> httpx.Response:
        return self._error(404, "not_found_error", f"{what} not found")

    def cannot_cancel(self, batch: FakeBatch) -> httpx.Response:
        return self._error(400, "invalid_request_error", f"batch {batch.id} has already ended")

    def gate(self, request: httpx.Request) -> httpx.Response | None:
        denied = super().gate(request)
        if denied is None and request.headers.get("anthropic-version") != self.version:
            return self._error(400, "invalid_request_error", "anthropic-version header required")
        return denied

    def create(self, request: httpx.Request) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        payload = json.loads(request.content)
        requests, seen = [], set()
        for item in payload.get("requests") or []:
            custom_id = item.get("custom_id", "")
            if not _CUSTOM_ID.fullmatch(custom_id) or custom_id in seen:
                return self._error(400, "invalid_request_error", f"bad custom_id {custom_id!r}")
            params = item.get("params") or {}
            missing = {"model", "max_tokens", "messages"} - set(params)
            if missing:
                return self._error(400, "invalid_request_error", f"missing {sorted(missing)}")
            seen.add(custom_id)
            requests.append((custom_id, params))
        if not requests:
            return self._error(400, "invalid_request_error", "requests: empty")
        batch = self.register(self.new_id("msgbatch_"), requests, model=requests[0][1]["model"])
        return httpx.Response(200, json=self.batch_object(batch))

    def list_page(self, request: httpx.Request, batches: list[FakeBatch]) -> t.Any:
        """``limit`` and ``after_id``, most recent first."""
        after = request.url.params.get("after_id")
        ids = [batch.id for batch in batches]
        start = ids.index(after) + 1 if after in ids else 0
        rows, more = self.page_of(batches, start, request.url.params.get("limit"))
        return self.list_body(rows, more=more)

    def list_body(self, rows: list[dict[str, t.Any]], *, more: bool = False) -> t.Any:
        return {
            "data": rows,
            "has_more": more,
            "first_id": rows[0]["id"] if rows else None,
            "last_id": rows[-1]["id"] if rows else None,
        }

    def results(self, request: httpx.Request, batch_id: str) -> httpx.Response:
        if (denied := self.gate(request)) is not None:
            return denied
        batch = self.batches.get(batch_id)
        if batch is None:
            return self.not_found("batch")
        if batch.final is None:
            return self._error(400, "invalid_request_error", "batch has not ended")
        lines = []
        for cid, body in batch.requests:
            lines.append((cid, self.result_line(batch, cid, body)))
            kind = self.duplicate_lines.get(cid)
            if kind == "error":
                error = {"type": "error", "error": {"type": "api_error", "message": "duplicate"}}
                lines.append(
                    (cid, {"custom_id": cid, "result": {"type": "errored", "error": error}})
                )
            elif kind == "answer":
                text = json.dumps({"answer": "second-answer", "justification": "a second line"})
                result = {"type": "succeeded", "message": self.message(batch, text, body)}
                lines.append((cid, {"custom_id": cid, "result": result}))
        text = "\n".join(self.result_lines(batch, lines)) + "\n"
        return httpx.Response(200, text=text, headers={"content-type": "application/x-jsonl"})

    # ------------------------------------------------------------------------- rendering

    def finish(self, batch: FakeBatch) -> None:
        if self.outcome == "failed":  # message batches do not fail whole: every request errors
            batch.final = "failed"
            for custom_id, _ in batch.requests:
                batch.outcomes[custom_id] = self._errored("api_error", "emulated failure")
            return
        super().finish(batch)
        for custom_id, body in batch.requests:
            thinking = body.get("thinking") or {}
            if thinking and thinking.get("budget_tokens", 0) >= body["max_tokens"]:
                batch.outcomes[custom_id] = self._errored(
                    "invalid_request_error", "`max_tokens` must be greater than `budget_tokens`"
                )

    @staticmethod
    def _errored(kind: str, message: str) -> Outcome:
        return Outcome("error", status=400, message=f"{kind}|{message}")

    def result_line(self, batch: FakeBatch, custom_id: str, body: dict[str, t.Any]) -> dict:
        outcome = batch.outcomes[custom_id]
        if outcome.kind == "ok":
            result = {"type": "succeeded", "message": self.message(batch, outcome.text, body)}
        elif outcome.kind == "error":
            kind, _, message = outcome.message.rpartition("|")
            error = {"type": kind or "invalid_request_error", "message": message}
            result = {"type": "errored", "error": {"type": "error", "error": error}}
        else:
            result = {"type": "canceled" if outcome.kind == "cancelled" else "expired"}
        return {"custom_id": custom_id, "result": result}

    def message(self, batch: FakeBatch, text: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        content: list[dict[str, t.Any]] = []
        if body.get("thinking"):
            content.append({"type": "thinking", "thinking": "Let me think.", "signature": "sig"})
            content.append({"type": "redacted_thinking", "data": "opaque"})
        content.append({"type": "text", "text": text})
        return {
            "id": self.new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": batch.model,
            "content": content,
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": tokens(body.get("messages", [])) + tokens(body.get("system", "")),
                "output_tokens": tokens(text) + (40 if body.get("thinking") else 0),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }

    def batch_object(self, batch: FakeBatch) -> dict[str, t.Any]:
        ended = batch.final is not None
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            names = {"ok": "succeeded", "error": "errored", "cancelled": "canceled"}
            for outcome in batch.outcomes.values():
                counts[names.get(outcome.kind, outcome.kind)] += 1
        else:
            counts["succeeded"] = batch.total // 2 if batch.polls else 0
            counts["processing"] = batch.total - counts["succeeded"]
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": (
                "ended" if ended else "canceling" if self.cancelling(batch) else "in_progress"
            ),
            "request_counts": counts,
            "ended_at": _iso(time.time()) if ended else None,
            "created_at": _iso(batch.created_at),
            "expires_at": _iso(batch.created_at + 86400),
            "archived_at": None,
            "cancel_initiated_at": (
                _iso(time.time())
                if "cancel_polls" in batch.extra or batch.final == "cancelled"
                else None
            ),
            "results_url": (
                f"https://{self.host}/v1/messages/batches/{batch.id}/results" if ended else None
            ),
        }
