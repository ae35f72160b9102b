"""What a provider tells about a batch, in the same words for every provider."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["BatchSnapshot", "BatchState", "RawResult", "RemoteBatch"]


class BatchState(StrEnum):
    """A batch's state, the same words for every provider."""

    pending = "pending"
    running = "running"
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


@dataclass(frozen=True)
class RemoteBatch:
    """A batch as the provider lists it, to reconcile after a crash."""

    batch_id: str
    created_at: datetime | None
    request_count: int | None
    status: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class RawResult:
    """One decoded result line: HTTP-like status and the parsed native body (or error)."""

    status_code: int
    body: t.Any
