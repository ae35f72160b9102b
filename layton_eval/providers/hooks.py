"""What a provider module fills in: its facts and a few hooks, named here and nowhere else.

A provider is one class: a subclass of :class:`~layton_eval.providers.base.Provider`, which runs
the batch lifecycle (validation, submit, poll, download, listing, retries, error mapping) for
every provider. The subclass declares the facts below as class attributes and fills the hooks
of :class:`ProviderHooks`; each hook has a default except ``build_body`` and
``parse_response``. batchling's adapter for the provider is held, not inherited: the class
names it (``adapter_class``) and lists the fixes of its defects (``adapter_fixes``), which are
put on each fresh adapter instance. docs/architecture.md, "Provider hooks", lists them in one
table.
"""

from __future__ import annotations

import typing as t
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence

from layton_eval.errors import BatchError
from layton_eval.neutral import GenerationOptions, ModelOutput, NeutralRequest
from layton_eval.providers._http import batch_error
from layton_eval.providers._limits import Limits
from layton_eval.providers._results import LineCheck, decode_line
from layton_eval.providers._submit import Fix
from layton_eval.providers.batch_types import (
    BatchSnapshot,
    BatchState,
    RawResult,
    RemoteBatch,
    SubmitTrace,
)

__all__ = ["Fix", "Items", "ProviderHooks"]

#: ``(custom_id, native body)`` pairs of one batch.
Items = Sequence[tuple[str, dict[str, t.Any]]]


