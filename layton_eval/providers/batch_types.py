"""What a provider tells about a batch, in the same words for every provider."""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["BatchListing", "BatchSnapshot", "BatchState", "RawResult", "RemoteBatch", "SubmitTrace"]


class BatchState(StrEnum):
    """A batch's state, the same words for every provider."""

    pending = "pending"
    running = "running"
    cancelling = "cancelling"  # a cancel was asked; requests under way may still finish
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
    expired = "expired"


@dataclass(frozen=True)
class BatchSnapshot:
    """One poll of a batch: native status, normalized state and progress counts."""

    status: str
    state: BatchState
    terminal: bool
    completed: int
    failed: int
    total: int
    output_file_id: str | None
    error_file_id: str | None
    error: str | None = None  # the provider's batch-level error message, if it gave one
    counted: int | None = None  # requests the provider says the batch holds (xAI), if told


@dataclass(frozen=True)
class RemoteBatch:
    """A batch as the provider lists it, to reconcile after a crash."""

    batch_id: str
    created_at: datetime | None
    request_count: int | None
    status: str
    metadata: dict[str, str]


@dataclass
class BatchListing:
    """The provider's batch list as far as it was read.

    ``complete``: the end of the list was reached; ``oldest``: the creation time of the oldest
    batch read (on an API listing newest first, everything newer was read).
    """

    batches: list[RemoteBatch] = field(default_factory=list)
    pages: int = 0
    complete: bool = False
    oldest: datetime | None = None

    def add(self, items: list[RemoteBatch]) -> None:
        self.pages += 1
        self.batches.extend(items)
        times = [item.created_at for item in items if item.created_at is not None]
        if times and (self.oldest is None or min(times) < self.oldest):
            self.oldest = min(times)

    def reached(self, since: datetime | None) -> bool:
        """Whether a batch created before ``since`` was read."""
        return since is not None and self.oldest is not None and self.oldest < since


@dataclass
class SubmitTrace:
    """How far one submission went, filled in while it runs (read after a failure).

    ``stage`` is ``"upload"`` while the input is sent (nothing can be billed yet: a file, or
    an empty xAI container), then ``"create"`` for the call that creates the paid batch.
    ``on_container`` is called as soon as an xAI container id is known, to record it.
    """

    stage: str = "upload"
    file_id: str | None = None
    container_id: str | None = None
    added: int = 0
    on_container: Callable[[str], None] | None = None


@dataclass(frozen=True)
class RawResult:
    """One decoded result line: HTTP-like status and the parsed native body (or error).

    ``conflicts``: how many other, different successful lines came for the same id (the
    first success is kept).
    """

    status_code: int
    body: t.Any
    conflicts: int = 0
