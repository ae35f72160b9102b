"""The provider interface: neutral requests in, native batch calls out.

A :class:`Provider` knows one provider's Batch API through batchling's adapter for it (a small
subclass with the defect fixes lives in each provider module). It turns a
:class:`~layton_eval.neutral.NeutralRequest` into the native JSON body, submits a batch, polls it
into a :class:`BatchSnapshot`, downloads its results (output *and* error files) as
:class:`RawResult` objects and parses each into a :class:`~layton_eval.neutral.ModelOutput`.

Errors are translated here, at the boundary: an HTTP error status becomes
:class:`~layton_eval.errors.ProviderHTTPError`, a network failure or an unexpected answer becomes
:class:`~layton_eval.errors.BatchError` (:class:`~layton_eval.errors.SubmitError` during a
submission, whose outcome is then unknown). ``poll``, ``results`` and ``list_batches`` retry
transient failures (429, 5xx, network); ``submit`` never retries, since a retry could create a
second paid batch.

This module stays cheap to import: httpx is imported inside the methods that use it and
batchling only in the provider modules.
"""

from __future__ import annotations

import asyncio
import json
import re
import typing as t
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from layton_eval.errors import BatchError, SubmitError
from layton_eval.neutral import GenerationOptions, ModelOutput, NeutralRequest
from layton_eval.providers._cancel import Cancelling
from layton_eval.providers._http import HttpCalls, batch_error, redact, short
from layton_eval.providers._limits import Limits
from layton_eval.providers._results import BodySink, OnBytes, ResultLines
from layton_eval.providers._submit import MetadataPayloadMixin, trace_calls
from layton_eval.providers.batch_types import (
    BatchListing,
    BatchSnapshot,
    BatchState,
    RawResult,
    RemoteBatch,
    SubmitTrace,
)

if t.TYPE_CHECKING:
    import httpx

#: Makes the HTTP client of one call (batchling's adapters open one per call).
ClientFactory = Callable[[], "httpx.AsyncClient"]

__all__ = ["ClientFactory", "MetadataPayloadMixin", "Provider"]

_BATCH_ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")


@dataclass(frozen=True)
class _PendingRequest:
    """What batchling's adapters read from a request.

    See docs/providers.md, "What every adapter reads".
    """

    custom_id: str
    params: dict[str, t.Any]