class ProviderHooks(ABC):
    """The facts a provider declares and the hooks it fills (see the module docstring)."""

    # ------------------------------------------------------------------------------ facts

    name: t.ClassVar[str]
    #: The provider's public API (scheme and host).
    base_url: t.ClassVar[str]
    #: The path every API path starts with (removed from an endpoint override ending with it).
    api_prefix: t.ClassVar[str] = "/v1"
    #: Path of the batched generation call; ``{model}`` is the model id without
    #: ``model_prefix``.
    endpoint_path: t.ClassVar[str] = "/v1/chat/completions"
    #: A prefix some model ids carry that the API's paths and queue key leave out.
    model_prefix: t.ClassVar[str] = ""
    #: The header carrying the key (``{key}`` is the key), and headers sent with it.
    auth_header: t.ClassVar[tuple[str, str]] = ("Authorization", "Bearer {key}")
    fixed_headers: t.ClassVar[Mapping[str, str]] = {}
    #: Words of a 400 answer that mean the key was refused (providers that answer so).
    auth_error_words: t.ClassVar[tuple[str, ...]] = ()
    #: batchling's adapter class for this provider (held: a fresh instance per call).
    adapter_class: t.ClassVar[type[t.Any]]
    max_requests_per_batch: t.ClassVar[int]
    max_bytes_per_batch: t.ClassVar[int]
    completion_windows: t.ClassVar[tuple[str, ...]] = ("24h",)
    #: Bytes a batch line adds around its body (ids, method, url, JSON punctuation).
    line_overhead: t.ClassVar[int] = 200
    #: The API enforces the answer's JSON schema (else it goes into the system prompt).
    structured_output: t.ClassVar[bool]
    #: Native status -> normalized state; unknown statuses count as running.
    states: t.ClassVar[Mapping[str, BatchState]] = {}
    #: Terminal statuses batchling does not know about.
    extra_terminal_statuses: t.ClassVar[frozenset[str]] = frozenset()
    supports_listing: t.ClassVar[bool] = True
    #: Where the batch list is read, and its page-size and cursor query parameters.
    list_path: t.ClassVar[str] = "/v1/batches"
    list_params: t.ClassVar[tuple[str, str]] = ("limit", "after")
    #: The batch list comes newest first (so reading can stop once past a given time).
    lists_newest_first: t.ClassVar[bool] = True
    #: The provider keeps layton's tag on a batch and lists it back (metadata, display name).
    keeps_tags: t.ClassVar[bool] = True
    #: Field of a result line that holds the request's custom id.
    result_id_field: t.ClassVar[str] = "custom_id"
    #: What the cancel call adds to the batch's poll path (``:cancel`` for Google-style APIs).
    cancel_suffix: t.ClassVar[str] = "/cancel"

    # ------------------------------------------------------------------------------ hooks

    @abstractmethod
    def build_body(self, request: NeutralRequest, options: GenerationOptions) -> dict[str, t.Any]:
        """The native JSON body of one request (its options checked)."""

    @abstractmethod
    def parse_response(self, result: RawResult) -> ModelOutput:
        """The visible text, usage, finish reason or error of one result."""

    def adapter_fixes(
        self, *, metadata: Mapping[str, str] | None, trace: SubmitTrace | None
    ) -> dict[str, Fix]:
        """Adapter method name -> its fix (:data:`Fix`), for batchling's defects and for
        layton's batch tag (``metadata``, during a submission); ``trace`` is the submission's
        progress. None by default."""
        return {}

    @property
    def limits(self) -> Limits:
        """What one batch may hold, from the facts above (read at each use)."""
        return Limits(
            name=self.name,
            max_requests_per_batch=self.max_requests_per_batch,
            max_bytes_per_batch=self.max_bytes_per_batch,
            completion_windows=self.completion_windows,
            line_overhead=self.line_overhead,
        )

    def check_items(self, items: Items, metadata: Mapping[str, str] | None) -> None:
        """Refuse a batch the provider would refuse, before any call (:class:`Limits`)."""
        self.limits.check_items(items, metadata)

    def read_poll(
        self, payload: dict[str, t.Any], snap: t.Any, *, total: int, terminal: bool
    ) -> BatchSnapshot:
        """Where a batch stands, from a poll answer (``payload``) and batchling's reading of
        it (``snap``): the state from ``states``, batchling's count out of ``total``, its
        output and error files."""
        status = snap.status
        if status in self.states:
            state = self.states[status]
        else:
            state = BatchState.pending if status == "created" else BatchState.running
        return BatchSnapshot(
            status=status,
            state=state,
            terminal=terminal,
            completed=snap.progress_completed,
            failed=0,
            total=total,
            output_file_id=snap.output_file_id or None,
            error_file_id=snap.error_file_id or None,
            error=batch_error(payload),
        )

    def result_locators(self, batch_id: str, snapshot: BatchSnapshot) -> list[str]:
        """What to download for a finished batch: its output file, then its error file.

        batchling defect (docs/providers.md, D3): its result locator is the output file, or
        the error file only when there is no output file, so failed requests vanish whenever
        one request succeeded. Download both files and merge them.
        """
        locators = [snapshot.output_file_id, snapshot.error_file_id]
        return [loc for i, loc in enumerate(locators) if loc and loc not in locators[:i]]

    def result_of(self, item: dict[str, t.Any]) -> RawResult:
        """The status and native body of one result line (OpenAI's shape: ``response``
        with ``status_code`` and ``body``, or ``error``), as batchling's adapters read it.

        Raises on a line of an unexpected shape (it then counts as malformed).
        """
        response = item.get("response")
        if response:
            return RawResult(int(response.get("status_code", 200)), response.get("body"))
        error = item.get("error") or {}
        return RawResult(int(error.get("status_code", 500)), error or {"error": "Missing response"})

    def decode_lines(
        self, lines: Iterable[bytes | str], check: LineCheck | None = None
    ) -> Iterator[tuple[str, RawResult]]:
        """``(custom id, result)`` of each line of downloaded results, one line at a time.

        batchling defect (docs/providers.md, D7): it decodes a whole file at once, so one
        malformed line raises for the file. Here a bad line becomes an error result when its id
        can be read, and is skipped otherwise (counted in ``check``).
        """
        for line in lines:
            decoded = decode_line(line, self.result_id_field, self.result_of)
            if decoded is not None:
                yield decoded
            elif check is not None and line.strip():
                check.unreadable += 1

    def list_request(self, remaining: int, cursor: str | None) -> tuple[str, dict[str, t.Any]]:
        """The path and query of one page of the batch list (``list_path``, ``list_params``)."""
        size, after = self.list_params
        params: dict[str, t.Any] = {size: min(remaining, 100)}
        if cursor:
            params[after] = cursor
        return self.list_path, params

    def parse_list(
        self, payload: t.Any, cursor: str | None
    ) -> tuple[list[RemoteBatch], str | None]:
        """The batches of one page of the list, and the cursor of the next page (``None`` at
        the end)."""
        raise BatchError(f"{self.name} cannot list batches", provider=self.name)
