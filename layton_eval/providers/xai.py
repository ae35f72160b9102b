"""xAI's Batch API: a batch container filled with requests, results read page by page."""

from __future__ import annotations

import dataclasses
import json
import typing as t
from collections.abc import Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlencode

import httpx
from batchling.providers.xai import XaiProvider

from layton_eval.errors import BatchError, SubmitError
from layton_eval.neutral import Usage
from layton_eval.providers._results import LineCheck, OnBytes, malformed_result
from layton_eval.providers.batch_types import BatchSnapshot, BatchState, RawResult, SubmitTrace
from layton_eval.providers.hooks import Fix, Items
from layton_eval.providers.native import as_int
from layton_eval.providers.openai import OpenAI, chat_usage

if t.TYPE_CHECKING:
    from layton_eval.providers.base import ClientFactory

__all__ = ["XAI"]

#: xAI refuses an add-requests call above 25 MB; stay under it with room for the wrapper.
MAX_ADD_BYTES = 24_000_000


def _named_container(metadata: Mapping[str, str] | None) -> Fix:
    """The container created with layton's tag as its name (batchling names it itself)."""
    name = json.dumps(dict(metadata), sort_keys=True) if metadata else "layton"

    async def fix(
        own: t.Any, *, base_url: str, api_headers: dict[str, str], client_factory: t.Any
    ) -> str:
        async with client_factory() as client:
            response = await client.post(
                url=f"{base_url}{XaiProvider.file_upload_endpoint}",
                headers=api_headers,
                json={"name": name},
            )
            response.raise_for_status()
            return str(response.json()["batch_id"])

    return fix


def _chunked_adds(limit: int, trace: SubmitTrace | None) -> Fix:
    """Requests added in calls that each stay under ``limit`` bytes."""

    async def fix(
        own: t.Any, *, batch_id: str, jsonl_lines: list[dict[str, t.Any]], **kwargs: t.Any
    ) -> None:
        # batchling defect (docs/providers.md, D6): it sends every request in one call, which
        # xAI refuses above 25 MB. Send chunks that each stay under `max_add_bytes`.
        added = 0
        for chunk in _chunks(jsonl_lines, limit):
            try:
                await own(batch_id=batch_id, jsonl_lines=chunk, **kwargs)
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                if not added:
                    raise  # the container holds nothing yet: report the error as it is
                raise SubmitError(
                    f"xai batch {batch_id} holds only {added} of {len(jsonl_lines)} requests: "
                    f"adding the rest failed ({type(exc).__name__})",
                    provider="xai",
                    batch_id=batch_id,
                ) from exc
            added += len(chunk)
            if trace is not None:
                trace.added = added

    return fix


def _status(own: t.Any, *, payload: dict[str, t.Any]) -> str:
    # batchling defect (docs/providers.md, D6): it reads `num_completed` (not an xAI field)
    # and calls a batch whose requests are not counted yet `ended`. Use the real counters.
    state = payload.get("state") or {}
    done = as_int(state.get("num_success")) + as_int(state.get("num_error"))
    if as_int(state.get("num_pending")) > 0:
        return "running" if done else "pending"
    if as_int(state.get("num_requests")) == 0:
        return "pending"
    return "ended"


def _progress(own: t.Any, *, payload: dict[str, t.Any], requests_count: int) -> tuple[int, float]:
    # batchling defect (docs/providers.md, D6): it reads `state.success`; xAI says num_success.
    completed = as_int((payload.get("state") or {}).get("num_success"))
    percent = completed / requests_count * 100.0 if requests_count > 0 else 0.0
    return completed, percent


def _chunks(lines: Sequence[dict[str, t.Any]], limit: int) -> list[list[dict[str, t.Any]]]:
    chunks: list[list[dict[str, t.Any]]] = []
    current: list[dict[str, t.Any]] = []
    size = len('{"batch_requests": []}')
    for line in lines:
        line_size = len(json.dumps(line).encode("utf-8")) + 2
        if current and size + line_size > limit:
            chunks.append(current)
            current, size = [], len('{"batch_requests": []}')
        current.append(line)
        size += line_size
    if current:
        chunks.append(current)
    return chunks


