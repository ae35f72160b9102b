"""The provider lifecycle: neutral requests in, native batch calls out.

:class:`Provider` is the one class a provider module subclasses: it fills the hooks of
:class:`~layton_eval.providers.hooks.ProviderHooks` (where they are named, with the facts a
provider declares), and this class runs the lifecycle on them: it validates and submits a batch
through batchling's adapter (held, with the provider's fixes), polls it into a
:class:`BatchSnapshot`, downloads its results (output *and* error files) and lists batches.

Errors are translated here, at the boundary: an HTTP error status becomes
:class:`~layton_eval.errors.ProviderHTTPError`, a network failure or an unexpected answer becomes
:class:`~layton_eval.errors.BatchError` (:class:`~layton_eval.errors.SubmitError` during a
submission, whose outcome is then unknown: one mapping, ``_submit.submit_error``). ``poll``,
``results`` and ``list_batches`` retry transient failures (429, 5xx, network); ``submit`` never
retries, since a retry could create a second paid batch.

This module stays cheap to import: httpx is imported inside the methods that use it and
batchling only in the provider modules.
"""

from __future__ import annotations

import asyncio
import json
import re
import typing as t
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from layton_eval.errors import BatchError
from layton_eval.providers._http import HttpCalls
from layton_eval.providers._results import BodySink, OnBytes
from layton_eval.providers._submit import held_adapter, submit_error, submit_failures, trace_calls
from layton_eval.providers.batch_types import (
    BatchListing,
    BatchSnapshot,
    SubmitTrace,
)
from layton_eval.providers.hooks import Items, ProviderHooks

if t.TYPE_CHECKING:
    import httpx

#: Makes the HTTP client of one call (batchling's adapters open one per call).
ClientFactory = Callable[[], "httpx.AsyncClient"]

__all__ = ["ClientFactory", "Provider"]

_BATCH_ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")


@dataclass(frozen=True)
class _PendingRequest:
    """What batchling's adapters read from a request.

    See docs/providers.md, "What every adapter reads".
    """

    custom_id: str
    params: dict[str, t.Any]


class Provider(ProviderHooks):
    """One provider's Batch API behind the same interface (see the module docstring).

    Parameters
    ----------
    sleep:
        Coroutine used to wait between retries (tests pass a fast one).
    retry_delays:
        Seconds to wait before each retry; its length is the number of retries.
    """

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

    # ------------------------------------------------------------------ held helpers, facts

    @property
    def http(self) -> HttpCalls:
        """Retried calls and translated errors, from the facts (read at each use)."""
        return HttpCalls(
            name=self.name,
            base_url=self.base_url,
            api_prefix=self.api_prefix,
            auth_error_words=self.auth_error_words,
            sleep=self.sleep,
            retry_delays=self.retry_delays,
        )

    def api_base(self) -> str:
        """Where calls go now (``HttpCalls.api_base``: the public API or the override)."""
        return self.http.api_base()

    @property
    def api_key_var(self) -> str:
        """The environment variable of this provider's API key."""
        return self.http.api_key_var

    def adapter(
        self, *, metadata: Mapping[str, str] | None = None, trace: SubmitTrace | None = None
    ) -> t.Any:
        """A fresh batchling adapter of ``adapter_class`` with this provider's fixes."""
        return held_adapter(self.adapter_class, self.adapter_fixes(metadata=metadata, trace=trace))

    def queue_model(self, model: str) -> str:
        """The model id batchling puts in the queue key (and some create calls)."""
        return model.removeprefix(self.model_prefix)

    def endpoint(self, model: str) -> str:
        """Path of the generation endpoint whose calls are batched."""
        return self.endpoint_path.format(model=self.queue_model(model))

    def auth_headers(self, api_key: str) -> dict[str, str]:
        """Headers that authenticate a call; built at call time, never stored."""
        header, value = self.auth_header
        return {header: value.format(key=api_key), **self.fixed_headers}

    def request_size(self, body: dict[str, t.Any]) -> int:
        """Bytes this request adds to the batch file (an upper bound, for splitting)."""
        return self.limits.request_size(body)

    def validate_custom_id(self, custom_id: str) -> None:
        """Reject ids the provider would refuse (``^[A-Za-z0-9_-]{1,64}$``)."""
        self.limits.validate_custom_id(custom_id)

    def validate_completion_window(self, window: str) -> None:
        """Reject a completion window the provider does not offer."""
        self.limits.validate_completion_window(window)

    # -------------------------------------------------------------------------------- submit

    async def submit(
        self,
        items: Items,
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
        self.validate_completion_window(completion_window)
        self.check_items(items, metadata)
        endpoint = self.endpoint(model)
        params = {"method": "POST", "url": self.api_base(), "endpoint": endpoint}
        headers = self.auth_headers(api_key)
        pending = [
            _PendingRequest(
                custom_id=custom_id,
                params={**params, "headers": headers, "body": json.dumps(body).encode("utf-8")},
            )
            for custom_id, body in items
        ]
        trace = trace if trace is not None else SubmitTrace()
        adapter = self.adapter(metadata=dict(metadata) if metadata else None, trace=trace)
        trace_calls(adapter, trace)
        try:
            submission = await adapter.process_batch(
                requests=pending,
                client_factory=client_factory,
                queue_key=(self.name, endpoint, self.queue_model(model)),
                completion_window=completion_window,
            )
        except submit_failures() as exc:
            raise submit_error(exc, self.http, api_key=api_key, stage=trace.stage) from exc
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
        payload = self.http.read_json(response, batch_id=batch_id)
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
        return self.read_poll(payload, snap, total=total, terminal=terminal)

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
        for locator in self.result_locators(batch_id, snapshot):
            spec = adapter.build_results_request_spec(
                base_url=base_url, api_headers=headers, file_id=locator, batch_id=batch_id
            )
            sink = BodySink(handle, on_bytes)
            await self._execute(
                spec, base_url, client_factory, api_key=api_key, batch_id=batch_id, body_to=sink
            )
            tails.append(sink.end())
        return tails

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
        base_url, headers = self._target(self.adapter(), api_key)
        listing = BatchListing()
        cursor: str | None = None
        seen: set[str] = set()
        while listing.pages < max_pages:
            path, params = self.list_request(100, cursor)
            url = base_url + path + (f"?{urlencode(params)}" if params else "")
            response = await self.http.send(
                "GET", url, headers, client_factory, api_key=api_key, doing="listing batches"
            )
            try:
                items, cursor = self.parse_list(self.http.read_json(response), cursor)
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

    # ---------------------------------------------------------------------------------- HTTP

    def _for_batch(self, batch_id: str, api_key: str) -> tuple[t.Any, str, dict[str, str]]:
        """A fresh adapter, base URL and headers for calls about ``batch_id`` (checked)."""
        self._check_batch_id(batch_id)
        adapter = self.adapter()
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
        return await self.http.send(
            spec.method,
            base_url + spec.path,
            spec.headers,
            client_factory,
            api_key=api_key,
            batch_id=batch_id,
            doing="polling" if spec.path.rstrip("/").endswith(batch_id) else "fetching results",
            body_to=body_to,
        )