class Provider(Limits, HttpCalls, ResultLines, Cancelling, ABC):
    """One provider's Batch API behind the same interface.

    Subclasses declare the class attributes, build native bodies, parse native responses and
    create their batchling adapter; the batch lifecycle (validation, submit, poll, results,
    listing, retries and error translation) is shared and tuned through small hooks.

    Parameters
    ----------
    sleep:
        Coroutine used to wait between retries (tests pass a fast one).
    retry_delays:
        Seconds to wait before each retry; its length is the number of retries.
    """

    name: t.ClassVar[str]
    base_url: t.ClassVar[str]
    max_requests_per_batch: t.ClassVar[int]
    max_bytes_per_batch: t.ClassVar[int]
    completion_windows: t.ClassVar[tuple[str, ...]] = ("24h",)
    supports_listing: t.ClassVar[bool] = True
    #: Where the batch list is read, and its page-size and cursor query parameters.
    list_path: t.ClassVar[str] = "/v1/batches"
    list_params: t.ClassVar[tuple[str, str]] = ("limit", "after")
    #: The batch list comes newest first (so reading can stop once past a given time).
    lists_newest_first: t.ClassVar[bool] = True
    #: The provider keeps layton's tag on a batch and lists it back (metadata, display name).
    keeps_tags: t.ClassVar[bool] = True
    structured_output: t.ClassVar[bool]
    #: Native status -> normalized state; unknown statuses count as running.
    states: t.ClassVar[Mapping[str, BatchState]] = {}
    #: Terminal statuses batchling does not know about.
    extra_terminal_statuses: t.ClassVar[frozenset[str]] = frozenset()
    #: Bytes a batch line adds around its body (ids, method, url, JSON punctuation).
    line_overhead: t.ClassVar[int] = 200

    def __init__(
        self,
        *,
        sleep: Callable[[float], Awaitable[t.Any]] | None = None,
        retry_delays: Sequence[float] = (1.0, 2.0, 4.0),
    ) -> None:
        self.sleep = sleep or asyncio.sleep
        self.retry_delays = tuple(retry_delays)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider {self.name!r}>"

    # ----------------------------------------------------------------- what subclasses provide

    @abstractmethod
    def build_body(self, request: NeutralRequest, options: GenerationOptions) -> dict[str, t.Any]:
        """The native JSON body of one request."""

    @abstractmethod
    def parse_response(self, result: RawResult) -> ModelOutput:
        """The visible text, usage, finish reason or error of one result."""

    @abstractmethod
    def _new_adapter(self) -> t.Any:
        """A fresh batchling adapter (the module's fixed subclass)."""

    def endpoint(self, model: str) -> str:
        """Path of the generation endpoint whose calls are batched."""
        return "/v1/chat/completions"

    def auth_headers(self, api_key: str) -> dict[str, str]:
        """Headers that authenticate a call; built at call time, never stored."""
        return {"Authorization": f"Bearer {api_key}"}

    def queue_model(self, model: str) -> str:
        """The model id batchling puts in the queue key (and some create calls)."""
        return model

    # -------------------------------------------------------------------------------- submit

    async def submit(
        self,
        items: Sequence[tuple[str, dict[str, t.Any]]],
        *,
        model: str,
        api_key: str,
        completion_window: str,
        client_factory: ClientFactory,
        metadata: dict[str, str] | None = None,
        trace: SubmitTrace | None = None,
    ) -> str:
        """Create one batch of ``(custom_id, native body)`` items; returns the batch id.

        Everything is validated before the first HTTP call. Never retried: when the outcome is
        unknown (network failure, odd answer) a :class:`SubmitError` says so. ``trace`` is
        filled in as the submission goes (which call was under way, the ids it left behind).
        """
        import httpx

        self.validate_completion_window(completion_window)
        self._validate_items(items, metadata)
        endpoint = self.endpoint(model)
        headers = self.auth_headers(api_key)
        pending = [
            _PendingRequest(
                custom_id=custom_id,
                params={
                    "method": "POST",
                    "url": self.api_base(),
                    "endpoint": endpoint,
                    "headers": headers,
                    "body": json.dumps(body).encode("utf-8"),
                },
            )
            for custom_id, body in items
        ]
        adapter = self._new_adapter()
        adapter.layton_metadata = dict(metadata) if metadata else None
        trace = trace if trace is not None else SubmitTrace()
        trace_calls(adapter, trace)
        try:
            submission = await adapter.process_batch(
                requests=pending,
                client_factory=client_factory,
                queue_key=(self.name, endpoint, self.queue_model(model)),
                completion_window=completion_window,
            )
        except httpx.HTTPStatusError as exc:
            error = self._http_error(exc.response, api_key=api_key)
            if error.status_code >= 500 and trace.stage == "create":  # it may have gone through
                error.args = (f"{error}; the batch may or may not exist",)
            raise error from exc
        except httpx.HTTPError as exc:
            maybe = "; the batch may or may not exist" if trace.stage == "create" else ""
            raise SubmitError(
                f"{self.name}: {type(exc).__name__} while submitting{maybe}", provider=self.name
            ) from exc
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            detail = short(redact(str(exc), api_key))
            maybe = "; the batch may or may not exist" if trace.stage == "create" else ""
            raise SubmitError(
                f"{self.name} gave an unexpected answer while submitting "
                f"({type(exc).__name__}: {detail}){maybe}",
                provider=self.name,
            ) from exc
        return str(submission.batch_id)

    # ---------------------------------------------------------------------------------- poll

    async def poll(
        self, batch_id: str, *, api_key: str, total: int, client_factory: ClientFactory
    ) -> BatchSnapshot:
        """Where the batch stands now."""
        adapter, base_url, headers = self._for_batch(batch_id, api_key)
        spec = adapter.build_poll_request_spec(
            base_url=base_url, api_headers=headers, batch_id=batch_id
        )
        response = await self._execute(
            spec, base_url, client_factory, api_key=api_key, batch_id=batch_id
        )
        payload = self._json(response, batch_id=batch_id)
        try:
            snap = await adapter.parse_poll_response(payload=payload, requests_count=total)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BatchError(
                f"{self.name} answered a poll with an unexpected shape ({type(exc).__name__})",
                provider=self.name,
                batch_id=batch_id,
            ) from exc
        # batchling's own test (`status in StrEnum`) raises TypeError on Python 3.11: compare
        # with the set of values instead (docs/providers.md, D1).
        terminal_values = {s.value for s in adapter.batch_terminal_states}
        terminal = snap.status in terminal_values | self.extra_terminal_statuses
        completed, failed, count = self._progress(payload, snap, total)
        output_file_id, error_file_id = self._files(payload, snap)
        return BatchSnapshot(
            counted=self._request_count(payload),
            status=snap.status,
            state=self._state(snap.status, payload, terminal),
            terminal=terminal,
            completed=completed,
            failed=failed,
            total=count,
            output_file_id=output_file_id,
            error_file_id=error_file_id,
            error=batch_error(payload),
        )

    def _state(self, status: str, payload: dict[str, t.Any], terminal: bool) -> BatchState:
        if status in self.states:
            return self.states[status]
        return BatchState.pending if status == "created" else BatchState.running

    def _progress(self, payload: dict[str, t.Any], snap: t.Any, total: int) -> tuple[int, int, int]:
        """``(completed, failed, total)``; by default batchling's count and the known total."""
        return snap.progress_completed, 0, total

    def _files(self, payload: dict[str, t.Any], snap: t.Any) -> tuple[str | None, str | None]:
        return snap.output_file_id or None, snap.error_file_id or None

    def _request_count(self, payload: dict[str, t.Any]) -> int | None:
        """How many requests the provider says the batch holds, where a poll tells it."""
        return None

    # ------------------------------------------------------------------------------- results

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
        """Stream a finished batch's results (output file, then error file) into ``handle`` in
        chunks; returns each file's last line if it lacked its newline (then added)."""
        adapter, base_url, headers = self._for_batch(batch_id, api_key)
        tails = []
        for locator in self._result_locators(batch_id, snapshot):
            spec = adapter.build_results_request_spec(
                base_url=base_url, api_headers=headers, file_id=locator, batch_id=batch_id
            )
            sink = BodySink(handle, on_bytes)
            await self._execute(
                spec, base_url, client_factory, api_key=api_key, batch_id=batch_id, body_to=sink
            )
            tails.append(sink.end())
        return tails

    def _result_locators(self, batch_id: str, snapshot: BatchSnapshot) -> list[str]:
        # batchling defect (docs/providers.md, D3): its result locator is the output file, or the
        # error file only when there is no output file, so failed requests vanish whenever one
        # request succeeded. Download both files and merge them.
        locators = [snapshot.output_file_id, snapshot.error_file_id]
        return [loc for i, loc in enumerate(locators) if loc and loc not in locators[:i]]

    # ---------------------------------------------------------------------------------- list

    async def list_batches(
        self,
        *,
        api_key: str,
        client_factory: ClientFactory,
        since: datetime | None = None,
        max_pages: int = 500,
    ) -> BatchListing:
        """The provider's batches, page after page: to the end of the list, or (on an API
        listing newest first) to the first page holding a batch created before ``since``, or
        ``max_pages``. The answer says how far it read (:class:`BatchListing`)."""
        if not self.supports_listing:
            raise BatchError(f"{self.name} cannot list batches", provider=self.name)
        adapter = self._new_adapter()
        base_url, headers = self._target(adapter, api_key)
        listing = BatchListing()
        cursor: str | None = None
        seen: set[str] = set()
        while listing.pages < max_pages:
            path, params = self._list_request(100, cursor)
            url = base_url + path + (f"?{urlencode(params)}" if params else "")
            response = await self._send(
                "GET", url, headers, client_factory, api_key=api_key, doing="listing batches"
            )
            try:
                items, cursor = self._parse_list(self._json(response), cursor)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise BatchError(
                    f"{self.name} answered the batch list with an unexpected shape",
                    provider=self.name,
                ) from exc
            listing.add(items)
            if not items or not cursor or cursor in seen:
                listing.complete = True
                break
            seen.add(cursor)
            if self.lists_newest_first and listing.reached(since):
                break
        return listing

    def _list_request(self, remaining: int, cursor: str | None) -> tuple[str, dict[str, t.Any]]:
        """The path and query of one page of the batch list (``list_path``, ``list_params``)."""
        size, after = self.list_params
        params: dict[str, t.Any] = {size: min(remaining, 100)}
        if cursor:
            params[after] = cursor
        return self.list_path, params

    def _parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        raise BatchError(f"{self.name} cannot list batches", provider=self.name)

    # ---------------------------------------------------------------------------------- HTTP

    def _for_batch(self, batch_id: str, api_key: str) -> tuple[t.Any, str, dict[str, str]]:
        """A fresh adapter, base URL and headers for calls about ``batch_id`` (checked)."""
        self._check_batch_id(batch_id)
        adapter = self._new_adapter()
        base_url, headers = self._target(adapter, api_key)
        return adapter, base_url, headers

    def _target(self, adapter: t.Any, api_key: str) -> tuple[str, dict[str, str]]:
        """Base URL and API headers the way batchling derives them after a submission."""
        context = adapter.build_resume_context(
            host=self.api_base(), headers=self.auth_headers(api_key)
        )
        return context.base_url, context.api_headers

    def _check_batch_id(self, batch_id: str) -> None:
        if not isinstance(batch_id, str) or not _BATCH_ID_PATTERN.fullmatch(batch_id):
            raise BatchError(
                f"{batch_id!r} is not a valid {self.name} batch id", provider=self.name
            )

    async def _execute(
        self,
        spec: t.Any,
        base_url: str,
        client_factory: ClientFactory,
        *,
        api_key: str,
        batch_id: str,
        body_to: BodySink | None = None,
    ) -> httpx.Response:
        return await self._send(
            spec.method,
            base_url + spec.path,
            spec.headers,
            client_factory,
            api_key=api_key,
            batch_id=batch_id,
            doing="polling" if spec.path.rstrip("/").endswith(batch_id) else "fetching results",
            body_to=body_to,
        )