class XAI(OpenAI):
    """Grok chat completions through xAI's batch containers."""

    name = "xai"
    base_url = "https://api.x.ai"
    adapter_class = XaiProvider
    # xAI answers a wrong key with 400 "Incorrect API key provided".
    auth_error_words = ("API key",)
    max_requests_per_batch = 100_000
    max_bytes_per_batch = 200_000_000
    supports_listing = False
    keeps_tags = False  # a container's name is kept, but the containers cannot be listed
    structured_output = True
    max_tokens_field = "max_tokens"
    states = {
        "pending": BatchState.pending,
        "running": BatchState.running,
        "ended": BatchState.completed,
    }
    #: Largest add-requests call (tests lower it to exercise chunking).
    max_add_bytes: int = MAX_ADD_BYTES

    def usage(self, usage: t.Any) -> Usage:
        """xAI usage, reasoning tokens counted as output tokens.

        xAI bills reasoning tokens at the completion price as their own category, outside
        ``completion_tokens`` (its ``total_tokens`` is prompt + completion + reasoning; see
        docs/providers.md, "xAI usage"). They are added to the output tokens, unless
        ``total_tokens`` shows that ``completion_tokens`` already holds them.
        """
        counts = chat_usage(usage)
        if not isinstance(usage, dict):
            return counts
        reasoning = counts.reasoning_tokens or as_int(usage.get("reasoning_tokens"))
        total = as_int(usage.get("total_tokens"))
        included = total and total == counts.input_tokens + counts.output_tokens
        if reasoning and not included:
            counts.output_tokens += reasoning
        counts.reasoning_tokens = reasoning
        return counts

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """The container named with the tag, requests added in chunks, status and progress
        read from xAI's real counters."""
        return {
            "_create_batch_container": _named_container(metadata),
            "_add_requests_to_batch": _chunked_adds(self.max_add_bytes, trace),
            "extract_batch_status": _status,
            "get_progress_from_poll": _progress,
        }

    def check_items(self, items: Items, metadata: Mapping[str, str] | None) -> None:
        super().check_items(items, metadata)
        for custom_id, body in items:
            if self.request_size(body) > self.max_add_bytes:
                raise BatchError(
                    f"request {custom_id!r} is larger than xAI's 25 MB per call", provider=self.name
                )

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        reading = super().read_poll(payload, snap, total=total, terminal=terminal)
        state = payload.get("state") or {}
        cancelled = (
            snap.status == "ended"
            and as_int(state.get("num_cancelled"))
            and not (as_int(state.get("num_success")) + as_int(state.get("num_error")))
        )
        return dataclasses.replace(
            reading,
            state=BatchState.cancelled if cancelled else reading.state,
            completed=snap.progress_completed,
            failed=as_int(state.get("num_error")),
            total=as_int(state.get("num_requests")) or total,
            output_file_id=None,  # results are read by batch id
            error_file_id=None,
            counted=as_int(state.get("num_requests")),
        )

    async def download_to(
        self,
        batch_id: str,
        snapshot: BatchSnapshot,
        handle: t.BinaryIO,
        *,
        api_key: str,
        client_factory: ClientFactory,
        on_bytes: OnBytes | None = None,
    ) -> list[bytes]:
        """Every page of results as sent, one page a line (read by :meth:`decode_lines`),
        written to ``handle`` page by page (each page was read whole as JSON)."""
        adapter, base_url, headers = self._for_batch(batch_id, api_key)
        spec = adapter.build_results_request_spec(
            base_url=base_url, api_headers=headers, file_id=None, batch_id=batch_id
        )
        token: str | None = None
        seen: set[str] = set()
        # batchling defect (docs/providers.md, D6): it reads only the first page of results and
        # ignores `pagination_token`. Follow it to the last page.
        while True:
            query = f"?{urlencode({'pagination_token': token})}" if token else ""
            response = await self.http.send(
                spec.method,
                base_url + spec.path + query,
                spec.headers,
                client_factory,
                api_key=api_key,
                batch_id=batch_id,
                doing="fetching results",
            )
            # one line per page: a newline in valid JSON is whitespace (inside strings it is
            # escaped), so the page stays as sent, on one line; a page that is not JSON is
            # written too, and the check of the download finds it
            handle.write(response.content.replace(b"\r", b" ").replace(b"\n", b" ") + b"\n")
            if on_bytes is not None:
                on_bytes(len(response.content), None)
            page = _page(response.content)
            token = page.get("pagination_token") or None
            if not token or token in seen or not page.get("results"):
                break
            seen.add(token)
        return [b""]  # every page ends with its newline

    def decode_lines(
        self, lines: Iterable[bytes | str], check: LineCheck | None = None
    ) -> Iterator[tuple[str, RawResult]]:
        """Each line is a page: decode it item by item, so that one bad item does not lose
        the page (a page that cannot be read is counted in ``check``)."""
        for line in lines:
            try:
                page = json.loads(line) if line.strip() else {}
                items = page.get("results") or []
            except (ValueError, AttributeError):
                if check is not None:
                    check.unreadable += 1
                continue
            for item in items if isinstance(items, list) else []:
                decoded = _decode_item(item, self.result_of)
                if decoded is not None:
                    yield decoded

    def result_of(self, item: dict[str, t.Any]) -> RawResult:
        """One item's ``batch_result``: the chat completion, or the error.

        batchling defect (docs/providers.md, D6): success bodies stay wrapped in
        ``chat_get_completion``; unwrap them into the plain chat.completion.
        """
        response = item.get("response")
        if isinstance(response, dict) and isinstance(response.get("chat_get_completion"), dict):
            return RawResult(200, response["chat_get_completion"])
        if response:
            return RawResult(200, response)
        return RawResult(500, item.get("error") or {"error": "Missing response"})


def _page(content: bytes) -> dict[str, t.Any]:
    """A page of results as JSON (empty when it is not a JSON object)."""
    try:
        page = json.loads(content)
    except ValueError:
        return {}
    return page if isinstance(page, dict) else {}


def _decode_item(
    item: t.Any, result_of: t.Callable[[dict[str, t.Any]], RawResult]
) -> tuple[str, RawResult] | None:
    """``(custom id, result)`` of one page item; a malformed result when only its id can be
    read, ``None`` without an id."""
    custom_id = item.get("batch_request_id") if isinstance(item, dict) else None
    if custom_id is None:
        return None
    try:
        return str(custom_id), result_of(item["batch_result"])
    except Exception:  # a bad item must not lose the others
        return str(custom_id), malformed_result()
